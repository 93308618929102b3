package smoracle

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"mailcc/runtime/probe"
)

// sendmail prints a ruleset's workspace as tokens separated by blanks:
//
//	$# esmtp $@ a . b $: u < @ a . b . >
//
// The functions here read that display back and re-join the tokens the
// way cataddr() does (a blank only between two atoms), which gives
// "$#esmtp $@a.b $:u<@a.b.>".

// defaultOperators is sendmail's OperatorChars when the .cf sets none.
const defaultOperators = ".:%@!^/[]+"

// specials are always single-character tokens.
const specials = "()<>,;\"\r\n"

// ruleset operators that separate the parts of a result.
func isResultOp(t string) bool { return t == "$#" || t == "$@" || t == "$:" || t == "$|" }

// splitDisplay splits sendmail's blank-separated token display, keeping
// a quoted string (which may hold blanks) as one token.
func splitDisplay(s string) []string {
	var toks []string
	for i := 0; i < len(s); {
		switch {
		case s[i] == ' ':
			i++
		case s[i] == '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			end := min(j+1, len(s))
			toks = append(toks, s[i:end])
			i = end
		default:
			j := strings.IndexByte(s[i:], ' ')
			if j < 0 {
				j = len(s) - i
			}
			toks = append(toks, s[i:i+j])
			i += j
		}
	}
	return toks
}

// tokens knows which characters are single-character tokens.
type tokens struct{ ops string }

func newTokens(operatorChars string) tokens { return tokens{operatorChars + specials} }

func (tk tokens) isAtom(t string) bool {
	switch {
	case strings.HasPrefix(t, "$"), strings.HasPrefix(t, `"`):
		return false
	case utf8.RuneCountInString(t) == 1 && strings.Contains(tk.ops, t):
		return false
	}
	return true
}

// join re-joins tokens like cataddr(): a blank only between two atoms.
func (tk tokens) join(toks []string) string { return tk.joinWith(toks, " ") }

// joinWith is join with sep between two atoms (cataddr()'s spacesub:
// setsender() makes $f with the BlankSub option's character).
func (tk tokens) joinWith(toks []string, sep string) string {
	var b strings.Builder
	prevAtom := false
	for i, t := range toks {
		atom := tk.isAtom(t)
		if i > 0 && prevAtom && atom {
			b.WriteString(sep)
		}
		b.WriteString(t)
		prevAtom = atom
	}
	return b.String()
}

// norm normalises a whole ruleset result: the parts between the
// operators $# $@ $: $| are joined, the operators set off by a blank
// before them.
func (tk tokens) norm(s string) string {
	var parts, cur []string
	for _, t := range splitDisplay(s) {
		if isResultOp(t) {
			if len(cur) > 0 {
				parts = append(parts, tk.join(cur))
				cur = nil
			}
			parts = append(parts, t)
			continue
		}
		cur = append(cur, t)
	}
	if len(cur) > 0 {
		parts = append(parts, tk.join(cur))
	}
	res := ""
	for _, p := range parts {
		endsOp := len(res) >= 2 && isResultOp(res[len(res)-2:])
		switch {
		case isResultOp(p) && res != "":
			res += " " + p
		case isResultOp(p), res == "", endsOp:
			res += p
		default:
			res += " " + p
		}
	}
	return res
}

// triple is a "$# mailer $@ host $: user" ruleset result.
type triple struct {
	mailer, host, user string
}

// triple parses a resolved triple from a ruleset's display; ok is false
// when the result is not one.
func (tk tokens) triple(s string) (tr triple, ok bool) {
	toks := splitDisplay(s)
	if len(toks) == 0 || toks[0] != "$#" {
		return tr, false
	}
	if len(toks) > 1 {
		tr.mailer = toks[1]
	}
	var host, user []string
	var sect *[]string
	for _, t := range toks[min(2, len(toks)):] {
		switch t {
		case "$@":
			sect = &host
		case "$:":
			sect = &user
		default:
			if sect != nil {
				*sect = append(*sect, t)
			}
		}
	}
	return triple{tr.mailer, tk.join(host), tk.join(user)}, true
}

var (
	codeTextRE = regexp.MustCompile(`(?s)^([2-5][0-9][0-9]) (.*)$`)
	dsnTextRE  = regexp.MustCompile(`(?s)^([245]\.[0-9]{1,3}\.[0-9]{1,3}) (.*)$`)
	dsnRE      = regexp.MustCompile(`^[245]\.[0-9]{1,3}\.[0-9]{1,3}$`)
	replyRE    = regexp.MustCompile(`(?s)^([2-5][0-9][0-9])[ -](?:([245]\.[0-9]{1,3}\.[0-9]{1,3}) )?(.*)$`)
	// sendmail prefixes a refusal with "<addr>... " or "addr... ".
	addrPrefixRE = regexp.MustCompile(`^(?:<[^>]*>|[^\s]+)\.\.\. `)
)

// errorReply is the SMTP reply sendmail builds for a "$#error $@host
// $:user" result, by the logic of buildaddr() (parseaddr.c): a reply
// code and optional enhanced status at the start of the text, else the
// enhanced status in $@, else usrerr()'s default for the code; without
// a code 553 5.3.0. Quotes are removed from the text. With SoftBounce a
// permanent failure becomes a temporary one.
func errorReply(host, user string, softBounce bool) (code, dsn, text string) {
	text = strings.ReplaceAll(user, `"`, "")
	if m := codeTextRE.FindStringSubmatch(text); m != nil {
		code, text = m[1], m[2]
		if m2 := dsnTextRE.FindStringSubmatch(text); m2 != nil {
			dsn, text = m2[1], m2[2]
		} else if dsnRE.MatchString(host) {
			dsn = host
		} else {
			dsn = map[byte]string{'5': "5.0.0", '4': "4.0.0", '2': "2.0.0"}[code[0]]
		}
	} else {
		code, dsn = "553", "5.3.0"
	}
	if softBounce && code[0] == '5' {
		code = "4" + code[1:]
		if strings.HasPrefix(dsn, "5") {
			dsn = "4" + dsn[1:]
		}
	}
	return code, dsn, strings.TrimSpace(text)
}

// splitReply splits "550 5.7.1 text" into its parts; code is "" when the
// line is not a reply.
func splitReply(line string) (code, dsn, text string) {
	line = strings.TrimSpace(line)
	m := replyRE.FindStringSubmatch(line)
	if m == nil {
		return "", "", line
	}
	return m[1], m[2], strings.TrimSpace(m[3])
}

// stripAddrPrefix removes sendmail's "<addr>... " before a message.
func stripAddrPrefix(s string) string {
	if loc := addrPrefixRE.FindStringIndex(s); loc != nil {
		return s[loc[1]:]
	}
	return s
}

// decisionOf maps a reply code to a decision.
func decisionOf(code string) string {
	if code == "" {
		return probe.Error
	}
	switch code[0] {
	case '2', '3':
		return probe.Accept
	case '4':
		return probe.Tempfail
	case '5':
		return probe.Reject
	}
	return probe.Error
}
