package smoracle

import (
	"fmt"
	"regexp"
	"strings"

	"mailcc/runtime/probe"
	"mailcc/tablesrc"
)

// sessionMacros are set explicitly (with .D) before every check, so that
// nothing leaks from one command to the next and the rulesets see what
// the SMTP server would define.
var sessionMacros = []string{"client_addr", "client_name", "client_ptr", "client_resolve",
	"client_port", "daemon_flags", "auth_type", "auth_authen",
	"auth_author", "auth_ssf", "verify", "mail_mailer", "mail_host",
	"mail_addr", "rcpt_mailer", "rcpt_host", "rcpt_addr", "addr_type",
	"quarantine", "s", "mail_from", "client_rate", "client_connections",
	"total_rate", "deliveryMode"}

// defineMacro is the -bt line that sets a macro.
func defineMacro(name, value string) string {
	if len(name) == 1 {
		return ".D" + name + value
	}
	return ".D{" + name + "}" + value
}

// answer builds the result of one probe: the shared fields from the
// probe, the rest filled by the probe's kind.
type answer struct {
	probe.Result
}

func newAnswer(p *probe.Probe) *answer {
	return &answer{probe.Result{N: p.N, Line: p.Line, Kind: p.Kind, Probe: p.Text}}
}

// step records what sendmail answered in the result's trace.
func (a *answer) step(what, result string) {
	a.Trace = append(a.Trace, probe.Step{What: what, Result: result})
}

// refuse sets a refusal.
func (a *answer) refuse(decision, code, dsn, text string) {
	a.Decision, a.Code, a.DSN, a.Text = decision, code, dsn, text
}

// sessionMacros returns the .D lines of a probe's session: the client,
// the first-connection counters of ratecontrol/conncontrol, the EHLO
// name and, for the rcpt stage, the AUTH macros; every other session
// macro is set empty.
func (c *config) sessionMacros(p *probe.Probe, rcptStage bool) []string {
	addr := p.Client.Addr.String()
	if p.Client.Addr.Is6() {
		// sendmail's form: IPv6: and every group, without leading zeros
		b := p.Client.Addr.As16()
		groups := make([]string, 8)
		for i := range groups {
			groups[i] = fmt.Sprintf("%x", uint16(b[2*i])<<8|uint16(b[2*i+1]))
		}
		addr = "IPv6:" + strings.Join(groups, ":")
	}
	name := p.Client.Name
	resolve := "OK"
	if name == "" {
		name, resolve = "["+addr+"]", "FAIL"
	}
	helo := p.Helo
	if helo == "" {
		helo = name
	}
	v := map[string]string{
		"client_addr": addr, "client_name": name, "client_ptr": name,
		"client_resolve": resolve, "client_port": "4711",
		"deliveryMode": c.deliveryMode,
		// FEATURE(ratecontrol) and (conncontrol): a first connection
		"client_rate": "1", "client_connections": "1", "total_rate": "1",
		"s": helo,
	}
	if rcptStage && p.Auth != "" {
		v["auth_type"] = p.AuthType
		if v["auth_type"] == "" {
			v["auth_type"] = "PLAIN"
		}
		v["auth_authen"], v["auth_author"], v["auth_ssf"] = p.Auth, p.Auth, "0"
	}
	lines := make([]string, len(sessionMacros))
	for i, m := range sessionMacros {
		lines[i] = defineMacro(m, v[m])
	}
	return lines
}

// check is the outcome of one check_* ruleset.
type check struct {
	decision, code, dsn, text, stage, verdict string
}

func (k check) refusal() bool { return k.decision == probe.Reject || k.decision == probe.Tempfail }

func (k check) apply(a *answer) {
	a.refuse(k.decision, k.code, k.dsn, k.text)
	a.Stage, a.Verdict = k.stage, k.verdict
}

