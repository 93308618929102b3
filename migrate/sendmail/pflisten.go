package sendmail

import (
	"fmt"
	"net/netip"
	"strings"

	"mailcc/ir"
)

// pfListeners: each smtpd inet service of master.cf becomes
// DAEMON_OPTIONS, one per address and family it listens on: the
// service's own host, else each address of inet_interfaces (all,
// loopback-only, or a list) for each protocol of inet_protocols. Every
// daemon is written, so the cf library's own (the MTA, which the first
// DAEMON_OPTIONS replaces, and the MSA) are not used
// (FEATURE(no_default_msa)).
//
// sendmail does not set IPV6_V6ONLY: on Linux (net.ipv6.bindv6only = 0)
// its IPv6 socket on :: takes IPv4 too, and an IPv4 daemon on 0.0.0.0
// of the same port could not bind next to it. A service on every
// address of both families is therefore one IPv6 daemon on ::, and one
// of IPv6 only cannot be had (both approximate).
func (m *migrator) pfListeners() {
	m.mc.add(grpFeature, call("FEATURE", "no_default_msa"), "every daemon is written below (DAEMON_OPTIONS)", ir.Pos{})
	type sock struct{ fam, addr string }
	bySvc := map[*ir.Listener][]ir.Socket{}
	for _, s := range m.cfg.Sockets() {
		bySvc[s.Listener] = append(bySvc[s.Listener], s)
	}
	used := map[string]bool{}
	for i := range m.cfg.Listeners {
		l := &m.cfg.Listeners[i]
		construct := "master.cf: " + l.Name + " inet"
		if templated(l.Name) || m.pfTemplatedInterfaces(l) {
			m.none(construct, l.Pos, "its address or port (or inet_interfaces) is a template's placeholder, not a value", "add its DAEMON_OPTIONS by hand", "")
			continue
		}
		port, base := pfDaemonPort(l.Port)
		mods := ""
		if port == "587" {
			mods += "E"
		}
		if l.RequireAuth {
			mods += "a"
		}
		if l.TLSWrapper {
			mods += "s"
		}
		var socks []sock
		var differs []string
		// every address: an IPv6 daemon on :: takes both families
		anyV4, anyV6 := false, false
		named := map[string]bool{}
		for _, s := range bySvc[l] {
			switch {
			case s.Addr == "" && s.Family == "ipv4":
				anyV4 = true
			case s.Addr == "" && s.Family == "ipv6":
				anyV6 = true
			case strings.Contains(s.Addr, "$"):
				if !named[s.Addr] {
					named[s.Addr] = true
					differs = append(differs, "inet_interfaces "+s.Addr+" is not expanded: add its daemon by hand")
				}
			default:
				if _, err := netip.ParseAddr(s.Addr); err == nil {
					fam := "inet"
					if s.Family == "ipv6" {
						fam = "inet6"
					}
					socks = append(socks, sock{fam, s.Addr})
				} else if !named[s.Addr] {
					// a host name: one IPv4 daemon, bound to one of
					// its addresses
					named[s.Addr] = true
					socks = append(socks, sock{"inet", s.Addr})
					differs = append(differs, "the host name "+s.Addr+": sendmail binds to one of its addresses")
				}
			}
		}
		switch {
		case anyV4 && anyV6:
			socks = append([]sock{{"inet6", ""}}, socks...)
			differs = append(differs, "every address of both families: one sendmail daemon on ::, whose socket takes IPv4 too only where net.ipv6.bindv6only = 0 (Linux's default; an IPv4 daemon on 0.0.0.0 could not bind next to it there)")
		case anyV6:
			socks = append([]sock{{"inet6", ""}}, socks...)
			differs = append(differs, "inet_protocols = ipv6: sendmail's socket on :: also takes IPv4 where net.ipv6.bindv6only = 0 (Linux's default); Postfix sets IPV6_V6ONLY")
		case anyV4:
			socks = append([]sock{{"inet", ""}}, socks...)
		}
		var others []string
		for _, o := range l.Overrides {
			switch o.Name {
			case "smtpd_tls_wrappermode", "smtpd_sasl_auth_enable", "smtpd_tls_security_level", "syslog_name":
			default:
				others = append(others, o.Name)
			}
		}
		if len(others) > 0 {
			differs = append(differs, "its -o overrides ("+strings.Join(others, ", ")+") are not translated: sendmail's daemons share one configuration, and DAEMON_OPTIONS only says M= flags")
		}
		var targets []string
		for _, s := range socks {
			name := base
			if len(socks) > 1 {
				name += map[string]string{"inet": "-v4", "inet6": "-v6"}[s.fam]
			}
			for n := 2; used[name]; n++ {
				name = fmt.Sprintf("%s-%d", base, n)
			}
			used[name] = true
			spec := "Family=" + s.fam + ", Name=" + name + ", Port=" + port
			if s.addr != "" {
				spec += ", Addr=" + s.addr
			}
			if mods != "" {
				spec += ", M=" + mods
			}
			text := call("DAEMON_OPTIONS", spec)
			m.mc.add(grpDaemon, text, "master.cf: "+l.Name+" inet smtpd", l.Pos)
			targets = append(targets, "DAEMON_OPTIONS("+spec+")")
		}
		target := strings.Join(targets, ", ")
		switch {
		case len(socks) == 0:
			m.none(construct, l.Pos, "it listens on no address sendmail can be told ("+strings.Join(differs, "; ")+")", "add its DAEMON_OPTIONS by hand", "")
		case len(differs) > 0:
			m.approx(construct, l.Pos, target, strings.Join(differs, "; "), "")
		default:
			m.exact(construct, l.Pos, "", target)
		}
	}
	if len(m.cfg.Listeners) == 0 {
		m.none("master.cf: no smtpd service", ir.Pos{}, "sendmail's daemon (sendmail -bd) listens on port 25 of every IPv4 address unless DAEMON_OPTIONS says otherwise, and a DAEMON_OPTIONS cannot say \"nowhere\"",
			"run sendmail without -bd (only queue runs, sendmail -q) if it must not accept SMTP connections", "")
	}
}

// pfTemplatedInterfaces says whether a service without its own host
// listens on inet_interfaces that hold a template's placeholder.
func (m *migrator) pfTemplatedInterfaces(l *ir.Listener) bool {
	if l.Addr != "" {
		return false
	}
	for _, o := range m.cfg.Options {
		if o.Name == "inet_interfaces" && templated(o.Raw) {
			return true
		}
	}
	return false
}

// pfDaemonPort is a master.cf service port as DaemonPortOptions' Port=
// (smtp by name, the others by number) and the daemon's name.
func pfDaemonPort(p string) (port, name string) {
	switch strings.ToLower(p) {
	case "smtp", "25":
		return "smtp", "MTA"
	case "submission", "587":
		return "587", "MSA"
	case "smtps", "submissions", "465":
		return "465", "MTA-SSL"
	}
	return p, "MTA-" + p
}
