package m4

import "bytes"

// The lexer turns input characters into tokens, GNU m4's way: a comment
// (kept whole, delimiters included), a name, a quoted string (one level of
// quotes removed), or a single other character. It is written as state
// functions run synchronously: lexToken looks at the first character and
// hands over to the state for the token kind, which fills the token and
// returns nil.
//
// For speed, runs of ordinary characters that GNU m4 would return one at a
// time are returned as one tokSimple token when they lie in one input
// block; every consumer treats such a run exactly as the sequence of
// single-character tokens it stands for.

type tokenKind uint8

const (
	tokEOF    tokenKind = iota
	tokString           // quoted string or comment
	tokWord             // a name
	tokOpen             // (
	tokComma            // ,
	tokClose            // )
	tokSimple           // one or more ordinary characters
	tokMacdef           // a builtin token (from defn)
)

type token struct {
	kind tokenKind
	text []byte
	bi   *builtin
	// sym is, for a name, its symbol when the lexer already looked it up
	// (nil: not looked up, or not in the table).
	sym  *symbol
	file string
	line int
	// src is the block the token started in, off its offset there: used
	// for origins and for the column of lexical errors.
	src *input
	off int
}

// Character classes for the fast paths.
const (
	clsWordStart = 1 << iota // [A-Za-z_]
	clsWord                  // [A-Za-z0-9_]
	clsStop                  // ends a run of ordinary characters
	clsComment               // first byte of the comment delimiter
	clsQuote                 // first byte of the left quote
)

// updateClasses recomputes the class table after a change of quotes,
// comments or sync-line mode.
func (p *Processor) updateClasses() {
	for c := 0; c < 256; c++ {
		var k uint8
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
			k = clsWordStart | clsWord | clsStop
		case c >= '0' && c <= '9':
			k = clsWord
		case c == '(', c == ',', c == ')':
			k = clsStop
		}
		p.class[c] = k
	}
	if len(p.lquote) > 0 {
		p.class[p.lquote[0]] |= clsStop | clsQuote
	}
	if len(p.bcomm) > 0 {
		p.class[p.bcomm[0]] |= clsStop | clsComment
	}
	if p.opts.SyncLines {
		// each line of output text must start its own token so that sync
		// lines come out where GNU m4 puts them.
		p.class['\n'] |= clsStop
	}
}

var oneChar = func() (b [256]byte) {
	for i := range b {
		b[i] = byte(i)
	}
	return
}()

type stateFn func(p *Processor, t *token) stateFn

// nextToken reads the next token into t. t.text is valid until the next
// call that reads input.
func (p *Processor) nextToken(t *token) {
	if len(p.limboBufs)+len(p.limboBlocks) > 0 {
		p.releaseLimbo()
	}
	for state := stateFn(lexToken); state != nil; {
		state = state(p, t)
	}
}

func lexToken(p *Processor, t *token) stateFn {
	t.text = nil
	t.bi = nil
	t.sym = nil
	var ch int
	if b := p.isp; b != nil && b.kind != inMacro && b.pos < len(b.buf) {
		// the common case, nextChar inlined: the top block has a byte
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
		c := b.buf[b.pos]
		b.pos++
		if c == '\n' && b.kind == inFile {
			p.startOfLine = true
		}
		ch = int(c)
	} else {
		ch = p.peekInput()
		if ch == chEOF {
			p.nextChar()
			t.kind = tokEOF
			t.src = nil
			return nil
		}
		if ch == chMacro {
			for b := p.isp; b != nil; b = b.prev {
				if b.kind == inMacro {
					t.bi = b.bi
					break
				}
			}
			p.nextChar()
			t.kind = tokMacdef
			t.src = nil
			return nil
		}
		ch = p.nextChar()
	}
	t.src = p.isp
	t.off = p.isp.pos - 1
	t.file = p.curFile
	t.line = p.curLine
	cls := p.class[ch]
	if cls&clsComment != 0 && p.match(ch, p.bcomm, true) {
		return lexComment
	}
	if cls&clsWordStart != 0 {
		return lexWord
	}
	if cls&clsQuote == 0 || !p.match(ch, p.lquote, true) {
		t.text = oneChar[ch : ch+1]
		switch ch {
		case '(':
			t.kind = tokOpen
		case ',':
			t.kind = tokComma
		case ')':
			t.kind = tokClose
		default:
			return lexText
		}
		return nil
	}
	return lexQuoted
}

