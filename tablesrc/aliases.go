package tablesrc

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
)

// aliasBufSize is sendmail's BUFSIZ line buffer for the aliases file.
const aliasBufSize = 8192

// AliasOptions tune AliasReader.
type AliasOptions struct {
	// IsLocal reports whether a domain is one of this host's names
	// (class $=w): name@domain aliases the local name only then. When
	// nil, only "localhost" is local.
	IsLocal func(domain string) bool
	// Report gets every error and warning, in input order. Errors are
	// sendmail's syserr() (newaliases then exits 70); Warning is set for
	// its notes.
	Report func(*LineError)
}

// AliasReader reads sendmail's aliases(5) format as newaliases does:
// "name: value" per line, continued by a line starting with a blank or
// by a backslash before the newline, '#' comments in the first column.
// The name is parsed as a local address; the value is kept as written.
type AliasReader struct {
	r        *bufio.Reader
	path     string
	opt      AliasOptions
	lineno   int
	eof      bool
	skipping bool
	off      int // input offset of the next byte
	start    int // input offset of the current line

	// Statistics, as newaliases prints them.
	Count, Longest, Bytes int
}

// NewAliasReader reads an aliases file from r, named path in messages.
func NewAliasReader(r io.Reader, path string, opt AliasOptions) *AliasReader {
	return &AliasReader{r: bufio.NewReaderSize(r, 1<<16), path: path, opt: opt}
}

func (a *AliasReader) report(line int, warn bool, format string, args ...any) {
	if a.opt.Report != nil {
		a.opt.Report(&LineError{File: a.path, Line: line, Off: a.start, Warning: warn, Msg: fmt.Sprintf(format, args...)})
	}
}

// fgets reads up to n-1 bytes, stopping after a newline.
func (a *AliasReader) fgets(dst []byte, n int) ([]byte, bool) {
	got := false
	for n > 1 {
		c, err := a.r.ReadByte()
		if err != nil {
			a.eof = true
			break
		}
		got = true
		a.off++
		dst = append(dst, c)
		n--
		if c == '\n' {
			break
		}
	}
	return dst, got
}

func (a *AliasReader) peek() (byte, bool) {
	b, err := a.r.Peek(1)
	if err != nil {
		a.eof = true
		return 0, false
	}
	return b[0], true
}

// contline is sendmail's contline(): a backslash before the newline, or
// a next line starting with a blank, continues the line. It returns the
// line with the joint removed and whether to read on.
func (a *AliasReader) contline(line []byte) ([]byte, bool) {
	if nl := bytes.IndexByte(line, '\n'); nl > 0 && line[nl-1] == '\\' {
		return line[:nl-1], true
	}
	if c, ok := a.peek(); ok && (c == ' ' || c == '\t') {
		if len(line) > 0 && line[len(line)-1] == '\n' {
			line = line[:len(line)-1]
		}
		return line, true
	}
	return line, false
}

// Next returns the next alias: Key is the local name (not yet folded),
// Value the right-hand side as written. Lines newaliases rejects are
// reported and passed over. io.EOF at the end.
func (a *AliasReader) Next() (Entry, error) {
	for {
		buf := make([]byte, 0, 256)
		a.start = a.off
		var got bool
		buf, got = a.fgets(buf, aliasBufSize)
		if !got {
			return Entry{}, io.EOF
		}
		a.lineno++
		for {
			var more bool
			buf, more = a.contline(buf)
			if !more {
				break
			}
			if len(buf) == 0 {
				// An empty line continued: the text starts on the
				// next line, and so does the entry for messages.
				a.start = a.off
			}
			var g bool
			buf, g = a.fgets(buf, aliasBufSize-len(buf))
			if !g {
				break
			}
			a.lineno++
		}
		line := buf
		if i := bytes.IndexByte(line, 0); i >= 0 {
			line = line[:i]
		}
		if nl := bytes.IndexByte(line, '\n'); nl >= 0 {
			line = line[:nl]
		} else if !a.eof {
			a.report(a.lineno, false, "alias line too long")
			a.flushVirtualLine()
			continue
		}
		if len(line) == 0 || line[0] == '#' {
			a.skipping = false
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if !a.skipping {
				a.report(a.lineno, false, "Non-continuation line starts with space")
			}
			a.skipping = true
			continue
		}
		a.skipping = false
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			a.report(a.lineno, false, "missing colon")
			continue
		}
		lhs, unbalanced := aliasLHS(string(line))
		for _, c := range unbalanced {
			// sendmail's address scanner complains and closes what
			// is open; the name is read on.
			a.report(a.lineno, true, "%s... Unbalanced '%c'", line, c)
		}
		user, paddr, local, ok := parseAliasName(lhs, a.opt.IsLocal)
		if !ok {
			a.report(a.lineno, false, "%.40s... illegal alias name", line)
			continue
		}
		p := colon + 1
		for p < len(line) && isASCIISpace(line[p]) {
			p++
		}
		rhs := line[p:]
		if !local {
			if hasUnquoted(paddr, ',') {
				// sendmail's rulesets refuse a list where an address
				// belongs, and the name is not local then either.
				a.report(a.lineno, false, "%s... Invalid route address", paddr)
			}
			a.report(a.lineno, false, "%s... cannot alias non-local names", paddr)
			continue
		}
		if strings.EqualFold(user, "postmaster") {
			user = "postmaster"
		}
		if len(bytes.TrimLeft(rhs, " \t\n\v\f\r")) == 0 {
			a.report(a.lineno, false, "%.40s... missing value for alias", line)
			continue
		}
		a.Count++
		a.Bytes += len(user) + len(rhs)
		if len(rhs) > a.Longest {
			a.Longest = len(rhs)
		}
		// Like sendmail, the line of a continued alias is its last one.
		return Entry{Key: []byte(user), Value: append([]byte(nil), rhs...), Line: a.lineno, Name: paddr,
			Off: a.start, ValOff: -1}, nil
	}
}

