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
	v4, v6 := pfProtocols(m.pfOption("inet_protocols", "all"))
	ifaces := strings.FieldsFunc(m.pfOption("inet_interfaces", "all"), func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
	used := map[string]bool{}
	for _, l := range m.cfg.Listeners {
		construct := "master.cf: " + l.Name + " inet"
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
		type sock struct{ fam, addr string }
		var socks []sock
		var differs []string
		addFam := func(addr string) {
			if a, err := netip.ParseAddr(addr); err == nil && a.Is6() && !a.Is4In6() {
				socks = append(socks, sock{"inet6", addr})
			} else {
				socks = append(socks, sock{"inet", addr})
				if err != nil {
					differs = append(differs, "the host name "+addr+": sendmail binds to one of its addresses")
				}
			}
		}
		if l.Addr != "" {
			addFam(l.Addr)
		} else {
			for _, ifc := range ifaces {
				switch strings.ToLower(ifc) {
				case "all":
					switch {
					case v4 && v6:
						socks = append(socks, sock{"inet6", ""})
						differs = append(differs, "every address of both families: one sendmail daemon on ::, whose socket takes IPv4 too only where net.ipv6.bindv6only = 0 (Linux's default; an IPv4 daemon on 0.0.0.0 could not bind next to it there)")
					case v6:
						socks = append(socks, sock{"inet6", ""})
						differs = append(differs, "inet_protocols = ipv6: sendmail's socket on :: also takes IPv4 where net.ipv6.bindv6only = 0 (Linux's default); Postfix sets IPV6_V6ONLY")
					default:
						socks = append(socks, sock{"inet", ""})
					}
				case "loopback-only":
					if v4 {
						socks = append(socks, sock{"inet", "127.0.0.1"})
					}
					if v6 {
						socks = append(socks, sock{"inet6", "::1"})
					}
				default:
					if strings.Contains(ifc, "$") {
						differs = append(differs, "inet_interfaces "+ifc+" is not expanded: add its daemon by hand")
						continue
					}
					addFam(strings.Trim(ifc, "[]"))
				}
			}
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
}

// pfOption is a main.cf parameter as written, or def when main.cf does
// not set it.
func (m *migrator) pfOption(name, def string) string {
	for _, o := range m.cfg.Options {
		if o.Name == name {
			return strings.TrimSpace(o.Raw)
		}
	}
	return def
}

// pfProtocols reads inet_protocols.
func pfProtocols(v string) (v4, v6 bool) {
	for _, p := range strings.FieldsFunc(strings.ToLower(v), func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		switch p {
		case "all":
			v4, v6 = true, true
		case "ipv4":
			v4 = true
		case "ipv6":
			v6 = true
		}
	}
	if !v4 && !v6 {
		v4 = true
	}
	return v4, v6
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