// lexText extends a run of ordinary characters within the block the
// first one came from. The run also takes in names that have no
// definition: expanding such a name only copies it, so the run is what
// GNU m4's sequence of tokens would produce.
func lexText(p *Processor, t *token) stateFn {
	t.kind = tokSimple
	b := p.isp
	if b != t.src || b.pos != t.off+1 || p.opts.SyncLines && b.buf[t.off] == '\n' {
		return nil
	}
	p.extendRun(t, b.pos)
	return nil
}

// extendRun makes t the run of ordinary text and undefined names that
// starts at t.off in the top block and goes on at least to end.
func (p *Processor) extendRun(t *token, end int) {
	b := p.isp
	buf := b.buf
	i := end
	for i < len(buf) {
		c := buf[i]
		cl := p.class[c]
		if cl&clsStop == 0 {
			i++
			continue
		}
		// a comment delimiter starting with a letter wins over a name,
		// as in lexToken
		if cl&clsWordStart == 0 || cl&clsComment != 0 {
			break
		}
		j := i + 1
		for j < len(buf) && p.class[buf[j]]&clsWord != 0 {
			j++
		}
		if j == len(buf) {
			// the name may go on in the next block
			break
		}
		if w := buf[i:j]; p.sym.mayBeDefined(w) {
			if s := p.sym.get(w); s != nil && len(s.defs) > 0 {
				break
			}
		}
		i = j
	}
	if p.opts.SyncLines {
		// stop after the first newline of the run
		if k := bytes.IndexByte(buf[b.pos:i], '\n'); k >= 0 {
			i = b.pos + k + 1
		}
	}
	if i > b.pos {
		p.consume(i - b.pos)
	}
	t.text = buf[t.off:i]
}

// lexWord reads the rest of a name; names may continue across input
// blocks, as in GNU m4. A name without a definition that ends inside the
// block becomes the start of a text run.
func lexWord(p *Processor, t *token) stateFn {
	t.kind = tokWord
	b := p.isp
	if b == t.src && b.pos == t.off+1 {
		buf := b.buf
		i := b.pos
		for i < len(buf) && p.class[buf[i]]&clsWord != 0 {
			i++
		}
		if i < len(buf) {
			var s *symbol
			if w := buf[t.off:i]; p.sym.mayBeDefined(w) {
				s = p.sym.get(w)
			}
			if s == nil || len(s.defs) == 0 {
				t.kind = tokSimple
				p.extendRun(t, i)
				return nil
			}
			if i > b.pos {
				p.consumeWord(i - b.pos)
			}
			t.sym = s
			t.text = buf[t.off:i]
			return nil
		}
		if i > b.pos {
			p.consumeWord(i - b.pos)
		}
		p.tokBuf = append(p.tokBuf[:0], buf[t.off:i]...)
	} else {
		p.tokBuf = append(p.tokBuf[:0], t.src.buf[t.off])
	}
	for {
		ch := p.peekInput()
		if ch < 0 || p.class[ch]&clsWord == 0 {
			break
		}
		p.tokBuf = append(p.tokBuf, byte(ch))
		p.nextChar()
	}
	t.text = p.tokBuf
	return nil
}

// lexComment reads a comment through its end delimiter; the text keeps
// both delimiters.
func lexComment(p *Processor, t *token) stateFn {
	t.kind = tokString
	p.tokBuf = append(p.tokBuf[:0], p.bcomm...)
	for {
		if run := p.topRun(); run != nil && len(p.ecomm) > 0 {
			i := bytes.IndexByte(run, p.ecomm[0])
			if i < 0 {
				p.tokBuf = append(p.tokBuf, run...)
				p.consume(len(run))
				continue
			}
			p.tokBuf = append(p.tokBuf, run[:i]...)
			p.consume(i + 1)
			if p.match(int(p.ecomm[0]), p.ecomm, true) {
				p.tokBuf = append(p.tokBuf, p.ecomm...)
				break
			}
			p.tokBuf = append(p.tokBuf, p.ecomm[0])
			continue
		}
		ch := p.nextChar()
		if ch == chEOF {
			p.fatalAt(t.file, t.line, p.tokenColumn(t), "ERROR: end of file in comment")
		}
		if p.match(ch, p.ecomm, true) {
			p.tokBuf = append(p.tokBuf, p.ecomm...)
			break
		}
		p.tokBuf = append(p.tokBuf, byte(ch))
	}
	t.text = p.tokBuf
	return nil
}

