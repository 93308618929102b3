package policy

import (
	"bufio"
	"io"
	"net/netip"
	"os"
	"strings"

	"mailcc/runtime/hosts"
)

// Env is what the engine knows of the world outside the configuration:
// the host's name, DNS (through Hosts) and the local users. The engine
// never resolves or reads anything by itself.
type Env struct {
	// Hostname is the server's fully qualified name when the
	// configuration does not set one (sendmail's $j from the system,
	// Postfix's myhostname default).
	Hostname string
	// DNS answers name lookups; nil knows no names.
	DNS *Hosts
	// Users reports whether a local user exists (the passwd database);
	// nil knows none.
	Users func(name string) bool
	// Addrs are the host's interface addresses (what Postfix's
	// inet_interfaces = all listens on, and its resolver takes as
	// this host's in an address literal user@[addr]); nil is the
	// loopback addresses only.
	Addrs []netip.Addr
}

// Hosts is the DNS stand-in (package hosts).
type Hosts = hosts.Hosts

// ParsePasswd reads the user names of a passwd(5) file, for Env.Users.
func ParsePasswd(r io.Reader) (func(name string) bool, error) {
	users := map[string]bool{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if name, _, ok := strings.Cut(sc.Text(), ":"); ok && name != "" && !strings.HasPrefix(name, "#") {
			users[name] = true
		}
	}
	return func(name string) bool { return users[name] }, sc.Err()
}

// ReadPasswd reads the user names of the passwd(5) file at path
// (ParsePasswd).
func ReadPasswd(path string) (func(name string) bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParsePasswd(f)
}

// ParseHosts reads a hosts file (hosts.Parse).
func ParseHosts(r io.Reader, name string) (*Hosts, error) { return hosts.Parse(r, name) }
