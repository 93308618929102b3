package ir

import (
	"net/netip"
	"strings"
)

// A Socket is one address a listener accepts connections on.
type Socket struct {
	// Port is as the listener writes it: a number or a service name.
	Port string
	// Addr is an address (without brackets) or a host name; "" is every
	// address of Family.
	Addr string
	// Family is "ipv4" or "ipv6"; for a sendmail daemon of another
	// family (Family=local), that family as written.
	Family   string
	Listener *Listener
}

// Sockets are the addresses the configuration's listeners accept
// connections on, in the listeners' order.
//
// A sendmail daemon listens on one family: Family=inet (the default) or
// inet6, on Addr or on every address (an inet6 daemon on every address
// takes IPv4 too, as on Linux by default). A Postfix service without a host
// in its name listens on every inet_interfaces address (all,
// loopback-only, or a list of addresses and names), and each of those
// that is not an address literal on every inet_protocols family (all:
// IPv4 and IPv6, the built-in defaults of both parameters).
func (c *Config) Sockets() []Socket {
	var out []Socket
	if c.Dialect != Postfix {
		for i := range c.Listeners {
			l := &c.Listeners[i]
			fam := strings.ToLower(l.Family)
			switch fam {
			case "", "inet":
				fam = "ipv4"
			case "inet6":
				fam = "ipv6"
			}
			addr := strings.Trim(l.Addr, "[]")
			if addr == "0.0.0.0" || addr == "::" || strings.EqualFold(addr, "INADDR_ANY") {
				addr = ""
			}
			out = append(out, Socket{Port: l.Port, Addr: addr, Family: fam, Listener: l})
			if fam == "ipv6" && addr == "" {
				// sendmail does not set IPV6_V6ONLY: where
				// net.ipv6.bindv6only = 0 (Linux's default) its
				// socket on :: takes IPv4 too
				out = append(out, Socket{Port: l.Port, Family: "ipv4", Listener: l})
			}
		}
		return out
	}
	families := c.postfixFamilies()
	ifaces := c.OptionWords("inet_interfaces")
	if len(ifaces) == 0 {
		ifaces = []string{"all"}
	}
	for i := range c.Listeners {
		l := &c.Listeners[i]
		addrs := []string{strings.Trim(l.Addr, "[]")}
		if l.Addr == "" {
			addrs = nil
			for _, w := range ifaces {
				switch strings.ToLower(w) {
				case "all":
					addrs = append(addrs, "")
				case "loopback-only":
					addrs = append(addrs, "127.0.0.1", "::1")
				default:
					addrs = append(addrs, strings.Trim(w, "[]"))
				}
			}
		}
		for _, a := range addrs {
			if ip, err := netip.ParseAddr(a); err == nil {
				fam := "ipv6"
				if ip.Unmap().Is4() {
					fam = "ipv4"
				}
				if ip.IsUnspecified() {
					a = "" // 0.0.0.0, ::: every address of the family
				}
				if families[fam] {
					out = append(out, Socket{Port: l.Port, Addr: a, Family: fam, Listener: l})
				}
				continue
			}
			for _, fam := range []string{"ipv4", "ipv6"} {
				if families[fam] {
					out = append(out, Socket{Port: l.Port, Addr: a, Family: fam, Listener: l})
				}
			}
		}
	}
	return out
}

// postfixFamilies is inet_protocols as a set ("all": both).
func (c *Config) postfixFamilies() map[string]bool {
	var words []string
	for _, v := range c.Client.Families {
		words = append(words, strings.Fields(strings.ReplaceAll(v.Value, ",", " "))...)
	}
	if len(words) == 0 {
		words = []string{"all"}
	}
	set := map[string]bool{}
	for _, w := range words {
		switch w = strings.ToLower(w); w {
		case "all":
			set["ipv4"], set["ipv6"] = true, true
		case "ipv4", "ipv6":
			set[w] = true
		}
	}
	return set
}

// OptionWords is a list-valued option or main.cf parameter's words
// (its typed list, else its value split at commas and blanks), nil when
// the configuration does not set it.
func (c *Config) OptionWords(name string) []string {
	o := c.Option(name)
	if o == nil {
		return nil
	}
	if len(o.List) > 0 {
		return o.List
	}
	return strings.Fields(strings.ReplaceAll(o.Raw, ",", " "))
}
