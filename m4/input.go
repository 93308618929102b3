package m4

import "bytes"

// The input is a stack of blocks: files (read whole into memory), strings
// (macro expansions and pushed-back text, rescanned) and builtin tokens
// (what defn returns for a builtin). Reading takes characters from the top
// block; an exhausted block is popped when the next character is read, as
// GNU m4 does, so that line numbers and __file__ follow GNU exactly.

type inputKind uint8

const (
	inString inputKind = iota
	inFile
	inMacro
)

const (
	chEOF   = -1
	chMacro = -2
)

type input struct {
	kind inputKind
	buf  []byte
	pos  int
	file string
	line int
	// advance saves the start-of-line flag of the file below (GNU's
	// u_f.advance) for file blocks.
	advance bool
	bi      *builtin // inMacro
	prev    *input
	// origin: for strings, the call that produced them; for files, the
	// call that included them (nil for top-level input).
	origin *Origin
	// recycle marks string buffers owned by the processor's free list.
	recycle bool
	// home is, for strings, the file block the macro call that produced
	// them was read from (directly or through other expansions).
	home *input
	// incFile, incLine and incHome say, for files, where the include
	// that read them was called (incFile "" for top-level input).
	incFile string
	incLine int
	incHome *input
}

// pendingString is an expansion being built (GNU's push_string_init /
// push_string_finish pair).
// blockCost is what an input block costs in memory, on top of its text.
const blockCost = 160

// wrapCost is the work an m4wrap costs, on top of its text.
const wrapCost = 256

type pendingString struct {
	buf    []byte
	file   string
	line   int
	origin *Origin
	home   *input
	// dropped is set when a file or builtin token was pushed while the
	// string was being built: the partial expansion is discarded.
	dropped bool
}

// pushFile pushes a whole file.
func (p *Processor) pushFile(data []byte, name string, origin *Origin) {
	if p.pending != nil {
		p.pending.dropped = true
	}
	if p.debug&debugInput != 0 {
		p.debugMessage("input read from " + name)
	}
	p.chargeMemory(int64(len(data)))
	b := &input{kind: inFile, buf: data, file: name, line: 1, advance: p.startOfLine, prev: p.isp, origin: origin}
	if p.pending != nil || p.curCall {
		// included by a macro call (include, sinclude)
		b.incFile, b.incLine, b.incHome = p.curFile, p.curLine, p.curHome
	}
	p.isp = b
	p.inputChange = true
	p.outLine = -1
}

// pushMacro pushes a builtin token (defn of a builtin).
func (p *Processor) pushMacro(b *builtin) {
	if p.pending != nil {
		p.pending.dropped = true
	}
	p.isp = &input{kind: inMacro, bi: b, file: p.curFile, line: p.curLine, prev: p.isp, origin: p.curOrigin}
	p.inputChange = true
}

// pushStringInit starts an expansion. Exhausted string blocks on top are
// popped first, so tail-recursive macros do not grow the stack. Only one
// expansion is pending at a time (a builtin expands nothing while it
// runs), so the pendingString is the processor's own.
func (p *Processor) pushStringInit(origin *Origin) *pendingString {
	for p.isp != nil && p.isp.kind == inString && p.isp.pos >= len(p.isp.buf) {
		p.popInput()
	}
	ps := &p.pend
	*ps = pendingString{buf: p.getBuf(), file: p.curFile, line: p.curLine, origin: origin, home: p.curHome}
	p.pending = ps
	return ps
}

// pushStringFinish pushes the expansion built since pushStringInit, unless
// it is empty or was dropped.
func (p *Processor) pushStringFinish(ps *pendingString) {
	p.pending = nil
	if ps.dropped || len(ps.buf) == 0 {
		p.putBuf(ps.buf)
		ps.buf = nil
		return
	}
	p.chargeMemory(int64(cap(ps.buf)) + blockCost)
	b := p.newBlock()
	*b = input{kind: inString, buf: ps.buf, file: ps.file, line: ps.line, prev: p.isp, origin: ps.origin, recycle: true, home: ps.home}
	ps.buf = nil
	p.isp = b
	p.inputChange = true
}

