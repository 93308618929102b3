package table

import (
	"strings"

	"mailcc/ir"
)

// tagKind says what a sendmail access tag's values are.
type tagKind int

const (
	tagCheck   tagKind = iota // accept/reject decisions (Connect, From, To, untagged)
	tagSpam                   // FRIEND or HATER
	tagNumber                 // a number (GreetPause, ClientRate, ClientConn)
	tagCompat                 // check_compat: DISCARD, TEMP:, ERROR:
	tagCert                   // CERTISSUER, CERTSUBJECT: keys are distinguished names
	tagSetting                // a value the tag's ruleset reads (Try_TLS, Srv_Features, ...)
)

// sendmailTags are the tags the cf library looks up, as it writes them.
var sendmailTags = []struct {
	name string
	kind tagKind
}{
	{"Connect", tagCheck},
	{"From", tagCheck},
	{"To", tagCheck},
	{"Spam", tagSpam},
	{"GreetPause", tagNumber},
	{"ClientRate", tagNumber},
	{"ClientConn", tagNumber},
	{"Compat", tagCompat},
	{"CERTISSUER", tagCert},
	{"CERTSUBJECT", tagCert},
	{"TLS_Srv", tagSetting},
	{"TLS_Clt", tagSetting},
	{"TLS_Rcpt", tagSetting},
	{"Try_TLS", tagSetting},
	{"Srv_Features", tagSetting},
	{"Clt_Features", tagSetting},
	{"TLS_Srv_Features", tagSetting},
	{"TLS_Clt_Features", tagSetting},
	{"AuthInfo", tagSetting},
	{"QGRP", tagSetting},
	{"bcc", tagSetting},
	{"rhs", tagCheck}, // Debian's rhsbl exemptions
}

// lookupTag finds a tag, ignoring case (keys are folded).
func lookupTag(t string) (name string, kind tagKind, ok bool) {
	for _, st := range sendmailTags {
		if strings.EqualFold(st.name, t) {
			return st.name, st.kind, true
		}
	}
	return "", 0, false
}

// isIdent reports whether s looks like a tag: letters, digits, '_', '-'.
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// sendmailAccess fills in the view of a sendmail access entry.
func (p *parser) sendmailAccess(e *ir.Entry, a *ir.AccessEntry, off, valOff int) {
	rest := e.Key
	kind := tagCheck
	if i := strings.IndexByte(rest, ':'); i > 0 && rest[0] != '[' {
		t := rest[:i]
		if name, k, ok := lookupTag(t); ok {
			a.Tag, kind, rest = name, k, rest[i+1:]
			if p.opt.KeepCase && t != name {
				if p.linting("tag-case", off) {
					p.warnf(off, "the map keeps the case of keys, and sendmail looks up %q, not %q", name+":", t+":")
				}
			}
		} else if !strings.EqualFold(t, "ipv6") && isIdent(t) {
			a.Tag, rest = t, rest[i+1:]
			if p.linting("unknown-tag", off) {
				p.warnf(off, "unknown tag %q: the cf library never looks keys with it up", t+":")
			}
		}
	}
	a.Key = p.sendmailAccessKey(rest, a.Tag != "", kind, off)
	a.Action = p.sendmailAction(e.Value, kind, valOff)
	if a.Tag == "AuthInfo" {
		accessAuthInfo(e, rest)
	}
}

