package policy

import (
	"strings"

	"mailcc/runtime/probe"
)

// Answer answers one probe: connect, mail and rcpt through the
// engine's decisions, resolve through ruleset 0's routing, header_from
// through the sender rewriting, alias through the aliases (sendmail);
// what is not answered yet gets an "error" decision that says so.
func (e *Engine) Answer(p probe.Probe) probe.Result {
	r := probe.Result{N: p.N, Line: p.Line, Kind: p.Kind, Probe: p.Text}
	sess := Session{ClientAddr: p.Client.Addr, ClientName: p.Client.Name, Helo: p.HeloName(),
		AuthUser: p.Auth, AuthMech: p.AuthType, From: p.From, To: p.To}
	var d Decision
	switch p.Kind {
	case probe.Connect:
		d = e.Connect(sess)
	case probe.Mail:
		d = e.Mail(sess)
	case probe.Rcpt:
		d = e.Rcpt(sess)
	case probe.Resolve:
		t := newTracer()
		var rt route
		switch {
		case e.sm != nil:
			rt = e.sm.resolve(t, p.Address, 0)
		case e.pf != nil:
			rt, _ = e.pf.resolve(t, p.Address, 0)
		default:
			r.Decision = probe.Error
			return r
		}
		r.Trace = steps(t.steps)
		if rt.err != nil {
			r.Decision, r.Code, r.DSN, r.Text, r.Mailer = rt.err.Decision, rt.err.Code, rt.err.DSN, rt.err.Text, "*error*"
			if e.pf != nil {
				// a Postfix bounce has an enhanced status, no reply code
				r.Code, r.Mailer = "", rt.mailer
			}
			return r
		}
		r.Decision, r.Mailer, r.Host, r.User = probe.Accept, rt.mailer, probe.Str(rt.host), probe.Str(rt.user)
		return r
	case probe.HeaderFrom:
		if e.sm == nil && e.pf == nil {
			r.Decision = probe.Error
			return r
		}
		t := newTracer()
		addr := p.Address
		if i := strings.LastIndexByte(addr, '<'); i >= 0 && strings.HasSuffix(addr, ">") {
			addr = addr[i+1 : len(addr)-1]
		}
		r.Mailer = p.Mailer
		if r.Mailer == "" {
			r.Mailer = "esmtp"
		}
		r.Decision = probe.Accept
		if e.pf != nil {
			r.Mailer = "smtp"
			r.Header = e.pf.headerFrom(t, addr, false)
			r.Envelope = e.pf.headerFrom(t, addr, true)
		} else {
			r.Header = e.sm.headerFrom(t, addr, false, r.Mailer)
			r.Envelope = e.sm.headerFrom(t, addr, true, r.Mailer)
		}
		r.Trace = steps(t.steps)
		return r
	case probe.Alias:
		t := newTracer()
		switch {
		case e.sm != nil:
			r.Alias = e.sm.aliasExpansion(t, p.Name)
		case e.pf != nil:
			r.Alias = e.pf.aliasExpansion(t, p.Name)
		}
		r.Decision, r.Trace = probe.Accept, steps(t.steps)
		if r.Alias == nil {
			r.Decision = probe.NotFound
		}
		return r
	default:
		r.Decision = probe.Error
		r.Text = "mailcc trace does not answer " + string(p.Kind) + " probes yet"
		return r
	}
	r.Decision, r.Code, r.DSN, r.Text, r.Stage, r.Verdict, r.Trace = d.Decision, d.Code, d.DSN, d.Text, d.Stage, d.Verdict, steps(d.Trace)
	if r.Decision == probe.Accept || r.Decision == probe.Discard {
		r.Code, r.DSN, r.Text = "", "", ""
	}
	return r
}
