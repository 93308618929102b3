package table

import (
	"bytes"
	"net/netip"
	"strings"

	"mailcc/ir"
	"mailcc/source"
)

// ParsePatterns reads the source of a Postfix pattern table: regexp_table(5)
// and pcre_table(5) ("/pattern/flags result", "!/pattern/ result",
// "if /pattern/" ... "endif") or cidr_table(5) ("network/prefix result",
// "if network/prefix" ... "endif"). Lines starting with white space
// continue the previous line; "#" lines and empty lines are comments.
//
// Each rule is an entry in file order: Key is the pattern as written
// (with its "!" and flags), Value the result; "if" and "endif" lines are
// entries with the keys "if PATTERN" and "endif" and no value. A
// malformed rule is a warning and is skipped, as Postfix's table reader
// warns and skips it.
func ParsePatterns(typ, path string, data []byte) ([]ir.Entry, source.Diagnostics) {
	p := &parser{path: path, data: data}
	p.lines.data = data
	depth := 0
	for off := 0; off < len(data); {
		start := off
		end := bytes.IndexByte(data[off:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += off
		}
		// logical line: continuation lines start with white space and
		// join without their newline; indented "#" lines are comments
		// (Postfix's readllines)
		var b strings.Builder
		b.Write(data[start:end])
		next := end + 1
		for next < len(data) && (data[next] == ' ' || data[next] == '\t') {
			e := bytes.IndexByte(data[next:], '\n')
			if e < 0 {
				e = len(data)
			} else {
				e += next
			}
			if t := bytes.TrimLeft(data[next:e], " \t"); len(t) == 0 || t[0] != '#' {
				b.Write(data[next:e])
			}
			next = e + 1
		}
		off = next
		line := strings.TrimSpace(b.String())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		pos := p.irPos(start)
		if line == "endif" {
			if depth == 0 {
				p.warnf(start, "ignoring ENDIF without matching IF")
				continue
			}
			depth--
			p.entries = append(p.entries, ir.Entry{Key: "endif", Pos: pos})
			continue
		}
		cond := false
		rest := line
		if len(line) > 3 && strings.EqualFold(line[:3], "if ") {
			cond, rest = true, strings.TrimSpace(line[3:])
		}
		var pat, result string
		var ok bool
		if typ == "cidr" {
			pat, result, ok = cidrRule(rest)
			if !ok {
				p.warnf(start, "bad net/mask pattern: %q", firstWord(rest))
				continue
			}
		} else {
			pat, result, ok = regexpRule(rest)
			if !ok {
				delim := strings.TrimLeft(strings.TrimPrefix(rest, "!"), " \t")
				if delim != "" {
					delim = delim[:1]
				}
				p.warnf(start, "no closing regexp delimiter %q: skipping this rule", delim)
				continue
			}
		}
		if cond {
			if result != "" {
				p.warnf(start, "garbage after IF pattern: %s", result)
				continue
			}
			depth++
			p.entries = append(p.entries, ir.Entry{Key: "if " + pat, Pos: pos})
			continue
		}
		if result == "" {
			p.warnf(start, "no replacement text: using empty string")
		}
		p.entries = append(p.entries, ir.Entry{Key: pat, Value: result, Pos: pos})
	}
	if depth > 0 {
		p.diags.Warningf(source.Position{Filename: path}, "IF has no matching ENDIF")
	}
	p.diags.Sort()
	return p.entries, p.diags
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return s
}

// regexpRule splits "[!]/pattern/flags result".
func regexpRule(s string) (pat, result string, ok bool) {
	i := 0
	if strings.HasPrefix(s, "!") {
		i = 1
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
	}
	if i >= len(s) {
		return "", "", false
	}
	delim := s[i]
	j := i + 1
	for ; j < len(s); j++ {
		if s[j] == '\\' {
			j++
			continue
		}
		if s[j] == delim {
			break
		}
	}
	if j >= len(s) {
		return "", "", false
	}
	k := j + 1
	for k < len(s) && s[k] != ' ' && s[k] != '\t' {
		k++
	}
	return s[:k], strings.TrimSpace(s[k:]), true
}

// cidrRule splits "[!]network[/prefix] result".
func cidrRule(s string) (pat, result string, ok bool) {
	w := firstWord(s)
	net := strings.TrimPrefix(w, "!")
	net = strings.TrimSuffix(strings.TrimPrefix(net, "["), "]")
	if strings.Contains(net, "/") {
		if _, err := netip.ParsePrefix(net); err != nil {
			return "", "", false
		}
	} else if _, err := netip.ParseAddr(net); err != nil {
		return "", "", false
	}
	return w, strings.TrimSpace(s[len(w):]), true
}