// flushVirtualLine skips the rest of a line that was too long, with its
// continuation lines.
func (a *AliasReader) flushVirtualLine() {
	for {
		prev := byte(0)
		c := byte(0)
		for {
			b, err := a.r.ReadByte()
			if err != nil {
				a.eof = true
				return
			}
			a.off++
			c = b
			if c == '\n' {
				break
			}
			prev = c
		}
		if prev == '\\' {
			a.lineno++
			continue
		}
		n, ok := a.peek()
		if !ok || (n != ' ' && n != '\t') {
			return
		}
		a.lineno++
	}
}

// aliasLHS finds the name at the start of an alias line as sendmail's
// address parser does with ':' as the delimiter: a colon inside quotes,
// a comment or <...> does not end it. What is left open at the end of
// the line is closed, and a ')' or '>' that closes nothing is dropped;
// unbalanced lists those characters, in the order sendmail reports them.
func aliasLHS(line string) (lhs string, unbalanced []byte) {
	var b strings.Builder
	inQ, depth, angle := false, 0, 0
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\\' && i+1 < len(line):
			b.WriteByte(c)
			i++
			c = line[i]
		case inQ:
			if c == '"' {
				inQ = false
			}
		case depth > 0:
			if c == '(' {
				depth++
			} else if c == ')' {
				depth--
			}
		case c == '"':
			inQ = true
		case c == '(':
			depth++
		case c == ')':
			unbalanced = append(unbalanced, ')')
			continue
		case c == '<':
			angle++
		case c == '>':
			if angle == 0 {
				unbalanced = append(unbalanced, '>')
				continue
			}
			angle--
		case c == ':' && angle == 0:
			return b.String(), unbalanced
		}
		b.WriteByte(c)
	}
	switch {
	case inQ:
		unbalanced = append(unbalanced, '"')
		b.WriteByte('"')
	case depth > 0:
		unbalanced = append(unbalanced, '(')
		b.WriteString(strings.Repeat(")", depth))
	case angle > 0:
		unbalanced = append(unbalanced, '<')
		b.WriteString(strings.Repeat(">", angle))
	}
	return b.String(), unbalanced
}

// parseAliasName parses the left-hand side of an alias the way
// sendmail's address parser sees the usual forms: comments in
// parentheses and surrounding blanks go, a <route> is unwrapped,
// "quoted strings" keep their quotes, and user@domain is local when the
// domain is one of this host's names. It returns the local name, the
// address as written (for messages) and whether it is local.
func parseAliasName(lhs string, isLocal func(string) bool) (user, paddr string, local, ok bool) {
	// Drop comments outside quotes; keep the rest.
	stripped, balanced := StripComments(lhs)
	if !balanced {
		return "", "", false, false
	}
	addr := strings.TrimSpace(stripped)
	if i := strings.LastIndexByte(addr, '<'); i >= 0 {
		j := strings.IndexByte(addr[i:], '>')
		if j < 0 {
			return "", "", false, false
		}
		addr = strings.TrimSpace(addr[i+1 : i+j])
	}
	paddr = addr
	if addr == "" {
		return "", "", false, false
	}
	if hasUnquoted(addr, ',') {
		return addr, paddr, false, true
	}
	if isLocal == nil {
		isLocal = func(d string) bool { return strings.EqualFold(d, "localhost") }
	}
	user, domain := addr, ""
	if at := lastUnquoted(addr, '@'); at >= 0 {
		user, domain = addr[:at], addr[at+1:]
	}
	for {
		domain = strings.TrimSuffix(domain, ".")
		if domain != "" && !isLocal(domain) {
			return user, paddr, false, true
		}
		// The percent hack: in a local address, user%host is
		// user@host, the rightmost '%' first.
		pct := lastUnquoted(user, '%')
		if pct < 0 {
			break
		}
		user, domain = user[:pct], user[pct+1:]
	}
	if hasUnquoted(user, '!') {
		// host!user is a UUCP route, not a local name.
		return user, paddr, false, true
	}
	return dequoteLocal(user), paddr, true, true
}

