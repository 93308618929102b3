package policy

import (
	"io"

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
}

// Hosts is the DNS stand-in (package hosts).
type Hosts = hosts.Hosts

// ParseHosts reads a hosts file (hosts.Parse).
func ParseHosts(r io.Reader, name string) (*Hosts, error) { return hosts.Parse(r, name) }