// interpret maps what a check_* ruleset returned to a decision: an
// $#error triple is a refusal with buildaddr()'s reply ($@quarantine is
// an acceptance), $#discard a discard, anything else an acceptance; a
// ruleset that did not run accepts; status 75 (a map lookup failed
// temporarily) with no triple is a temporary failure.
func (c *config) interpret(raw string, status int, ran bool, stage string) check {
	if !ran {
		return check{decision: probe.Accept, stage: stage, verdict: "(no ruleset)"}
	}
	norm := c.tok.norm(raw)
	t, ok := c.tok.triple(raw)
	switch {
	case !ok:
		verdict := norm
		if verdict == "" {
			verdict = "(empty)"
		}
		if status == 75 {
			return check{probe.Tempfail, "451", "4.3.0", "Temporary system failure (map lookup)", stage, verdict}
		}
		return check{decision: probe.Accept, stage: stage, verdict: verdict}
	case t.mailer == "error" && strings.EqualFold(t.host, "quarantine"):
		return check{decision: probe.Accept, stage: stage, verdict: "QUARANTINE"}
	case t.mailer == "error":
		code, dsn, text := errorReply(t.host, t.user, c.softBounce)
		return check{decisionOf(code), code, dsn, text, stage, "error"}
	case t.mailer == "discard":
		return check{decision: probe.Discard, stage: stage, verdict: "discard"}
	}
	return check{decision: probe.Accept, stage: stage, verdict: t.mailer}
}

// runCheck runs ruleset (with arg) after the macro lines and interprets
// its return.
func (c *config) runCheck(a *answer, macros []string, ruleset, arg, stage string) (check, error) {
	ch, err := c.bt(append(macros[:len(macros):len(macros)], ruleset+" "+arg))
	if err != nil {
		return check{}, err
	}
	raw, status, ran := returns(ch[len(ch)-1], ruleset)
	if ran {
		a.step(ruleset+" "+arg, c.tok.norm(raw))
	}
	return c.interpret(raw, status, ran, stage), nil
}

// parsed is the outcome of /parse (rulesets 3 and 0, then 2/R= and 4):
// the address's route, or the error sendmail would answer.
type parsed struct {
	decision, code, dsn, text string
	mailer, host, user        string
	ruleset0                  string
	messages                  []string
}

// route describes the address's route as sendmail's /parse does.
func (pr parsed) route() string {
	if pr.host == "" {
		return "mailer " + pr.mailer + ", user " + pr.user
	}
	return "mailer " + pr.mailer + ", host " + pr.host + ", user " + pr.user
}

var (
	routeLineRE  = regexp.MustCompile(`^mailer \S+, `)
	mailerLineRE = regexp.MustCompile(`^mailer (\S+), (?:host (.*?), )?user (.*)$`)
	traceLineRE  = regexp.MustCompile(`^\S+\s+(input|returns):`)
	codeLineRE   = regexp.MustCompile(`^\d{3}[ -]`)
	parseRetRE   = regexp.MustCompile(`^parse\s+returns: ?(.*)$`)
)

// interpretParse reads the output of /parse ADDR.
func (c *config) interpretParse(chunk []string) parsed {
	var last, r0raw string
	var errs []string
	for _, ln := range chunk {
		switch {
		case routeLineRE.MatchString(ln) || strings.HasPrefix(ln, "Cannot parse"):
			last = ln
		case strings.Contains(ln, "... ") && !traceLineRE.MatchString(ln), codeLineRE.MatchString(ln):
			errs = append(errs, strings.TrimSpace(ln))
		}
		if m := parseRetRE.FindStringSubmatch(ln); m != nil {
			r0raw = m[1]
		}
	}
	var out parsed
	out.ruleset0 = c.tok.norm(r0raw)
	if m := mailerLineRE.FindStringSubmatch(last); m != nil {
		out.mailer, out.host, out.user = m[1], m[2], m[3]
	}
	for _, e := range errs {
		out.messages = append(out.messages, stripAddrPrefix(e))
	}
	lastErr := ""
	if len(errs) > 0 {
		lastErr = errs[len(errs)-1]
	}
	t, isTriple := c.tok.triple(r0raw)
	switch {
	case isTriple && t.mailer == "error":
		code, dsn, text := errorReply(t.host, t.user, c.softBounce)
		out.decision, out.code, out.dsn, out.text = decisionOf(code), code, dsn, text
	case strings.Contains(strings.Join(errs, "\n"), "Transient parse error"):
		out.decision, out.code, out.dsn, out.text = probe.Tempfail, "451", "4.3.0", stripAddrPrefix(lastErr)
	case last == "" || strings.HasPrefix(last, "Cannot parse") || out.mailer == "error":
		code, dsn, text := "", "", ""
		if lastErr != "" {
			code, dsn, text = splitReply(lastErr)
			text = stripAddrPrefix(text)
		}
		if code == "" {
			code, dsn, text = "553", "5.1.3", "Cannot parse"
			if lastErr != "" {
				text = stripAddrPrefix(lastErr)
			}
		}
		out.decision, out.code, out.dsn, out.text = decisionOf(code), code, dsn, text
	default:
		out.decision = probe.Accept
	}
	return out
}

