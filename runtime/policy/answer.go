package policy

import (
	"mailcc/runtime/probe"
)

// Answer answers one probe: connect, mail and rcpt through the
// engine's decisions; the other kinds are answered by the routing and
// rewriting engine (not built yet) and get an "error" decision that
// says so.
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
	default:
		r.Decision = probe.Error
		r.Text = "mailcc trace does not answer " + string(p.Kind) + " probes yet"
		return r
	}
	r.Decision, r.Code, r.DSN, r.Text, r.Stage, r.Verdict, r.Trace = d.Decision, d.Code, d.DSN, d.Text, d.Stage, d.Verdict, d.Trace
	if r.Decision == probe.Accept || r.Decision == probe.Discard {
		r.Code, r.DSN, r.Text = "", "", ""
	}
	return r
}
