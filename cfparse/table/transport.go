package table

import (
	"strings"

	"mailcc/ir"
)

// mailertable fills in the view of a mailertable entry.
func (p *parser) mailertable(e *ir.Entry, t *ir.TransportEntry, off, valOff int) {
	k := e.Key
	switch {
	case k == ".":
		t.Key = ir.Key{Kind: ir.KeyWildcard, Value: k}
	case strings.IndexByte(k, '@') >= 0:
		if p.linting("mailertable-key", off) {
			p.warnf(off, "mailertable is looked up by domain only: %q is never looked up", k)
		}
		t.Key = ir.Key{Kind: ir.KeyOther, Value: k}
	case !plausibleDomain(k):
		if k == "*" {
			if p.linting("mailertable-key", off) {
				p.warnf(off, "the catch-all key of mailertable is \".\", not %q", k)
			}
		}
		t.Key = ir.Key{Kind: ir.KeyOther, Value: k}
	default:
		t.Key = domainKey(k)
	}
	v := trimSpace(e.Value)
	mailer, rest, ok := "", v, false
	if !strings.HasPrefix(v, "[") {
		// The rules match "$~[ : $+": a mailer is one token before a
		// colon, and a host in brackets is not a mailer.
		if i := strings.IndexByte(v, ':'); i > 0 {
			if w, after := smWord(v); len(w) == i && after[0] == ':' {
				mailer, rest, ok = w, v[i+1:], true
			}
		}
	}
	if !ok {
		// A host alone goes to the relay mailer.
		t.Host = v
		return
	}
	t.Mailer = mailer
	switch strings.ToLower(mailer) {
	case "error":
		t.Error = mailertableError(rest)
	case "local":
		t.Host = rest
	default:
		if i := strings.LastIndexByte(rest, '@'); i >= 0 && !strings.HasPrefix(rest, "[") {
			t.User, t.Host = rest[:i], rest[i+1:]
		} else {
			t.Host = rest
		}
		if t.Host == "" {
			if p.linting("mailertable-host", valOff) {
				p.warnf(valOff, "mailer %q needs a host: %q", mailer, v)
			}
		}
	}
}

// mailertableError reads a mailertable "error:" value (ruleset
// MailerToTriple): "D.S.N:text", "keyword:text" or just the text.
func mailertableError(rest string) *ir.Reply {
	if dsn, text, ok := cutDSNColon(rest); ok {
		r := errorText(text)
		if r.DSN == "" {
			r.DSN = dsn
		}
		return &r
	}
	s := trimLeft(rest)
	if kw, after := smWord(s); kw != "" {
		if a := trimLeft(after); strings.HasPrefix(a, ":") && trimSpace(a[1:]) != "" {
			r := errorText(a[1:])
			r.Keyword = kw
			return &r
		}
	}
	r := errorText(s)
	return &r
}

// transport fills in the view of a transport(5) entry.
func (p *parser) transport(e *ir.Entry, t *ir.TransportEntry, off, valOff int) {
	k := e.Key
	switch {
	case k == "*":
		t.Key = ir.Key{Kind: ir.KeyWildcard, Value: k}
	case strings.IndexByte(k, '@') >= 0:
		user, domain, _ := splitAt(k)
		if user == "" || domain == "" {
			if p.linting("transport-key", off) {
				p.warnf(off, "transport(5) keys are user@domain, domain, .domain or *; %q is never looked up", k)
			}
			t.Key = ir.Key{Kind: ir.KeyOther, Value: k}
		} else {
			t.Key = ir.Key{Kind: ir.KeyAddress, Value: k, User: user, Domain: domain}
		}
	case !plausibleDomain(k) || k == ".":
		t.Key = ir.Key{Kind: ir.KeyOther, Value: k}
	default:
		t.Key = domainKey(k)
	}
	v := trimSpace(e.Value)
	transport, nexthop, ok := strings.Cut(v, ":")
	if !ok {
		t.Mailer = v
		return
	}
	t.Mailer = transport
	switch strings.ToLower(transport) {
	case "error", "retry":
		r := dsnSplit(nexthop)
		t.Error = &r
		return
	}
	t.Host, t.Port = splitNexthop(nexthop)
}

// splitNexthop splits a Postfix next hop into host and port: "[host]",
// "[host]:port", "host:port"; lists of next hops and socket addresses
// ("unix:/path", "inet:host:port") stay whole.
func splitNexthop(s string) (host, port string) {
	if s == "" || strings.ContainsAny(s, ", \t") || hasPrefixFold(s, "unix:") || hasPrefixFold(s, "inet:") {
		return s, ""
	}
	if s[0] == '[' {
		if j := strings.IndexByte(s, ']'); j > 0 {
			if rest := s[j+1:]; strings.HasPrefix(rest, ":") {
				return s[:j+1], rest[1:]
			}
			return s, ""
		}
		return s, ""
	}
	if i := strings.IndexByte(s, ':'); i >= 0 && strings.IndexByte(s[i+1:], ':') < 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}
