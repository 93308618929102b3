package table

import (
	"strings"

	"mailcc/ir"
	"mailcc/tablesrc"
)

// splitSendmailList splits an alias value at the commas sendmail's
// address parser stops at: not inside quotes, comments or <...>.
func splitSendmailList(v string) []string {
	var items []string
	depth, angle := 0, 0
	inQ := false
	start := 0
	add := func(s string) {
		if s = trimSpace(s); s != "" {
			items = append(items, s)
		}
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\':
			i++
		case inQ:
			if c == '"' {
				inQ = false
			}
		case c == '"':
			inQ = true
		case c == '(':
			depth++
		case c == ')':
			if depth > 0 {
				depth--
			}
		case c == '<' && depth == 0:
			angle++
		case c == '>' && depth == 0 && angle > 0:
			angle--
		case c == ',' && depth == 0 && angle == 0:
			add(v[start:i])
			start = i + 1
		}
	}
	if start < len(v) {
		add(v[start:])
	}
	return items
}

// bareAddress drops comments and the phrase around a <route> from one
// item of an address list.
func bareAddress(s string) string {
	if strings.IndexByte(s, '(') < 0 && strings.IndexByte(s, '<') < 0 {
		return s
	}
	stripped, _ := tablesrc.StripComments(s)
	out := trimSpace(stripped)
	if i := strings.LastIndexByte(out, '<'); i >= 0 {
		if j := strings.IndexByte(out[i:], '>'); j > 0 {
			out = trimSpace(out[i+1 : i+j])
		}
	}
	return out
}

// sendmailAliasTargets splits a sendmail alias value into its items and
// tells programs, files, :include: and \user from addresses, as
// sendmail's recipient code does.
func (p *parser) sendmailAliasTargets(v string, valOff int) []ir.AliasTarget {
	items := splitSendmailList(v)
	out := make([]ir.AliasTarget, 0, len(items))
	for _, it := range items {
		addr := bareAddress(it)
		// sendmail skips one opening quote before it looks for '|'
		// and '/'.
		inner := addr
		if len(inner) >= 2 && inner[0] == '"' {
			inner = inner[1:]
			if strings.HasSuffix(inner, "\"") {
				inner = inner[:len(inner)-1]
			}
		}
		t := ir.AliasTarget{Kind: ir.TargetAddress, Value: addr}
		switch {
		case strings.HasPrefix(inner, "|"):
			t = ir.AliasTarget{Kind: ir.TargetProgram, Value: inner[1:]}
		case strings.HasPrefix(inner, "/"):
			t = ir.AliasTarget{Kind: ir.TargetFile, Value: inner}
		case hasPrefixFold(inner, ":include:"):
			t = ir.AliasTarget{Kind: ir.TargetInclude, Value: trimSpace(inner[len(":include:"):])}
		case strings.HasPrefix(addr, "\\"):
			t = ir.AliasTarget{Kind: ir.TargetNoAlias, Value: addr[1:]}
		case hasPrefixFold(addr, "error:"):
			if p.linting("alias-error", valOff) {
				p.warnf(valOff, "sendmail has no error: targets in aliases: %q is an address, and mail to it bounces as an unknown user", addr)
			}
		}
		out = append(out, t)
	}
	return out
}

// postfixAliasTargets splits a Postfix alias value as local(8) does.
func postfixAliasTargets(v string) []ir.AliasTarget {
	addrs := tablesrc.PostfixAddressList(v)
	out := make([]ir.AliasTarget, 0, len(addrs))
	for _, a := range addrs {
		t := ir.AliasTarget{Kind: ir.TargetAddress, Value: a}
		switch {
		case strings.HasPrefix(a, "/"), strings.HasPrefix(a, "~"):
			t.Kind = ir.TargetFile
		case strings.HasPrefix(a, "|"):
			t = ir.AliasTarget{Kind: ir.TargetProgram, Value: a[1:]}
		case hasPrefixFold(a, ":include:"):
			t = ir.AliasTarget{Kind: ir.TargetInclude, Value: a[len(":include:"):]}
		case strings.HasPrefix(a, "\\"):
			t = ir.AliasTarget{Kind: ir.TargetNoAlias, Value: a[1:]}
		}
		out = append(out, t)
	}
	return out
}

// hasUnquotedComma reports whether s holds a comma outside quotes.
func hasUnquotedComma(s string) bool {
	inQ := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			inQ = !inQ
		case ',':
			if !inQ {
				return true
			}
		}
	}
	return false
}

