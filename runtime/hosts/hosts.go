// Package hosts is a DNS stand-in read from a file in hosts(5) form:
// lines of an address, then names; the first name of a line is the
// canonical one, later names are aliases (like CNAMEs); "#" starts a
// comment. The decision engine answers name lookups from it, and the
// oracle harnesses give the real sendmail (as its hosts file) and the
// real Postfix (as DNS) the same names.
package hosts

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
)

// Hosts is a DNS stand-in in hosts(5) form: an address, then names; the
// first name of a line is the canonical one, later names are aliases
// (like CNAMEs).
type Hosts struct {
	canon map[string]string // lower-case name → canonical name
	addrs map[string][]netip.Addr
	names map[netip.Addr]string // address → first name
}

// Parse reads a hosts file.
func Parse(r io.Reader, name string) (*Hosts, error) {
	h := &Hosts{}
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text, _, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(text)
		if len(f) == 0 {
			continue
		}
		a, err := netip.ParseAddr(f[0])
		if err != nil {
			return nil, fmt.Errorf("%s:%d:1: error: bad address %q", name, line, f[0])
		}
		if len(f) < 2 {
			return nil, fmt.Errorf("%s:%d:%d: error: address without a name", name, line, len(f[0])+1)
		}
		h.Add(a.Unmap(), f[1:]...)
	}
	return h, sc.Err()
}

// Add records an address and its names, the first canonical.
func (h *Hosts) Add(a netip.Addr, names ...string) {
	if h.canon == nil {
		h.canon, h.addrs, h.names = map[string]string{}, map[string][]netip.Addr{}, map[netip.Addr]string{}
	}
	for _, n := range names {
		k := strings.ToLower(strings.TrimSuffix(n, "."))
		if _, ok := h.canon[k]; !ok {
			h.canon[k] = names[0]
		}
		h.addrs[k] = append(h.addrs[k], a)
	}
	if _, ok := h.names[a]; !ok {
		h.names[a] = names[0]
	}
}

// Canonical returns the canonical name of name and whether it exists.
func (h *Hosts) Canonical(name string) (string, bool) {
	if h == nil {
		return "", false
	}
	c, ok := h.canon[strings.ToLower(strings.TrimSuffix(name, "."))]
	return c, ok
}

// Addrs returns the addresses of name (an alias's are those of the
// lines that list it), in the order of the hosts file.
func (h *Hosts) Addrs(name string) []netip.Addr {
	if h == nil {
		return nil
	}
	return h.addrs[strings.ToLower(strings.TrimSuffix(name, "."))]
}

// Exists says whether name has an address.
func (h *Hosts) Exists(name string) bool {
	_, ok := h.Canonical(name)
	return ok
}

// ParseFile reads the hosts file at path.
func ParseFile(path string) (*Hosts, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(f, path)
}
