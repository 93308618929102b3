package table

import (
	"bytes"
	"fmt"
	"io"
	"unsafe"

	"mailcc/ir"
	"mailcc/source"
	"mailcc/tablesrc"
)

// Options say whose conventions a table source follows.
type Options struct {
	// Dialect is ir.Sendmail (the zero value reads as sendmail too) or
	// ir.Postfix: which tool's source conventions and semantics apply.
	Dialect ir.Dialect
	// KeepCase: keys keep their case (sendmail K -f / makemap -f,
	// postmap -f). sendmail alias names are folded whatever it says, as
	// sendmail's parser folds them before they are stored.
	KeepCase bool
	// IsLocal reports whether a domain is one of this host's names
	// (sendmail's class w): a sendmail alias name@domain names the local
	// name only then. When nil, only "localhost" is local.
	IsLocal func(domain string) bool
	// UTF8 is Postfix's SMTPUTF8 mode (smtputf8_enable, on from
	// compatibility_level 3.6): lines that are not valid UTF-8 are
	// skipped and keys are case-folded as Unicode.
	UTF8 bool
}

// Parse reads a table's text source: path names it in positions, data is
// its content. kind is how the table is used (ir.AccessTable,
// ir.AliasTable, ir.VirtualTable, ir.GenericTable, ir.CanonicalTable,
// ir.TransportTable, ir.DomainTable, ir.RelocatedTable,
// ir.AuthInfoTable, ir.OtherTable, ...): it decides the typed view of each
// entry. The entries are what the tool stores, in source order, with
// duplicates resolved as the tool resolves them.
func Parse(kind ir.TableKind, path string, data []byte, opt Options) ([]ir.Entry, source.Diagnostics) {
	p := &parser{kind: kind, path: path, data: data, opt: opt}
	p.lines.data = data
	switch {
	case opt.Dialect == ir.Postfix && kind == ir.AliasTable:
		p.postalias()
	case opt.Dialect == ir.Postfix:
		p.postmap()
	case kind == ir.AliasTable:
		p.aliases()
	default:
		p.makemap()
	}
	p.lintSummary()
	p.diags.Sort()
	return p.entries, p.diags
}

// parser holds the state of one Parse.
type parser struct {
	kind    ir.TableKind
	path    string
	data    []byte
	opt     Options
	entries []ir.Entry
	diags   source.Diagnostics
	lines   lineIndex
	views   viewSlabs
	linted  map[string]*lintCount
}

// lintCount counts the warnings of one kind a table got.
type lintCount struct {
	n        int
	firstOff int // where the first one left out is
}

// lintLimit is how many warnings of one kind a table gets one by one; the
// rest are summed up in one more (a generated table can repeat a mistake
// a million times).
const lintLimit = 10

// lineIndex turns byte offsets into lines and columns, cheaply when the
// offsets asked for grow, as they do while a source is read.
type lineIndex struct {
	data      []byte
	off       int // the last offset asked for
	line      int // its line, 1-based
	lineStart int // the offset of that line's first byte
}

func (x *lineIndex) position(path string, off int) source.Position {
	if off < 0 || off > len(x.data) {
		return source.Position{Filename: path}
	}
	if off < x.off || x.line == 0 {
		x.off, x.line, x.lineStart = 0, 1, 0
	}
	seg := x.data[x.off:off]
	if n := bytes.Count(seg, nl); n > 0 {
		x.line += n
		x.lineStart = x.off + bytes.LastIndexByte(seg, '\n') + 1
	}
	x.off = off
	return source.Position{Filename: path, Offset: off, Line: x.line, Column: off - x.lineStart + 1}
}

var nl = []byte{'\n'}

func (p *parser) pos(off int) source.Position { return p.lines.position(p.path, off) }

func (p *parser) irPos(off int) ir.Pos {
	q := p.pos(off)
	return ir.Pos{File: q.Filename, Line: q.Line, Col: q.Column}
}

func (p *parser) errorf(off int, format string, args ...any) {
	p.diags.Errorf(p.pos(off), format, args...)
}

func (p *parser) warnf(off int, format string, args ...any) {
	p.diags.Warningf(p.pos(off), format, args...)
}

// linting counts a warning about something the tool accepts but that
// does not do what it seems to (a key that never matches, a value taken
// as an error text), and says whether to give it: what names the kind of
// warning for the limit per table. Callers format the message only then.
func (p *parser) linting(what string, off int) bool {
	if p.linted == nil {
		p.linted = map[string]*lintCount{}
	}
	c := p.linted[what]
	if c == nil {
		c = &lintCount{}
		p.linted[what] = c
	}
	c.n++
	if c.n == lintLimit+1 {
		c.firstOff = off
	}
	return c.n <= lintLimit
}

