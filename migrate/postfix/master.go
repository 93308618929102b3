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

// wildcard6 reports whether a daemon is an IPv6 one on every address:
// sendmail does not set IPV6_V6ONLY, so on Linux (net.ipv6.bindv6only =
// 0, the default) its socket on :: takes IPv4 connections too.
func wildcard6(l ir.Listener) bool {
	return strings.EqualFold(l.Family, "inet6") && (l.Addr == "" || l.Addr == "::")
}

func wildcardAddr(a string) bool { return a == "" || a == "0.0.0.0" || a == "::" }

// listeners: DAEMON_OPTIONS become smtpd services. The families each
// daemon takes decide inet_protocols: an IPv4 daemon takes IPv4, an
// IPv6 one on a given address IPv6, an IPv6 one on every address both
// (wildcard6). When both families are in use (inet_protocols = all), an
// IPv4 daemon on every address is written 0.0.0.0:port, or Postfix
// would listen on [::]:port as well.
func (m *migrator) listeners() {
	ipv4, ipv6 := false, false
	wild6 := map[string]bool{} // ports with an IPv6 daemon on every address
	for _, l := range m.cfg.Listeners {
		switch fam := strings.ToLower(l.Family); {
		case fam == "local" || fam == "unix":
		case wildcard6(l):
			ipv4, ipv6 = true, true
			wild6[servicePort(l.Port)] = true
		case fam == "inet6":
			ipv6 = true
		default:
			ipv4 = true
		}
	}
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
		var differs, none []string
		switch {
		case !wildcardAddr(l.Addr):
			a := l.Addr
			if fam == "inet6" || strings.Contains(a, ":") {
				a = "[" + a + "]"
			}
			name = a + ":" + name
		case fam != "inet6" && ipv6 && !wild6[name]:
			// only IPv4 on this port, while Postfix listens on both
			name = "0.0.0.0:" + name
		case fam != "inet6" && wild6[name]:
			differs = append(differs, "an IPv6 daemon on :: shares the port: on Linux (net.ipv6.bindv6only = 0) its socket takes IPv4 too, so sendmail cannot open both (the IPv6 one fails to bind; sendmail retries and exits, or, with M=O, goes on without it); Postfix listens on both families")
		case wildcard6(l):
			d := "sendmail's IPv6 socket on :: takes IPv4 connections too only where net.ipv6.bindv6only = 0 (Linux's default; sendmail does not set IPV6_V6ONLY); this service listens on both families wherever Postfix runs"
			for _, o := range m.cfg.Listeners {
				if !strings.EqualFold(o.Family, "inet6") && !strings.EqualFold(o.Family, "local") && !strings.EqualFold(o.Family, "unix") &&
					wildcardAddr(o.Addr) && servicePort(o.Port) == name {
					d = "an IPv4 daemon on every address has the same port: on Linux (net.ipv6.bindv6only = 0) sendmail's IPv6 socket on :: also takes IPv4 and cannot bind (sendmail retries and exits, or, with M=O, goes on without it); Postfix listens on both families"
					break
				}
			}
			differs = append(differs, d)
		}
		s := service{name: name, typ: "inet", from: l.Pos}
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
				// sendmail's check_mail skips its unqualified-sender
				// test for this daemon: without the command filter
				// nothing marks such a sender (unqualifiedSenders)
				if m.pol.unqualified != nil {
					s.opts = append(s.opts, "smtpd_command_filter=")
				}
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
			[]string{"sendmail's daemons listen on IPv6 only (Family=inet6, on given addresses)."})
		m.approx("sendmail's daemons: IPv6 only", ir.Pos{}, "", "main.cf: inet_protocols = ipv6",
			"inet_protocols also makes Postfix's SMTP client use IPv6 only", "")
	}
}
