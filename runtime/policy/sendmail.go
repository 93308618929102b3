package policy

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"mailcc/internal/smreply"
	"mailcc/ir"
	"mailcc/runtime/probe"
)

// sendmail decides as the cf library's rulesets do (cf/m4/proto.m4 of
// sendmail 8.17): check_relay at connection, check_mail at MAIL (after
// the sender passed ruleset 0), check_rcpt at RCPT (after the
// recipient did), then the local user check for the local mailer.
type sendmail struct {
	e        *Engine
	cfg      *ir.Config
	hostname string // $j
	domain   string // $m
	classW   map[string]bool
	access   *table
	virtuser *table
	virtDoms []ir.DomainMatch
	mailer   *table
	domtab   *table
	aliases  []*table
	// features of the configuration
	blocklist, acceptUnresolvable, acceptUnqualified bool
	skip, dotDomain, relayFullAddr                   bool
	trustAuth                                        map[string]bool
	relayNets                                        []ir.Network
	relayDomains                                     []ir.DomainMatch
	relayNames                                       []ir.DomainMatch
	rejectReply, rcptRejectReply                     ir.Reply
	localMailer                                      string // $#_LOCAL_: confLOCAL_MAILER
	checkUsers                                       bool   // the local mailer has F=w
	// bogusHelo: confALLOW_BOGUS_HELO, the HELO command takes any name
	bogusHelo    bool
	bogusHeloPos ir.Pos
}

func newSendmail(e *Engine) *sendmail {
	cfg := e.cfg
	s := &sendmail{e: e, cfg: cfg, classW: map[string]bool{}, trustAuth: map[string]bool{}}
	s.hostname = cfg.Identity.Hostname.Value
	if s.hostname == "" || strings.HasPrefix(s.hostname, "$") {
		s.hostname = e.env.Hostname
	}
	if i := strings.IndexByte(s.hostname, '.'); i >= 0 {
		s.domain = s.hostname[i+1:]
	}
	s.addW(s.hostname)
	if i := strings.IndexByte(s.hostname, '.'); i > 0 {
		s.addW(s.hostname[:i])
	}
	s.addW("localhost")
	s.addW("[127.0.0.1]")
	s.addW("[IPv6:0:0:0:0:0:0:0:1]")
	for _, d := range cfg.LocalDomains {
		if !d.Negated && d.Table == "" {
			s.addW(d.Domain)
		}
	}
	if c := cfg.Class("w"); c != nil {
		for _, m := range c.Members {
			s.addW(m.Value)
		}
	}
	for _, o := range cfg.Options {
		if o.Name == "AllowBogusHELO" {
			s.bogusHelo, s.bogusHeloPos = o.Bool, o.Pos
		}
	}
	s.access = e.tables["access"]
	for _, st := range cfg.Rewrite.Stages {
		switch st.Kind {
		case ir.RewriteVirtual:
			if len(st.Tables) > 0 {
				s.virtuser = e.tables[st.Tables[0]]
				s.virtDoms = st.Domains
			}
		case ir.RewriteDomainTable:
			if len(st.Tables) > 0 {
				s.domtab = e.tables[st.Tables[0]]
			}
		case ir.RewriteAliases:
			for _, n := range st.Tables {
				if t := e.tables[n]; t != nil {
					s.aliases = append(s.aliases, t)
				}
			}
		}
	}
	if tr := cfg.Routing.Transport; tr != nil {
		s.mailer = e.tables[tr.Table]
	}
	s.localMailer = "local"
	if m := cfg.Routing.Local.Mailer.Value; m != "" {
		s.localMailer = m
	}
	s.checkUsers = true
	for _, m := range cfg.Mailers {
		if m.Name == s.localMailer {
			// recipient() checks the passwd database for mailers with
			// F=w only (cyrus, lmtp mailers have none)
			s.checkUsers = strings.Contains(m.Flags, "w")
		}
	}
	s.acceptUnresolvable, s.acceptUnqualified = true, true
	for _, st := range cfg.Policy.Stages {
		for _, c := range st.Checks {
			switch c.Kind {
			case ir.CheckRejectUnknownSenderDomain:
				s.acceptUnresolvable = false
			case ir.CheckRejectUnqualifiedSender:
				s.acceptUnqualified = false
			case ir.CheckAccess:
				if c.Lookup != nil {
					s.skip = s.skip || c.Lookup.Skip
					s.dotDomain = s.dotDomain || c.Lookup.DotDomain
					if st.Stage == ir.StageRcpt && c.Lookup.UserOnlyLocal {
						s.blocklist = true
					}
					if st.Stage == ir.StageRcpt && len(c.Args) == 1 && c.Args[0] == "RELAY" && c.Subject == "recipient" &&
						len(c.Lookup.Order) > 1 && c.Lookup.Order[0] == "address" {
						s.relayFullAddr = true
					}
				}
			}
		}
	}
	for _, m := range cfg.Relay.AuthMechanisms {
		s.trustAuth[strings.ToUpper(m.Value)] = true
	}
	s.relayNets = cfg.Relay.Networks
	s.relayDomains = cfg.Relay.Domains
	s.relayNames = cfg.Relay.ClientNames
	s.rejectReply = cfg.Policy.Defaults.Reject
	if s.rejectReply.Code == 0 {
		s.rejectReply = ir.Reply{Code: 550, DSN: "5.7.1", Text: "Access denied"}
	}
	s.rcptRejectReply = cfg.Policy.Defaults.RecipientReject
	if s.rcptRejectReply.Code == 0 {
		s.rcptRejectReply = ir.Reply{Code: 550, DSN: "5.2.1", Text: "Mailbox disabled for this recipient"}
	}
	return s
}

func (s *sendmail) addW(name string) {
	if name != "" && !strings.HasPrefix(name, "$") {
		s.classW[strings.ToLower(strings.TrimSuffix(name, "."))] = true
	}
}

func (s *sendmail) inW(name string) bool { return s.classW[strings.ToLower(name)] }