// pushBack pushes text to be read again at once (a failed match of a
// multi-character delimiter).
func (p *Processor) pushBack(text []byte) {
	ps := p.pushStringInit(p.curOrigin)
	ps.buf = append(ps.buf, text...)
	p.pushStringFinish(ps)
}

// Buffers and blocks are recycled, but not at once: a popped block's
// buffer may still back the token just read, so popped things wait in
// limbo until the next token is read (releaseLimbo).

func (p *Processor) getBuf() []byte {
	if n := len(p.freeBufs); n > 0 {
		b := p.freeBufs[n-1]
		p.freeBufs = p.freeBufs[:n-1]
		return b[:0]
	}
	return make([]byte, 0, 64)
}

func (p *Processor) putBuf(b []byte) {
	if cap(b) > 0 && cap(b) <= 64<<10 {
		p.limboBufs = append(p.limboBufs, b[:0])
	}
}

func (p *Processor) newBlock() *input {
	if n := len(p.freeBlocks); n > 0 {
		b := p.freeBlocks[n-1]
		p.freeBlocks = p.freeBlocks[:n-1]
		return b
	}
	return new(input)
}

// releaseLimbo makes what was popped before the current token reusable.
func (p *Processor) releaseLimbo() {
	for _, b := range p.limboBufs {
		if len(p.freeBufs) < 64 {
			p.freeBufs = append(p.freeBufs, b)
		}
	}
	p.limboBufs = p.limboBufs[:0]
	for _, b := range p.limboBlocks {
		if len(p.freeBlocks) < 64 {
			*b = input{}
			p.freeBlocks = append(p.freeBlocks, b)
		}
	}
	p.limboBlocks = p.limboBlocks[:0]
}

// popInput pops the top block.
func (p *Processor) popInput() {
	b := p.isp
	switch b.kind {
	case inFile:
		if p.debug&debugInput != 0 {
			if b.prev != nil {
				p.debugMessage("input reverted to " + b.prev.file + ", line " + itoa(b.prev.line))
			} else {
				p.debugMessage("input exhausted")
			}
		}
		p.startOfLine = b.advance
		p.outLine = -1
		p.chargeMemory(-int64(len(b.buf)))
	case inString:
		if b.recycle {
			p.chargeMemory(-(int64(cap(b.buf)) + blockCost))
			p.putBuf(b.buf)
		} else {
			p.chargeMemory(-(int64(len(b.buf)) + blockCost))
		}
	}
	p.isp = b.prev
	p.inputChange = true
	if b.recycle {
		p.limboBlocks = append(p.limboBlocks, b)
	}
}

// pushWrapup saves text for the end of input (m4wrap).
func (p *Processor) pushWrapup(text []byte) {
	// wrapped text costs more work than other text: an m4wrap that calls
	// itself is a loop that must stop as fast as any other
	p.chargeWork(wrapCost + int64(len(text)))
	p.chargeMemory(int64(len(text)) + blockCost)
	p.wsp = append(p.wsp, &input{kind: inString, buf: text, file: p.curFile, line: p.curLine, origin: p.curOrigin, home: p.curHome})
}

// popWrapup makes the wrapped text the input: the text of the last m4wrap
// call is read first (GNU 1.4 is LIFO). It reports false when there is
// none.
func (p *Processor) popWrapup() bool {
	p.pending = nil
	for p.isp != nil {
		p.popInput()
	}
	if len(p.wsp) == 0 {
		return false
	}
	for _, b := range p.wsp {
		b.prev = p.isp
		p.isp = b
	}
	p.wsp = nil
	p.inputChange = true
	return true
}

// peekInput returns the next character without consuming it; exhausted
// blocks are looked through, not popped.
func (p *Processor) peekInput() int {
	for b := p.isp; b != nil; b = b.prev {
		switch b.kind {
		case inMacro:
			return chMacro
		default:
			if b.pos < len(b.buf) {
				return int(b.buf[b.pos])
			}
		}
	}
	return chEOF
}

// nextChar consumes and returns the next character.
func (p *Processor) nextChar() int {
	if b := p.isp; b != nil && b.kind == inString && !p.inputChange && b.pos < len(b.buf) {
		c := b.buf[b.pos]
		b.pos++
		return int(c)
	}
	return p.nextCharSlow()
}

