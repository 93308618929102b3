// Package source is the leaf under every other mailcc package: it knows
// the files a run reads, compact positions inside them, and diagnostics
// that point at those positions.
//
// # Positions
//
// A [Pos] is a compact offset into a [FileSet], in the manner of go/token:
// every file added to the set gets a range of Pos values of its own, so a
// single integer names a file and a byte offset. Pos values are turned into
// a human-readable [Position] (file, line, column) only when one is
// printed; the line table of a file is built lazily the first time a
// position inside it is resolved, so code that never reports anything pays
// nothing for positions.
//
// The zero Pos, [NoPos], means "no position" and is used for synthesized
// values (built-in defaults, say). It is never invented for something that
// came from a file.
//
// # Diagnostics
//
// A [Diagnostic] prints as
//
//	file:line:col: error: message
//
// followed by indented notes. [Diagnostics] collects them the way
// go/scanner.ErrorList does: sorted by position, one per line at most after
// [Diagnostics.RemoveMultiples], and capped at a limit unless all errors
// are asked for. Messages are lowercase and carry no trailing period.
package source

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Pos is a compact position: an offset into a FileSet. The zero value is
// NoPos.
type Pos int

// NoPos is the zero Pos: no position is known.
const NoPos Pos = 0

// IsValid reports whether p names a real position.
func (p Pos) IsValid() bool { return p != NoPos }

// Span is a half-open range of positions within one file.
type Span struct {
	Start, End Pos
}

// Position is a resolved, printable position. Line and Column are 1-based;
// a zero Line means the position is unknown, a zero Column that only the
// line is known.
type Position struct {
	Filename string
	Offset   int
	Line     int
	Column   int
}

// IsValid reports whether the position names at least a line.
func (p Position) IsValid() bool { return p.Line > 0 }

// String formats the position as file:line:col, file:line, file, or "-"
// when nothing is known.
func (p Position) String() string {
	s := p.Filename
	if p.IsValid() {
		if s != "" {
			s += ":"
		}
		s += strconv.Itoa(p.Line)
		if p.Column != 0 {
			s += ":" + strconv.Itoa(p.Column)
		}
	}
	if s == "" {
		s = "-"
	}
	return s
}

// File is one file of a FileSet: a name, its Pos range and (lazily) its
// line table.
type File struct {
	name string
	base int
	size int

	mu      sync.Mutex
	content []byte // kept until the line table is built
	lines   []int  // offsets of line starts; nil until built
}

// Name returns the file's name as it was added.
func (f *File) Name() string { return f.name }

// Base returns the Pos of the file's first byte.
func (f *File) Base() int { return f.base }

// Size returns the file's size in bytes.
func (f *File) Size() int { return f.size }

// Pos returns the Pos of the byte at offset (0 <= offset <= Size).
func (f *File) Pos(offset int) Pos {
	if offset < 0 {
		offset = 0
	}
	if offset > f.size {
		offset = f.size
	}
	return Pos(f.base + offset)
}

// Offset returns the byte offset of p within f.
func (f *File) Offset(p Pos) int { return int(p) - f.base }

// LineStart returns the Pos of the first byte of the 1-based line.
func (f *File) LineStart(line int) Pos {
	f.buildLines()
	if line < 1 || line > len(f.lines) {
		return NoPos
	}
	return Pos(f.base + f.lines[line-1])
}

func (f *File) buildLines() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lines != nil {
		return
	}
	lines := []int{0}
	for i, c := range f.content {
		if c == '\n' && i+1 <= len(f.content) {
			lines = append(lines, i+1)
		}
	}
	f.lines = lines
	f.content = nil
}

// Position resolves p, which must lie within f.
func (f *File) Position(p Pos) Position {
	off := int(p) - f.base
	if off < 0 || off > f.size {
		return Position{}
	}
	f.buildLines()
	i := sort.Search(len(f.lines), func(i int) bool { return f.lines[i] > off }) - 1
	return Position{Filename: f.name, Offset: off, Line: i + 1, Column: off - f.lines[i] + 1}
}

// FileSet is a set of files sharing one Pos space. It is safe for
// concurrent use.
type FileSet struct {
	mu    sync.RWMutex
	base  int
	files []*File
}

// NewFileSet returns an empty set. Its first file starts at Pos 1 so that
// NoPos never names a byte.
func NewFileSet() *FileSet { return &FileSet{base: 1} }

// AddFile adds a file with the given name and content. The content is
// kept only until a position inside the file is first resolved (to build
// its line table); the caller must not modify it before then.
func (s *FileSet) AddFile(name string, content []byte) *File {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := &File{name: name, base: s.base, size: len(content), content: content}
	// One extra Pos for the end of file, so that EOF has a position too.
	s.base += len(content) + 1
	s.files = append(s.files, f)
	return f
}

// File returns the file holding p, or nil.
func (s *FileSet) File(p Pos) *File {
	if p == NoPos {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	i := sort.Search(len(s.files), func(i int) bool { return s.files[i].base > int(p) }) - 1
	if i < 0 {
		return nil
	}
	f := s.files[i]
	if int(p) > f.base+f.size {
		return nil
	}
	return f
}

// Position resolves p; an unknown p gives the zero Position.
func (s *FileSet) Position(p Pos) Position {
	if s == nil {
		return Position{}
	}
	if f := s.File(p); f != nil {
		return f.Position(p)
	}
	return Position{}
}

// Severity says how bad a diagnostic is.
type Severity int

// The severities, from worst to mildest.
const (
	Error Severity = iota
	Warning
	Note
)

func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	default:
		return "note"
	}
}