// parse runs /tryflags FLAGS and /parse ADDR after the macro lines, then
// the commands of then in the same process; it returns what the last of
// those printed.
func (c *config) parse(a *answer, macros []string, flags, addr string, then ...string) (parsed, []string, error) {
	cmds := append(macros[:len(macros):len(macros)], "/tryflags "+flags, "/parse "+addr)
	ch, err := c.bt(append(cmds, then...))
	if err != nil {
		return parsed{}, nil, err
	}
	pr := c.interpretParse(ch[len(cmds)-1])
	a.step("/parse "+addr+" ("+flags+")", pr.ruleset0)
	return pr, ch[len(ch)-1], nil
}

// connectStage runs check_relay through the oracle_relay wrapper.
func (c *config) connectStage(a *answer, p *probe.Probe) (check, []string, error) {
	macros := c.sessionMacros(p, false)
	if !c.names["check_relay"] {
		return check{decision: probe.Accept, stage: "connect", verdict: "(no check_relay)"}, macros, nil
	}
	ch, err := c.bt(append(macros[:len(macros):len(macros)], "oracle_relay x"))
	if err != nil {
		return check{}, nil, err
	}
	raw, status, ran := returns(ch[len(ch)-1], "oracle_relay")
	if ran {
		a.step("check_relay", c.tok.norm(raw))
	}
	return c.interpret(raw, status, ran, "connect"), macros, nil
}

// mailStage parses the sender (setsender(): a ruleset-0 $#error rejects
// MAIL) and runs check_mail. It returns the macro lines that describe
// the sender for the later stages.
func (c *config) mailStage(a *answer, p *probe.Probe, macros []string) (check, []string, error) {
	var extra []string
	from := p.From
	// f is the sender as sendmail knows it: setsender() rewrites the
	// MAIL FROM argument with rulesets 3, 1 and 4 (the null sender
	// becomes empty); check_rcpt under FEATURE(delay_checks) hands
	// <$&f> to check_mail. {mail_from} is the argument with <> (set by
	// sendmail only when built with _FFR_MAIL_MACRO). It is asked in
	// the process that parses the sender.
	fCmds := senderMacroCommands(from)
	var fOut []string
	if from != "" {
		pr, out, err := c.parse(a, macros, "ES", "<"+from+">", fCmds...)
		if err != nil {
			return check{}, nil, err
		}
		fOut = out
		a.step("sender", pr.route())
		if pr.decision != probe.Accept {
			return check{pr.decision, pr.code, pr.dsn, pr.text, "mail", "sender parse (ruleset 0)"}, nil, nil
		}
		extra = append(extra, defineMacro("mail_mailer", pr.mailer),
			defineMacro("mail_host", pr.host), defineMacro("mail_addr", pr.user))
	}
	if from == "" {
		ch, err := c.bt(append(macros[:len(macros):len(macros)], fCmds...))
		if err != nil {
			return check{}, nil, err
		}
		fOut = ch[len(ch)-1]
	}
	f := c.senderMacro(fOut)
	extra = append(extra, defineMacro("f", f), defineMacro("mail_from", "<"+from+">"),
		defineMacro("addr_type", "e s"))
	if !c.names["check_mail"] {
		return check{decision: probe.Accept, stage: "mail", verdict: "(no check_mail)"}, extra, nil
	}
	k, err := c.runCheck(a, append(macros[:len(macros):len(macros)], extra...), "check_mail", "<"+from+">", "mail")
	return k, extra, err
}

// senderMacroCommands make $f for the sender as setsender() does: the
// address, without its comments (prescan() drops them; address test
// mode keeps them as tokens), through rulesets 3, 1 and 4 with
// {addr_type} "e s".
func senderMacroCommands(from string) []string {
	bare, _ := tablesrc.StripComments(from)
	return []string{".D{addr_type}e s", "3,1,4 <" + strings.TrimSpace(bare) + ">"}
}

// senderMacro reads $f from what senderMacroCommands printed: the last
// ruleset's result, joined as cataddr() joins it with the BlankSub
// character.
func (c *config) senderMacro(out []string) string {
	last := ""
	for _, ln := range out {
		if m := anyReturns.FindStringSubmatch(ln); m != nil {
			last = m[1]
		}
	}
	return c.tok.joinWith(splitDisplay(last), c.blankSub)
}

var anyReturns = regexp.MustCompile(`^\S+\s+returns: ?(.*)$`)

