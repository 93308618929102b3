package tablesrc

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// Entry is one key/value pair read from a map source, with the line it
// came from (the first line of a logical line that spans several).
type Entry struct {
	Key, Value []byte
	Line       int
	// Name is the alias name as written (aliases files only), which
	// sendmail's messages quote.
	Name string
	// Off is the byte offset in the input of the start of the entry's
	// first line, where its key is; ValOff that of the value when the
	// value is a piece of the input as it stands (makemap's reader
	// without -N), -1 otherwise.
	Off, ValOff int
}

// LineError is a problem with one line of a source. Readers return it
// and carry on with the next line when the tool they follow does; Msg is
// the tool's own message text.
type LineError struct {
	File string
	Line int
	// Off is the byte offset in the input of the start of the line the
	// message is about (-1 when it is about no line).
	Off int
	Msg string
	// Warning is set for problems the tool reports without failing
	// (Postfix's "warning:" lines, sendmail's duplicate alias note).
	Warning bool
}

func (e *LineError) Error() string {
	if e.File != "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
}

// MakemapOptions are makemap's flags that change how its input is read.
type MakemapOptions struct {
	// NoFold keeps the case of keys (-f). By default ASCII upper-case
	// letters of the key are folded to lower case; other bytes are left
	// alone (this sendmail is built without EAI support).
	NoFold bool
	// InclNull stores a NUL after every key and value (-N).
	InclNull bool
	// Comment is the comment character (-D); 0 means '#'.
	Comment byte
	// Sep separates key and value (-t); 0 means any run of white space.
	Sep byte
	// AllowEmpty accepts a key without a value (-e).
	AllowEmpty bool
	// Report, when not nil, gets every line makemap rejects, in input
	// order (makemap prints them, goes on, and exits 65 in the end).
	Report func(*LineError)
}

// makemapBufSize is makemap's line buffer: fgets reads at most 1023
// bytes at a time.
const makemapBufSize = 1024

// MakemapReader reads makemap's input format: one "key value" pair per
// physical line, no continuation lines.
type MakemapReader struct {
	r       *bufio.Reader
	opt     MakemapOptions
	line    int
	buf     []byte
	pending []byte // rest of the current line, not yet returned by fgets
	eof     bool
	off     int // input offset of the next byte fgets returns
	start   int // input offset of the chunk fgets returned last
	sep     [256]bool
}

// NewMakemapReader reads makemap input from r.
func NewMakemapReader(r io.Reader, opt MakemapOptions) *MakemapReader {
	if opt.Comment == 0 {
		opt.Comment = '#'
	}
	m := &MakemapReader{r: bufio.NewReaderSize(r, 1<<16), opt: opt, buf: make([]byte, 0, makemapBufSize)}
	for c := range m.sep {
		if opt.Sep == 0 {
			m.sep[c] = isASCIISpace(byte(c))
		} else {
			m.sep[c] = byte(c) == opt.Sep
		}
	}
	return m
}

// fgets reads what sm_io_fgets reads into a 1024-byte buffer: up to and
// including a newline, at most 1023 bytes. ok is false at end of input.
func (m *MakemapReader) fgets() (chunk []byte, ok bool, err error) {
	if len(m.pending) == 0 {
		if m.eof {
			return nil, false, nil
		}
		line, err := m.r.ReadSlice('\n')
		switch err {
		case nil, bufio.ErrBufferFull:
		case io.EOF:
			m.eof = true
			if len(line) == 0 {
				return nil, false, nil
			}
		default:
			return nil, false, err
		}
		m.pending = line
	}
	n := min(len(m.pending), makemapBufSize-1)
	m.buf = append(m.buf[:0], m.pending[:n]...)
	m.pending = m.pending[n:]
	m.start = m.off
	m.off += n
	return m.buf, true, nil
}

func (m *MakemapReader) isSep(c byte) bool { return m.sep[c] }

// isASCIISpace is isspace() on an ASCII byte in the C locale.
func isASCIISpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func (m *MakemapReader) reject(format string, args ...any) {
	if m.opt.Report != nil {
		m.opt.Report(&LineError{Line: m.line, Off: m.start, Msg: fmt.Sprintf(format, args...)})
	}
}

// Next returns the next entry, io.EOF at the end of input. Lines
// makemap rejects are reported and passed over. The entry's slices are
// valid until the next call.
func (m *MakemapReader) Next() (Entry, error) {
	for {
		chunk, ok, err := m.fgets()
		if err != nil {
			return Entry{}, err
		}
		if !ok {
			return Entry{}, io.EOF
		}
		m.line++
		// makemap works on a C string: the line ends at the newline
		// or at a NUL byte, whichever comes first.
		line := chunk
		nl := bytes.IndexByte(chunk, '\n')
		if nl >= 0 && bytes.IndexByte(chunk[:nl], 0) >= 0 {
			nl = -1
		}
		if nl >= 0 {
			line = chunk[:nl]
		} else if len(chunk) == makemapBufSize-1 || !m.eof || len(m.pending) > 0 {
			m.reject("line too long (%d bytes max)", makemapBufSize)
			continue
		}
		if i := bytes.IndexByte(line, 0); i >= 0 {
			line = line[:i]
		}
		if len(line) == 0 || line[0] == m.opt.Comment {
			continue
		}
		if m.opt.Sep == 0 && isASCIISpace(line[0]) {
			m.reject("syntax error (leading space)")
			continue
		}
		p := 0
		for p < len(line) && !m.isSep(line[p]) {
			if !m.opt.NoFold && 'A' <= line[p] && line[p] <= 'Z' {
				line[p] += 'a' - 'A'
			}
			p++
		}
		key := line[:p]
		if p < len(line) {
			p++
		}
		for p < len(line) && m.isSep(line[p]) {
			p++
		}
		val := line[p:]
		if !m.opt.AllowEmpty && len(val) == 0 {
			m.reject("no RHS for LHS %s", key)
			continue
		}
		valOff := m.start + p
		if m.opt.InclNull {
			valOff = -1
			// The NUL makemap writes after the key and after the line.
			line = append(line[:len(key)], 0)
			key = line
			v := make([]byte, len(val)+1)
			copy(v, val)
			val = v
		}
		return Entry{Key: key, Value: val, Line: m.line, Off: m.start, ValOff: valOff}, nil
	}
}

// A chunk without a newline is a whole line only when the read that
// produced it hit the end of the input: when it is shorter than the
// buffer (sm_io_eof is set only by a read that finds nothing more). A
// last line of exactly 1023 bytes without a newline is therefore "too
// long", as with the real makemap.