// sendmailAccessKey classifies the part of an access key after its tag.
func (p *parser) sendmailAccessKey(k string, tagged bool, kind tagKind, off int) ir.Key {
	switch {
	case k == "":
		if tagged {
			return ir.Key{Kind: ir.KeyTagDefault}
		}
		return ir.Key{Kind: ir.KeyOther}
	case kind == tagCompat:
		if strings.Contains(k, "<@>") {
			return ir.Key{Kind: ir.KeyPair, Value: k}
		}
		if p.linting("compat-key", off) {
			p.warnf(off, "Compat: keys are sender<@>recipient pairs; %q is never looked up", k)
		}
		return ir.Key{Kind: ir.KeyOther, Value: k}
	case kind == tagCert:
		return ir.Key{Kind: ir.KeyOther, Value: k}
	case hasPrefixFold(k, "ipv6:"):
		norm, bits, exact, ok := sendmailIPv6(k[5:])
		if !ok {
			if p.linting("ipv6", off) {
				p.warnf(off, "%q is not an IPv6 address or prefix", k)
			}
			return ir.Key{Kind: ir.KeyOther, Value: k}
		}
		if !exact {
			if p.linting("ipv6-form", off) {
				p.warnf(off, "IPv6 key %q never matches: sendmail writes client addresses in full form without leading zeros (%q), unless UseCompressedIPv6Addresses is set", k, "IPv6:"+norm)
			}
		}
		return ir.Key{Kind: ir.KeyIPv6, Value: norm, Prefix: bits}
	case k[0] == '[' && k[len(k)-1] == ']' && len(k) > 2:
		key := ir.Key{Kind: ir.KeyBracketed, Value: k}
		in := k[1 : len(k)-1]
		if bits, ok := ipv4Prefix(in); ok {
			key.Prefix = bits
		} else if hasPrefixFold(in, "ipv6:") {
			if _, bits, _, ok := sendmailIPv6(in[5:]); ok {
				key.Prefix = bits
			}
		}
		return key
	}
	if bits, ok := ipv4Prefix(k); ok {
		return ir.Key{Kind: ir.KeyIPv4, Value: k, Prefix: bits}
	}
	if key, ok := sendmailAddressKey(k); ok {
		switch key.Kind {
		case ir.KeyDomainUser, ir.KeyDetailOnly:
			if p.linting("at-domain", off) {
				p.warnf(off, "access keys have no @domain form: %q is never looked up (a domain key covers the whole domain)", k)
			}
			key = ir.Key{Kind: ir.KeyOther, Value: k}
		}
		return key
	}
	if !plausibleDomain(k) {
		if strings.ContainsAny(k, "*?") {
			if p.linting("wildcard", off) {
				p.warnf(off, "access keys have no wildcards: %q never matches (a domain key covers its subdomains)", k)
			}
		}
		return ir.Key{Kind: ir.KeyOther, Value: k}
	}
	return domainKey(k)
}

// accessKeywords are the values the check rulesets act on.
var accessKeywords = []struct {
	word string
	kind ir.ActionKind
}{
	{"OK", ir.ActOK},
	{"RELAY", ir.ActRelay},
	{"REJECT", ir.ActReject},
	{"DISCARD", ir.ActDiscard},
	{"SKIP", ir.ActSkip},
}

// cutKeyword reports whether v is keyword, blanks, ':' and a rest (how
// sendmail's tokenizer sees "ERROR:..." and "ERROR : ...").
func cutKeyword(v, keyword string) (rest string, ok bool) {
	if !hasPrefixFold(v, keyword) {
		return "", false
	}
	r := trimLeft(v[len(keyword):])
	if r == "" || r[0] != ':' {
		return "", false
	}
	return trimLeft(r[1:]), true
}

// sendmailAction reads the value of a sendmail access entry as the cf
// library's rulesets act on it.
func (p *parser) sendmailAction(v string, kind tagKind, valOff int) ir.Action {
	t := trimSpace(v)
	switch kind {
	case tagSetting:
		return ir.Action{Kind: ir.ActSetting, Arg: t}
	case tagNumber:
		if n, ok := atoi(t); ok {
			return ir.Action{Kind: ir.ActNumber, Number: n}
		}
		if p.linting("number", valOff) {
			p.warnf(valOff, "this tag takes a number, not %q", t)
		}
		return ir.Action{Kind: ir.ActText, Text: t}
	case tagSpam:
		switch {
		case strings.EqualFold(t, "FRIEND"):
			return ir.Action{Kind: ir.ActFriend}
		case strings.EqualFold(t, "HATER"):
			return ir.Action{Kind: ir.ActHater}
		}
		if p.linting("spam", valOff) {
			p.warnf(valOff, "Spam: entries are FRIEND or HATER; %q is ignored", t)
		}
		return ir.Action{Kind: ir.ActText, Text: t}
	case tagCompat:
		return compatAction(t)
	}
	for _, kw := range accessKeywords {
		if strings.EqualFold(t, kw.word) {
			return ir.Action{Kind: kw.kind}
		}
	}
	if rest, ok := cutKeyword(t, "QUARANTINE"); ok && rest != "" {
		return ir.Action{Kind: ir.ActQuarantine, Arg: rest}
	}
	if rest, ok := cutKeyword(t, "ERROR"); ok && rest != "" {
		r := sendmailReply(rest)
		return ir.Action{Kind: ir.ActError, Code: r.Code, DSN: r.DSN, Text: r.Text}
	}
	if code, rest, ok := smtpCode(t, false); ok {
		// The legacy form: the value is the error text itself.
		r := errorText(rest)
		return ir.Action{Kind: ir.ActError, Code: code, DSN: r.DSN, Text: r.Text}
	}
	w, more := cutWord(t)
	for _, kw := range accessKeywords {
		if strings.EqualFold(w, kw.word) && more != "" {
			if p.linting("keyword-text", valOff) {
				p.warnf(valOff, "%q is not %s: sendmail rejects with it as an error text (a '#' after the value does not start a comment)", t, kw.word)
			}
			break
		}
	}
	return ir.Action{Kind: ir.ActText, Text: t}
}