// hasUnquoted reports whether s holds c outside double quotes.
func hasUnquoted(s string, c byte) bool {
	inQ := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\':
			i++
		case s[i] == '"':
			inQ = !inQ
		case s[i] == c && !inQ:
			return true
		}
	}
	return false
}

// dequoteLocal is what the cf library's rules do to a local part that
// is a single quoted string ("$-" matched, then the dequote map): the
// quotes go, backslashes stay, unless the result would hold white space
// or unbalanced brackets.
func dequoteLocal(s string) string {
	if len(s) < 2 || s[0] != '"' || !singleQuoted(s) {
		return s
	}
	var b strings.Builder
	angle, quotes := 0, 0
	bslash := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if bslash {
			bslash = false
			b.WriteByte(c)
			continue
		}
		switch c {
		case '\\':
			bslash = true
		case ' ', '\t', '(', ')':
			return s
		case '"':
			quotes++
			continue
		case '<':
			angle++
		case '>':
			if angle--; angle < 0 {
				return s
			}
		}
		b.WriteByte(c)
	}
	if angle != 0 || bslash || quotes%2 != 0 || quotes == 0 {
		return s
	}
	return b.String()
}

// singleQuoted reports whether s is exactly one quoted string.
func singleQuoted(s string) bool {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i == len(s)-1
		}
	}
	return false
}

func lastUnquoted(s string, c byte) int {
	inQ := false
	last := -1
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\':
			i++
		case s[i] == '"':
			inQ = !inQ
		case s[i] == c && !inQ:
			last = i
		}
	}
	return last
}

// AliasSpec is one entry of sendmail's AliasFile option:
// [class:][flags ]path.
type AliasSpec struct {
	Class string // "implicit" when none is given
	Flags []string
	Path  string
	// InclNull: keys and values end in a NUL (the implicit class, or
	// -N); NoFold: keys keep their case (-f); Append: duplicates are
	// merged (-A).
	InclNull, NoFold, Append bool
}

// ParseAliasFileOption splits the value of the AliasFile option into its
// comma-separated specs.
func ParseAliasFileOption(v string) []AliasSpec {
	var specs []AliasSpec
	for _, part := range splitAliasSpecs(v) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		s := AliasSpec{Class: "implicit", InclNull: true}
		if i := strings.IndexAny(part, ": \t"); i >= 0 && part[i] == ':' {
			s.Class, part = part[:i], part[i+1:]
			s.InclNull = false
		}
		fields := strings.Fields(part)
		for len(fields) > 1 && strings.HasPrefix(fields[0], "-") {
			f := fields[0]
			s.Flags = append(s.Flags, f)
			for _, c := range f[1:] {
				switch c {
				case 'N':
					s.InclNull = true
				case 'O':
					s.InclNull = false
				case 'f':
					s.NoFold = true
				case 'A':
					s.Append = true
				}
			}
			fields = fields[1:]
		}
		s.Path = strings.Join(fields, " ")
		specs = append(specs, s)
	}
	return specs
}

// splitAliasSpecs splits at commas outside double quotes.
func splitAliasSpecs(v string) []string {
	var out []string
	inQ := false
	start := 0
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '"':
			inQ = !inQ
		case ',':
			if !inQ {
				out = append(out, v[start:i])
				start = i + 1
			}
		}
	}
	return append(out, v[start:])
}

// StripComments removes RFC 822 (comments) outside "quoted strings" from
// s, keeping backslash pairs outside comments, as sendmail's address
// parser does. balanced is false when a quote or a comment is left open.
func StripComments(s string) (out string, balanced bool) {
	var b strings.Builder
	inQ, depth := false, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			if depth == 0 {
				b.WriteByte(c)
				b.WriteByte(s[i+1])
			}
			i++
			continue
		case inQ:
			if c == '"' {
				inQ = false
			}
		case c == '"' && depth == 0:
			inQ = true
		case c == '(':
			depth++
			continue
		case c == ')' && depth > 0:
			depth--
			continue
		}
		if depth == 0 {
			b.WriteByte(c)
		}
	}
	return b.String(), !inQ && depth == 0
}
