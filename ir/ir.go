// Package ir is mailcc's typed model of a mail server's configuration: one
// intermediate representation that both sendmail's and Postfix's
// configurations are lowered into, and that trace, migrate, lint and the
// built-in MTA read.
//
// # Syntax
//
// The IR has no syntax of its own but a canonical YAML encoding (Encode,
// Decode): struct fields in declaration order, lists in source order,
// empty fields left out, every position written "file:line:col". Decoding
// the encoding gives back an equal Config.
//
// # Semantics
//
// A Config says what a server does, in neutral terms:
//
//   - Identity and LocalDomains: who the server is and which domains it
//     delivers locally (sendmail's $j and class w, Postfix's myhostname
//     and mydestination);
//   - Relay: who may relay and to where (sendmail's class R, access RELAY
//     entries and trusted AUTH mechanisms; Postfix's mynetworks,
//     relay_domains and permit_sasl_authenticated);
//   - Policy: the SMTP-time checks, an ordered list per stage (connect,
//     helo, mail, rcpt, data) like Postfix's restriction lists, into which
//     sendmail's check_relay, check_mail and check_rcpt rulesets lower.
//     Where the two look keys up differently (tags, parent domains, IP
//     prefixes, the order of address forms, case) the Lookup field of a
//     check says how, as data;
//   - Rewrite: the address rewriting stages in order (domaintable and
//     canonical, virtual users, aliases, masquerading, generic), each with
//     its scope (envelope or header, sender or recipient) and its table;
//   - Routing: where mail goes (mailertable or transport, smart host,
//     mail hub, local delivery);
//   - Listeners, Client, Mailers, Milters and Options: the daemons, the
//     outgoing SMTP client, the delivery agents, the mail filters and the
//     typed settings;
//   - Tables: every lookup table, with its backend (type, path, flags)
//     and, when its text source was read, its entries with typed views;
//   - Opaque: what mailcc keeps but does not model (local rule sets,
//     regexp tables, unknown features), each with a reason.
//
// Every node that came from a source line carries its position (Pos).
// Synthesized values (defaults of the cf library or of Postfix) have no
// position, and their Origin says where the default comes from.
//
// # Compatibility
//
// The IR models what migration, tracing and the MTA need; it is not a
// complete model of either configuration language. The Dialect of a
// Config says which MTA's semantics its values have: a Config lowered
// from sendmail keeps sendmail's lookup order, reply codes and defaults,
// and one from Postfix keeps Postfix's.
//
// # Diagnostics
//
// Validate reports inconsistencies (a check naming a table that does not
// exist, a duplicate table name) as positioned diagnostics.
package ir

import (
	"fmt"
	"strconv"
	"strings"
)

// Dialect is the MTA a configuration came from.
type Dialect string

// The dialects.
const (
	Sendmail Dialect = "sendmail"
	Postfix  Dialect = "postfix"
)

// Pos is where something came from: a file and a 1-based line and column
// (0 when unknown). It encodes as "file:line:col".
type Pos struct {
	File string
	Line int
	Col  int
}

// IsValid reports whether the position names a file.
func (p Pos) IsValid() bool { return p.File != "" }

// String formats the position as file:line:col (file:line without a
// column, "" when unknown).
func (p Pos) String() string {
	if p.File == "" {
		return ""
	}
	s := p.File
	if p.Line > 0 {
		s += ":" + strconv.Itoa(p.Line)
		if p.Col > 0 {
			s += ":" + strconv.Itoa(p.Col)
		}
	}
	return s
}

// ParsePos parses what String returns. A file name may itself hold
// colons; only trailing numeric fields are taken as line and column.
func ParsePos(s string) (Pos, error) {
	if s == "" {
		return Pos{}, nil
	}
	parts := strings.Split(s, ":")
	var nums []int
	for len(parts) > 1 && len(nums) < 2 {
		n, err := strconv.Atoi(parts[len(parts)-1])
		if err != nil || n < 0 {
			break
		}
		nums = append([]int{n}, nums...)
		parts = parts[:len(parts)-1]
	}
	p := Pos{File: strings.Join(parts, ":")}
	if p.File == "" {
		return Pos{}, fmt.Errorf("position %q has no file", s)
	}
	if len(nums) > 0 {
		p.Line = nums[0]
	}
	if len(nums) > 1 {
		p.Col = nums[1]
	}
	return p, nil
}

// Config is a whole mail server configuration.
type Config struct {
	Dialect Dialect `yaml:"dialect"`
	// Sources lists every file read to build the Config.
	Sources []Source `yaml:"sources,omitempty"`

	Identity     Identity      `yaml:"identity"`
	LocalDomains []DomainMatch `yaml:"local_domains,omitempty"`
	Relay        Relay         `yaml:"relay"`
	Policy       Policy        `yaml:"policy"`
	Rewrite      Rewrite       `yaml:"rewrite"`
	Routing      Routing       `yaml:"routing"`

	Listeners []Listener `yaml:"listeners,omitempty"`
	Client    Client     `yaml:"client"`
	Mailers   []Mailer   `yaml:"mailers,omitempty"`
	Milters   []Milter   `yaml:"milters,omitempty"`
	Options   []Option   `yaml:"options,omitempty"`

	// Classes are sendmail's classes ($=w, $=R, $=M, ...) with their
	// members and the files they are read from.
	Classes []Class  `yaml:"classes,omitempty"`
	Tables  []*Table `yaml:"tables,omitempty"`
	Opaque  []Opaque `yaml:"opaque,omitempty"`
}

