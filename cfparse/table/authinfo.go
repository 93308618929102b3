package table

import (
	"encoding/base64"
	"strings"

	"mailcc/ir"
)

// sendmailAuthInfo is the view of an entry of sendmail's authinfo map
// (FEATURE(authinfo)): the key is AuthInfo:SERVER (the authinfo ruleset
// looks up AuthInfo:${server_name}, AuthInfo:${server_addr}, then the
// bare AuthInfo:), the value the quoted items getauth() reads.
func (p *parser) sendmailAuthInfo(e *ir.Entry, off int) {
	a := &ir.AuthEntry{}
	if !hasPrefixFold(e.Key, "AuthInfo:") {
		a.Server = e.Key
		a.Problem = "the authinfo ruleset looks up AuthInfo:server: this key is never looked up"
		if p.linting("authinfo-key", off) {
			p.warnf(off, "authinfo keys are AuthInfo:server; %q is never looked up", e.Key)
		}
	} else {
		rest := e.Key[len("AuthInfo:"):]
		a.Server, a.Default = rest, rest == ""
	}
	parseAuthItems(e.Value, a)
	e.Auth = a
}

// accessAuthInfo is the view of an AuthInfo: entry of the access map
// (used when there is no authinfo map): the key after the tag names
// the server (found by the domain and address walks of the D and A
// rulesets), the value is read as in the authinfo map.
func accessAuthInfo(e *ir.Entry, rest string) {
	a := &ir.AuthEntry{Server: rest, Default: rest == ""}
	parseAuthItems(e.Value, a)
	e.Auth = a
}

// parseAuthItems reads the value of an AuthInfo: entry as getauth()
// (usersmtp.c) reads the authinfo ruleset's result: a list of quoted
// tokens "TDstring", T one of U (authorization id), I (authentication
// id), P (password), R (realm), M (mechanisms), D ':' for text or '='
// for base64; the list ends at the first token that is not quoted. An
// unknown tag, an item without a value or bad base64 makes the whole
// entry unusable, as does the lack of a user (U or I) or a password.
func parseAuthItems(v string, a *ir.AuthEntry) {
	var got [5]bool
	const (
		user = iota
		authid
		password
		realm
		mechs
	)
	i := 0
	for {
		for i < len(v) && (v[i] == ' ' || v[i] == '\t') {
			i++
		}
		if i >= len(v) || v[i] != '"' {
			break
		}
		j := i + 1
		for j < len(v) && v[j] != '"' {
			if v[j] == '\\' {
				j++
			}
			j++
		}
		if j >= len(v) {
			a.Problem = "unbalanced quote"
			return
		}
		tok := v[i+1 : j]
		i = j + 1
		if len(tok) < 2 {
			a.Problem = "item " + quoteItem(tok) + " has no value"
			return
		}
		val := tok[2:]
		switch tok[1] {
		case ':':
		case '=':
			b, err := base64.StdEncoding.DecodeString(val)
			if err != nil {
				a.Problem = "item " + quoteItem(tok) + ": bad base64"
				return
			}
			val = string(b)
		default:
			a.Problem = "item " + quoteItem(tok) + ": the delimiter after the tag is ':' (text) or '=' (base64)"
			return
		}
		var which int
		switch tok[0] {
		case 'U', 'u':
			which, a.AuthzID = user, val
		case 'I', 'i':
			which, a.AuthID = authid, val
		case 'P', 'p':
			which, a.Password = password, val
		case 'R', 'r':
			which, a.Realm = realm, val
		case 'M', 'm':
			which, a.Mechanisms = mechs, strings.Fields(val)
		default:
			a.Problem = "item " + quoteItem(tok) + ": unknown tag (U, I, P, R or M)"
			return
		}
		got[which] = true
	}
	if !(got[user] || got[authid]) || !got[password] {
		a.Problem = "an entry needs a user (\"U:\" or \"I:\") and a password (\"P:\")"
		return
	}
	if !got[authid] {
		a.AuthID = a.AuthzID
	}
	if !got[user] {
		a.AuthzID = a.AuthID
	}
}

func quoteItem(tok string) string { return `"` + tok + `"` }

// postfixSASLPassword is the view of an smtp_sasl_password_maps entry:
// the key is a host name, a next hop as relayhost and transport(5) write
// it ([host], [host]:port, domain, domain:port) or, with
// smtp_sender_dependent_authentication, a sender (user@domain,
// @domain); the value is user:password, split at the first colon.
func postfixSASLPassword(e *ir.Entry) {
	a := &ir.AuthEntry{}
	k := e.Key
	switch {
	case strings.IndexByte(k, '@') >= 0:
		a.Sender = k
	case strings.HasPrefix(k, "["):
		if end := strings.IndexByte(k, ']'); end > 0 {
			a.Server, a.Bracketed = k[1:end], true
			if port, ok := strings.CutPrefix(k[end+1:], ":"); ok {
				a.Port = port
			} else if k[end+1:] != "" {
				a.Server, a.Bracketed = k, false
			}
		} else {
			a.Server = k
		}
	case strings.Count(k, ":") == 1:
		a.Server, a.Port, _ = strings.Cut(k, ":")
	default:
		a.Server = k
	}
	user, pass, _ := strings.Cut(e.Value, ":")
	a.AuthzID, a.AuthID, a.Password = user, user, pass
	e.Auth = a
}
