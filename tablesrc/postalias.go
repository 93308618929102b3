package tablesrc

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Token types of Postfix's RFC 822 scanner (tok822_scan). Operators are
// their own character.
const (
	tokAtom = 256 + iota
	tokQString
	tokComment
	tokDomLit
)

// tok822OpChars are the characters the scanner turns into operators.
const tok822OpChars = "|%!()<>@,;:\\\".[]"

type token struct {
	typ  int
	text string // atoms, quoted strings, domain literals: unquoted; comments: with parens
}

func isSpaceTabCRLF(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func isOpChar(c byte) bool { return strings.IndexByte(tok822OpChars, c) >= 0 }

// collect reads characters while cond holds; a backslash takes the next
// character whatever it is, and white space is stored as a blank.
func collect(s string, i int, cond func(byte) bool) (string, int) {
	var b strings.Builder
	for i < len(s) {
		c := s[i]
		if c == '\\' {
			i++
			if i >= len(s) {
				break
			}
			c = s[i]
		} else if !cond(c) {
			break
		}
		if isSpaceTabCRLF(c) {
			c = ' '
		}
		b.WriteByte(c)
		i++
	}
	return b.String(), i
}

// tok822Scan splits s into tokens like Postfix's tok822_scan.
func tok822Scan(s string) []token {
	var toks []token
	i := 0
	for i < len(s) {
		c := s[i]
		i++
		switch {
		case c == 0:
			return toks
		case isSpaceTabCRLF(c):
			continue
		case c == '(':
			var b strings.Builder
			b.WriteByte('(')
			level := 1
			for i < len(s) {
				ch := s[i]
				b.WriteByte(ch)
				i++
				if ch == '(' {
					level++
				} else if ch == ')' {
					if level--; level == 0 {
						break
					}
				} else if ch == '\\' {
					if i >= len(s) {
						break
					}
					b.WriteByte(s[i])
					i++
				}
			}
			toks = append(toks, token{typ: tokComment, text: b.String()})
		case c == '[':
			t, j := collect(s, i, func(ch byte) bool { return ch != ']' })
			if j < len(s) {
				j++
			}
			i = j
			toks = append(toks, token{typ: tokDomLit, text: t})
		case c == '"':
			t, j := collect(s, i, func(ch byte) bool { return ch != '"' })
			if j < len(s) {
				j++
			}
			i = j
			toks = append(toks, token{typ: tokQString, text: t})
		case c != '\\' && isOpChar(c):
			toks = append(toks, token{typ: int(c)})
		default:
			t, j := collect(s, i-1, func(ch byte) bool { return !isSpaceTabCRLF(ch) && !isOpChar(ch) })
			i = j
			typ := tokAtom
			for k := 0; k < len(t); k++ {
				ch := t[k]
				if ch == ' ' || ch < 0x20 || ch == 0x7f || isOpChar(ch) {
					typ = tokQString
					break
				}
			}
			toks = append(toks, token{typ: typ, text: t})
		}
	}
	return toks
}

func nonOperator(t token) bool {
	return t.typ == tokAtom || t.typ == tokQString || t.typ == tokComment || t.typ == tokDomLit
}

// appendSpace is tok822_append_space for a flat token list.
func appendSpace(toks []token, i int) bool {
	if i+1 >= len(toks) {
		return false
	}
	t, next := toks[i], toks[i+1]
	if t.typ == ',' || next.typ == '<' {
		return true
	}
	return nonOperator(t) && nonOperator(next)
}

func copyQuoted(b *strings.Builder, s, set string) {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(set, s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
}

// tok822Internalize is tok822_internalize: quoted strings lose their
// quotes.
func tok822Internalize(toks []token) string {
	var b strings.Builder
	for i, t := range toks {
		switch t.typ {
		case tokAtom, tokQString, tokComment:
			b.WriteString(t.text)
		case tokDomLit:
			b.WriteByte('[')
			b.WriteString(t.text)
			b.WriteByte(']')
		default:
			b.WriteByte(byte(t.typ))
		}
		if appendSpace(toks, i) {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// tok822Externalize is tok822_externalize: the list is written back with
// quoting, ", " after every comma.
func tok822Externalize(toks []token) string {
	var b strings.Builder
	for i, t := range toks {
		switch t.typ {
		case ',':
			b.WriteString(", ")
			continue
		case tokAtom, tokComment:
			b.WriteString(t.text)
		case tokQString:
			b.WriteByte('"')
			copyQuoted(&b, t.text, "\"\\\r\n")
			b.WriteByte('"')
		case tokDomLit:
			b.WriteByte('[')
			copyQuoted(&b, t.text, "\\\r\n")
			b.WriteByte(']')
		default:
			b.WriteByte(byte(t.typ))
		}
		if appendSpace(toks, i) {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// PostaliasReader reads Postfix's aliases(5) format as postalias does:
// logical lines (continuation by leading white space only), each parsed
// as RFC 822 tokens into "name: value". The name is stored unquoted, the
// value re-serialised (", " between addresses, quoting normalised).
type PostaliasReader struct {
	ll  *LogicalLines
	opt PostmapOptions
}

// NewPostaliasReader reads postalias input from r, named path in
// messages.
func NewPostaliasReader(r io.Reader, path string, opt PostmapOptions) *PostaliasReader {
	return &PostaliasReader{ll: NewLogicalLines(r, path, opt.Report), opt: opt}
}

func (p *PostaliasReader) warn(line int, format string, args ...any) {
	if p.opt.Report != nil {
		p.opt.Report(&LineError{File: p.ll.path, Line: line, Off: p.ll.first, Warning: true, Msg: fmt.Sprintf(format, args...)})
	}
}

// Next returns the next alias, io.EOF at the end. Lines postalias skips
// are reported and passed over.
func (p *PostaliasReader) Next() (Entry, error) {
	for {
		line, first, ok, err := p.ll.Next()
		if err != nil {
			return Entry{}, err
		}
		if !ok {
			return Entry{}, io.EOF
		}
		if i := strings.IndexByte(string(line), 0); i >= 0 {
			line = line[:i]
		}
		if p.opt.UTF8 && !isASCII(line) && !utf8.Valid(line) {
			p.warn(first, "non-UTF-8 input \"%s\" -- ignoring this line", line)
			continue
		}
		toks := tok822Scan(string(line))
		if len(toks) == 0 {
			continue
		}
		colon := -1
		for i, t := range toks {
			if t.typ == ':' {
				colon = i
				break
			}
		}
		if colon <= 0 || colon == len(toks)-1 || hasType(toks[:colon], ',') {
			p.warn(first, "need name:value pair")
			continue
		}
		if hasType(toks[:colon], '@') || hasType(toks[:colon], '%') {
			p.warn(first, "name must be local")
			continue
		}
		key := tok822Internalize(toks[:colon])
		val := tok822Externalize(toks[colon+1:])
		return Entry{Key: []byte(key), Value: []byte(val), Line: first, Off: p.ll.first, ValOff: -1}, nil
	}
}

func hasType(toks []token, typ int) bool {
	for _, t := range toks {
		if t.typ == typ {
			return true
		}
	}
	return false
}

// PostfixAddressList splits an address list the way Postfix's parser
// (tok822_parse) groups it for local(8) alias expansion and for virtual
// alias results: at commas, around <route> addresses (the phrase before
// a route is dropped), at the end of a named group, and between two
// words with no operator in between (Postfix adds the missing comma).
// Comments are dropped. Each address is returned in internal (unquoted)
// form, as local(8) sees it before it tells programs ("|..."), files
// ("/..."), :include: and addresses apart.
func PostfixAddressList(s string) []string {
	var toks []token
	for _, t := range tok822Scan(s) {
		if t.typ != tokComment {
			toks = append(toks, t)
		}
	}
	const (
		doWord  = 1
		doGroup = 2
	)
	type span struct{ from, to int }
	var addrs []span
	group := func(from, to int) {
		if from < to {
			addrs = append(addrs, span{from, to})
		}
	}
	isWord := func(t token) bool { return t.typ == tokAtom || t.typ == tokQString || t.typ == tokDomLit }
	state := doWord
	right := len(toks)
	for i := len(toks) - 1; i >= 0; i-- {
		t := toks[i]
		switch {
		case t.typ == ';':
			group(i+1, right)
			right = i
			state = doGroup | doWord
		case t.typ == ':' && state&doGroup != 0:
			group(i+1, right)
			j := i - 1
			for j >= 0 && toks[j].typ != ',' {
				j--
			}
			right = j
			i = j + 1 // the comma is looked at next
		case t.typ == '>':
			group(i+1, right)
			right = i
			j := i - 1
			for j >= 0 && toks[j].typ != '<' {
				j--
			}
			group(j+1, right)
			k := j - 1
			for k >= 0 && (toks[k].typ > 0xff || strings.IndexByte(">;,:", byte(toks[k].typ)) < 0) {
				k--
			}
			right = k
			state |= doWord
			i = k + 1
		case isWord(t):
			if state&doWord == 0 {
				group(i+1, right)
				right = i + 1
			}
			state &^= doWord
		case t.typ == ',':
			group(i+1, right)
			right = i
			state |= doWord
		default:
			state |= doWord
		}
	}
	group(0, right)
	out := make([]string, 0, len(addrs))
	for n := len(addrs) - 1; n >= 0; n-- {
		a := addrs[n]
		out = append(out, tok822Internalize(toks[a.from:a.to]))
	}
	return out
}
