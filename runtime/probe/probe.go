// Package probe reads probe files and writes and compares their answers:
// the questions `mailcc trace --probes` and the oracle harnesses (the
// real sendmail in address test mode, a private Postfix probed with
// XCLIENT) answer in one shared shape, so that mailcc's answers can be
// compared with the real programs' line by line.
//
// # Syntax
//
// A probe file has one probe per line, fields separated by TABs (a line
// without a TAB is split on blanks). Empty lines and lines starting with
// "#" are ignored. Trailing fields helo=NAME, mailer=M and auth_type=MECH
// are options.
//
//	connect      CLIENT [CLIENT_NAME]
//	mail         CLIENT FROM
//	rcpt         CLIENT FROM TO [AUTH_USER]
//	resolve      ADDRESS
//	header_from  ADDRESS
//	alias        NAME
//
// CLIENT is ADDR (no PTR name), NAME[ADDR] (a name that forward-confirms)
// or [ADDR]; IPv4 or IPv6, with or without an "IPv6:" prefix. A
// CLIENT_NAME of "-" or "unknown" means no name. FROM and TO may be
// written with or without angle brackets; "<>" is the null sender.
// AUTH_USER "-" means not authenticated.
//
// # Semantics
//
// A mail probe is a session up to MAIL (the connection's checks, then
// the sender's), an rcpt probe a session up to RCPT; the decision is
// the first refusal, and Stage says where it happened. The grammar and
// the answer's fields are those of ../shared/oracle/README.md, so that
// the shell oracles' output can be compared too.
//
// # Diagnostics
//
// Parse reports every malformed line as file:line:col: error: message
// and keeps the others.
package probe

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"os"
	"sort"
	"strings"

	"mailcc/source"
)

// Kind is what a probe asks.
type Kind string

// The kinds of probe.
const (
	Connect    Kind = "connect"
	Mail       Kind = "mail"
	Rcpt       Kind = "rcpt"
	Resolve    Kind = "resolve"
	HeaderFrom Kind = "header_from"
	Alias      Kind = "alias"
)

// Client is the connecting SMTP client of a probe.
type Client struct {
	Addr netip.Addr
	// Name is the client's forward-confirmed PTR name, "" when it has
	// none.
	Name string
}

// Probe is one question.
type Probe struct {
	N    int // 1-based index among the probes of the file
	Line int // line number in the file
	Kind Kind
	// Text is the probe's fields joined by single blanks, options
	// appended as k=v in name order (the answers' "probe" field).
	Text   string
	Client Client
	// From and To are the envelope addresses without angle brackets
	// ("" is the null sender).
	From, To string
	// Auth is the user the client authenticated as, "" when none.
	Auth string
	// Address is the address of resolve and header_from probes, Name
	// the name of alias probes.
	Address, Name string
	// Options: Helo (the EHLO name; default the client name, else
	// [ADDR]), Mailer (header_from; default esmtp), AuthType (default
	// PLAIN).
	Helo, Mailer, AuthType string
}

// HeloName is the EHLO name the probe's client uses.
func (p *Probe) HeloName() string {
	switch {
	case p.Helo != "":
		return p.Helo
	case p.Client.Name != "":
		return p.Client.Name
	}
	return "[" + p.Client.Addr.String() + "]"
}

var optionKeys = map[string]bool{"helo": true, "mailer": true, "auth_type": true}

// Parse reads a probe file. name is the file name used in diagnostics.
// The probes of well-formed lines are returned even when others are
// malformed; the error then lists every malformed line.
func Parse(r io.Reader, name string) ([]Probe, error) {
	var probes []Probe
	var diags source.Diagnostics
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for line := 1; sc.Scan(); line++ {
		raw := strings.TrimRight(sc.Text(), "\r")
		trimmed := strings.TrimSpace(raw)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		p, col, err := parseLine(raw)
		if err != nil {
			diags.Errorf(source.Position{Filename: name, Line: line, Column: col}, "%s", err)
			continue
		}
		p.Line = line
		p.N = len(probes) + 1
		probes = append(probes, p)
	}
	if err := sc.Err(); err != nil {
		return probes, fmt.Errorf("%s: %w", name, err)
	}
	return probes, diags.Err()
}

// field is one field of a probe line and its column.
type field struct {
	s   string
	col int
}

