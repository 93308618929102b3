package postfix

import (
	"fmt"
	"strings"

	"mailcc/ir"
	"mailcc/migrate/internal/emit"
)

// masterCF is master.cf: the SMTP services the listeners become, then
// Postfix's stock services.
type masterCF struct {
	services []service
}

type service struct {
	name, typ string
	opts      []string
	notes     []string
	from      ir.Pos
}

// stockServices are Postfix 3.7's default master.cf services (the
// smtpd on port 25 is written from the listeners).
var stockServices = [][]string{
	{"pickup", "unix", "n", "-", "n", "60", "1", "pickup"},
	{"cleanup", "unix", "n", "-", "n", "-", "0", "cleanup"},
	{"qmgr", "unix", "n", "-", "n", "300", "1", "qmgr"},
	{"tlsmgr", "unix", "-", "-", "n", "1000?", "1", "tlsmgr"},
	{"rewrite", "unix", "-", "-", "n", "-", "-", "trivial-rewrite"},
	{"bounce", "unix", "-", "-", "n", "-", "0", "bounce"},
	{"defer", "unix", "-", "-", "n", "-", "0", "bounce"},
	{"trace", "unix", "-", "-", "n", "-", "0", "bounce"},
	{"verify", "unix", "-", "-", "n", "-", "1", "verify"},
	{"flush", "unix", "n", "-", "n", "1000?", "0", "flush"},
	{"proxymap", "unix", "-", "-", "n", "-", "-", "proxymap"},
	{"proxywrite", "unix", "-", "-", "n", "-", "1", "proxymap"},
	{"smtp", "unix", "-", "-", "n", "-", "-", "smtp"},
	{"relay", "unix", "-", "-", "n", "-", "-", "smtp"},
	{"showq", "unix", "n", "-", "n", "-", "-", "showq"},
	{"error", "unix", "-", "-", "n", "-", "-", "error"},
	{"retry", "unix", "-", "-", "n", "-", "-", "error"},
	{"discard", "unix", "-", "-", "n", "-", "-", "discard"},
	{"local", "unix", "-", "n", "n", "-", "-", "local"},
	{"virtual", "unix", "-", "n", "n", "-", "-", "virtual"},
	{"lmtp", "unix", "-", "-", "n", "-", "-", "lmtp"},
	{"anvil", "unix", "-", "-", "n", "-", "1", "anvil"},
	{"scache", "unix", "-", "-", "n", "-", "1", "scache"},
	{"postlog", "unix-dgram", "n", "-", "n", "-", "1", "postlogd"},
}

func (mc *masterCF) render() []byte {
	var b strings.Builder
	b.WriteString(Marker + " sendmail-to-postfix\n")
	b.WriteString(emit.Comment("#", "Postfix master process configuration: the SMTP services are sendmail's DAEMON_OPTIONS (the MTA, the MSA), the rest are Postfix's stock services."))
	b.WriteString("# ==========================================================================\n")
	b.WriteString("# service type  private unpriv  chroot  wakeup  maxproc command + args\n")
	b.WriteString("#               (yes)   (yes)   (no)    (never) (100)\n")
	b.WriteString("# ==========================================================================\n")
	row := func(f []string) string {
		return fmt.Sprintf("%-9s %-5s %-7s %-7s %-7s %-7s %-7s %s", f[0], f[1], f[2], f[3], f[4], f[5], f[6], strings.Join(f[7:], " "))
	}
	for _, s := range mc.services {
		for _, n := range s.notes {
			b.WriteString(emit.Comment("#", n))
		}
		b.WriteString(row([]string{s.name, s.typ, "n", "-", "n", "-", "-", "smtpd"}) + "\n")
		for _, o := range s.opts {
			b.WriteString("  -o " + o + "\n")
		}
	}
	for _, f := range stockServices {
		b.WriteString(row(f) + "\n")
	}
	return []byte(b.String())
}

// servicePort names a port as master.cf does.
func servicePort(p string) string {
	switch strings.ToLower(p) {
	case "", "25", "smtp":
		return "smtp"
	case "587", "submission":
		return "submission"
	case "465", "smtps":
		return "smtps"
	}
	return p
}