// virtusertable fills in the view of a virtusertable entry.
func (p *parser) virtusertable(e *ir.Entry, a *ir.AddressEntry, off, valOff int) {
	key, ok := sendmailAddressKey(e.Key)
	if !ok || key.Kind == ir.KeyUser || key.Domain == "" {
		if p.linting("virtuser-key", off) {
			p.warnf(off, "virtusertable keys are user@domain, @domain or a +detail form; %q is never looked up", e.Key)
		}
		key = ir.Key{Kind: ir.KeyOther, Value: e.Key}
	}
	a.Key = key
	t := trimSpace(e.Value)
	if hasPrefixFold(t, "error:") {
		a.Error = p.virtuserError(t[len("error:"):], valOff)
		return
	}
	if hasUnquotedComma(t) {
		if p.linting("virtuser-list", valOff) {
			p.warnf(valOff, "virtusertable takes one address, not a list: sendmail rejects %q with 553 5.1.3 (use an alias)", t)
		}
	}
	a.Targets = []string{t}
}

// virtuserError reads a virtusertable "error:" value as the cf
// library's rules do: "D.S.N:text" or "keyword text"; in the second the
// first word is a status keyword (nouser, unavailable, ...), whatever it
// looks like.
func (p *parser) virtuserError(rest string, valOff int) *ir.Reply {
	if dsn, text, ok := cutDSNColon(rest); ok {
		r := errorText(text)
		if r.DSN == "" {
			r.DSN = dsn
		}
		return &r
	}
	s := trimLeft(rest)
	kw, after := smWord(s)
	after = trimLeft(after)
	if kw == "" || after == "" {
		if p.linting("virtuser-error", valOff) {
			p.warnf(valOff, "error: needs a status keyword and a text (error:nouser 550 text) or error:D.S.N:code text; sendmail does not reject with %q", "error:"+rest)
		}
		r := errorText(s)
		return &r
	}
	if _, ok := atoi(kw); ok {
		if p.linting("virtuser-error", valOff) {
			p.warnf(valOff, "sendmail takes %q as a status keyword here, not as a reply code, and answers 553 5.3.0 unless the text has one: write error:D.S.N:%s", kw, s)
		}
	}
	r := errorText(after)
	r.Keyword = kw
	return &r
}

// genericstable fills in the view of a genericstable entry: the keys of
// virtusertable, and bare user names.
func (p *parser) genericstable(e *ir.Entry, a *ir.AddressEntry, off, valOff int) {
	key, ok := sendmailAddressKey(e.Key)
	switch {
	case !ok:
		if u, d, plus := splitDetail(e.Key); plus {
			key = ir.Key{Kind: ir.KeyUserDetail, Value: e.Key, User: u, Detail: d}
		} else {
			key = ir.Key{Kind: ir.KeyUser, Value: e.Key, User: e.Key}
		}
	case key.Domain == "" && key.Kind != ir.KeyDomainUser:
		if p.linting("generic-key", off) {
			p.warnf(off, "genericstable keys are user@domain, @domain or user; %q is never looked up", e.Key)
		}
		key = ir.Key{Kind: ir.KeyOther, Value: e.Key}
	}
	a.Key = key
	a.Targets = []string{trimSpace(e.Value)}
}

// postfixAddress fills in the view of a virtual(5), canonical(5),
// generic(5) or relocated(5) entry. list: the value is a list of
// addresses (virtual).
func (p *parser) postfixAddress(e *ir.Entry, a *ir.AddressEntry, off, valOff int, list bool) {
	k := e.Key
	user, domain, ok := splitAt(k)
	switch {
	case !ok && strings.IndexByte(k, '.') >= 0:
		// A domain: in virtual(5), a virtual alias domain.
		a.Key = ir.Key{Kind: ir.KeyDomain, Value: k, Domain: k}
	case !ok:
		a.Key = ir.Key{Kind: ir.KeyUser, Value: k, User: k}
	case user == "" && domain != "":
		a.Key = ir.Key{Kind: ir.KeyDomainUser, Value: k, Domain: domain}
	case user != "" && domain != "":
		a.Key = ir.Key{Kind: ir.KeyAddress, Value: k, User: user, Domain: domain}
	default:
		if p.linting("postfix-address-key", off) {
			p.warnf(off, "%q is not a key Postfix looks up here (user@domain, user or @domain)", k)
		}
		a.Key = ir.Key{Kind: ir.KeyOther, Value: k}
	}
	if list {
		a.Targets = tablesrc.PostfixAddressList(e.Value)
		return
	}
	a.Targets = []string{e.Value}
}
