package pforacle

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"mailcc/runtime/probe"
)

// probeAll answers every probe: the messages of resolve and header_from
// probes are injected first, the session and alias probes run while
// Postfix routes them, and then their deliveries are collected.
func (in *instance) probeAll(ctx context.Context, probes []probe.Probe) ([]probe.Result, error) {
	injected := in.inject(ctx, probes)
	res := make([]probe.Result, len(probes))
	for i := range probes {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p := &probes[i]
		switch p.Kind {
		case probe.Connect, probe.Mail, probe.Rcpt:
			res[i] = in.sessionProbe(ctx, p)
		case probe.Alias:
			res[i] = in.aliasProbe(p)
		case probe.Resolve, probe.HeaderFrom:
		default:
			res[i] = result(p)
			res[i].Decision, res[i].Text = probe.Error, "unknown probe kind"
		}
	}
	in.collect(ctx, injected)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i, inj := range injected {
		res[i] = inj.result(&probes[i])
	}
	return res, nil
}

// result is the answer's identification.
func result(p *probe.Probe) probe.Result {
	return probe.Result{N: p.N, Line: p.Line, Kind: p.Kind, Probe: p.Text}
}

// step is one command of a session and its reply, or the error that
// stopped the session there.
type step struct {
	stage string
	reply
	err error
}

func (st step) failed() bool {
	return st.err != nil || st.code == "" || st.code[0] != '2' && st.code[0] != '3'
}

// sessionProbe answers connect, mail and rcpt probes: EHLO, XCLIENT
// (stage connect), EHLO (helo), MAIL (mail), RCPT (rcpt), never DATA;
// the first refusal decides. connect and mail probes use the early
// listener (smtpd_delay_reject=no), rcpt probes the configured smtpd;
// with Options.AsConfigured every probe uses the configured smtpd.
func (in *instance) sessionProbe(ctx context.Context, p *probe.Probe) probe.Result {
	listener := lisEarly
	if p.Kind == probe.Rcpt || in.asConfigured {
		listener = lisRcpt
	}
	in.log.update()
	logMark := len(in.log.lines)
	s, err := in.dial(ctx, listener)
	if err != nil {
		return finish(p, []step{{stage: "connect", err: err}})
	}
	var steps []step
	do := func(stage, line string) bool {
		r, err := s.cmd(line)
		steps = append(steps, step{stage, r, err})
		return !steps[len(steps)-1].failed()
	}
	if _, err := s.reply(); err != nil {
		steps = append(steps, step{stage: "connect", err: err})
		return finish(p, steps)
	}
	ehlo, err := s.cmd("EHLO oracle.localhost")
	switch {
	case err != nil:
		steps = append(steps, step{stage: "connect", err: err})
	case !slices.ContainsFunc(ehlo.lines, func(l string) bool { return strings.Contains(l, "XCLIENT") }):
		steps = append(steps, step{stage: "xclient", reply: reply{"421", []string{"421 XCLIENT not offered: " + strings.Join(ehlo.lines, " / ")}}})
	case do("connect", xclientCommand(p)) && p.Kind != probe.Connect &&
		do("helo", "EHLO "+p.HeloName()) &&
		do("mail", "MAIL FROM:<"+p.From+">") && p.Kind == probe.Rcpt:
		do("rcpt", "RCPT TO:<"+p.To+">")
		s.cmd("RSET")
	}
	s.close()
	r := finish(p, steps)
	if r.Decision == probe.Accept {
		if text, ok := in.discarded(ctx, listener, logMark); ok {
			r.Decision, r.Text, r.Verdict = probe.Discard, text, "discard"
		}
	}
	return r
}

// discardRE is smtpd's log line for a DISCARD action: "NOQUEUE:
// discard: RCPT from host[addr]: <to>: Recipient address triggers
// DISCARD action; from=<...> ..." ("CONNECT from ...: ...; proto=..."
// at connection time).
var discardRE = regexp.MustCompile(`/smtpd\[\d+\]: \S+: discard: \S+ from \S+: (.*?); (?:from=<|proto=)`)

