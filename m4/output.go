package m4

import (
	"sort"
	"strconv"
)

// Output goes to the current diversion: 0 is the output itself, written
// through a buffer; 1..N (any positive number) are held in memory and
// appended to the output in numeric order at the end (or by undivert);
// negative diversions discard.

type diversion struct {
	num   int
	buf   []byte
	spans []OutputSpan
}

// Origin says where a piece of text came from. For text read from a file
// it is that file and line; for the expansion of a macro it is the call
// (Macro set, File and Line where the macro's name was read). Parent is
// the origin of the call that brought the file in (include) or of the
// text the macro name was read from, up to the top-level input (nil).
type Origin struct {
	File   string
	Line   int
	Macro  string
	Parent *Origin
}

// String formats the origin and its chain, innermost first:
// "proto.m4:312 <- ifdef at proto.m4:300 <- FEATURE at sendmail.mc:12".
func (o *Origin) String() string {
	s := ""
	var prev *Origin
	for ; o != nil; prev, o = o, o.Parent {
		// a call's parent is the text its name was read from, usually
		// the same place: say it once
		if prev != nil && o.Macro == "" && o.File == prev.File && o.Line == prev.Line {
			continue
		}
		if s != "" {
			s += " <- "
		}
		if o.Macro != "" {
			s += o.Macro + " at "
		}
		s += o.File + ":" + strconv.Itoa(o.Line)
	}
	return s
}

// Outermost returns the last origin of the chain: the place in the
// top-level input where the text's production started.
func (o *Origin) Outermost() *Origin {
	for o != nil && o.Parent != nil {
		o = o.Parent
	}
	return o
}

// OutputSpan says that the output from Offset up to the next span's
// offset came from Origin.
type OutputSpan struct {
	Offset int64
	Origin *Origin
}

// Origins returns, for the output written so far, where each run of it
// came from (Options.TrackOrigins must be set). Spans are in order of
// offset.
func (p *Processor) Origins() []OutputSpan {
	if d := p.divs[0]; d != nil {
		return d.spans
	}
	return nil
}

// setDiversion makes n the current diversion (GNU's make_diversion).
func (p *Processor) setDiversion(n int) {
	if p.curDiv != nil && p.cur == n {
		return
	}
	p.cur = n
	p.outLine = -1
	if n < 0 {
		p.curDiv = nil
		return
	}
	d := p.divs[n]
	if d == nil {
		d = &diversion{num: n}
		p.divs[n] = d
	}
	p.curDiv = d
}

// shipout sends a token's text to the current diversion.
func (p *Processor) shipout(t *token) {
	if p.curDiv == nil {
		return
	}
	if p.track {
		p.noteOrigin(p.tokenOrigin(t))
	}
	if p.opts.SyncLines {
		p.shipoutSync(t.text, t.line)
		return
	}
	p.outputText(t.text)
}

// outputText appends raw text to the current diversion.
func (p *Processor) outputText(text []byte) {
	d := p.curDiv
	if d == nil || len(text) == 0 {
		return
	}
	if d.num == 0 {
		p.outputSize += int64(len(text))
		if p.outputSize > p.maxOutput {
			p.limitExceeded("output", p.maxOutput, "MaxOutput", "--max-output")
		}
		if p.out != nil {
			p.out.Write(text)
			if p.opts.Interactive {
				p.out.Flush()
			}
		}
		return
	}
	// account for what the buffer really holds: its capacity
	before := cap(d.buf)
	if len(d.buf)+len(text) > before {
		p.checkSize(len(d.buf) + len(text))
	}
	d.buf = append(d.buf, text...)
	p.chargeMemory(int64(cap(d.buf) - before))
}

// divLen is the current length of a diversion (for diversion 0, the
// bytes output so far).
func (p *Processor) divLen(d *diversion) int64 {
	if d.num == 0 {
		return p.outputSize
	}
	return int64(len(d.buf))
}

// noteOrigin records that what follows in the current diversion comes
// from o.
func (p *Processor) noteOrigin(o *Origin) {
	d := p.curDiv
	off := p.divLen(d)
	if n := len(d.spans); n > 0 {
		last := &d.spans[n-1]
		if last.Origin == o {
			return
		}
		if last.Offset == off {
			last.Origin = o
			return
		}
	}
	d.spans = append(d.spans, OutputSpan{Offset: off, Origin: o})
}

// tokenOrigin is the origin of a token's text.
func (p *Processor) tokenOrigin(t *token) *Origin {
	if t.src == nil {
		return p.curOrigin
	}
	if t.src.kind != inFile {
		return t.src.origin
	}
	o := p.lastFileOrigin
	if o != nil && o.Line == t.line && o.File == t.src.file && o.Parent == t.src.origin {
		return o
	}
	o = &Origin{File: t.src.file, Line: t.line, Parent: t.src.origin}
	p.lastFileOrigin = o
	return o
}

// originOf is the origin of the text a macro name was read from.
func (p *Processor) originOf(t *token) *Origin { return p.tokenOrigin(t) }

// shipoutSync outputs text with GNU's sync lines (-s).
func (p *Processor) shipoutSync(text []byte, line int) {
	var hdr []byte
	if p.outSOL {
		p.outSOL = false
		p.outLine++
		if p.outLine != line {
			hdr = append(hdr, "#line "...)
			hdr = strconv.AppendInt(hdr, int64(line), 10)
			if p.outLine < 1 && p.curFile != "" {
				hdr = append(hdr, ` "`...)
				hdr = append(hdr, p.curFile...)
				hdr = append(hdr, '"')
			}
			hdr = append(hdr, '\n')
			p.outLine = line
			p.outputText(hdr)
		}
	}
	for _, c := range text {
		if p.outSOL {
			p.outSOL = false
			p.outLine++
		}
		if c == '\n' {
			p.outSOL = true
		}
	}
	p.outputText(text)
}

// insertDiversion appends diversion n to the current one and empties it
// (undivert(n)). Undiverting the current diversion, 0 or a negative one
// does nothing.
func (p *Processor) insertDiversion(n int) {
	if n <= 0 || n == p.cur {
		return
	}
	d := p.divs[n]
	if d == nil {
		return
	}
	p.insertDiversionHelper(d)
}

func (p *Processor) insertDiversionHelper(d *diversion) {
	if p.curDiv != nil {
		if p.track {
			base := p.divLen(p.curDiv)
			for _, s := range d.spans {
				p.curDiv.spans = append(p.curDiv.spans, OutputSpan{Offset: base + s.Offset, Origin: s.Origin})
			}
		}
		p.outputText(d.buf)
		p.outLine = -1
	}
	p.chargeMemory(-int64(cap(d.buf)))
	delete(p.divs, d.num)
}

// undivertAll appends every diversion but the current one, in numeric
// order.
func (p *Processor) undivertAll() {
	nums := make([]int, 0, len(p.divs))
	for n := range p.divs {
		if n > 0 && n != p.cur {
			nums = append(nums, n)
		}
	}
	sort.Ints(nums)
	for _, n := range nums {
		if d := p.divs[n]; d != nil {
			p.insertDiversionHelper(d)
		}
	}
}
