package sendmail

import (
	"bytes"
	"strings"

	"mailcc/ir"
	"mailcc/source"
)

// Line is one logical line of a sendmail.cf: a declaration, a rule set
// header or a rule. Continuation lines (those starting with a space or a
// tab) are joined to the line they continue.
type Line struct {
	// Kind is the line's first character: K (map), C (class words), F
	// (class file), D (macro), O (option), M (mailer), X (mail filter), Q
	// (queue group), H (header), P (precedence), T (trusted users), V
	// (version), E (environment), S (rule set), R (rule).
	Kind byte
	// Name is what the line declares: the map, class, macro, option,
	// mailer, filter, queue group or rule set name ("{Accept}" is given
	// as "Accept"); empty for the other kinds.
	Name string
	// Value is the rest of the line: for K the map class and its
	// arguments, for C the words, for F the file and its format, for O
	// the value after "=", for M, X and Q the fields after the comma.
	Value string
	// Text is the line as written, continuations joined by "\n".
	Text string
	Pos  ir.Pos
	// Origin says where a line without a source position comes from (the
	// cf library's default, the FEATURE that declared it).
	Origin string
}

// ParseCF reads the lines of a sendmail.cf. Comments and empty lines are
// skipped; a line of an unknown kind is reported and skipped.
func ParseCF(path string, data []byte) ([]Line, source.Diagnostics) {
	var lines []Line
	var diags source.Diagnostics
	eachLogicalLine(data, func(text string, line int) {
		l, msg := parseCFLine(text)
		l.Pos = ir.Pos{File: path, Line: line, Col: 1}
		if msg != "" {
			diags.Errorf(source.Position{Filename: path, Line: line, Column: 1}, "%s", msg)
			return
		}
		if l.Kind != 0 {
			lines = append(lines, l)
		}
	})
	return lines, diags
}

// eachLogicalLine calls fn with every logical line of data that is not
// a comment or empty, and the number of its first physical line.
func eachLogicalLine(data []byte, fn func(text string, line int)) {
	var cur []byte
	start, n := 0, 0
	have := false
	flush := func() {
		if have {
			fn(string(cur), start)
		}
		have = false
		cur = cur[:0]
	}
	for len(data) > 0 {
		n++
		var ln []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			ln, data = data[:i], data[i+1:]
		} else {
			ln, data = data, nil
		}
		ln = bytes.TrimSuffix(ln, []byte("\r"))
		switch {
		case len(ln) > 0 && (ln[0] == ' ' || ln[0] == '\t'):
			// a continuation; sendmail folds it into the previous line
			// (a continuation of a comment is part of the comment)
			if have {
				cur = append(cur, '\n')
				cur = append(cur, ln...)
			}
			continue
		case len(ln) == 0 || ln[0] == '#':
			flush()
			continue
		}
		flush()
		cur = append(cur, ln...)
		start, have = n, true
	}
	flush()
}

// macroName splits a macro or class name off the front of s: one
// character, or a {long name}.
func macroName(s string) (name, rest string, ok bool) {
	if s == "" {
		return "", "", false
	}
	if s[0] == '{' {
		i := strings.IndexByte(s, '}')
		if i < 0 {
			return "", "", false
		}
		return s[1:i], s[i+1:], true
	}
	return s[:1], s[1:], true
}

// parseCFLine classifies one logical line.
func parseCFLine(text string) (Line, string) {
	l := Line{Kind: text[0], Text: text}
	body := text[1:]
	switch l.Kind {
	case 'D', 'C', 'F':
		name, rest, ok := macroName(body)
		if !ok {
			return l, "missing or unterminated " + string(l.Kind) + " line name"
		}
		l.Name = name
		if l.Kind == 'D' {
			l.Value = rest
		} else {
			l.Value = strings.TrimSpace(rest)
		}
	case 'K':
		body = strings.TrimLeft(body, " \t")
		i := strings.IndexAny(body, " \t")
		if i < 0 {
			return l, "K line has no map class"
		}
		l.Name = body[:i]
		l.Value = strings.TrimSpace(body[i:])
	case 'O':
		if strings.HasPrefix(body, " ") || strings.HasPrefix(body, "\t") {
			body = strings.TrimLeft(body, " \t")
			name, val, _ := strings.Cut(body, "=")
			l.Name = strings.TrimSpace(name)
			l.Value = strings.TrimLeft(val, " \t")
		} else if body != "" {
			// a one-letter option
			l.Name = body[:1]
			l.Value = body[1:]
		}
	case 'M', 'X', 'Q':
		name, rest, _ := strings.Cut(body, ",")
		l.Name = strings.TrimSpace(name)
		l.Value = strings.TrimSpace(rest)
	case 'S':
		name, _, _ := strings.Cut(strings.TrimSpace(body), "=")
		l.Name = strings.TrimSpace(name)
	case 'R', 'H', 'P', 'T', 'V', 'E', 'L', 'Y', 'A', 'G':
		l.Value = body
	default:
		return l, "unknown configuration line \"" + firstLine(text) + "\""
	}
	return l, ""
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	return s
}

// Fields splits the value of an M, X or Q line into its "X=value"
// fields (continuation lines are spaces).
func Fields(value string) []ir.Setting {
	var out []ir.Setting
	for _, f := range splitFields(value) {
		name, val, _ := strings.Cut(f, "=")
		out = append(out, ir.Setting{Name: strings.TrimSpace(name), Value: strings.TrimSpace(val)})
	}
	return out
}

// splitFields splits a mailer definition at commas, except in the A=
// field, which runs to the end of the line or the next field (sendmail
// ends it at a comma followed by a field letter and "=").
func splitFields(s string) []string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return ' '
		}
		return r
	}, s)
	var out []string
	for s != "" {
		s = strings.TrimLeft(s, " ,")
		if s == "" {
			break
		}
		i := strings.IndexByte(s, ',')
		if i < 0 {
			out = append(out, strings.TrimSpace(s))
			break
		}
		out = append(out, strings.TrimSpace(s[:i]))
		s = s[i+1:]
	}
	return out
}