// compatAction reads a Compat: value (FEATURE(compat_check)): DISCARD,
// TEMP: and ERROR: act; anything else lets the pair through.
func compatAction(t string) ir.Action {
	switch {
	case strings.EqualFold(t, "DISCARD"):
		return ir.Action{Kind: ir.ActDiscard}
	case hasPrefixFold(t, "DISCARD"):
		rest := trimLeft(t[len("DISCARD"):])
		rest = strings.TrimPrefix(rest, ":")
		return ir.Action{Kind: ir.ActDiscard, Text: trimLeft(rest)}
	}
	if rest, ok := cutKeyword(t, "TEMP"); ok {
		r := errorText(rest)
		return ir.Action{Kind: ir.ActDefer, Code: r.Code, DSN: r.DSN, Text: r.Text}
	}
	if rest, ok := cutKeyword(t, "ERROR"); ok {
		r := errorText(rest)
		return ir.Action{Kind: ir.ActError, Code: r.Code, DSN: r.DSN, Text: r.Text}
	}
	return ir.Action{Kind: ir.ActOK, Arg: t}
}

// sendmailReply reads what follows "ERROR:" in an access value: an
// optional D.S.N and ':', then the error text.
func sendmailReply(s string) ir.Reply {
	if dsn, rest, ok := cutDSNColon(s); ok {
		r := errorText(rest)
		if r.DSN == "" {
			r.DSN = dsn
		}
		return r
	}
	return errorText(s)
}

// errorText reads the text of a sendmail error the way its error mailer
// does: quotes go; a leading reply code, and an enhanced status after
// it, are taken out.
func errorText(s string) ir.Reply {
	s = stripQuotes(trimSpace(s))
	code, rest, ok := smtpCode(s, false)
	if !ok {
		return ir.Reply{Text: s}
	}
	r := ir.Reply{Code: code, Text: rest}
	if dsn, after, ok := enhancedStatus(rest); ok {
		r.DSN, r.Text = dsn, after
	}
	return r
}