// tracer collects the steps of a decision; buf is scratch space for
// building lookup keys.
type tracer struct {
	steps []Step
	buf   []byte
	// Postfix's DEFER_IF_PERMIT and DEFER_IF_REJECT replies, pending
	// until the restrictions end in a permit or a rejection.
	deferIfPermit, deferIfReject *Decision
	// Postfix's DISCARD: once an action says so, smtpd skips every
	// later restriction of the transaction and claims success.
	discard *Decision
	// the session's ${client_addr}, computed once
	caddr string
	// depth of Postfix restriction classes being evaluated
	depth int
}

// clientAddr is ${client_addr} of the session, computed once a
// decision.
func (t *tracer) clientAddr(sess Session) string {
	if t.caddr == "" {
		t.caddr = clientAddrMacro(sess.ClientAddr)
	}
	return t.caddr
}

// clientName is ${client_name}: the verified name, else [ADDR].
func (t *tracer) clientName(sess Session) string {
	if sess.ClientName != "" {
		return sess.ClientName
	}
	return "[" + t.clientAddr(sess) + "]"
}

func (t *tracer) add(what, result string, pos ir.Pos) {
	t.steps = append(t.steps, Step{What: what, Result: result, Pos: pos})
}

// clientAddrMacro is ${client_addr}: IPv4 dotted, IPv6 as "IPv6:" and
// eight groups without leading zeros (sendmail's anynet_ntop).
func clientAddrMacro(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	if a.Is4() {
		return a.String()
	}
	b := a.As16()
	groups := make([]string, 8)
	for i := range groups {
		groups[i] = strings.TrimLeft(strings.ToLower(hex4(uint16(b[2*i])<<8|uint16(b[2*i+1]))), "0")
		if groups[i] == "" {
			groups[i] = "0"
		}
	}
	return "IPv6:" + strings.Join(groups, ":")
}

func hex4(v uint16) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[v>>12], digits[v>>8&15], digits[v>>4&15], digits[v&15]})
}

// hit is an access map answer: the value and the entry that gave it.
type hit struct {
	value string
	entry *ir.Entry
	key   string
}

func (h *hit) found() bool { return h != nil }

// lookup is one access map lookup: tag:key then, with untagged, key.
func (s *sendmail) lookup(t *tracer, key, tag string, untagged bool) *hit {
	return s.lookupParts(t, tag, untagged, key, "", "")
}

// lookupParts looks up the key a+b+c (tag:key, then the key untagged)
// without building it unless it is found.
func (s *sendmail) lookupParts(t *tracer, tag string, untagged bool, a, b, c string) *hit {
	if s.access == nil {
		return nil
	}
	if en := s.access.getParts(&t.buf, tag, a, b, c); en != nil {
		key := tag + ":" + a + b + c
		t.add("access "+key, en.Value, en.Pos)
		return &hit{value: en.Value, entry: en, key: key}
	}
	if untagged {
		if en := s.access.getParts(&t.buf, "", a, b, c); en != nil {
			key := a + b + c
			t.add("access "+key, en.Value, en.Pos)
			return &hit{value: en.Value, entry: en, key: key}
		}
	}
	return nil
}

// lookupD is the D ruleset: a host name (or [address]) and its parents.
func (s *sendmail) lookupD(t *tracer, host, tag string) *hit {
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		// [a.b.c.d], then [a.b.c], ... (IPv6: by group)
		in := host[1 : len(host)-1]
		for in != "" {
			if h := s.lookupParts(t, tag, true, "[", in, "]"); h != nil {
				if s.skip && strings.EqualFold(h.value, "SKIP") {
					return nil
				}
				return h
			}
			i := strings.LastIndexAny(in, ".:")
			if i <= 0 {
				return nil
			}
			in = strings.TrimSuffix(in[:i], ":")
		}
		return nil
	}
	for host != "" {
		if h := s.lookup(t, host, tag, true); h != nil {
			if s.skip && strings.EqualFold(h.value, "SKIP") {
				return nil
			}
			return h
		}
		if s.dotDomain {
			if i := strings.IndexByte(host, '.'); i > 0 {
				if h := s.lookup(t, host[i:], tag, true); h != nil {
					return h
				}
			}
		}
		i := strings.IndexByte(host, '.')
		if i < 0 || i == len(host)-1 {
			return nil
		}
		host = host[i+1:]
	}
	return nil
}

// lookupA is the A ruleset: an address and its prefixes (by octet; for
// IPv6 by group).
func (s *sendmail) lookupA(t *tracer, addr, tag string) *hit {
	for addr != "" {
		if h := s.lookup(t, addr, tag, true); h != nil {
			if s.skip && strings.EqualFold(h.value, "SKIP") {
				return nil
			}
			return h
		}
		i := strings.LastIndexAny(addr, ".:")
		if i <= 0 {
			return nil
		}
		addr = strings.TrimSuffix(addr[:i], ":")
	}
	return nil
}

// lookupF is the F ruleset: user@domain, then without +detail.
func (s *sendmail) lookupF(t *tracer, user, domain, tag string, untagged bool) *hit {
	if h := s.lookupParts(t, tag, untagged, user, "@", domain); h != nil {
		return h
	}
	if u, _, ok := strings.Cut(user, "+"); ok {
		if h := s.lookupParts(t, tag, untagged, u, "+*@", domain); h != nil {
			return h
		}
		if h := s.lookupParts(t, tag, untagged, u, "@", domain); h != nil {
			return h
		}
	}
	return nil
}

// lookupU is the U ruleset: user@, then without +detail.
func (s *sendmail) lookupU(t *tracer, user, tag string, untagged bool) *hit {
	if h := s.lookupParts(t, tag, untagged, user, "@", ""); h != nil {
		return h
	}
	if u, _, ok := strings.Cut(user, "+"); ok {
		if h := s.lookupParts(t, tag, untagged, u, "+*@", ""); h != nil {
			return h
		}
		if h := s.lookupParts(t, tag, untagged, u, "@", ""); h != nil {
			return h
		}
	}
	return nil
}

// slStep is one step of a SearchList: F (user@domain), U (user@) or D
// (domain and parents).
type slStep struct {
	kind         byte
	user, domain string
}

func stepF(user, domain string) slStep { return slStep{'F', user, domain} }
func stepU(user string) slStep         { return slStep{'U', user, ""} }
func stepD(domain string) slStep       { return slStep{'D', "", domain} }