// listeners: DAEMON_OPTIONS become smtpd services.
func (m *migrator) listeners() {
	ipv4, ipv6 := false, false
	seen := map[string]int{}
	for _, l := range m.cfg.Listeners {
		construct := "DAEMON_OPTIONS(" + l.Spec + ")"
		if l.Spec == "" {
			construct = "daemon " + l.Name
		}
		fam := strings.ToLower(l.Family)
		if fam == "local" || fam == "unix" {
			m.none(construct, l.Pos, l.Origin, "Postfix's smtpd does not listen on a UNIX socket for SMTP from outside",
				"use a unix or pass service in master.cf if a local program needs it", "")
			continue
		}
		name := servicePort(l.Port)
		if l.Addr != "" && l.Addr != "0.0.0.0" && l.Addr != "::" {
			a := l.Addr
			if fam == "inet6" || strings.Contains(a, ":") {
				a = "[" + a + "]"
			}
			name = a + ":" + name
		}
		if fam == "inet6" {
			ipv6 = true
		} else {
			ipv4 = true
		}
		s := service{name: name, typ: "inet", from: l.Pos}
		var differs, none []string
		if name != "smtp" || (l.Name != "" && !strings.EqualFold(l.Name, "MTA")) {
			if l.Name != "" {
				s.opts = append(s.opts, "syslog_name=postfix/"+strings.ToLower(strings.ReplaceAll(l.Name, " ", "-")))
			}
		}
		for _, c := range l.Modifiers {
			switch c {
			case 'E':
				s.opts = append(s.opts, "smtpd_etrn_restrictions=reject")
			case 'a':
				s.opts = append(s.opts, "smtpd_sasl_auth_enable=yes", "smtpd_client_restrictions=permit_sasl_authenticated,reject")
				differs = append(differs, "M=a: sendmail refuses MAIL before AUTH; Postfix refuses unauthenticated clients when the client restrictions are evaluated (at RCPT), and the access map's client checks do not run on this service")
			case 'A':
				s.opts = append(s.opts, "smtpd_sasl_auth_enable=no")
			case 's':
				s.opts = append(s.opts, "smtpd_tls_wrappermode=yes")
			case 'S':
				s.opts = append(s.opts, "smtpd_tls_security_level=none")
			case 'f':
				differs = append(differs, "M=f (fully qualified addresses required): add reject_non_fqdn_sender and reject_non_fqdn_recipient for this service")
			case 'u':
				differs = append(differs, "M=u (unqualified senders allowed): the sender checks of main.cf still refuse them on this service")
			default:
				none = append(none, "M="+string(c))
			}
		}
		for _, o := range l.Overrides {
			none = append(none, o.Name+"="+o.Value)
		}
		note := "sendmail " + construct + " (" + map[bool]string{true: l.Origin, false: l.Pos.String()}[l.Origin != ""] + ")"
		target := "master.cf: " + name + " inet smtpd" + map[bool]string{true: " -o " + strings.Join(s.opts, " -o "), false: ""}[len(s.opts) > 0]
		if i, dup := seen[name]; dup {
			// an IPv4 and an IPv6 daemon on one port: one Postfix service
			prev := &m.master.services[i]
			prev.notes = append(prev.notes, note)
			if strings.Join(prev.opts, " ") != strings.Join(s.opts, " ") {
				differs = append(differs, "another daemon listens on the same port with other options; Postfix has one service per port, with the first daemon's options")
			}
		} else {
			seen[name] = len(m.master.services)
			m.master.services = append(m.master.services, service{name: s.name, typ: s.typ, opts: s.opts, from: l.Pos, notes: []string{note}})
		}
		switch {
		case len(none) > 0:
			m.approx(construct, l.Pos, l.Origin, target, "not migrated: "+strings.Join(none, ", ")+" (Postfix has no per-service equivalent)"+
				map[bool]string{true: "; " + strings.Join(differs, "; "), false: ""}[len(differs) > 0], "")
		case len(differs) > 0:
			m.approx(construct, l.Pos, l.Origin, target, strings.Join(differs, "; "), "")
		default:
			m.exact(construct, l.Pos, l.Origin, target)
		}
	}
	switch {
	case ipv4 && !ipv6:
		m.main.set(secIdentity, "inet_protocols", "ipv4",
			[]string{"sendmail's daemons listen on IPv4 only (no DAEMON_OPTIONS with Family=inet6)."})
		m.approx("sendmail's daemons: IPv4 only", ir.Pos{}, "cf library default", "main.cf: inet_protocols = ipv4",
			"inet_protocols also makes Postfix's SMTP client use IPv4 only", "")
	case ipv6 && !ipv4:
		m.main.set(secIdentity, "inet_protocols", "ipv6",
			[]string{"sendmail's daemons listen on IPv6 only (Family=inet6)."})
		m.approx("sendmail's daemons: IPv6 only", ir.Pos{}, "", "main.cf: inet_protocols = ipv6",
			"inet_protocols also makes Postfix's SMTP client use IPv6 only", "")
	}
}