// lintSummary adds one warning per kind that went over the limit.
func (p *parser) lintSummary() {
	for _, c := range p.linted {
		if c.n > lintLimit {
			p.warnf(c.firstOff, "%d more warnings like the ones above were left out, the first of them here", c.n-lintLimit)
		}
	}
}

// report turns a reader's problem into a diagnostic at the start of the
// line it is about.
func (p *parser) report(e *tablesrc.LineError) {
	off := e.Off
	if off < 0 {
		off = 0
	}
	if e.Warning {
		p.warnf(off, "%s", e.Msg)
	} else {
		p.errorf(off, "%s", e.Msg)
	}
}

// readError reports an error of the underlying reader (none when reading
// from memory; kept for completeness).
func (p *parser) readError(err error) {
	p.diags.Errorf(source.Position{Filename: p.path}, "reading: %v", err)
}

// record is one entry as a reader gave it: where it is in the source
// (off for its key, valOff for its value) and where its key, value and
// written name (aliases) are in the text the parse collects: a copy of
// the source for makemap, whose keys and values are pieces of it, and
// the bytes appended one entry after the other for the other readers.
// All of a table's keys and values then share one string.
type record struct {
	off, valOff   int32
	key, keyLen   int32
	val, valLen   int32
	name, nameLen int32
}

// maxSource is the largest source Parse reads: offsets are int32, and
// the collected text can be twice the source.
const maxSource = 1<<30 - 1

func (p *parser) tooLarge() bool {
	if len(p.data) > maxSource {
		p.errorf(0, "the file is too large (%d bytes, at most %d)", len(p.data), maxSource)
		return true
	}
	return false
}

// appendPiece appends b to text and says where it is.
func appendPiece(text, b []byte) ([]byte, int32, int32) {
	at := int32(len(text))
	return append(text, b...), at, int32(len(b))
}

// makemap reads a sendmail map source as makemap does: the first
// definition of a key wins, and later ones are errors.
func (p *parser) makemap() {
	if p.tooLarge() {
		return
	}
	n := bytes.Count(p.data, nl) + 1
	text := make([]byte, len(p.data))
	copy(text, p.data)
	recs := make([]record, 0, n)
	r := tablesrc.NewMakemapReader(bytes.NewReader(p.data), tablesrc.MakemapOptions{
		NoFold: p.opt.KeepCase,
		Report: p.report,
	})
	for {
		e, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			p.readError(err)
			break
		}
		// The key is folded in place; the value is the source's.
		copy(text[e.Off:], e.Key)
		rc := record{off: int32(e.Off), valOff: int32(e.ValOff), key: int32(e.Off), keyLen: int32(len(e.Key)),
			val: int32(e.ValOff), valLen: int32(len(e.Value))}
		if e.ValOff < 0 {
			rc.valOff = rc.off
			text, rc.val, rc.valLen = appendPiece(text, e.Value)
		}
		recs = append(recs, rc)
	}
	p.finish(text, recs, false, func(rc record, key, _ string) {
		p.errorf(int(rc.off), "key %s: duplicate key", key)
	})
}

// aliases reads a sendmail aliases file as newaliases does: names are
// folded, the last definition of a name wins.
func (p *parser) aliases() {
	if p.tooLarge() {
		return
	}
	r := tablesrc.NewAliasReader(bytes.NewReader(p.data), p.path, tablesrc.AliasOptions{
		IsLocal: p.opt.IsLocal,
		Report:  p.report,
	})
	text := make([]byte, 0, len(p.data)+len(p.data)/2)
	var recs []record
	for {
		e, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			p.readError(err)
			break
		}
		rc := record{off: int32(e.Off), valOff: int32(p.aliasValueOff(e.Off))}
		rc.key = int32(len(text))
		text = tablesrc.AppendFoldASCII(text, e.Key)
		rc.keyLen = int32(len(text)) - rc.key
		text, rc.val, rc.valLen = appendPiece(text, e.Value)
		text, rc.name, rc.nameLen = appendPiece(text, []byte(e.Name))
		recs = append(recs, rc)
	}
	p.finish(text, recs, true, func(rc record, key, name string) {
		p.warnf(int(rc.off), "%s... Warning: duplicate alias name %s", name, key)
	})
}

