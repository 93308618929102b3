package postfix

import (
	"net/netip"
	"strings"

	"mailcc/ir"
)

// identity: myhostname, mydomain, myorigin, smtpd_banner, smtp_helo_name.
func (l *lowerer) identity() {
	id := &l.cfg.Identity
	id.Hostname = l.param("myhostname", nil).irValue()
	id.Domain = l.param("mydomain", nil).irValue()
	id.Origin = l.param("myorigin", nil).irValue()
	id.Banner = l.param("smtpd_banner", nil).irValue()
	id.HeloName = l.param("smtp_helo_name", nil).irValue()
}

// parentMatches reports whether the feature (a parameter name) is in
// parent_domain_matches_subdomains: a domain pattern then matches its
// subdomains too; otherwise only ".domain" patterns do.
func (l *lowerer) parentMatches(feature string) bool {
	for _, it := range l.items("parent_domain_matches_subdomains", nil) {
		if it.Text == feature {
			return true
		}
	}
	return false
}

// domains: mydestination.
func (l *lowerer) domains() {
	l.cfg.LocalDomains = l.domainMatches(l.items("mydestination", nil), "mydestination")
}

// expandFiles replaces "/file" items by the file's contents (white
// space and comma separated words, # comment lines skipped), as
// Postfix's match lists do.
func (l *lowerer) expandFiles(items []item, param string) []item {
	var out []item
	for _, it := range items {
		neg := strings.HasPrefix(it.Text, "!")
		text := strings.TrimPrefix(it.Text, "!")
		if !strings.HasPrefix(text, "/") {
			out = append(out, it)
			continue
		}
		data, where, note, err := l.readFile(text)
		if err != nil {
			l.errorf(it.Pos, "%s: the file %s cannot be read: %s", param, text, pathError(err))
			continue
		}
		l.source(where, "list:"+param, note)
		for n, line := range strings.Split(string(data), "\n") {
			trimmed := strings.TrimLeft(line, " \t")
			if strings.HasPrefix(trimmed, "#") {
				continue
			}
			for _, t := range tokenize(line) {
				word := t.text
				if neg {
					word = "!" + word
				}
				out = append(out, item{Text: word, Pos: ir.Pos{File: where, Line: n + 1, Col: t.off + 1}, From: param})
			}
		}
	}
	return out
}

// tableType reports whether s is a type:name table reference and its
// type (after proxy:).
func tableType(s string) (typ string, ok bool) {
	i := strings.IndexByte(s, ':')
	if i <= 0 {
		return "", false
	}
	for j := 0; j < i; j++ {
		c := s[j]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return "", false
		}
	}
	if s[0] >= '0' && s[0] <= '9' {
		return "", false
	}
	typ = s[:i]
	if typ == "proxy" {
		return tableType(s[i+1:])
	}
	return typ, true
}

// domainMatches lowers a Postfix domain list (mydestination,
// relay_domains, virtual_alias_domains, ...).
func (l *lowerer) domainMatches(items []item, param string) []ir.DomainMatch {
	parent := l.parentMatches(param)
	var out []ir.DomainMatch
	for _, it := range l.expandFiles(items, param) {
		m := ir.DomainMatch{Pos: it.Pos, Origin: it.Origin}
		text := it.Text
		if strings.HasPrefix(text, "!") {
			m.Negated = true
			text = text[1:]
		}
		if _, ok := tableType(text); ok {
			// Subdomains: the table is also asked for the parent
			// domains (else for the ".parent" forms)
			m.Table, m.Subdomains = l.tableRef(text, ir.DomainList, it), parent
			out = append(out, m)
			continue
		}
		text = strings.ToLower(strings.TrimSuffix(text, "."))
		switch {
		case strings.HasPrefix(text, ".") && parent:
			// With parent matching, Postfix compares ".domain" with
			// the name and its parents as written: it matches
			// nothing. The IR keeps it literally.
			m.Subdomains = true
		case strings.HasPrefix(text, "."):
			m.OnlySubdomains = true
			text = text[1:]
		default:
			m.Subdomains = parent
		}
		if text == "" {
			continue
		}
		m.Domain = text
		out = append(out, m)
	}
	return out
}

// relay: relay_domains, mynetworks, the relay reply.
func (l *lowerer) relay() {
	r := &l.cfg.Relay
	rd := l.param("relay_domains", nil)
	r.Pos = rd.Pos
	r.Domains = l.domainMatches(l.items("relay_domains", nil), "relay_domains")
	for _, it := range l.expandFiles(l.items("mynetworks", nil), "mynetworks") {
		l.network(it)
	}
	code := l.param("relay_domains_reject_code", nil)
	r.Denied = ir.Reply{Code: atoiDefault(code.Value, 554), DSN: "5.7.1", Text: "Relay access denied"}
}

// network lowers one mynetworks element: a net/mask, an address, a host
// or domain name (matched against the client's name), or a table.
func (l *lowerer) network(it item) {
	r := &l.cfg.Relay
	text := it.Text
	neg := strings.HasPrefix(text, "!")
	if neg {
		text = text[1:]
	}
	if _, ok := tableType(text); ok {
		name := l.tableRef(text, ir.NetworkList, it)
		r.Networks = append(r.Networks, ir.Network{Source: name, Negated: neg, Pos: it.Pos, Origin: it.Origin})
		return
	}
	addr := text
	bits := -1
	if i := strings.LastIndexByte(addr, '/'); i >= 0 {
		n, ok := atoi(addr[i+1:])
		if !ok {
			l.errorf(it.Pos, "mynetworks: bad net/mask pattern %q", it.Text)
			return
		}
		bits, addr = n, addr[:i]
	}
	bracketed := strings.HasPrefix(addr, "[") && strings.HasSuffix(addr, "]")
	if bracketed {
		addr = addr[1 : len(addr)-1]
	}
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		if bits >= 0 || bracketed || strings.Contains(addr, ":") {
			l.errorf(it.Pos, "mynetworks: bad net/mask pattern %q", it.Text)
			return
		}
		// A name: clients whose verified name is it (or below it, as
		// mynetworks is in parent_domain_matches_subdomains by default).
		m := ir.DomainMatch{Negated: neg, Pos: it.Pos, Origin: it.Origin}
		name := strings.ToLower(addr)
		if strings.HasPrefix(name, ".") {
			m.OnlySubdomains, name = true, name[1:]
		} else {
			m.Subdomains = l.parentMatches("mynetworks")
		}
		m.Domain = name
		r.ClientNames = append(r.ClientNames, m)
		return
	}
	if bits < 0 {
		bits = ip.BitLen()
	}
	if bits > ip.BitLen() {
		l.errorf(it.Pos, "mynetworks: bad net/mask pattern %q: the mask is longer than the address", it.Text)
		return
	}
	p := netip.PrefixFrom(ip, bits)
	if p.Masked() != p {
		// Postfix 3.7: "non-null host address bits in ..., perhaps
		// you should use ... instead"; the daemons refuse the pattern.
		l.errorf(it.Pos, "mynetworks: non-null host address bits in %q, perhaps you should use %s instead", it.Text, p.Masked())
		return
	}
	r.Networks = append(r.Networks, ir.Network{CIDR: p.String(), Source: it.Text, Negated: neg, Pos: it.Pos, Origin: it.Origin})
}

func atoi(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

func atoiDefault(s string, def int) int {
	if n, ok := atoi(strings.TrimSpace(s)); ok {
		return n
	}
	return def
}
