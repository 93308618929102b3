package table

import (
	"bytes"
	"fmt"
	"io"

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

// record is where makemap's reader found an entry: its key and value
// are pieces of the source (the key folded), unless valOff < 0.
type record struct {
	off, valOff, keyLen, valLen int32
}

// makemap reads a sendmail map source as makemap does: the first
// definition of a key wins. Keys and values are pieces of one copy of the
// source with the keys folded in place, so that a million entries cost a
// few allocations, not millions.
func (p *parser) makemap() {
	if len(p.data) >= 1<<31-1 {
		p.errorf(0, "the file is too large (%d bytes)", len(p.data))
		return
	}
	n := bytes.Count(p.data, nl) + 1
	text := make([]byte, len(p.data))
	copy(text, p.data)
	recs := make([]record, 0, n)
	var owned map[int]string // values that are not pieces of the source
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
		copy(text[e.Off:], e.Key)
		if e.ValOff < 0 {
			if owned == nil {
				owned = map[int]string{}
			}
			owned[len(recs)] = string(e.Value)
		}
		recs = append(recs, record{int32(e.Off), int32(e.ValOff), int32(len(e.Key)), int32(len(e.Value))})
	}
	s := string(text)
	text = nil
	dup := firstDuplicates(len(recs), func(i int) string { rc := recs[i]; return s[rc.off : rc.off+rc.keyLen] })
	p.entries = make([]ir.Entry, 0, len(recs))
	offs := make([]int32, 0, len(recs))
	voffs := make([]int32, 0, len(recs))
	for i, rc := range recs {
		key := s[rc.off : rc.off+rc.keyLen]
		if dup != nil && dup[i] {
			// makemap keeps the first value and complains.
			p.errorf(int(rc.off), "key %s: duplicate key", key)
			continue
		}
		var val string
		if rc.valOff >= 0 {
			val = s[rc.valOff : rc.valOff+rc.valLen]
		} else {
			val = owned[i]
		}
		p.entries = append(p.entries, ir.Entry{Key: key, Value: val, Pos: p.irPos(int(rc.off))})
		offs = append(offs, rc.off)
		voffs = append(voffs, max(rc.valOff, rc.off))
	}
	recs = nil
	p.views.init(p.kind, len(p.entries))
	for i := range p.entries {
		p.view(&p.entries[i], i, int(offs[i]), int(voffs[i]))
	}
}

// aliases reads a sendmail aliases file as newaliases does: names are
// folded, the last definition of a name wins.
func (p *parser) aliases() {
	r := tablesrc.NewAliasReader(bytes.NewReader(p.data), p.path, tablesrc.AliasOptions{
		IsLocal: p.opt.IsLocal,
		Report:  p.report,
	})
	seen := newKeySet(64, func(i int) string { return p.entries[i].Key })
	var offs []int
	var dead []bool
	for {
		e, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			p.readError(err)
			break
		}
		key := string(tablesrc.FoldASCII(e.Key))
		if i, first := seen.add(key, len(p.entries)); !first {
			p.warnf(e.Off, "%s... Warning: duplicate alias name %s", e.Name, key)
			dead[i] = true
			seen.set(key, len(p.entries))
		}
		p.entries = append(p.entries, ir.Entry{Key: key, Value: string(e.Value), Pos: p.irPos(e.Off)})
		offs = append(offs, e.Off)
		dead = append(dead, false)
	}
	// The last definition of a name wins: the earlier ones go.
	out, o := p.entries[:0], offs[:0]
	for i, ent := range p.entries {
		if !dead[i] {
			out = append(out, ent)
			o = append(o, offs[i])
		}
	}
	p.entries, offs = out, o
	p.views.init(p.kind, len(p.entries))
	for i := range p.entries {
		p.view(&p.entries[i], i, offs[i], p.aliasValueOff(offs[i]))
	}
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
	seen := newKeySet(64, func(i int) string { return p.entries[i].Key })
	var offs, voffs []int
	for {
		e, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			p.readError(err)
			break
		}
		key := string(e.Key)
		if !p.opt.KeepCase {
			key = string(tablesrc.FoldPostfix(e.Key, p.opt.UTF8))
		}
		if _, first := seen.add(key, len(p.entries)); !first {
			p.warnf(e.Off, "duplicate entry: %q", key)
			continue
		}
		p.entries = append(p.entries, ir.Entry{Key: key, Value: string(e.Value), Pos: p.irPos(e.Off)})
		offs = append(offs, e.Off)
		voffs = append(voffs, valueOff(e))
	}
	p.views.init(p.kind, len(p.entries))
	for i := range p.entries {
		p.view(&p.entries[i], i, offs[i], voffs[i])
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// quote shows a piece of a source in a message.
func quote(s string) string { return fmt.Sprintf("%q", s) }
