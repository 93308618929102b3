package postfix

import (
	"fmt"
	"net"
	"os"
	"strings"
)

// Host is what the host-dependent defaults of Postfix (myhostname,
// mydomain, mynetworks, process_id) are computed from. The zero Host
// describes the machine mailcc runs on.
type Host struct {
	// Hostname is the machine's name (uname's node name); "" asks the
	// system.
	Hostname string
	// Interfaces are the machine's addresses with their netmasks, in the
	// order the system lists them; nil asks the system.
	Interfaces []net.IPNet
	// PID is $process_id; 0 is the running process's.
	PID int
}

func (h *Host) hostname() string {
	if h != nil && h.Hostname != "" {
		return h.Hostname
	}
	name, err := os.Hostname()
	if err != nil || name == "" {
		return "localhost"
	}
	return name
}

func (h *Host) pid() int {
	if h != nil && h.PID != 0 {
		return h.PID
	}
	return os.Getpid()
}

// interfaces returns the host's up interfaces' addresses, IPv4 ones
// first, as Postfix lists them (getifaddrs order, one address family
// after the other).
func (h *Host) interfaces(v4, v6 bool) []net.IPNet {
	var all []net.IPNet
	if h != nil && h.Interfaces != nil {
		all = h.Interfaces
	} else {
		ifs, err := net.Interfaces()
		if err == nil {
			for _, ifc := range ifs {
				if ifc.Flags&net.FlagUp == 0 {
					continue
				}
				addrs, err := ifc.Addrs()
				if err != nil {
					continue
				}
				for _, a := range addrs {
					if n, ok := a.(*net.IPNet); ok {
						all = append(all, *n)
					}
				}
			}
		}
	}
	var out []net.IPNet
	if v4 {
		for _, n := range all {
			if ip4 := n.IP.To4(); ip4 != nil && !ip4.IsUnspecified() {
				out = append(out, net.IPNet{IP: ip4, Mask: tail4(n.Mask)})
			}
		}
	}
	if v6 {
		for _, n := range all {
			if n.IP.To4() == nil && len(n.IP) == net.IPv6len && !n.IP.IsUnspecified() {
				out = append(out, n)
			}
		}
	}
	return out
}

// tail4 returns a 4-byte IPv4 mask.
func tail4(m net.IPMask) net.IPMask {
	if len(m) == net.IPv6len {
		return m[12:]
	}
	return m
}

// protocols parses inet_protocols: which address families are on.
// Postfix's name_mask() takes the names in lower case only.
func protocols(value string) (v4, v6 bool, err error) {
	for _, w := range strings.FieldsFunc(value, isListSep) {
		switch w {
		case "all":
			v4, v6 = true, true
		case "ipv4":
			v4 = true
		case "ipv6":
			v6 = true
		default:
			return false, false, fmt.Errorf("unknown inet_protocols value \"%s\" in \"%s\"", w, value)
		}
	}
	return v4, v6, nil
}

// ownAddresses is the addresses inet_interfaces names, with the netmask
// of the interface each is on.
func (h *Host) ownAddresses(interfaces string, v4, v6 bool) ([]net.IPNet, error) {
	local := h.interfaces(v4, v6)
	words := strings.FieldsFunc(interfaces, isListSep)
	if len(words) == 1 && strings.EqualFold(words[0], "all") {
		return local, nil
	}
	var out []net.IPNet
	add := func(ip net.IP, what string) error {
		for _, n := range local {
			if n.IP.Equal(ip) {
				out = append(out, n)
				return nil
			}
		}
		return fmt.Errorf("parameter inet_interfaces: no local interface found for %s", what)
	}
	for _, w := range words {
		switch {
		case strings.EqualFold(w, "loopback-only"):
			if v4 {
				if err := add(net.IPv4(127, 0, 0, 1).To4(), "127.0.0.1"); err != nil {
					return nil, err
				}
			}
			if v6 {
				if err := add(net.IPv6loopback, "::1"); err != nil {
					return nil, err
				}
			}
			continue
		}
		lit := strings.TrimSuffix(strings.TrimPrefix(w, "["), "]")
		if ip := net.ParseIP(lit); ip != nil {
			if ip4 := ip.To4(); ip4 != nil {
				ip = ip4
			}
			if err := add(ip, w); err != nil {
				return nil, err
			}
			continue
		}
		ips, err := net.LookupIP(w)
		if err != nil || len(ips) == 0 {
			return nil, fmt.Errorf("parameter inet_interfaces: host not found: %s", w)
		}
		for _, ip := range ips {
			if ip4 := ip.To4(); ip4 != nil {
				if !v4 {
					continue
				}
				ip = ip4
			} else if !v6 {
				continue
			}
			if err := add(ip, w); err != nil {
				return nil, err
			}
			break
		}
	}
	return out, nil
}

// networksStyle checks a mynetworks_style value as Postfix's
// name_mask() and mynetworks() do (lower-case names, exactly one) and
// returns the style.
func networksStyle(value string) (string, error) {
	styles := map[string]bool{}
	for _, w := range strings.FieldsFunc(value, isListSep) {
		if w != "host" && w != "subnet" && w != "class" {
			return "", fmt.Errorf("unknown mynetworks mask style value \"%s\" in \"%s\"", w, value)
		}
		styles[w] = true
	}
	if len(styles) != 1 {
		return "", fmt.Errorf("bad mynetworks_style value: %s; specify exactly one value", value)
	}
	for w := range styles {
		return w, nil
	}
	return "", nil
}

// mynetworks computes Postfix's default mynetworks for a mynetworks_style
// ("host", "subnet" or "class") from the host's addresses: each address
// as a network of that style, duplicates left out, each followed by a
// space.
func mynetworks(addrs []net.IPNet, style string) (string, error) {
	style, err := networksStyle(style)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	seen := map[string]bool{}
	for _, a := range addrs {
		var s string
		if ip4 := a.IP.To4(); ip4 != nil {
			bits, _ := a.Mask.Size()
			switch style {
			case "host":
				bits = 32
			case "class":
				switch {
				case ip4[0] < 128:
					bits = 8
				case ip4[0] < 192:
					bits = 16
				case ip4[0] < 224:
					bits = 24
				case ip4[0] < 240:
					bits = 4
				default:
					return "", fmt.Errorf("mynetworks_core: unknown address class: %s", ip4)
				}
			}
			s = fmt.Sprintf("%s/%d", ip4.Mask(net.CIDRMask(bits, 32)), bits)
		} else {
			bits, _ := a.Mask.Size()
			if style == "host" {
				bits = 128
			}
			s = fmt.Sprintf("[%s]/%d", a.IP.Mask(net.CIDRMask(bits, 128)), bits)
		}
		if !seen[s] {
			seen[s] = true
			b.WriteString(s)
			b.WriteByte(' ')
		}
	}
	return b.String(), nil
}

// isListSep is Postfix's list separator set (CHARS_COMMA_SP).
func isListSep(r rune) bool { return r == ' ' || r == ',' || r == '\t' || r == '\r' || r == '\n' }