// Source is one file read.
type Source struct {
	Path string `yaml:"path"`
	// Role says what the file is: "sendmail.mc", "access", "aliases",
	// "main.cf", "master.cf", "class:w", ...
	Role string `yaml:"role"`
	// Note explains a fallback (the file of that name beside the .mc was
	// read because the configured path does not exist).
	Note string `yaml:"note,omitempty"`
}

// Value is a string with its position.
type Value struct {
	Value string `yaml:"value"`
	Pos   Pos    `yaml:"pos,omitempty"`
	// Origin says where a value without a position comes from ("cf
	// library default", "Postfix default", "derived from myhostname").
	Origin string `yaml:"origin,omitempty"`
}

// Identity is who the server says it is.
type Identity struct {
	// Hostname is the server's fully qualified name (sendmail $j,
	// confDOMAIN_NAME; Postfix myhostname).
	Hostname Value `yaml:"hostname,omitempty"`
	// Domain is the local domain (sendmail $m; Postfix mydomain).
	Domain Value `yaml:"domain,omitempty"`
	// Origin is the domain unqualified addresses get (sendmail $j, or the
	// masquerade name; Postfix myorigin).
	Origin Value `yaml:"origin,omitempty"`
	// Banner is the SMTP greeting (confSMTP_LOGIN_MSG, smtpd_banner).
	Banner Value `yaml:"banner,omitempty"`
	// HeloName is what the SMTP client says in HELO/EHLO.
	HeloName Value `yaml:"helo_name,omitempty"`
}

// DomainMatch is a domain pattern in a list of domains.
type DomainMatch struct {
	// Domain is the name, lower-cased, without a trailing dot. It may be
	// an address literal ("[192.0.2.1]") in sendmail's class w.
	Domain string `yaml:"domain"`
	// Subdomains: the pattern also matches names below Domain (sendmail
	// class R and access walks; Postfix parent_domain_matches_subdomains).
	Subdomains bool `yaml:"subdomains,omitempty"`
	// OnlySubdomains: only names below Domain (a ".domain" pattern).
	OnlySubdomains bool `yaml:"only_subdomains,omitempty"`
	// Negated excludes the pattern (Postfix "!domain").
	Negated bool `yaml:"negated,omitempty"`
	// Table names a table whose keys are the domains (Postfix
	// "hash:/etc/postfix/relay_domains", sendmail F class files are
	// Classes instead).
	Table string `yaml:"table,omitempty"`
	Pos   Pos    `yaml:"pos,omitempty"`
	// Origin says where a member without a position comes from.
	Origin string `yaml:"origin,omitempty"`
}

// Network is an IP network trusted for relaying.
type Network struct {
	// CIDR is the network in CIDR notation ("10.1.0.0/16", "2001:db8::/32").
	CIDR string `yaml:"cidr"`
	// Source is how it was written: "10.1" (sendmail octet prefix),
	// "IPv6:2001:db8" or the Postfix pattern.
	Source string `yaml:"source,omitempty"`
	// Negated excludes the network (Postfix "!192.0.2.0/24"); a table
	// of networks (Postfix "cidr:/etc/postfix/clients") has its name in
	// Source and no CIDR.
	Negated bool   `yaml:"negated,omitempty"`
	Pos     Pos    `yaml:"pos,omitempty"`
	Origin  string `yaml:"origin,omitempty"`
}

// Class is a sendmail class: a set of words, from C lines, F files and
// cf macros (LOCAL_DOMAIN, RELAY_DOMAIN, ...).
type Class struct {
	Name    string        `yaml:"name"`
	Members []ClassMember `yaml:"members,omitempty"`
	Files   []ClassFile   `yaml:"files,omitempty"`
}

// ClassMember is one word of a class.
type ClassMember struct {
	Value string `yaml:"value"`
	Pos   Pos    `yaml:"pos,omitempty"`
	// From is the class file the word was read from ("" for C lines).
	From   string `yaml:"from,omitempty"`
	Origin string `yaml:"origin,omitempty"`
}

// ClassFile is an F line: a file (or program) the class is read from.
type ClassFile struct {
	Path     string `yaml:"path"`
	Optional bool   `yaml:"optional,omitempty"`
	// Format is the scanf format ("%s" keeps the first word of a line,
	// Debian's "%[^\#]" everything before a #).
	Format string `yaml:"format,omitempty"`
	// Program: the path is a command whose output is read (F|prog).
	Program bool `yaml:"program,omitempty"`
	// Read tells whether the file was found and read.
	Read bool `yaml:"read,omitempty"`
	Pos  Pos  `yaml:"pos,omitempty"`
}

// Opaque is something kept verbatim because mailcc does not model it.
type Opaque struct {
	// Kind is what it is: "LOCAL_RULESETS", "LOCAL_RULE_0",
	// "LOCAL_CONFIG", "FEATURE", "HACK", "MAILER_DEFINITIONS",
	// "table:regexp", "restriction", "parameter", ...
	Kind string   `yaml:"kind"`
	Name string   `yaml:"name,omitempty"`
	Args []string `yaml:"args,omitempty"`
	Text string   `yaml:"text,omitempty"`
	// Why says what is not modelled and what that means for the admin.
	Why string `yaml:"why,omitempty"`
	Pos Pos    `yaml:"pos,omitempty"`
}