// searchList is SearchList over F, U and D steps of an address.
func (s *sendmail) searchList(t *tracer, tag string, untagged bool, steps ...slStep) *hit {
	for _, st := range steps {
		var h *hit
		switch st.kind {
		case 'F':
			h = s.lookupF(t, st.user, st.domain, tag, untagged)
		case 'U':
			h = s.lookupU(t, st.user, tag, untagged)
		case 'D':
			h = s.lookupD(t, st.domain, tag)
		}
		if h != nil {
			if s.skip && strings.EqualFold(h.value, "SKIP") {
				return nil
			}
			return h
		}
	}
	return nil
}

func cutLast(s, sep string) (string, string, bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// accessAction turns an access value into a decision the way the
// check rulesets' result rules do. ok says the value is in {Accept}.
func (s *sendmail) accessAction(value string, reject ir.Reply) (d Decision, ok bool) {
	v := strings.TrimSpace(value)
	up := strings.ToUpper(v)
	switch {
	case up == "OK" || up == "RELAY":
		return Decision{Decision: probe.Accept, Verdict: up}, true
	case up == "REJECT":
		return replyDecision(reject), false
	case up == "DISCARD":
		return Decision{Decision: probe.Discard, Verdict: "discard"}, false
	case strings.HasPrefix(up, "QUARANTINE:"):
		return Decision{Decision: probe.Accept, Verdict: "quarantine"}, false
	case strings.HasPrefix(up, "ERROR:"):
		rest := v[len("ERROR:"):]
		if m := errDSN.FindStringSubmatch(rest); m != nil {
			return errorValue(m[1], m[2]), false
		}
		return errorValue("", rest), false
	}
	return errorValue("", v), false
}

var errDSN = regexp.MustCompile(`^\s*([0-9]+\s*\.\s*[0-9]+\s*\.\s*[0-9]+)\s*:(.*)$`)

func replyDecision(r ir.Reply) Decision {
	return Decision{Decision: decisionOf(itoa(r.Code)), Code: itoa(r.Code), DSN: r.DSN, Text: r.Text, Verdict: "error"}
}

// itoa is a reply code as text, "" for none.
func itoa(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func decisionOf(code string) string {
	switch {
	case strings.HasPrefix(code, "4"):
		return probe.Tempfail
	case strings.HasPrefix(code, "5"):
		return probe.Reject
	}
	return probe.Accept
}

// errorDecision is buildaddr()'s reading of "$#error $@ host $: text"
// (smreply.Error) as a decision.
func errorDecision(host, text string) Decision {
	code, dsn, msg := smreply.Error(host, text)
	return Decision{Decision: decisionOf(code), Code: code, DSN: dsn, Text: msg, Verdict: "error"}
}

// errorValue is errorDecision for a value as written in a table: its
// text is what the ruleset's $: gets, prescan's tokens joined by
// cataddr().
func errorValue(status, raw string) Decision {
	return errorDecision(status, smreply.CatAddr(smreply.Tokenize(raw)))
}

// connect is check_relay.
// newTracer starts a trace with room for the usual lookups.
func newTracer() *tracer {
	return &tracer{buf: make([]byte, 0, 96)}
}

func (s *sendmail) connect(sess Session) Decision {
	t := newTracer()
	d := s.checkRelay(t, sess)
	d.Stage = "connect"
	d.Trace = t.steps
	return d
}

func (s *sendmail) checkRelay(t *tracer, sess Session) Decision {
	if s.cfg.Policy.DelayChecks {
		t.add("check_relay: delay_checks runs the client's checks at RCPT", "OK", ir.Pos{})
		return Decision{Decision: probe.Accept, Verdict: "OK"}
	}
	return s.basicCheckRelay(t, sess)
}

// basicCheckRelay is Basic_check_relay (checkrelay under delay_checks).
func (s *sendmail) basicCheckRelay(t *tracer, sess Session) Decision {
	if s.access == nil {
		return Decision{Decision: probe.Accept, Verdict: "OK"}
	}
	var h *hit
	if sess.ClientName != "" {
		h = s.lookupD(t, sess.ClientName, "Connect")
	} else {
		h = s.lookupD(t, "["+t.clientAddr(sess)+"]", "Connect")
	}
	if h == nil {
		h = s.lookupA(t, t.clientAddr(sess), "Connect")
	}
	if h == nil {
		t.add("check_relay: no access entry for the client", "OK", ir.Pos{})
		return Decision{Decision: probe.Accept, Verdict: "OK"}
	}
	d, _ := s.accessAction(h.value, s.rejectReply)
	return d
}

// address is an envelope address split as the rulesets see it.
type address struct {
	user, domain string // domain "" for an unqualified address
	canon        string // the domain after $[ $] (no trailing dot)
	resolved     bool   // the domain resolved ($[ $] added a dot)
}

func (s *sendmail) parse(addr string) address {
	addr = stripRoute(addr)
	if !strings.Contains(addr, "@") {
		// ruleset 3: host!user and user%host are addresses too
		if a, ok := s.localRoute(addr); ok {
			addr = a
		}
	}
	u, d, ok := cutLast(addr, "@")
	if !ok {
		return address{user: addr}
	}
	d = strings.TrimRight(d, ".") // ParseRecipient and check_mail strip trailing dots
	if ld := strings.ToLower(d); ld == "localhost" || s.domain != "" && ld == "localhost."+strings.ToLower(s.domain) {
		d = s.hostname // ruleset 3: no domain at all
	}
	if s.domtab != nil {
		if en := s.domtab.get(d); en != nil {
			d = strings.TrimSpace(en.Value)
		}
	}
	a := address{user: u, domain: d, canon: d}
	if strings.HasPrefix(d, "[") {
		a.resolved = true
		return a
	}
	if s.inW(d) {
		a.resolved = true
		return a
	}
	if c, found := s.e.env.DNS.Canonical(d); found && s.cfg.Rewrite.Canonify {
		a.canon, a.resolved = c, true
	}
	return a
}

// mail is the connection's checks, then the sender through ruleset 0
// and check_mail.
func (s *sendmail) mail(sess Session) Decision {
	return s.mailT(newTracer(), sess)
}

func (s *sendmail) mailT(t *tracer, sess Session) Decision {
	d := s.checkRelay(t, sess)
	if d.Decision != probe.Accept {
		d.Stage = "connect"
		d.Trace = t.steps
		return d
	}
	if d := s.helo(t, sess); d.Decision != probe.Accept {
		d.Stage = "helo"
		d.Trace = t.steps
		return d
	}
	d = s.checkMail(t, sess)
	d.Stage = "mail"
	d.Trace = t.steps
	return d
}

// helo is the HELO command's own check (srvrsmtp.c), before any
// ruleset: unless confALLOW_BOGUS_HELO, it refuses a name that is not
// made of the characters it allows (smreply.HeloRefusal).
func (s *sendmail) helo(t *tracer, sess Session) Decision {
	if s.bogusHelo {
		t.add("HELO "+sess.Helo+": confALLOW_BOGUS_HELO takes any name", "250", s.bogusHeloPos)
		return Decision{Decision: probe.Accept, Verdict: "250"}
	}
	text := smreply.HeloRefusal(sess.Helo)
	if text == "" {
		return Decision{Decision: probe.Accept, Verdict: "250"}
	}
	t.add("HELO "+sess.Helo+": sendmail's HELO command refuses the name (without confALLOW_BOGUS_HELO)", "501", ir.Pos{})
	return Decision{Decision: probe.Reject, Code: "501", DSN: "5.0.0", Text: text, Verdict: "501"}
}

func (s *sendmail) checkMail(t *tracer, sess Session) Decision {
	if s.cfg.Policy.DelayChecks {
		if d, bad := s.senderParse(t, sess.From); bad {
			return d
		}
		t.add("check_mail: delay_checks runs the sender's checks at RCPT", "OK", ir.Pos{})
		return Decision{Decision: probe.Accept, Verdict: "OK"}
	}
	return s.basicCheckMail(t, sess)
}

// senderParse is setsender()'s ruleset 0 for the sender: an error
// route refuses MAIL. Only a refusal is traced.
func (s *sendmail) senderParse(t *tracer, from string) (Decision, bool) {
	if from == "" {
		return Decision{}, false
	}
	st := newTracer()
	r := s.resolve(st, from, 0)
	if r.err == nil {
		return Decision{}, false
	}
	t.steps = append(t.steps, st.steps...)
	d := *r.err
	d.Verdict = "sender parse (ruleset 0)"
	return d, true
}

// basicCheckMail is Basic_check_mail (checkmail under delay_checks).
func (s *sendmail) basicCheckMail(t *tracer, sess Session) Decision {
	if sess.From == "" {
		t.add("check_mail: the null sender is accepted", "<OK>", ir.Pos{})
		return Decision{Decision: probe.Accept, Verdict: "<OK>"}
	}
	if d, bad := s.senderParse(t, sess.From); bad {
		return d
	}
	a := s.parse(sess.From)
	_, rawDom, _ := cutLast(stripRoute(sess.From), "@")
	if !s.acceptUnqualified && a.domain != "" {
		switch strings.ToLower(rawDom) {
		case "localhost", "[127.0.0.1]", "[ipv6:0:0:0:0:0:0:0:1]", "[ipv6:::1]", "localhost." + strings.ToLower(s.domain), "localhost.uucp":
			if !s.inW(t.clientName(sess)) {
				return errorDecision("5.5.4", "553 Real domain name required for sender address")
			}
		}
	}
	mark := "?"
	if a.domain != "" {
		dom := a.canon
		switch {
		case strings.EqualFold(dom, s.hostname):
			mark = "_RES_OK_"
		case s.acceptUnresolvable:
			mark = "_RES_OK_"
		case strings.HasPrefix(dom, "[") || s.e.env.DNS.Exists(dom):
			mark = "OKR"
		default:
			mark = "PERM"
			t.add("resolve "+dom, "not found: the sender's domain does not exist", ir.Pos{})
		}
	}
	var h *hit
	if s.access != nil {
		if a.domain != "" {
			h = s.searchList(t, "From", true, stepF(a.user, a.canon), stepU(a.user), stepD(a.canon))
		} else {
			h = s.searchList(t, "From", true, stepU(a.user))
		}
	}
	if h != nil {
		d, _ := s.accessAction(h.value, s.rejectReply)
		if d.Decision == probe.Accept && d.Verdict != "quarantine" {
			d.Verdict = strings.ToUpper(strings.TrimSpace(h.value))
		}
		return d
	}
	switch mark {
	case "?":
		if !s.acceptUnqualified && sess.ClientAddr.IsValid() {
			return errorDecision("5.5.4", "553 Domain name required for sender address "+sess.From)
		}
	case "PERM":
		return errorDecision("5.1.8", "553 Domain of sender address "+sess.From+" does not exist")
	}
	return Decision{Decision: probe.Accept, Verdict: "@" + a.user + "<@" + a.canon + ">"}
}

// rcpt is the connection's and the sender's checks, then the recipient
// through ruleset 0, check_rcpt and the local user check.
func (s *sendmail) rcpt(sess Session) Decision {
	t := newTracer()
	d := s.mailT(t, sess)
	if d.Decision != probe.Accept {
		// a refusal, or DISCARD: the whole transaction is discarded
		return d
	}
	r := s.resolve(t, sess.To, 0)
	if r.err != nil {
		d := *r.err
		d.Stage, d.Trace = "rcpt", t.steps
		return d
	}
	d = s.checkRcpt(t, sess)
	if s.cfg.Policy.DelayChecks && d.Decision == probe.Accept {
		d = s.delayedChecks(t, sess, d)
	}
	d.Stage = "rcpt"
	if d.Decision == probe.Accept && r.mailer == s.localMailer && s.checkUsers && !s.forwardedLocal(t, r.user) {
		if !s.localUserExists(t, r.user) {
			d = Decision{Decision: probe.Reject, Code: "550", DSN: "5.1.1", Text: "User unknown", Stage: "rcpt",
				Verdict: "local user check"}
		}
	}
	d.Trace = t.steps
	return d
}

func (s *sendmail) checkRcpt(t *tracer, sess Session) Decision {
	a := s.parseRecipient(t, sess.To, 0)
	// Rcpt_ok: ParseRecipient, then the blocklist.
	if s.blocklist && s.access != nil {
		var h *hit
		switch {
		case a.domain != "" && s.inW(a.canon):
			h = s.searchList(t, "To", true, stepF(a.user, a.canon), stepU(a.user), stepD(a.canon))
		case a.domain != "":
			h = s.searchList(t, "To", true, stepF(a.user, a.canon), stepD(a.canon))
		default:
			h = s.searchList(t, "To", true, stepU(a.user))
		}
		if h != nil {
			if d, ok := s.accessAction(h.value, s.rcptRejectReply); !ok {
				if d.Decision == probe.Accept { // quarantine
					return d
				}
				return d
			}
		}
	}
	if s.cfg.Relay.Open {
		return Decision{Decision: probe.Accept, Verdict: "RELAY"}
	}
	if sess.AuthUser != "" {
		mech := strings.ToUpper(sess.AuthMech)
		if mech == "" {
			mech = "PLAIN"
		}
		if s.trustAuth[mech] {
			t.add("authenticated with "+mech+" (TRUST_AUTH_MECH)", "RELAY", ir.Pos{})
			return Decision{Decision: probe.Accept, Verdict: "RELAY"}
		}
	}
	if strings.Contains(a.user, "!") && s.hasCheck(ir.CheckBangPath) ||
		strings.Contains(a.user, "%") && s.hasCheck(ir.CheckPercentHack) {
		t.add("recipient "+a.user+" routes through its local part (nouucp/nopercenthack reject)", "Relay_ok", ir.Pos{})
		return s.relayOK(t, sess)
	}
	if a.domain != "" {
		dom := a.canon
		if s.cfg.Relay.EntireDomain && s.domain != "" && domainUnder(dom, s.domain) {
			return Decision{Decision: probe.Accept, Verdict: "RELAY"}
		}
		if s.inW(dom) {
			t.add("recipient domain "+dom+" is local ($=w)", "RELAY", ir.Pos{})
			return Decision{Decision: probe.Accept, Verdict: "RELAY"}
		}
		if m := s.matchDomains(s.relayDomains, dom); m != nil {
			t.add("recipient domain "+dom+" may be relayed to ($=R)", "RELAY", m.Pos)
			return Decision{Decision: probe.Accept, Verdict: "RELAY"}
		}
		var h *hit
		switch {
		case s.relayFullAddr:
			// relaytofulladdress: SearchList <+ To> F:user@domain,
			// D:domain, F:user@
			h = s.searchList(t, "To", true, stepF(a.user, dom), stepD(dom), stepU(a.user))
		case s.cfg.Relay.HostsOnly:
			h = s.lookup(t, dom, "To", true)
		default:
			h = s.lookupD(t, dom, "To")
		}
		if h != nil && strings.EqualFold(strings.TrimSpace(h.value), "RELAY") {
			return Decision{Decision: probe.Accept, Verdict: "RELAY"}
		}
	} else {
		return Decision{Decision: probe.Accept, Verdict: "RELAY"}
	}
	return s.relayOK(t, sess)
}

// delayedChecks is the rest of check_rcpt under delay_checks: the
// recipient's Spam: FRIEND or HATER entry, then checkmail and
// checkrelay.
func (s *sendmail) delayedChecks(t *tracer, sess Session, ok Decision) Decision {
	mode := strings.ToLower(s.cfg.Policy.DelayMode)
	if mode == "friend" || mode == "hater" {
		a := s.parse(sess.To)
		if a.domain == "" { // FullAddr: a bare name is at $j
			a.domain, a.canon = s.hostname, s.hostname
		}
		var h *hit
		switch {
		case a.domain != "" && s.inW(a.canon):
			h = s.searchList(t, "Spam", false, stepF(a.user, a.canon), stepD(a.canon), stepU(a.user))
		case a.domain != "":
			h = s.searchList(t, "Spam", false, stepF(a.user, a.canon), stepD(a.canon))
		}
		v := ""
		if h != nil {
			v = strings.ToUpper(strings.TrimSpace(h.value))
		}
		if mode == "friend" && v == "FRIEND" {
			return Decision{Decision: probe.Accept, Verdict: "SPAMFRIEND"}
		}
		if mode == "hater" && v != "HATER" {
			return Decision{Decision: probe.Accept, Verdict: "NOSPAMHATER"}
		}
	}
	if d := s.basicCheckMail(t, sess); d.Decision != probe.Accept {
		return d
	}
	if d := s.basicCheckRelay(t, sess); d.Decision != probe.Accept {
		return d
	}
	return ok
}

func (s *sendmail) hasCheck(k ir.CheckKind) bool {
	for _, st := range s.cfg.Policy.Stages {
		for _, c := range st.Checks {
			if c.Kind == k {
				return true
			}
		}
	}
	return false
}

// parseRecipient is ParseRecipient: while the local part still routes
// (holds a character of $=O: @, % unless nopercenthack, ! unless
// nouucp) through a domain this host relays for, the local part is the
// address.
func (s *sendmail) parseRecipient(t *tracer, addr string, depth int) address {
	a := s.canonAddr(addr)
	ops := "@"
	if s.cfg.Rewrite.PercentHack {
		ops += "%"
	}
	if s.cfg.Rewrite.BangPath {
		ops += "!"
	}
	if a.domain == "" || depth > 10 || !strings.ContainsAny(a.user, ops) {
		return a
	}
	dom := a.canon
	relayable := s.cfg.Relay.EntireDomain && s.domain != "" && domainUnder(dom, s.domain) ||
		s.matchDomains(s.relayDomains, dom) != nil
	if !relayable && s.access != nil {
		var h *hit
		if s.cfg.Relay.HostsOnly {
			h = s.lookup(t, dom, "To", true)
		} else {
			h = s.lookupD(t, dom, "To")
		}
		relayable = h != nil && strings.EqualFold(strings.TrimSpace(h.value), "RELAY")
	}
	if !relayable {
		return a
	}
	inner := a.user
	switch {
	case strings.Contains(inner, "@"):
	case strings.Contains(inner, "%") && strings.Contains(ops, "%"):
		i := strings.LastIndexByte(inner, '%')
		inner = inner[:i] + "@" + inner[i+1:]
	case strings.Contains(inner, "!"):
		h, u, _ := strings.Cut(inner, "!")
		inner = u + "@" + h
	}
	return s.parseRecipient(t, inner, depth+1)
}

func domainUnder(dom, parent string) bool {
	dom, parent = strings.ToLower(dom), strings.ToLower(parent)
	return dom == parent || strings.HasSuffix(dom, "."+parent)
}

// matchDomains finds dom (or, unless relay_hosts_only, a parent) in a
// class of domains.
func (s *sendmail) matchDomains(list []ir.DomainMatch, dom string) *ir.DomainMatch {
	for i := range list {
		m := &list[i]
		if m.Negated || m.Table != "" {
			continue
		}
		if strings.EqualFold(dom, m.Domain) || !s.cfg.Relay.HostsOnly && domainUnder(dom, m.Domain) {
			return m
		}
	}
	return nil
}

// relayOK is Relay_ok: may this client relay?
func (s *sendmail) relayOK(t *tracer, sess Session) Decision {
	relay := Decision{Decision: probe.Accept, Verdict: "RELAY"}
	a := sess.ClientAddr
	if !a.IsValid() || a.IsLoopback() && (a == netip.MustParseAddr("127.0.0.1") || a == netip.IPv6Loopback()) {
		t.add("client "+a.String()+" originated locally", "RELAY", ir.Pos{})
		return relay
	}
	for _, n := range s.relayNets {
		if n.Negated {
			continue
		}
		if p, err := netip.ParsePrefix(n.CIDR); err == nil && p.Contains(a) {
			t.add("client "+a.String()+" in relay network "+n.CIDR+" ($=R)", "RELAY", n.Pos)
			return relay
		}
	}
	if h := s.lookupA(t, t.clientAddr(sess), "Connect"); h != nil && strings.EqualFold(strings.TrimSpace(h.value), "RELAY") {
		return relay
	}
	if s.inW(t.clientName(Session{ClientAddr: a})) {
		return relay
	}
	if sess.ClientName == "" {
		return errorDecision("5.7.1", "550 Relaying denied. IP name lookup failed "+t.clientName(sess))
	}
	name := strings.TrimSuffix(sess.ClientName, ".")
	if c, ok := s.e.env.DNS.Canonical(name); ok {
		name = strings.TrimSuffix(c, ".")
	}
	if s.cfg.Relay.EntireDomain && s.domain != "" && domainUnder(name, s.domain) {
		return relay
	}
	if s.inW(name) {
		return relay
	}
	if m := s.matchDomains(s.relayNames, name); m != nil {
		t.add("client name "+name+" may relay ($=R)", "RELAY", m.Pos)
		return relay
	}
	var h *hit
	if s.cfg.Relay.HostsOnly {
		h = s.lookup(t, name, "Connect", true)
	} else {
		h = s.lookupD(t, name, "Connect")
	}
	if h != nil && strings.EqualFold(strings.TrimSpace(h.value), "RELAY") {
		return relay
	}
	r := s.cfg.Relay.Denied
	if r.Code == 0 {
		r = ir.Reply{Code: 550, DSN: "5.7.1", Text: "Relaying denied"}
	}
	t.add("relaying denied: neither the client nor the recipient's domain may relay", itoa(r.Code)+" "+r.DSN, s.cfg.Relay.Pos)
	return replyDecision(r)
}

// route is where ruleset 0 sends an address.
type route struct {
	mailer, host, user string
	err                *Decision
}

// resolve is ruleset 3 then 0 for an envelope address: local users,
// virtual users, mailertable, the smart host, or SMTP to the domain.
func (s *sendmail) resolve(t *tracer, addr string, depth int) route {
	a := s.parse(addr)
	if a.domain == "" {
		return route{mailer: s.localMailer, user: a.user}
	}
	dom := a.canon
	if !s.inW(dom) && s.virtuser != nil && depth < 10 && s.virtHost(dom) {
		if r, ok := s.virtRoute(t, a.user, dom, depth); ok {
			return r
		}
	}
	if s.inW(dom) {
		// Parse0: a quoted local part is dequoted; one that still routes
		// (@, %, !) is parsed again as an address
		user := a.user
		if len(user) > 1 && user[0] == '"' && user[len(user)-1] == '"' {
			user = user[1 : len(user)-1]
		}
		if inner, ok := s.localRoute(user); ok && depth < 10 {
			t.add("local part "+user+" routes on at "+dom, inner, ir.Pos{})
			return s.resolve(t, inner, depth+1)
		}
		a.user = user
		if s.virtuser != nil && depth < 10 && s.virtHost(dom) {
			if r, ok := s.virtRoute(t, a.user, dom, depth); ok {
				return r
			}
		}
		if hub := s.cfg.Routing.MailHub; hub != nil && s.cfg.Routing.StickyHost && !s.isLocalUser(a.user) {
			// stickyhost: user@this-host goes to the hub as it is
			m := s.cfg.Routing.RelayMailer.Value
			if m == "" {
				m = "relay"
			}
			host := s.expandMacros(hub.Host)
			if hub.NoMX {
				host = "[" + host + "]"
			}
			t.add("MAIL_HUB with stickyhost: "+a.user+"@"+dom+" goes to the hub", m+" "+host, hub.Pos)
			return route{mailer: m, host: host, user: a.user + "@" + dom}
		}
		return route{mailer: s.localMailer, user: a.user}
	}
	if s.mailer != nil && !strings.HasPrefix(dom, "[") {
		for d := strings.ToLower(dom); ; {
			if en := s.mailer.get(d); en != nil {
				t.add("mailertable "+en.Key, en.Value, en.Pos)
				stripped := ""
				if strings.HasPrefix(d, ".") {
					stripped = strings.TrimSuffix(dom[:len(dom)-len(d)+1], ".")
				}
				return s.transportRoute(en, a, stripped)
			}
			i := strings.IndexByte(strings.TrimPrefix(d, "."), '.')
			if i < 0 {
				break
			}
			d = strings.TrimPrefix(d, ".")[i:]
		}
		if en := s.mailer.get("."); en != nil {
			t.add("mailertable .", en.Value, en.Pos)
			return s.transportRoute(en, a, strings.TrimSuffix(dom, "."))
		}
	}
	if sh := s.cfg.Routing.SmartHost; sh != nil {
		m := sh.Mailer
		if m == "" {
			m = "relay"
		}
		host := s.expandMacros(sh.Host)
		if sh.NoMX {
			host = "[" + host + "]"
		}
		t.add("smart host "+sh.Raw, m+" "+host, sh.Pos)
		return route{mailer: m, host: host, user: a.user + "@" + dom}
	}
	host := dom
	if a.resolved && !strings.HasPrefix(dom, "[") {
		host += "."
	}
	return route{mailer: "esmtp", host: host, user: a.user + "@" + dom}
}

// canonAddr is CanonAddr (Parse0 after canonify): at this host's own
// domains a quoted local part is dequoted, and one that still routes
// is parsed again as the address.
func (s *sendmail) canonAddr(addr string) address {
	a := s.parse(addr)
	for depth := 0; depth < 10 && a.domain != "" && s.inW(a.canon); depth++ {
		user := a.user
		if len(user) > 1 && user[0] == '"' && user[len(user)-1] == '"' {
			user = user[1 : len(user)-1]
		}
		inner, ok := s.localRoute(user)
		if !ok {
			a.user = user
			break
		}
		a = s.parse(inner)
	}
	return a
}

// localRoute reads a local part that routes on (ruleset 3's canonify):
// user@host as is, host!user (unless nouucp) as user@host (a host
// without a dot gets .UUCP), user%host (unless nopercenthack) with its
// last % as @.
func (s *sendmail) localRoute(user string) (string, bool) {
	switch {
	case strings.Contains(user, "@"):
		return user, true
	case s.cfg.Rewrite.BangPath && strings.Contains(user, "!"):
		h, u, _ := strings.Cut(user, "!")
		if !strings.Contains(h, ".") {
			h += ".UUCP"
		}
		return u + "@" + h, true
	case s.cfg.Rewrite.PercentHack && strings.Contains(user, "%"):
		i := strings.LastIndexByte(user, '%')
		return user[:i] + "@" + user[i+1:], true
	}
	return "", false
}

// stripRoute drops a source route (<@a,@b:user@c> is user@c), as
// ruleset 3 does unless _USE_DEPRECATED_ROUTE_ADDR_.
func stripRoute(addr string) string {
	if strings.HasPrefix(addr, "@") {
		if i := strings.IndexByte(addr, ':'); i > 0 {
			return addr[i+1:]
		}
	}
	return addr
}

// virtRoute applies virtusertable to user@dom: an error, or the
// target resolved again.
func (s *sendmail) virtRoute(t *tracer, user, dom string, depth int) (route, bool) {
	en, base, detail := s.virtLookup(user, dom)
	if en == nil {
		return route{}, false
	}
	t.add("virtusertable "+en.Key, en.Value, en.Pos)
	v := strings.TrimSpace(en.Value)
	if len(v) > 6 && strings.EqualFold(v[:6], "error:") {
		d := virtError(v[6:])
		return route{err: &d, mailer: "error"}, true
	}
	plus := ""
	if detail != "" || strings.Contains(user, "+") {
		plus = "+" + detail
	}
	target := v
	if strings.IndexByte(v, '%') >= 0 {
		target = strings.NewReplacer("%1", base, "%2", detail, "%3", plus).Replace(v)
	}
	return s.resolve(t, target, depth+1), true
}

// virtError is a virtusertable "error:" value as ruleset 0 returns it:
// "error:D.D.D:text" gives $@ D.D.D, "error:word text" $@ word.
func virtError(v string) Decision {
	if m := errDSN.FindStringSubmatch(v); m != nil {
		return errorValue(m[1], m[2])
	}
	v = strings.TrimSpace(v)
	word, rest, _ := strings.Cut(v, " ")
	return errorValue(word, rest)
}

// transportRoute applies a mailertable entry; %1 in its host stands
// for the part of the domain a ".domain" key matched.
func (s *sendmail) transportRoute(en *ir.Entry, a address, stripped string) route {
	tr := en.Transport
	if tr == nil {
		return route{mailer: "esmtp", host: a.canon, user: a.user + "@" + a.canon}
	}
	if tr.Error != nil {
		d := errorDecision(tr.Error.DSN, strings.TrimSpace(itoa(tr.Error.Code)+" "+tr.Error.Text))
		return route{err: &d}
	}
	if tr.Mailer == "local" {
		u := tr.Host
		if u == "" {
			u = a.user
		}
		return route{mailer: "local", user: u}
	}
	return route{mailer: tr.Mailer, host: strings.ReplaceAll(tr.Host, "%1", stripped), user: a.user + "@" + a.canon}
}

func (s *sendmail) virtHost(dom string) bool {
	if len(s.virtDoms) == 0 {
		return true
	}
	for _, d := range s.virtDoms {
		if strings.EqualFold(d.Domain, dom) {
			return true
		}
	}
	return s.inW(dom)
}

// virtLookup tries user+detail@domain, user+*@domain, user@domain,
// @domain; it returns the entry and what %1 (the user without its
// +detail) and %2 (the detail) stand for.
func (s *sendmail) virtLookup(user, dom string) (*ir.Entry, string, string) {
	base, detail, hasDetail := strings.Cut(user, "+")
	keys := []string{user + "@" + dom}
	if hasDetail {
		keys = append(keys, base+"+*@"+dom, base+"@"+dom)
	}
	for _, k := range keys {
		if en := s.virtuser.get(k); en != nil {
			return en, base, detail
		}
	}
	if en := s.virtuser.get("@" + dom); en != nil {
		return en, base, detail
	}
	return nil, "", ""
}

// isLocalUser: the name is in class L (LOCAL_USER).
func (s *sendmail) isLocalUser(user string) bool {
	for _, u := range s.cfg.Routing.LocalUsers {
		if strings.EqualFold(u.Value, user) {
			return true
		}
	}
	return false
}

// expandMacros replaces $j and $m in a host name the configuration
// gives (nullclient's hub.$m).
func (s *sendmail) expandMacros(h string) string {
	if !strings.Contains(h, "$") {
		return h
	}
	return strings.NewReplacer("$j", s.hostname, "$m", s.domain).Replace(h)
}

// forwardedLocal: the local mailer's ruleset 5 sends this name on
// (MAIL_HUB for names not in class L, LUSER_RELAY for names that are
// not local users), so recipient() does not check it.
func (s *sendmail) forwardedLocal(t *tracer, user string) bool {
	rt := s.cfg.Routing
	if rt.MailHub != nil {
		if !s.isLocalUser(user) {
			t.add("local name "+user+" goes to the mail hub", rt.MailHub.Raw, rt.MailHub.Pos)
			return true
		}
	}
	if rt.LuserRelay != nil && !s.localUserExists(&tracer{}, user) {
		t.add("unknown local name "+user+" goes to the LUSER_RELAY", rt.LuserRelay.Raw, rt.LuserRelay.Pos)
		return true
	}
	return false
}

// localUserExists is recipient()'s check of a local name: an alias or a
// user of the passwd database.
func (s *sendmail) localUserExists(t *tracer, user string) bool {
	name := strings.ToLower(user)
	names := []string{name}
	base, _, hasDetail := strings.Cut(name, "+")
	if hasDetail {
		names = append(names, base+"+*", base)
	}
	for _, n := range names {
		for _, tb := range s.aliases {
			if en := tb.get(n); en != nil {
				t.add("alias "+en.Key, en.Value, en.Pos)
				return true
			}
		}
	}
	// the local mailer has no F=u: the user name is folded
	if s.e.env.Users != nil && (s.e.env.Users(name) || hasDetail && s.e.env.Users(base)) {
		t.add("local user "+user, "exists", ir.Pos{})
		return true
	}
	t.add("local user "+user, "neither an alias nor a user", ir.Pos{})
	return false
}

// headerFrom is the sender rewriting of an SMTP mailer (ruleset 93,
// MasqHdr; 94 for the envelope): genericstable, then masquerading,
// and unqualified names qualified with $j. It returns the rewritten
// address.
func (s *sendmail) headerFrom(t *tracer, addr string, envelope bool, mailer string) string {
	if (mailer == "local" || mailer == "prog") && !strings.Contains(addr, "@") && !s.cfg.Rewrite.AlwaysAddDomain {
		// the local mailers' rulesets qualify a bare name only with
		// always_add_domain
		return addr
	}
	user, dom, qualified := cutLast(addr, "@")
	if qualified {
		dom = s.parse(addr).canon
	}
	applies := func(st *ir.RewriteStage) bool {
		if envelope {
			return st.Scope.EnvelopeSender
		}
		return st.Scope.HeaderSender
	}
	for i := range s.cfg.Rewrite.Stages {
		st := &s.cfg.Rewrite.Stages[i]
		if st.Kind != ir.RewriteGeneric || !applies(st) || len(st.Tables) == 0 {
			continue
		}
		tb := s.e.tables[st.Tables[0]]
		if tb == nil {
			continue
		}
		inG := !qualified
		entire := false
		for _, o := range st.Order {
			entire = entire || o == "entire-domain"
		}
		for _, d := range st.Domains {
			if strings.EqualFold(d.Domain, dom) || (entire || d.Subdomains) && domainUnder(dom, d.Domain) {
				inG = true
			}
		}
		if !inG {
			continue
		}
		keyDom := dom
		if !qualified {
			keyDom = s.hostname
		}
		base, detail, hasDetail := strings.Cut(user, "+")
		keys := []string{user + "@" + keyDom}
		if hasDetail {
			keys = append(keys, base+"+*@"+keyDom, base+"@"+keyDom)
		}
		if qualified {
			keys = append(keys, "@"+keyDom)
		}
		keys = append(keys, user)
		if hasDetail {
			keys = append(keys, base+"+*", base)
		}
		for _, k := range keys {
			en := tb.get(k)
			if en == nil {
				continue
			}
			t.add("genericstable "+en.Key, en.Value, en.Pos)
			v := strings.TrimSpace(en.Value)
			v = strings.ReplaceAll(v, "%1", user)
			v = strings.ReplaceAll(v, "%2", detail)
			if strings.Contains(v, "@") {
				return v
			}
			user, qualified, dom = v, false, ""
			break
		}
		break
	}
	for i := range s.cfg.Rewrite.Stages {
		st := &s.cfg.Rewrite.Stages[i]
		m := st.Masquerade
		if st.Kind != ir.RewriteMasquerade || m == nil || !applies(st) || m.As.Value == "" {
			continue
		}
		if qualified {
			for _, x := range m.Exceptions {
				if strings.EqualFold(x.Domain, dom) || domainUnder(dom, x.Domain) {
					return user + "@" + dom
				}
			}
		}
		inM := !qualified
		if qualified {
			for _, d := range m.Domains {
				if strings.EqualFold(d.Domain, dom) || m.EntireDomain && domainUnder(dom, d.Domain) {
					inM = true
				}
			}
			if !m.Limited && s.inW(dom) {
				inM = true
			}
		}
		if !inM {
			break
		}
		for _, e := range m.ExposedUsers {
			if strings.EqualFold(e.Value, user) {
				t.add("exposed user "+user+" (EXPOSED_USER)", "not masqueraded", e.Pos)
				if !qualified {
					return user + "@" + s.hostname
				}
				return user + "@" + dom
			}
		}
		t.add("masquerade "+user+"@"+dom, user+"@"+m.As.Value, m.As.Pos)
		return user + "@" + m.As.Value
	}
	if !qualified {
		return user + "@" + s.hostname
	}
	return user + "@" + dom
}

// aliasExpansion is the one-level expansion of a local name, as
// praliases prints it (it looks the name up as given: the database
// holds names folded to lower case), or nil.
func (s *sendmail) aliasExpansion(t *tracer, name string) []string {
	for _, tb := range s.aliases {
		if en := tb.keys[name]; en != nil {
			t.add("alias "+en.Key, en.Value, en.Pos)
			return splitAliasValue(en.Value)
		}
	}
	return nil
}

// splitAliasValue splits an alias value at commas outside quotes.
func splitAliasValue(v string) []string {
	var out []string
	inQ, start := false, 0
	for i := 0; i <= len(v); i++ {
		if i < len(v) && v[i] == '"' {
			inQ = !inQ
		}
		if i == len(v) || v[i] == ',' && !inQ {
			if item := strings.TrimSpace(v[start:i]); item != "" {
				out = append(out, item)
			}
			start = i + 1
		}
	}
	return out
}