// discarded says whether an accepted session was in fact discarded: a
// DISCARD action answers 250 like OK, and only smtpd's log tells. It
// waits (up to two seconds) for the session's "disconnect from" line,
// so that everything the session logged is in, and looks for a discard
// line among the lines logged since mark. The sessions of a run are
// one at a time, so those lines are this session's.
func (in *instance) discarded(ctx context.Context, listener string, mark int) (string, bool) {
	proc := syslogName(listener) + "/smtpd["
	deadline := time.Now().Add(2 * time.Second)
	for {
		in.log.update()
		done := false
		for _, l := range in.log.lines[mark:] {
			if strings.Contains(l, proc) && strings.Contains(l, "]: disconnect from ") {
				done = true
			}
		}
		if done || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	for _, l := range in.log.lines[mark:] {
		if strings.Contains(l, proc) {
			if m := discardRE.FindStringSubmatch(l); m != nil {
				return m[1], true
			}
		}
	}
	return "", false
}

// xclientCommand impersonates the probe's client.
func xclientCommand(p *probe.Probe) string {
	addr := p.Client.Addr.String()
	if p.Client.Addr.Is6() {
		addr = "IPv6:" + addr
	}
	name := p.Client.Name
	if name == "" {
		name = "[UNAVAILABLE]"
	}
	x := "XCLIENT ADDR=" + xtext(addr) + " NAME=" + xtext(name) + " REVERSE_NAME=" + xtext(name) +
		" HELO=" + xtext(p.HeloName())
	if p.Kind == probe.Rcpt && p.Auth != "" {
		x += " LOGIN=" + xtext(p.Auth)
	}
	return x
}

// finish turns a session's steps into the answer: the first refusal, or
// the acceptance of the last step.
func finish(p *probe.Probe, steps []step) probe.Result {
	r := result(p)
	last, failed := steps[len(steps)-1], false
	if i := slices.IndexFunc(steps, step.failed); i >= 0 {
		last, failed = steps[i], true
	}
	r.Stage = last.stage
	if last.err != nil {
		r.Decision, r.Text = probe.Error, last.err.Error()
		return r
	}
	r.Decision, r.Code, r.DSN, r.Text = replyFields(last.reply)
	r.Verdict = last.code
	if !failed {
		r.Decision, r.Stage = probe.Accept, string(p.Kind)
	}
	return r
}

var replyRE = regexp.MustCompile(`(?s)^([2-5]\d\d)[ -](?:([245]\.\d{1,3}\.\d{1,3}) )?(.*)$`)

// replyFields: the decision a reply code stands for, and the code,
// enhanced status and text of the reply (its lines' texts joined by
// blanks).
func replyFields(r reply) (decision, code, dsn, text string) {
	texts := make([]string, len(r.lines))
	for i, l := range r.lines {
		if len(l) > 4 {
			texts[i] = l[4:]
		}
	}
	text = strings.TrimSpace(strings.Join(texts, " "))
	if r.code == "" {
		return probe.Error, "", "", text
	}
	if m := replyRE.FindStringSubmatch(r.code + " " + text); m != nil {
		code, dsn, text = m[1], m[2], strings.TrimSpace(m[3])
	}
	switch r.code[0] {
	case '2', '3':
		decision = probe.Accept
	case '4':
		decision = probe.Tempfail
	case '5':
		decision = probe.Reject
	default:
		decision = probe.Error
	}
	return decision, code, dsn, text
}

// aliasProbe asks postalias -q in each alias_maps table in turn.
func (in *instance) aliasProbe(p *probe.Probe) probe.Result {
	r := result(p)
	r.Decision = probe.NotFound
	for _, spec := range in.aliasMaps {
		if !strings.Contains(spec, ":") {
			continue
		}
		out, err := exec.Command(postaliasCmd, "-c", in.etc, "-q", p.Name, spec).Output()
		if err != nil {
			continue
		}
		r.Decision = probe.Accept
		for _, a := range strings.Split(strings.TrimSpace(string(out)), ",") {
			r.Alias = append(r.Alias, strings.TrimSpace(a))
		}
		break
	}
	return r
}

// injection is the message injected for a resolve or header_from probe
// and what became of it.
type injection struct {
	qid string
	// refused is the answer when the message was not accepted.
	refused *probe.Result
	records []record
	logs    []delivery
	removed bool
}

// record is what a recorder wrote: the delivery agent's arguments and
// the message.
type record struct {
	service, nexthop, sender string
	recipients               []string
	headers, body            string
}

// delivery is a delivery status line of the mail log.
type delivery struct {
	to, relay, status, reason string
	dsn                       string // the log line's dsn= (bounces carry no reply code)
}

// inject sends one message per resolve and header_from probe through
// the permissive listener. resolve: MAIL FROM:<> RCPT TO:<ADDRESS>;
// header_from: the envelope sender and the From: header are ADDRESS.
// The answers are keyed by the probes' index.
func (in *instance) inject(ctx context.Context, probes []probe.Probe) map[int]*injection {
	out := map[int]*injection{}
	var todo []int
	for i := range probes {
		if k := probes[i].Kind; k == probe.Resolve || k == probe.HeaderFrom {
			todo = append(todo, i)
			out[i] = &injection{}
		}
	}
	if len(todo) == 0 {
		return out
	}
	fail := func(from int, err error) {
		for _, i := range todo[from:] {
			r := result(&probes[i])
			r.Decision, r.Text = probe.Error, err.Error()
			out[i].refused = &r
		}
	}
	s, err := in.dial(ctx, lisInject)
	if err != nil {
		fail(0, err)
		return out
	}
	defer s.close()
	if _, err := s.reply(); err != nil {
		fail(0, err)
		return out
	}
	if _, err := s.cmd("EHLO oracle.localhost"); err != nil {
		fail(0, err)
		return out
	}
	for k, i := range todo {
		p := &probes[i]
		sender, rcpt, hfrom := "", p.Address, "oracle-sender@oracle.invalid"
		if p.Kind == probe.HeaderFrom {
			sender, rcpt, hfrom = bareAddress(p.Address), "oracle-sink@oracle.invalid", p.Address
		}
		var steps []step
		do := func(stage string, send func() (reply, error)) bool {
			r, err := send()
			steps = append(steps, step{stage, r, err})
			return err == nil && r.code != "" && (r.code[0] == '2' || stage == "data" && r.code == "354")
		}
		line := func(l string) func() (reply, error) { return func() (reply, error) { return s.cmd(l) } }
		// X-Oracle-Probe and the body name the probe's index, by which
		// the recorded copy is found.
		msg := fmt.Sprintf("Message-ID: <oracle-%d.%s@oracle.invalid>\nX-Oracle-Probe: %d\nFrom: %s\nTo: %s\n"+
			"Subject: oracle probe %d (line %d)\nDate: Thu, 01 Jan 2026 00:00:00 +0000\n\nprobe %d\n",
			p.N, in.runID, i, hfrom, rcpt, p.N, p.Line, i)
		ok := do("mail", line("MAIL FROM:<"+sender+">")) &&
			do("rcpt", line("RCPT TO:<"+rcpt+">")) &&
			do("data", line("DATA")) &&
			do("queue", func() (reply, error) { return s.data(msg) })
		last := steps[len(steps)-1]
		if last.err != nil {
			fail(k, last.err)
			return out
		}
		if !ok {
			r := result(p)
			r.Decision, r.Code, r.DSN, r.Text = replyFields(last.reply)
			r.Stage = "inject-" + last.stage
			out[i].refused = &r
			s.cmd("RSET")
			continue
		}
		if m := queuedRE.FindStringSubmatch(strings.Join(last.lines, " ")); m != nil {
			out[i].qid = m[1]
		}
	}
	return out
}

var (
	queuedRE   = regexp.MustCompile(`queued as (\w+)`)
	deliveryRE = regexp.MustCompile(` (\w+): to=<([^>]*)>,(?: orig_to=<[^>]*>,)? relay=([^,]*), .*status=(\w+) \((.*)\)$`)
	dsnRE      = regexp.MustCompile(`, dsn=([245]\.[0-9]{1,3}\.[0-9]{1,3}),`)
	removedRE  = regexp.MustCompile(` (\w+): removed$`)
	probeHdrRE = regexp.MustCompile(`(?mi)^X-Oracle-Probe:\s*(\d+)`)
)

// collect waits (up to 30 s) until Postfix is done with every injected
// message: removed from the queue, or deferred for every recipient. It
// gathers the recorders' files and the delivery lines of the log.
func (in *instance) collect(ctx context.Context, injected map[int]*injection) {
	byQID := map[string]*injection{}
	for _, inj := range injected {
		if inj.qid != "" {
			byQID[inj.qid] = inj
		}
	}
	done := func(inj *injection) bool {
		switch {
		case inj.refused != nil, inj.removed:
			return true
		case inj.qid == "":
			return len(inj.records) > 0
		}
		return len(inj.logs) > 0 && !slices.ContainsFunc(inj.logs, func(d delivery) bool { return d.status != "deferred" })
	}
	seen := map[string]bool{}
	logPos := 0
	deadline := time.Now().Add(30 * time.Second)
	for {
		// The log first: a recorder's file is written before qmgr logs
		// "removed", so the records read next cannot miss one.
		in.log.update()
		for ; logPos < len(in.log.lines); logPos++ {
			ln := in.log.lines[logPos]
			if m := deliveryRE.FindStringSubmatch(ln); m != nil {
				if inj := byQID[m[1]]; inj != nil {
					d := delivery{to: m[2], relay: m[3], status: m[4], reason: m[5]}
					if dm := dsnRE.FindStringSubmatch(ln); dm != nil {
						d.dsn = dm[1]
					}
					if i := slices.IndexFunc(inj.logs, func(x delivery) bool { return x.to == d.to }); i >= 0 {
						inj.logs[i] = d
					} else {
						inj.logs = append(inj.logs, d)
					}
				}
			} else if m := removedRE.FindStringSubmatch(ln); m != nil {
				if inj := byQID[m[1]]; inj != nil {
					inj.removed = true
				}
			}
		}
		ents, _ := os.ReadDir(in.records) // sorted by name: by time
		for _, e := range ents {
			name := e.Name()
			if !strings.HasSuffix(name, ".rec") || seen[name] {
				continue
			}
			seen[name] = true
			b, err := os.ReadFile(filepath.Join(in.records, name))
			if err != nil {
				continue
			}
			rec := parseRecord(string(b))
			m := probeHdrRE.FindStringSubmatch(rec.headers)
			if m == nil {
				continue
			}
			i, _ := strconv.Atoi(m[1])
			if inj := injected[i]; inj != nil && strings.Contains(rec.body, "probe "+m[1]) {
				inj.records = append(inj.records, rec)
			}
		}
		pending := false
		for _, inj := range injected {
			if !done(inj) {
				pending = true
			}
		}
		if !pending || time.Now().After(deadline) || sleep(ctx, 50*time.Millisecond) != nil {
			return
		}
	}
}

// parseRecord reads a recorder's file.
func parseRecord(text string) record {
	var rec record
	head, msg, _ := strings.Cut(text, "\n\n")
	for _, ln := range strings.Split(head, "\n") {
		k, v, _ := strings.Cut(ln, "=")
		switch k {
		case "service":
			rec.service = v
		case "nexthop":
			rec.nexthop = v
		case "sender":
			rec.sender = v
		case "recipient":
			rec.recipients = append(rec.recipients, v)
		}
	}
	msg = strings.ReplaceAll(msg, "\r\n", "\n")
	rec.headers, rec.body, _ = strings.Cut(msg, "\n\n")
	return rec
}

// headerValue is the first header field called name, its continuation
// lines joined by blanks; ok is false when there is none.
func headerValue(headers, name string) (v string, ok bool) {
	for _, ln := range strings.Split(headers, "\n") {
		if ok {
			if ln != "" && (ln[0] == ' ' || ln[0] == '\t') {
				v += " " + strings.TrimSpace(ln)
				continue
			}
			return v, true
		}
		if k, val, found := strings.Cut(ln, ":"); found && strings.EqualFold(k, name) {
			v, ok = strings.TrimSpace(val), true
		}
	}
	return v, ok
}

var angleRE = regexp.MustCompile(`<([^>]*)>`)

// bareAddress is the address in angle brackets, else the trimmed value.
func bareAddress(v string) string {
	if m := angleRE.FindStringSubmatch(v); m != nil {
		return m[1]
	}
	return strings.TrimSpace(v)
}

var bounceRE = regexp.MustCompile(`^(?:host \S+ said: )?([245]\d\d)[ -](?:([245]\.\d+\.\d+) )?(.*)$`)

// result is the answer to the probe whose message this is.
func (inj *injection) result(p *probe.Probe) probe.Result {
	if inj.refused != nil {
		return *inj.refused
	}
	r := result(p)
	if p.Kind == probe.HeaderFrom {
		if len(inj.records) == 0 {
			r.Decision, r.Text = probe.Error, "message not delivered to a recorder"
			return r
		}
		rec := inj.records[0]
		hv, _ := headerValue(rec.headers, "From")
		r.Decision, r.Mailer, r.Header, r.Envelope = probe.Accept, rec.service, bareAddress(hv), rec.sender
		return r
	}
	switch {
	case len(inj.records) > 0:
		rec := inj.records[0]
		r.Decision, r.Mailer, r.Host = probe.Accept, rec.service, probe.Str(rec.nexthop)
		if len(rec.recipients) > 0 {
			r.User = probe.Str(rec.recipients[0])
		}
	case len(inj.logs) > 0:
		d := inj.logs[0]
		r.Text = d.reason
		if m := bounceRE.FindStringSubmatch(d.reason); m != nil {
			r.Code, r.DSN, r.Text = m[1], m[2], m[3]
		}
		if r.DSN == "" && (d.status == "bounced" || d.status == "deferred") {
			r.DSN = d.dsn
		}
		switch d.status {
		case "bounced", "expired":
			r.Decision = probe.Reject
		case "deferred":
			r.Decision = probe.Tempfail
		case "sent":
			r.Decision = probe.Accept
			if d.relay == "none" || strings.Contains(strings.ToLower(d.reason), "discard") {
				r.Decision = probe.Discard
			}
		default:
			r.Decision = probe.Error
		}
		r.Mailer, _, _ = strings.Cut(d.relay, "[")
		r.Verdict = d.status
	default:
		r.Decision, r.Text = probe.Error, "no delivery recorded within timeout"
	}
	return r
}