// lexQuoted reads a quoted string after its opening quote, counting
// nested quotes; the outer quotes are removed.
func lexQuoted(p *Processor, t *token) stateFn {
	t.kind = tokString
	lq, rq := p.lquote, p.rquote
	fast := len(lq) == 1 && len(rq) == 1
	level := 1
	p.tokBuf = p.tokBuf[:0]
	first := true
	for {
		if run := p.topRun(); run != nil {
			if fast {
				l, r := lq[0], rq[0]
				i := 0
				for ; i < len(run); i++ {
					c := run[i]
					if c == r {
						level--
						if level == 0 {
							break
						}
					} else if c == l {
						level++
					}
				}
				if i < len(run) {
					if first {
						t.text = run[:i]
					} else {
						p.tokBuf = append(p.tokBuf, run[:i]...)
						t.text = p.tokBuf
					}
					p.consume(i + 1)
					return nil
				}
				p.tokBuf = append(p.tokBuf, run...)
				p.consume(len(run))
				first = false
				continue
			}
			first = false
			i := indexAny2(run, lq[0], rq[0])
			if i < 0 {
				p.tokBuf = append(p.tokBuf, run...)
				p.consume(len(run))
				continue
			}
			p.tokBuf = append(p.tokBuf, run[:i]...)
			ch := int(run[i])
			p.consume(i + 1)
			if p.quotedChar(ch, &level) {
				t.text = p.tokBuf
				return nil
			}
			continue
		}
		first = false
		ch := p.nextChar()
		if ch == chEOF {
			p.fatalAt(t.file, t.line, p.tokenColumn(t), "ERROR: end of file in string")
		}
		if ch == chMacro {
			// GNU m4 stores the (int) CHAR_MACRO in a char: 257 -> 1.
			ch = 1
		}
		if p.quotedChar(ch, &level) {
			t.text = p.tokBuf
			return nil
		}
	}
}

// quotedChar handles one character of a quoted string read outside the
// fast path, and reports whether it closed the string.
func (p *Processor) quotedChar(ch int, level *int) bool {
	if p.match(ch, p.rquote, true) {
		*level--
		if *level == 0 {
			return true
		}
		p.tokBuf = append(p.tokBuf, p.rquote...)
	} else if p.match(ch, p.lquote, true) {
		*level++
		p.tokBuf = append(p.tokBuf, p.lquote...)
	} else {
		p.tokBuf = append(p.tokBuf, byte(ch))
	}
	return false
}

func indexAny2(b []byte, x, y byte) int {
	if x == y {
		return bytes.IndexByte(b, x)
	}
	for i, c := range b {
		if c == x || c == y {
			return i
		}
	}
	return -1
}

// peekIsOpen reports whether the next token is an opening parenthesis
// (GNU's peek_token () == TOKEN_OPEN, with the same order of checks).
func (p *Processor) peekIsOpen() bool {
	ch := p.peekInput()
	if ch != '(' {
		// no delimiter check can turn anything else into an open paren
		return false
	}
	cls := p.class[ch]
	if cls&clsComment != 0 && p.match(ch, p.bcomm, false) {
		return false
	}
	if cls&clsQuote != 0 && p.match(ch, p.lquote, false) {
		return false
	}
	return true
}

// tokenColumn returns the 1-based column where t started, when it
// started in a file; 0 otherwise.
func (p *Processor) tokenColumn(t *token) int {
	if t.src == nil || t.src.kind != inFile || t.src.buf == nil && t.off > 0 {
		return 0
	}
	buf := t.src.buf
	if t.off > len(buf) {
		return 0
	}
	return t.off - bytes.LastIndexByte(buf[:t.off], '\n')
}
