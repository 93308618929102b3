package main

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"mailcc/cfparse"
	"mailcc/ir"
	"mailcc/runtime/policy"
	"mailcc/runtime/probe"
)

type traceOptions struct {
	from, root              string
	client, clientName      string
	helo, mailFrom, auth    string
	authMech                string
	to                      []string
	hosts, probes, hostname string
	passwd                  string
	json                    bool
}

func newTraceCmd() *cobra.Command {
	o := &traceOptions{}
	cmd := &cobra.Command{
		Use:   "trace [flags] DIR | FILE...",
		Short: "say what the server decides for a client, sender and recipients, and why",
		Long: `mailcc trace answers the questions an SMTP session asks a configuration:
would this client be accepted at connection, this sender at MAIL, each
recipient at RCPT (accepted, relayed, rejected with which code and
enhanced status, tempfailed, discarded)? Each answer lists the checks that
fired and the table entries and source lines that decided (file:line:col).

The answers follow the MTA the configuration came from: for sendmail the
cf library's check_relay, check_mail and check_rcpt rulesets (with
delay_checks, blocklist_recipients, the access map's tags and its domain
and address-prefix walks, relaying by class R, access RELAY entries and
TRUST_AUTH_MECH, ruleset 0's virtusertable errors and the local user check).
Probe files also ask for routes (resolve: ruleset 3,0 with domaintable,
virtusertable, mailertable, the smart host), the rewritten sender
(header_from: genericstable, masquerading) and aliases (alias: one level).
For Postfix configurations, connect, mail, rcpt and alias questions are
answered (the restriction lists in order, check_*_access with Postfix's key
forms, reject_unauth_destination, the recipient validation); routes and
sender rewriting not yet.

DNS is what --hosts says (hosts(5) form: address, then names, the first
canonical); nothing is resolved otherwise. Local users are those of the
passwd file (--passwd, default /etc/passwd), as the real programs see them.

--probes FILE answers a whole probe file (the grammar of the oracle
harness: connect/mail/rcpt/resolve/header_from/alias lines) with one JSON
object per probe, the shape the real sendmail's and Postfix's answers are
recorded in, so that they can be compared line by line.

JSON fields (--json, --probes): n, line, kind, probe, decision (accept,
reject, tempfail, discard, error), code, dsn, text, stage (connect, mail,
rcpt: where the decision was taken), verdict (sendmail's ruleset result:
RELAY, OK, error, ...), trace (a list of {what, result, pos}).

Exit status: 0 when every question was answered, 1 on a configuration
or probe file error, 2 on a usage error.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTrace(o, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.from, "from-mta", "", "the configuration's MTA: sendmail or postfix (default: detect)")
	f.StringVar(&o.root, "root", "", "read the absolute paths the configuration names under `DIR`")
	f.StringVar(&o.client, "client", "", "the client's IP `ADDR`ess")
	f.StringVar(&o.clientName, "client-name", "", "the client's verified host `NAME` (default: none)")
	f.StringVar(&o.helo, "helo", "", "the EHLO `NAME` (default: the client name, else [ADDR])")
	f.StringVar(&o.mailFrom, "from", "", "the envelope sender `ADDR` (\"<>\" for the null sender)")
	f.StringArrayVar(&o.to, "to", nil, "an envelope recipient `ADDR` (repeatable)")
	f.StringVar(&o.auth, "auth", "", "the client authenticated as `USER`")
	f.StringVar(&o.authMech, "auth-mech", "PLAIN", "the SASL `MECHANISM` of --auth")
	f.StringVar(&o.hosts, "hosts", "", "a hosts(5) `FILE` that stands in for DNS")
	f.StringVar(&o.hostname, "hostname", "", "the server's host `NAME` when the configuration does not set one")
	f.StringVar(&o.passwd, "passwd", "/etc/passwd", "the passwd `FILE` local users are looked up in")
	f.StringVar(&o.probes, "probes", "", "answer every probe of `FILE.tsv`, one JSON line each")
	f.BoolVar(&o.json, "json", false, "print one JSON object per question")
	return cmd
}

func runTrace(o *traceOptions, args []string) error {
	if o.from != "" && o.from != string(ir.Sendmail) && o.from != string(ir.Postfix) {
		return &exitError{code: 2, msg: fmt.Sprintf("--from-mta %s: must be sendmail or postfix", o.from)}
	}
	if o.probes == "" && o.client == "" {
		return &exitError{code: 2, msg: "give --client ADDR (with --from and --to to go further) or --probes FILE"}
	}
	cfg, diags, err := cfparse.Load(args, cfparse.Options{From: ir.Dialect(o.from), Root: o.root})
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	for _, d := range diags.Errors() {
		fmt.Fprintln(os.Stderr, d.Error())
	}
	env := policy.Env{Hostname: o.hostname, DNS: &policy.Hosts{}}
	if env.Hostname == "" {
		env.Hostname, _ = os.Hostname()
	}
	if o.hosts != "" {
		f, err := os.Open(o.hosts)
		if err != nil {
			return &exitError{code: 1, msg: err.Error()}
		}
		env.DNS, err = policy.ParseHosts(f, o.hosts)
		f.Close()
		if err != nil {
			return &exitError{code: 1, msg: err.Error()}
		}
	}
	if o.passwd != "" {
		var err error
		if env.Users, err = policy.ReadPasswd(o.passwd); err != nil {
			return &exitError{code: 1, msg: err.Error()}
		}
	}
	e := policy.New(cfg, env)

	w := bufio.NewWriter(stdout())
	defer w.Flush()
	if o.probes != "" {
		probes, perr := probe.ParseFile(o.probes)
		var rs []probe.Result
		for _, p := range probes {
			rs = append(rs, e.Answer(p))
		}
		if err := probe.WriteResults(w, rs); err != nil {
			return err
		}
		if perr != nil {
			w.Flush()
			return &exitError{code: 1, msg: perr.Error()}
		}
		return nil
	}

	// One session: connect, then MAIL, then each RCPT.
	addr, err := netip.ParseAddr(strings.TrimPrefix(strings.Trim(o.client, "[]"), "IPv6:"))
	if err != nil {
		return &exitError{code: 2, msg: fmt.Sprintf("--client %q: not an IP address", o.client)}
	}
	p := probe.Probe{Client: probe.Client{Addr: addr.Unmap(), Name: o.clientName}, Helo: o.helo, Auth: o.auth, AuthType: o.authMech}
	client := o.client
	if o.clientName != "" {
		client = o.clientName + "[" + o.client + "]"
	}
	var qs []probe.Probe
	p.Kind, p.Text = probe.Connect, "connect "+client
	qs = append(qs, p)
	if o.mailFrom != "" {
		p.Kind, p.From = probe.Mail, probe.StripAngle(o.mailFrom)
		p.Text = "mail " + client + " " + o.mailFrom
		qs = append(qs, p)
		for _, to := range o.to {
			p.Kind, p.To = probe.Rcpt, probe.StripAngle(to)
			p.Text = "rcpt " + client + " " + o.mailFrom + " " + to
			qs = append(qs, p)
		}
	} else if len(o.to) > 0 {
		return &exitError{code: 2, msg: "--to needs --from (RCPT comes after MAIL)"}
	}
	for i := range qs {
		qs[i].N = i + 1
		r := e.Answer(qs[i])
		if o.json {
			if err := probe.WriteResults(w, []probe.Result{r}); err != nil {
				return err
			}
			continue
		}
		writeTraceText(w, r)
	}
	return nil
}

func writeTraceText(w io.Writer, r probe.Result) {
	fmt.Fprintf(w, "%s: %s", r.Probe, r.Decision)
	if r.Code != "" {
		fmt.Fprintf(w, " %s %s %s", r.Code, r.DSN, r.Text)
	} else if r.Text != "" {
		fmt.Fprintf(w, " (%s)", r.Text)
	}
	if r.Stage != "" && r.Stage != string(r.Kind) {
		fmt.Fprintf(w, " at %s", r.Stage)
	}
	if r.Verdict != "" {
		fmt.Fprintf(w, " [%s]", r.Verdict)
	}
	fmt.Fprintln(w)
	for _, s := range r.Trace {
		fmt.Fprintf(w, "    %s", s.What)
		if s.Result != "" {
			fmt.Fprintf(w, " -> %s", s.Result)
		}
		if s.Pos != "" {
			fmt.Fprintf(w, "  (%s)", s.Pos)
		}
		fmt.Fprintln(w)
	}
}