// heloStage sends the probe's HELO name to the real sendmail (sendmail
// -bs: -bt cannot show it), which refuses a name with characters other
// than letters, digits and "[].-_#:" before any ruleset runs, unless
// confALLOW_BOGUS_HELO; ruleset checks see the name as $s later. Only a
// name the probe gives (helo=) is sent: the client's name or address
// literal the harness uses otherwise is one sendmail takes.
func (c *config) heloStage(a *answer, p *probe.Probe) (check, error) {
	ok := check{decision: probe.Accept, stage: "helo", verdict: "250"}
	if p.Helo == "" {
		return ok, nil
	}
	replies, err := c.bs([]string{"HELO " + p.Helo})
	if err != nil {
		return check{}, err
	}
	if len(replies) < 2 || len(replies[1]) == 0 {
		return check{}, fmt.Errorf("sendmail -bs did not answer HELO %s", p.Helo)
	}
	line := replies[1][len(replies[1])-1]
	a.step("sendmail -bs HELO "+p.Helo, line)
	if strings.HasPrefix(line, "2") {
		return ok, nil
	}
	code, dsn, text := splitReply(line)
	return check{decisionOf(code), code, dsn, text, "helo", code}, nil
}

// connectHelo runs the stages before MAIL: check_relay, then HELO; it
// returns the one that refused (or the connection's check) and the
// session's macro lines.
func (c *config) connectHelo(a *answer, p *probe.Probe) (check, []string, bool, error) {
	conn, macros, err := c.connectStage(a, p)
	if err != nil || conn.refusal() {
		return conn, macros, conn.refusal(), err
	}
	helo, err := c.heloStage(a, p)
	if err != nil || helo.refusal() {
		return helo, macros, helo.refusal(), err
	}
	return conn, macros, false, nil
}

func (c *config) probeConnect(a *answer, p *probe.Probe) error {
	k, _, err := c.connectStage(a, p)
	if err == nil {
		k.apply(a)
	}
	return err
}

func (c *config) probeMail(a *answer, p *probe.Probe) error {
	conn, macros, refused, err := c.connectHelo(a, p)
	if err != nil {
		return err
	}
	if refused {
		conn.apply(a)
		return nil
	}
	k, _, err := c.mailStage(a, p, macros)
	if err != nil {
		return err
	}
	if conn.decision == probe.Discard && k.decision == probe.Accept {
		k.decision, k.verdict = probe.Discard, "discard (connect)"
	}
	k.apply(a)
	return nil
}

func (c *config) probeRcpt(a *answer, p *probe.Probe) error {
	conn, _, refused, err := c.connectHelo(a, p)
	if err != nil {
		return err
	}
	if refused {
		conn.apply(a)
		return nil
	}
	// AUTH comes before MAIL: check_mail sees the AUTH macros too
	macros := c.sessionMacros(p, true)
	mail, extra, err := c.mailStage(a, p, macros)
	if err != nil {
		return err
	}
	if mail.refusal() {
		mail.apply(a)
		return nil
	}
	to := "<" + p.To + ">"
	pr, _, err := c.parse(a, append(macros[:len(macros):len(macros)], extra...), "ER", to)
	if err != nil {
		return err
	}
	if pr.decision != probe.Accept {
		// the RCPT reply, as in srvrsmtp.c
		check{pr.decision, pr.code, pr.dsn, pr.text, "rcpt", "recipient parse (ruleset 0)"}.apply(a)
		return nil
	}
	a.step("route", pr.route())
	rcptHost := pr.host
	if rcptHost == "" {
		rcptHost = "localhost"
	}
	for _, x := range extra {
		if !strings.HasPrefix(x, ".D{addr_type}") {
			macros = append(macros, x)
		}
	}
	macros = append(macros, defineMacro("rcpt_mailer", pr.mailer), defineMacro("rcpt_host", rcptHost),
		defineMacro("rcpt_addr", pr.user), defineMacro("addr_type", "e r"))
	k := check{decision: probe.Accept, stage: "rcpt", verdict: "(no check_rcpt)"}
	if c.names["check_rcpt"] {
		if k, err = c.runCheck(a, macros, "check_rcpt", to, "rcpt"); err != nil {
			return err
		}
	}
	switch {
	case k.decision != probe.Accept:
	case conn.decision == probe.Discard || mail.decision == probe.Discard:
		k.decision, k.verdict = probe.Discard, "discard (earlier stage)"
	case pr.mailer == "local":
		line, err := c.bsRcpt(p.To)
		if err != nil {
			return err
		}
		a.step("sendmail -bs RCPT TO:"+to, line)
		if line != "" && !strings.HasPrefix(line, "2") {
			code, dsn, text := splitReply(line)
			k = check{decisionOf(code), code, dsn, stripAddrPrefix(text), "rcpt",
				"recipient() via sendmail -bs (alias/local user lookup)"}
		}
	}
	k.apply(a)
	return nil
}