func (p *Processor) nextCharSlow() int {
	for {
		b := p.isp
		if b == nil {
			p.curFile = ""
			p.curLine = 0
			return chEOF
		}
		if p.inputChange {
			p.curFile = b.file
			p.curLine = b.line
			p.inputChange = false
		}
		switch b.kind {
		case inString:
			if b.pos < len(b.buf) {
				c := b.buf[b.pos]
				b.pos++
				return int(c)
			}
		case inFile:
			if p.startOfLine {
				p.startOfLine = false
				b.line++
				p.curLine = b.line
			}
			if b.pos < len(b.buf) {
				c := b.buf[b.pos]
				b.pos++
				if c == '\n' {
					p.startOfLine = true
				}
				return int(c)
			}
		case inMacro:
			p.popInput()
			return chMacro
		}
		p.popInput()
	}
}

// consume advances the top block by n bytes (0 < n <= remaining), with the
// same effect on line numbers as n calls of nextChar.
func (p *Processor) consume(n int) {
	b := p.isp
	if p.inputChange {
		p.curFile = b.file
		p.curLine = b.line
		p.inputChange = false
	}
	if b.kind == inFile {
		if p.startOfLine {
			b.line++
		}
		seg := b.buf[b.pos : b.pos+n]
		b.line += bytes.Count(seg[:n-1], nl)
		p.startOfLine = seg[n-1] == '\n'
		p.curLine = b.line
	}
	b.pos += n
}

var nl = []byte{'\n'}

// consumeWord is consume for bytes that hold no newline (a name).
func (p *Processor) consumeWord(n int) {
	b := p.isp
	if p.inputChange {
		p.curFile = b.file
		p.curLine = b.line
		p.inputChange = false
	}
	if b.kind == inFile && p.startOfLine {
		p.startOfLine = false
		b.line++
		p.curLine = b.line
	}
	b.pos += n
}

// topRun returns the unread bytes of the top block if it is a string or
// file block with something left, else nil.
func (p *Processor) topRun() []byte {
	b := p.isp
	if b == nil || b.kind == inMacro || b.pos >= len(b.buf) {
		return nil
	}
	return b.buf[b.pos:]
}

// matchInput matches s against the input (GNU's match_input). With
// consume, the caller has already consumed the character before s, and a
// successful match consumes s; otherwise the input is left as it was.
func (p *Processor) matchInput(s []byte, consume bool) bool {
	ch := p.peekInput()
	if ch != int(s[0]) {
		return false
	}
	if len(s) == 1 {
		if consume {
			p.nextChar()
		}
		return true
	}
	p.nextChar()
	n := 1
	result := false
	for i := 1; p.peekInput() == int(s[i]); {
		p.nextChar()
		n++
		i++
		if i == len(s) {
			if consume {
				return true
			}
			result = true
			break
		}
	}
	saved := append([]byte(nil), s[:n]...)
	p.pushBack(saved)
	return result
}

// match reports whether the delimiter s starts with ch (already read when
// consume is set, peeked otherwise) and the rest of it follows in the
// input (GNU's MATCH).
func (p *Processor) match(ch int, s []byte, consume bool) bool {
	if len(s) == 0 || ch != int(s[0]) {
		return false
	}
	if len(s) == 1 {
		return true
	}
	if consume {
		return p.matchInput(s[1:], true)
	}
	return p.matchInput(s, false)
}

// skipLine discards input up to and including the next newline (dnl).
func (p *Processor) skipLine() {
	file, line := p.curFile, p.curLine
	for {
		if run := p.topRun(); run != nil {
			if i := bytes.IndexByte(run, '\n'); i >= 0 {
				p.consume(i + 1)
				break
			}
			p.consume(len(run))
			continue
		}
		ch := p.nextChar()
		if ch == chEOF {
			p.warnAt(file, line, "Warning: end of file treated as newline")
			break
		}
		if ch == '\n' {
			break
		}
	}
	if file != p.curFile || line != p.curLine {
		p.inputChange = true
	}
}