// stripQuotes removes the double quotes that are not escaped, as
// sendmail's stripquotes does.
func stripQuotes(s string) string {
	if strings.IndexByte(s, '"') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			b.WriteByte(s[i])
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// smOperators are the characters sendmail's tokenizer makes tokens of
// their own (OperatorChars of the cf library and the fixed specials).
const smOperators = ".:%@!^/[]+()<>,;\\\" \t"

// smWord reads one sendmail token that is not an operator.
func smWord(s string) (word, rest string) {
	i := 0
	for i < len(s) && strings.IndexByte(smOperators, s[i]) < 0 {
		i++
	}
	return s[:i], s[i:]
}

// cutDSNColon reads "D.S.N:" as the rulesets' "$-.$-.$-:" pattern
// matches it: three tokens separated by dots, then a colon, then more.
func cutDSNColon(s string) (dsn, rest string, ok bool) {
	var parts [3]string
	r := trimLeft(s)
	start := len(s) - len(r)
	end := start
	for i := range parts {
		r = trimLeft(r)
		parts[i], r = smWord(r)
		if parts[i] == "" {
			return "", s, false
		}
		end = len(s) - len(r)
		r = trimLeft(r)
		sep := byte('.')
		if i == 2 {
			sep = ':'
		}
		if r == "" || r[0] != sep {
			return "", s, false
		}
		r = r[1:]
	}
	if trimSpace(r) == "" {
		return "", s, false
	}
	dsn = s[start:end]
	if len(dsn) != len(parts[0])+len(parts[1])+len(parts[2])+2 {
		// Blanks between the tokens, which sendmail drops.
		dsn = parts[0] + "." + parts[1] + "." + parts[2]
	}
	return dsn, trimLeft(r), true
}

// postfixAccess fills in the view of a Postfix access(5) entry.
func (p *parser) postfixAccess(e *ir.Entry, a *ir.AccessEntry, off, valOff int) {
	a.Key = p.postfixAccessKey(e.Key, off)
	a.Action = p.postfixAction(e.Value, valOff)
}

// postfixAccessKey classifies an access(5) key.
func (p *parser) postfixAccessKey(k string, off int) ir.Key {
	if k == "<>" {
		return ir.Key{Kind: ir.KeyNull, Value: k}
	}
	if bits, ok := ipv4Prefix(k); ok {
		return ir.Key{Kind: ir.KeyIPv4, Value: k, Prefix: bits}
	}
	if strings.IndexByte(k, ':') >= 0 && strings.IndexByte(k, '@') < 0 {
		norm, bits, exact, ok := postfixIPv6(k)
		if !ok {
			return ir.Key{Kind: ir.KeyOther, Value: k}
		}
		if !exact {
			if p.linting("ipv6-form", off) {
				p.warnf(off, "IPv6 key %q never matches: Postfix writes client addresses compressed without leading zeros (%q)", k, norm)
			}
		}
		return ir.Key{Kind: ir.KeyIPv6, Value: norm, Prefix: bits}
	}
	if user, domain, ok := splitAt(k); ok {
		switch {
		case user == "":
			if p.linting("at-domain", off) {
				p.warnf(off, "access(5) keys have no @domain form: %q is never looked up (use the domain)", k)
			}
			return ir.Key{Kind: ir.KeyOther, Value: k}
		case domain == "":
			return ir.Key{Kind: ir.KeyUser, Value: k, User: user}
		}
		return ir.Key{Kind: ir.KeyAddress, Value: k, User: user, Domain: domain}
	}
	if !plausibleDomain(k) {
		if strings.ContainsAny(k, "*?") {
			if p.linting("wildcard", off) {
				p.warnf(off, "access(5) keys have no wildcards: %q never matches", k)
			}
		}
		return ir.Key{Kind: ir.KeyOther, Value: k}
	}
	return domainKey(k)
}

// postfixAction reads an access(5) value in the order smtpd tries the
// forms: keywords (case does not matter), all digits (= OK), "4NN text"
// and "5NN text", OK, and otherwise restriction names.
func (p *parser) postfixAction(v string, valOff int) ir.Action {
	cmd, text := cutWord(v)
	up := strings.ToUpper(cmd)
	switch up {
	case "DUNNO":
		return ir.Action{Kind: ir.ActDunno}
	case "REJECT":
		r := dsnSplit(text)
		return ir.Action{Kind: ir.ActReject, DSN: r.DSN, Text: r.Text}
	case "DEFER":
		r := dsnSplit(text)
		return ir.Action{Kind: ir.ActDefer, DSN: r.DSN, Text: r.Text}
	case "HOLD":
		return ir.Action{Kind: ir.ActQuarantine, Text: text}
	case "DISCARD":
		return ir.Action{Kind: ir.ActDiscard, Text: text}
	case "DEFER_IF_PERMIT", "DEFER_IF_REJECT":
		r := dsnSplit(text)
		return ir.Action{Kind: ir.ActPostfix, Name: up, DSN: r.DSN, Text: r.Text}
	case "INFO", "WARN", "HANGUP":
		return ir.Action{Kind: ir.ActPostfix, Name: up, Text: text}
	case "FILTER", "REDIRECT", "BCC", "PREPEND":
		if text == "" {
			if p.linting("postfix-arg", valOff) {
				p.warnf(valOff, "%s needs an argument", up)
			}
		}
		return ir.Action{Kind: ir.ActPostfix, Name: up, Arg: text}
	}
	if n, ok := atoi(v); ok {
		return ir.Action{Kind: ir.ActOK, Number: n}
	}
	if len(cmd) == 3 && text != "" && (cmd[0] == '4' || cmd[0] == '5') && isDigit(cmd[1]) && isDigit(cmd[2]) {
		r := dsnSplit(text)
		return ir.Action{Kind: ir.ActError, Code: int(cmd[0]-'0')*100 + int(cmd[1]-'0')*10 + int(cmd[2]-'0'), DSN: r.DSN, Text: r.Text}
	}
	if up == "OK" || up == "RELAY" {
		return ir.Action{Kind: ir.ActOK}
	}
	if strings.IndexByte(v, ':') >= 0 {
		if p.linting("restriction-table", valOff) {
			p.warnf(valOff, "do not specify lookup tables inside SMTPD access maps (%q); define a restriction class and specify its name instead", v)
		}
	}
	return ir.Action{Kind: ir.ActRestrict, Arg: v}
}

// dsnSplit takes an optional enhanced status code off the front of a
// Postfix reply text, as dsn_split does.
func dsnSplit(text string) ir.Reply {
	if dsn, rest, ok := enhancedStatus(text); ok {
		return ir.Reply{DSN: dsn, Text: rest}
	}
	return ir.Reply{Text: text}
}