func (c *config) probeResolve(a *answer, p *probe.Probe) error {
	pr, _, err := c.parse(a, nil, "ER", p.Address)
	if err != nil {
		return err
	}
	a.refuse(pr.decision, pr.code, pr.dsn, pr.text)
	a.Mailer, a.Host, a.User = pr.mailer, probe.Str(pr.host), probe.Str(pr.user)
	for _, m := range pr.messages {
		a.step("message", m)
	}
	return nil
}

var (
	tryRE   = regexp.MustCompile(`^Rcode = (\d+), addr = (.*)$`)
	angleRE = regexp.MustCompile(`<([^<>]*)>`)
)

// bare is the address inside <> of s, else s.
func bare(s string) string {
	if m := angleRE.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return s
}

// probeHeaderFrom rewrites the address as a From: header (/tryflags HS)
// and as the envelope sender (/tryflags ES) for the mailer.
func (c *config) probeHeaderFrom(a *answer, p *probe.Probe) error {
	mailer := p.Mailer
	if mailer == "" {
		mailer = "smtp"
		for _, m := range c.mailers {
			if m == "esmtp" {
				mailer = "esmtp"
			}
		}
	}
	ch, err := c.bt([]string{"/tryflags HS", "/try " + mailer + " " + p.Address,
		"/tryflags ES", "/try " + mailer + " " + bare(p.Address)})
	if err != nil {
		return err
	}
	got := func(chunk []string) (rcode, addr string, ok bool) {
		for _, ln := range chunk {
			if m := tryRE.FindStringSubmatch(ln); m != nil {
				return m[1], m[2], true
			}
			if strings.HasPrefix(ln, "Unknown mailer") {
				return "", "", false
			}
		}
		return "", "", false
	}
	hcode, header, hok := got(ch[1])
	ecode, envelope, _ := got(ch[3])
	a.Decision, a.Mailer = probe.Error, mailer
	if hok {
		a.Decision, a.Header = probe.Accept, bare(header)
		a.step("header "+p.Address, header)
	}
	a.Envelope = envelope
	if hcode != "" && hcode != "0" || ecode != "" && ecode != "0" {
		a.step("rcode", "header "+hcode+", envelope "+ecode+" (75: a map lookup temp-failed or was unavailable)")
	}
	return nil
}

// probeAlias looks the name up with praliases (one level; folded to
// lower case with Options.FoldAliasNames) and expands it fully with
// sendmail -bv (recorded in the trace).
func (c *config) probeAlias(a *answer, p *probe.Probe) error {
	name := p.Name
	if c.opt.FoldAliasNames {
		name = string(tablesrc.FoldASCII([]byte(name)))
	}
	val, err := c.praliases(name)
	if err != nil {
		return err
	}
	a.Decision = probe.NotFound
	if val != "" {
		a.Decision = probe.Accept
		for _, x := range strings.Split(val, ",") {
			a.Alias = append(a.Alias, strings.TrimSpace(x))
		}
	}
	exp, err := c.verify(p.Name)
	if err != nil {
		return err
	}
	for _, ln := range exp {
		addr, res, _ := strings.Cut(ln, "... ")
		a.step("sendmail -bv "+addr, res)
	}
	return nil
}

// answer runs one probe; an error of the harness becomes an error
// decision, so that one broken probe does not stop the run.
func (c *config) answer(p *probe.Probe) probe.Result {
	a := newAnswer(p)
	var err error
	switch p.Kind {
	case probe.Connect:
		err = c.probeConnect(a, p)
	case probe.Mail:
		err = c.probeMail(a, p)
	case probe.Rcpt:
		err = c.probeRcpt(a, p)
	case probe.Resolve:
		err = c.probeResolve(a, p)
	case probe.HeaderFrom:
		err = c.probeHeaderFrom(a, p)
	case probe.Alias:
		err = c.probeAlias(a, p)
	default:
		err = fmt.Errorf("unknown probe kind %q", p.Kind)
	}
	if err != nil {
		return probe.Result{N: p.N, Line: p.Line, Kind: p.Kind, Probe: p.Text,
			Decision: probe.Error, Text: "oracle: " + err.Error()}
	}
	return a.Result
}
