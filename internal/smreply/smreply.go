// Package smreply reads sendmail's error replies the way sendmail
// builds them: the tokens of a ruleset's "$#error $@ status $: text"
// (prescan's tokens, joined by cataddr()) and buildaddr()'s reading of
// the status and text into an SMTP reply code, an enhanced status code
// and a text. The decision engine and the migration both need it.
package smreply

import "strings"

// Error is buildaddr()'s reading of "$#error $@ status $: text": a reply
// code and an enhanced status code at the start of the text, or the
// status given apart; without a code, 553 5.3.0. Quotes are dropped.
func Error(status, text string) (code, dsn, msg string) {
	status = strings.ReplaceAll(strings.TrimSpace(status), " ", "")
	text = strings.ReplaceAll(text, `"`, "")
	if c, rest, ok := LeadingCode(text); ok {
		code = c
		if d, after, ok := LeadingDSN(rest); ok && after != "" {
			dsn, msg = d, after[1:]
		} else if d, after, ok := LeadingDSN(status); ok && after == "" {
			dsn, msg = d, rest
		} else {
			dsn, msg = c[:1]+".0.0", rest
		}
	} else {
		code, dsn, msg = "553", "5.3.0", text
	}
	return code, dsn, strings.TrimSpace(msg)
}

// LeadingCode splits "NNN rest" (a reply code 2xx to 5xx and a blank).
func LeadingCode(s string) (string, string, bool) {
	if len(s) < 4 || s[0] < '2' || s[0] > '5' || !isDigit(s[1]) || !isDigit(s[2]) || s[3] != ' ' {
		return "", "", false
	}
	return s[:3], s[4:], true
}

// LeadingDSN splits an enhanced status code (2, 4 or 5, then 1 to 3
// digits, twice, dot-separated) from what follows it: nothing, or a
// blank and text.
func LeadingDSN(s string) (string, string, bool) {
	if len(s) < 5 || s[0] != '2' && s[0] != '4' && s[0] != '5' || s[1] != '.' {
		return "", "", false
	}
	i := 2
	for part := 0; part < 2; part++ {
		n := 0
		for i < len(s) && isDigit(s[i]) && n < 3 {
			i, n = i+1, n+1
		}
		if n == 0 {
			return "", "", false
		}
		if part == 0 {
			if i >= len(s) || s[i] != '.' {
				return "", "", false
			}
			i++
		}
	}
	if i < len(s) && s[i] != ' ' {
		return "", "", false
	}
	return s[:i], s[i:], true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// OperatorChars are sendmail's default OperatorChars plus the
// delimiters prescan() always splits on.
const OperatorChars = ".:%@!^/[]+()<>,;\r\n"

// Tokenize splits text into sendmail tokens: operators one each, a
// quoted string one token, other runs of characters atoms.
func Tokenize(text string) []string {
	var toks []string
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '"':
			j := i + 1
			for j < len(text) && text[j] != '"' {
				if text[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(text) {
				j = len(text) - 1
			}
			toks = append(toks, text[i:j+1])
			i = j + 1
		case strings.IndexByte(OperatorChars, c) >= 0:
			toks = append(toks, text[i:i+1])
			i++
		default:
			j := i
			for j < len(text) && text[j] != ' ' && text[j] != '\t' && text[j] != '"' && strings.IndexByte(OperatorChars, text[j]) < 0 {
				j++
			}
			toks = append(toks, text[i:j])
			i = j
		}
	}
	return toks
}

// CatAddr joins tokens as cataddr() does: a blank only between two
// atoms.
func CatAddr(toks []string) string {
	var b strings.Builder
	prevAtom := false
	for _, t := range toks {
		atom := !(len(t) == 1 && strings.IndexByte(OperatorChars, t[0]) >= 0) && !strings.HasPrefix(t, `"`)
		if b.Len() > 0 && prevAtom && atom {
			b.WriteByte(' ')
		}
		b.WriteString(t)
		prevAtom = atom
	}
	return b.String()
}

// MaxName is sendmail's MAXNAME (conf.h): the longest HELO name its
// HELO command takes.
const MaxName = 256

// HeloRefusal is the text of the 501 5.0.0 reply with which sendmail's
// HELO command refuses name before any ruleset sees it (srvrsmtp.c,
// without confALLOW_BOGUS_HELO), or "" when it takes the name: an empty
// name, one longer than MaxName, and one with a character other than an
// ASCII letter or digit or one of "[].-_#:" are refused; white space may
// only trail the name.
func HeloRefusal(name string) string {
	if name == "" {
		return "HELO requires domain address"
	}
	if len(name) > MaxName {
		return "Invalid domain name"
	}
	for _, c := range []byte(strings.TrimRight(name, " \t\r\n\v\f")) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("[].-_#:", c) >= 0) {
			return "Invalid domain name"
		}
	}
	return ""
}