// Diagnostic is one message about one place.
type Diagnostic struct {
	Pos      Position
	Severity Severity
	Msg      string
	// Notes are printed indented under the message, each with its own
	// position (for example "expanded from FEATURE at sendmail.mc:12").
	Notes []NoteLine
}

// NoteLine is a secondary message attached to a Diagnostic.
type NoteLine struct {
	Pos Position
	Msg string
}

// Error formats the diagnostic as "file:line:col: severity: message" with
// its notes on the following lines.
func (d *Diagnostic) Error() string {
	var b strings.Builder
	b.WriteString(d.Pos.String())
	b.WriteString(": ")
	b.WriteString(d.Severity.String())
	b.WriteString(": ")
	b.WriteString(d.Msg)
	for _, n := range d.Notes {
		b.WriteString("\n\t")
		if n.Pos.IsValid() || n.Pos.Filename != "" {
			b.WriteString(n.Pos.String())
			b.WriteString(": ")
		}
		b.WriteString("note: ")
		b.WriteString(n.Msg)
	}
	return b.String()
}

// Errorf returns a new error diagnostic.
func Errorf(pos Position, format string, args ...any) *Diagnostic {
	return &Diagnostic{Pos: pos, Severity: Error, Msg: fmt.Sprintf(format, args...)}
}

// Warningf returns a new warning diagnostic.
func Warningf(pos Position, format string, args ...any) *Diagnostic {
	return &Diagnostic{Pos: pos, Severity: Warning, Msg: fmt.Sprintf(format, args...)}
}

// DefaultLimit is how many errors Diagnostics.Err reports before it stops,
// as go/parser does without AllErrors.
const DefaultLimit = 10

// Diagnostics is a list of diagnostics. The zero value is ready to use.
type Diagnostics []*Diagnostic

// Add appends d.
func (l *Diagnostics) Add(d *Diagnostic) { *l = append(*l, d) }

// Errorf appends an error at pos.
func (l *Diagnostics) Errorf(pos Position, format string, args ...any) {
	l.Add(Errorf(pos, format, args...))
}

// Warningf appends a warning at pos.
func (l *Diagnostics) Warningf(pos Position, format string, args ...any) {
	l.Add(Warningf(pos, format, args...))
}

// Len, Less and Swap implement sort.Interface: by file, line, column, then
// severity (errors first).
func (l Diagnostics) Len() int      { return len(l) }
func (l Diagnostics) Swap(i, j int) { l[i], l[j] = l[j], l[i] }
func (l Diagnostics) Less(i, j int) bool {
	a, b := l[i].Pos, l[j].Pos
	if a.Filename != b.Filename {
		return a.Filename < b.Filename
	}
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	if a.Column != b.Column {
		return a.Column < b.Column
	}
	if l[i].Severity != l[j].Severity {
		return l[i].Severity < l[j].Severity
	}
	return l[i].Msg < l[j].Msg
}

// Sort sorts the list by position; the sort is stable for equal positions.
func (l Diagnostics) Sort() { sort.Stable(l) }

// RemoveMultiples sorts the list and keeps only the first diagnostic of
// each severity on each line (go/scanner's rule: later ones on the same
// line are usually consequences of the first).
func (l *Diagnostics) RemoveMultiples() {
	l.Sort()
	var last *Diagnostic
	out := (*l)[:0]
	for _, d := range *l {
		if last == nil || d.Pos.Filename != last.Pos.Filename || d.Pos.Line != last.Pos.Line ||
			d.Severity != last.Severity || !d.Pos.IsValid() && d.Msg != last.Msg {
			out = append(out, d)
			last = d
		}
	}
	*l = out
}

// HasErrors reports whether any diagnostic is an error.
func (l Diagnostics) HasErrors() bool {
	for _, d := range l {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Errors returns only the error diagnostics.
func (l Diagnostics) Errors() Diagnostics {
	var out Diagnostics
	for _, d := range l {
		if d.Severity == Error {
			out = append(out, d)
		}
	}
	return out
}

// Err returns the list as an error if it holds any error diagnostic, and
// nil otherwise. Warnings alone are not an error.
func (l Diagnostics) Err() error {
	if !l.HasErrors() {
		return nil
	}
	return l
}

// Error prints at most DefaultLimit diagnostics, one per line, and says how
// many more there were.
func (l Diagnostics) Error() string { return l.Format(DefaultLimit) }

// Format prints at most limit diagnostics (all of them when limit <= 0),
// one per line, and a last line saying how many were left out.
func (l Diagnostics) Format(limit int) string {
	var b strings.Builder
	for i, d := range l {
		if limit > 0 && i == limit {
			fmt.Fprintf(&b, "(and %d more)\n", len(l)-limit)
			break
		}
		b.WriteString(d.Error())
		b.WriteByte('\n')
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// Unwrap exposes each diagnostic to errors.Is and errors.As.
func (l Diagnostics) Unwrap() []error {
	out := make([]error, len(l))
	for i, d := range l {
		out[i] = d
	}
	return out
}