func splitFields(raw string) []field {
	var out []field
	sep := func(r rune) bool { return r == '\t' }
	if !strings.Contains(raw, "\t") {
		sep = func(r rune) bool { return r == ' ' || r == '\t' }
	}
	start := -1
	for i, r := range raw + "\t" {
		if i == len(raw) || sep(r) {
			if start >= 0 {
				s := raw[start:i]
				lead := len(s) - len(strings.TrimLeft(s, " "))
				if t := strings.TrimSpace(s); t != "" {
					out = append(out, field{t, start + lead + 1})
				}
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	return out
}

func parseLine(raw string) (Probe, int, error) {
	fields := splitFields(raw)
	var p Probe
	opts := map[string]string{}
	for len(fields) > 1 {
		k, v, ok := strings.Cut(fields[len(fields)-1].s, "=")
		if !ok || !optionKeys[k] {
			break
		}
		opts[k] = v
		fields = fields[:len(fields)-1]
	}
	p.Helo, p.Mailer, p.AuthType = opts["helo"], opts["mailer"], opts["auth_type"]
	words := make([]string, len(fields))
	for i, f := range fields {
		words[i] = f.s
	}
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	text := words
	for _, k := range keys {
		text = append(text, k+"="+opts[k])
	}
	p.Text = strings.Join(text, " ")
	p.Kind = Kind(strings.ToLower(words[0]))
	args := fields[1:]
	want := func(min, max int, usage string) error {
		if len(args) < min || len(args) > max {
			return fmt.Errorf("%s: want %s", p.Kind, usage)
		}
		return nil
	}
	var err error
	switch p.Kind {
	case Connect:
		if err = want(1, 2, "connect CLIENT [CLIENT_NAME]"); err != nil {
			return p, fields[0].col, err
		}
		name := ""
		if len(args) == 2 {
			name = args[1].s
		}
		if p.Client, err = parseClient(args[0].s, name, len(args) == 2); err != nil {
			return p, args[0].col, err
		}
	case Mail:
		if err = want(2, 2, "mail CLIENT FROM"); err != nil {
			return p, fields[0].col, err
		}
		if p.Client, err = parseClient(args[0].s, "", false); err != nil {
			return p, args[0].col, err
		}
		p.From = StripAngle(args[1].s)
	case Rcpt:
		if err = want(3, 4, "rcpt CLIENT FROM TO [AUTH_USER]"); err != nil {
			return p, fields[0].col, err
		}
		if p.Client, err = parseClient(args[0].s, "", false); err != nil {
			return p, args[0].col, err
		}
		p.From, p.To = StripAngle(args[1].s), StripAngle(args[2].s)
		if len(args) == 4 && args[3].s != "-" {
			p.Auth = args[3].s
		}
	case Resolve, HeaderFrom:
		if err = want(1, 1, string(p.Kind)+" ADDRESS"); err != nil {
			return p, fields[0].col, err
		}
		p.Address = StripAngle(args[0].s)
	case Alias:
		if err = want(1, 1, "alias NAME"); err != nil {
			return p, fields[0].col, err
		}
		p.Name = args[0].s
	default:
		return p, fields[0].col, fmt.Errorf("unknown probe kind %q (want connect, mail, rcpt, resolve, header_from or alias)", words[0])
	}
	return p, 0, nil
}

func parseClient(tok, name string, nameGiven bool) (Client, error) {
	var c Client
	addr := tok
	if i := strings.IndexByte(tok, '['); i > 0 && strings.HasSuffix(tok, "]") {
		c.Name, addr = tok[:i], tok[i+1:len(tok)-1]
	} else {
		addr = strings.Trim(tok, "[]")
	}
	if len(addr) > 5 && strings.EqualFold(addr[:5], "ipv6:") {
		addr = addr[5:]
	}
	a, err := netip.ParseAddr(addr)
	if err != nil || a.Zone() != "" {
		return c, fmt.Errorf("bad client address %q", tok)
	}
	c.Addr = a.Unmap()
	if nameGiven {
		c.Name = name
	}
	if c.Name == "-" || c.Name == "unknown" {
		c.Name = ""
	}
	return c, nil
}

// StripAngle removes the angle brackets around an address.
func StripAngle(a string) string {
	a = strings.TrimSpace(a)
	if len(a) >= 2 && a[0] == '<' && a[len(a)-1] == '>' {
		return a[1 : len(a)-1]
	}
	return a
}

// ParseFile reads the probe file at path (see Parse).
func ParseFile(path string) ([]Probe, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(f, path)
}
