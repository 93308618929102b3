package table

import (
	"strings"

	"mailcc/ir"
	"mailcc/source"
)

// classLineSize is sendmail's MAXLINE: class files are read with fgets
// into a 2048-byte buffer, so a longer line is read in pieces.
const classLineSize = 2048

// scanConv is the one conversion of a class file's scanf format.
type scanConv struct {
	set    [256]bool // for %[...]: the bytes it accepts
	isSet  bool      // %[...] rather than %s
	prefix string    // literal text before the conversion
}

// parseScanFormat reads a scanf format of the kind F lines give: one
// conversion, %s or %[...] (with ^ for a negated set), maybe after
// literal text.
func parseScanFormat(f string) (scanConv, bool) {
	var c scanConv
	if f == "" {
		f = "%s"
	}
	i := strings.IndexByte(f, '%')
	if i < 0 || strings.Contains(f[:i], "%") {
		return c, false
	}
	c.prefix = f[:i]
	conv := f[i+1:]
	switch {
	case conv == "s":
		return c, true
	case strings.HasPrefix(conv, "[") && strings.HasSuffix(conv, "]") && len(conv) >= 3:
		body := conv[1 : len(conv)-1]
		neg := false
		if strings.HasPrefix(body, "^") {
			neg, body = true, body[1:]
		}
		var in [256]bool
		for j := 0; j < len(body); j++ {
			if body[j] == '\\' && j+1 < len(body) {
				// sendmail's "%[^\#]" stops at '#' only (seen with
				// sendmail -bt): the backslash quotes the '#'.
				j++
				in[body[j]] = true
				continue
			}
			if j+2 < len(body) && body[j+1] == '-' {
				for b := int(body[j]); b <= int(body[j+2]); b++ {
					in[b] = true
				}
				j += 2
				continue
			}
			in[body[j]] = true
		}
		for b := range in {
			c.set[b] = in[b] != neg
		}
		c.set[0] = false
		c.isSet = true
		return c, true
	}
	return c, false
}

// scan applies the conversion to a line as sscanf does: ok is false when
// nothing is converted (sendmail then skips the line).
func (c *scanConv) scan(line string) (word string, start int, ok bool) {
	p := 0
	for i := 0; i < len(c.prefix); i++ {
		if isSpace(c.prefix[i]) {
			for p < len(line) && isSpace(line[p]) {
				p++
			}
			continue
		}
		if p >= len(line) || line[p] != c.prefix[i] {
			return "", 0, false
		}
		p++
	}
	if !c.isSet {
		for p < len(line) && isSpace(line[p]) {
			p++
		}
		q := p
		for q < len(line) && !isSpace(line[q]) {
			q++
		}
		return line[p:q], p, q > p
	}
	q := p
	for q < len(line) && c.set[line[q]] {
		q++
	}
	return line[p:q], p, q > p
}

// ParseClassFile reads a sendmail class file (local-host-names,
// relay-domains, the file of an F line) with the scanf format its F line
// gives, as sendmail does: the file is read in lines of at most 2047
// bytes, a line starting with '#' is skipped, the format is applied
// ("%s" keeps the first word; Debian's "%[^\#]" everything before a '#'
// or a backslash) and what it yields is split into words.
func ParseClassFile(path string, data []byte, format string) ([]ir.ClassMember, source.Diagnostics) {
	var diags source.Diagnostics
	lines := lineIndex{data: data}
	pos := func(off int) source.Position { return lines.position(path, off) }
	conv, ok := parseScanFormat(format)
	if !ok {
		diags.Errorf(source.Position{Filename: path}, "unsupported class file format %q: mailcc reads %%s and %%[...] formats", format)
		return nil, diags
	}
	var out []ir.ClassMember
	extra := 0
	for off := 0; off < len(data); {
		// fgets: up to a newline, at most classLineSize-1 bytes.
		end := off
		for end < len(data) && end-off < classLineSize-1 {
			end++
			if data[end-1] == '\n' {
				break
			}
		}
		line := string(data[off:end])
		if i := strings.IndexByte(line, 0); i >= 0 {
			line = line[:i]
		}
		lineOff := off
		off = end
		if line == "" || line[0] == '#' {
			continue
		}
		word, start, ok := conv.scan(line)
		if !ok {
			continue
		}
		for i := 0; i < len(word); {
			for i < len(word) && isSpace(word[i]) {
				i++
			}
			j := i
			for j < len(word) && !isSpace(word[j]) {
				j++
			}
			if j > i {
				q := pos(lineOff + start + i)
				out = append(out, ir.ClassMember{Value: word[i:j], From: path,
					Pos: ir.Pos{File: path, Line: q.Line, Col: q.Column}})
			}
			i = j
		}
		if !conv.isSet {
			// %s keeps the first word only: say so when more follow
			// that are not a comment.
			rest := trimSpace(line[start+len(word):])
			if rest != "" && rest[0] != '#' {
				if extra++; extra <= lintLimit {
					diags.Warningf(pos(lineOff+strings.Index(line[start+len(word):], rest)+start+len(word)),
						"only the first word of a line is read (format %%s): %q is left out", rest)
				}
			}
		}
	}
	if extra > lintLimit {
		diags.Warningf(source.Position{Filename: path}, "%d more lines with words left out", extra-lintLimit)
	}
	return out, diags
}
