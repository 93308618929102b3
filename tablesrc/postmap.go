package tablesrc

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"unicode/utf8"
)

// LogicalLines reads Postfix's logical lines (readllines): a line that
// starts with white space continues the previous one (the newline goes,
// the white space stays), comment lines (first non-blank character '#')
// and blank lines are skipped, also between a line and its
// continuation.
type LogicalLines struct {
	r      *bufio.Reader
	path   string
	lineno int
	buf    []byte
	eof    bool
	report func(*LineError)
	off    int // input offset of the next byte
	first  int // input offset of the first line of the last logical line
}

// FirstOffset returns the byte offset in the input of the first
// physical line of the logical line Next returned last.
func (l *LogicalLines) FirstOffset() int { return l.first }

// NewLogicalLines reads logical lines from r; path names it in
// messages ("stdin" for standard input). report, when not nil, gets the
// warnings about lines that are skipped.
func NewLogicalLines(r io.Reader, path string, report func(*LineError)) *LogicalLines {
	return &LogicalLines{r: bufio.NewReaderSize(r, 1<<16), path: path, report: report}
}

// isSpace is Postfix's ISSPACE: isspace() on ASCII bytes.
func isSpace(c byte) bool { return isASCIISpace(c) }

// Next returns the next logical line and the number of its first
// physical line; ok is false at the end of input.
func (l *LogicalLines) Next() (line []byte, first int, ok bool, err error) {
	l.buf = l.buf[:0]
	first = 0
	firstOff := l.off
	for {
		start := len(l.buf)
		lineOff := l.off
		sawNL := false
		for {
			chunk, err := l.r.ReadSlice('\n')
			l.off += len(chunk)
			if len(chunk) > 0 && chunk[len(chunk)-1] == '\n' {
				l.buf = append(l.buf, chunk[:len(chunk)-1]...)
				sawNL = true
				break
			}
			l.buf = append(l.buf, chunk...)
			if err == io.EOF {
				l.eof = true
				break
			}
			if err != nil && err != bufio.ErrBufferFull {
				return nil, 0, false, err
			}
		}
		if sawNL || len(l.buf) > start {
			l.lineno++
		}
		cp := start
		for cp < len(l.buf) && isSpace(l.buf[cp]) {
			cp++
		}
		if cp == len(l.buf) || l.buf[cp] == '#' {
			l.buf = l.buf[:start]
		} else if start == 0 {
			first = l.lineno
			firstOff = lineOff
		}
		if l.eof {
			break
		}
		if len(l.buf) > 0 {
			next, err := l.r.Peek(1)
			if err != nil || (next[0] != '#' && !isSpace(next[0])) {
				break
			}
		}
	}
	l.first = firstOff
	if len(l.buf) > 0 && isSpace(l.buf[0]) {
		shown := l.buf
		dots := ""
		if len(shown) > 30 {
			shown, dots = shown[:30], "..."
		}
		if l.report != nil {
			l.report(&LineError{File: l.path, Off: firstOff, Warning: true,
				Msg: fmt.Sprintf("logical line must not start with whitespace: \"%s%s\"", shown, dots)})
		}
		return l.Next()
	}
	if len(l.buf) == 0 {
		return nil, 0, false, nil
	}
	return l.buf, first, true, nil
}

// PostmapOptions are the settings that change how postmap reads a
// source file.
type PostmapOptions struct {
	// UTF8 is Postfix's SMTPUTF8 mode (smtputf8_enable, which follows
	// compatibility_level): lines that are not valid UTF-8 are skipped.
	UTF8 bool
	// Report, when not nil, gets every warning, in input order.
	Report func(*LineError)
}

// PostmapReader reads postmap's input: "key whitespace value" per logical
// line. The key ends at the first white space outside double quotes (a
// backslash protects the next character) and keeps its quotes; the
// value is the rest with leading and trailing white space removed.
type PostmapReader struct {
	ll  *LogicalLines
	opt PostmapOptions
}

// NewPostmapReader reads postmap input from r, named path in messages.
func NewPostmapReader(r io.Reader, path string, opt PostmapOptions) *PostmapReader {
	return &PostmapReader{ll: NewLogicalLines(r, path, opt.Report), opt: opt}
}

func (p *PostmapReader) warn(line int, format string, args ...any) {
	if p.opt.Report != nil {
		p.opt.Report(&LineError{File: p.ll.path, Line: line, Off: p.ll.first, Warning: true, Msg: fmt.Sprintf(format, args...)})
	}
}

// Next returns the next entry, io.EOF at the end. Lines postmap skips
// are reported (as warnings) and passed over.
func (p *PostmapReader) Next() (Entry, error) {
	for {
		line, first, ok, err := p.ll.Next()
		if err != nil {
			return Entry{}, err
		}
		if !ok {
			return Entry{}, io.EOF
		}
		if e, ok := p.parse(line, first); ok {
			return e, nil
		}
	}
}

func (p *PostmapReader) parse(line []byte, first int) (Entry, bool) {
	// Postfix works on C strings from here on.
	if i := bytes.IndexByte(line, 0); i >= 0 {
		line = line[:i]
	}
	if p.opt.UTF8 && !isASCII(line) && !utf8.Valid(line) {
		p.warn(first, "non-UTF-8 input \"%s\" -- ignoring this line", line)
		return Entry{}, false
	}
	inQuotes := false
	i := 0
	for ; i < len(line); i++ {
		c := line[i]
		if c == '\\' {
			i++
			if i >= len(line) {
				break
			}
		} else if isSpace(c) {
			if !inQuotes {
				break
			}
		} else if c == '"' {
			inQuotes = !inQuotes
		}
	}
	if inQuotes {
		p.warn(first, "unbalanced '\"' in '%s' -- ignoring this line", line)
		return Entry{}, false
	}
	if i > len(line) {
		i = len(line)
	}
	key := line[:i]
	v := i
	if v < len(line) {
		v++
	}
	for v < len(line) && isSpace(line[v]) {
		v++
	}
	val := trimRightSpace(line[v:])
	if len(key) == 0 || len(val) == 0 {
		p.warn(first, "expected format: key whitespace value")
		return Entry{}, false
	}
	if key[len(key)-1] == ':' {
		p.warn(first, `record is in "key: value" format; is this an alias file?`)
	}
	return Entry{Key: key, Value: val, Line: first, Off: p.ll.first, ValOff: -1}, true
}

// PostmapPlain says whether a line made of key, one or more spaces and
// value reads, in PostmapReader (opt.UTF8 being utf8mode), as the
// entry key, value without a warning, whatever lines around it are
// blank, comments, or other such lines: then a caller that wrote the
// line may take the entry as it is instead of reading the line again.
func PostmapPlain(key, value string, utf8mode bool) bool {
	if key == "" || value == "" || key[0] == '#' || key[len(key)-1] == ':' ||
		isSpace(value[0]) || isSpace(value[len(value)-1]) {
		return false
	}
	ascii := true
	for i := 0; i < len(key); i++ {
		switch c := key[i]; {
		case c == 0 || c == '"' || c == '\\' || isSpace(c):
			return false
		case c >= 0x80:
			ascii = false
		}
	}
	for i := 0; i < len(value); i++ {
		switch c := value[i]; {
		case c == 0 || c == '\n':
			return false
		case c >= 0x80:
			ascii = false
		}
	}
	return ascii || !utf8mode || utf8.ValidString(key) && utf8.ValidString(value)
}

func trimRightSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