// aliasValueOff guesses where the value of an alias starting at off
// begins: after the first colon, past white space.
func (p *parser) aliasValueOff(off int) int {
	i := bytes.IndexByte(p.data[off:], ':')
	if i < 0 {
		return off
	}
	j := off + i + 1
	for j < len(p.data) && (p.data[j] == ' ' || p.data[j] == '\t') {
		j++
	}
	return j
}

// postmapValueOff guesses where the value of an entry starting at off
// with a key of keyLen bytes begins: past the white space after the key
// (on a continuation line when the key stands alone on its line).
func (p *parser) postmapValueOff(off, keyLen int) int {
	j := off + keyLen
	for j < len(p.data) && isSpace(p.data[j]) {
		j++
	}
	if j >= len(p.data) || p.data[j] == '#' {
		return off
	}
	return j
}

// postmap reads a Postfix table source as postmap does: keys folded
// (unless KeepCase), the first definition of a key wins.
func (p *parser) postmap() {
	r := tablesrc.NewPostmapReader(bytes.NewReader(p.data), p.path, tablesrc.PostmapOptions{
		UTF8:   p.opt.UTF8,
		Report: p.report,
	})
	p.postfixEntries(r.Next, func(e tablesrc.Entry) int { return p.postmapValueOff(e.Off, len(e.Key)) })
}

// postalias reads a Postfix aliases file as postalias does.
func (p *parser) postalias() {
	r := tablesrc.NewPostaliasReader(bytes.NewReader(p.data), p.path, tablesrc.PostmapOptions{
		UTF8:   p.opt.UTF8,
		Report: p.report,
	})
	p.postfixEntries(r.Next, func(e tablesrc.Entry) int { return p.aliasValueOff(e.Off) })
}

func (p *parser) postfixEntries(next func() (tablesrc.Entry, error), valueOff func(tablesrc.Entry) int) {
	if p.tooLarge() {
		return
	}
	text := make([]byte, 0, len(p.data)+len(p.data)/2)
	recs := make([]record, 0, bytes.Count(p.data, nl)+1)
	for {
		e, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			p.readError(err)
			break
		}
		rc := record{off: int32(e.Off), valOff: int32(valueOff(e)), key: int32(len(text))}
		if p.opt.KeepCase {
			text = append(text, e.Key...)
		} else {
			text = tablesrc.AppendFoldPostfix(text, e.Key, p.opt.UTF8)
		}
		rc.keyLen = int32(len(text)) - rc.key
		text, rc.val, rc.valLen = appendPiece(text, e.Value)
		recs = append(recs, rc)
	}
	p.finish(text, recs, false, func(rc record, key, _ string) {
		p.warnf(int(rc.off), "duplicate entry: %q", key)
	})
}

// finish makes the entries of the records, keeping the first definition
// of each key (or the last, lastWins) and calling dup for every
// definition after the first, then fills in the typed views.
func (p *parser) finish(text []byte, recs []record, lastWins bool, dup func(rc record, key, name string)) {
	// text is not written after this: the keys and values share it.
	s := unsafe.String(unsafe.SliceData(text), len(text))
	piece := func(at, n int32) string { return s[at : at+n] }
	keyOf := func(i int) string { return piece(recs[i].key, recs[i].keyLen) }
	later := firstDuplicates(len(recs), keyOf)
	drop := later
	if lastWins && later != nil {
		n := len(recs)
		earlier := firstDuplicates(n, func(i int) string { return keyOf(n - 1 - i) })
		drop = make([]bool, n)
		for i, d := range earlier {
			drop[n-1-i] = d
		}
	}
	n := len(recs)
	for i := range drop {
		if drop[i] {
			n--
		}
	}
	// The entries and their views are made in one pass, in source order
	// (the diagnostics of duplicates and of views come in that order too).
	p.entries = make([]ir.Entry, n)
	populate(p.entries)
	p.views.init(p.kind, n)
	j := 0
	for i, rc := range recs {
		key := piece(rc.key, rc.keyLen)
		if later != nil && later[i] {
			dup(rc, key, piece(rc.name, rc.nameLen))
		}
		if drop != nil && drop[i] {
			continue
		}
		e := &p.entries[j]
		e.Key, e.Value, e.Pos = key, piece(rc.val, rc.valLen), p.irPos(int(rc.off))
		p.view(e, j, int(rc.off), int(rc.valOff))
		j++
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// quote shows a piece of a source in a message.
func quote(s string) string { return fmt.Sprintf("%q", s) }
