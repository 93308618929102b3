package m4

import (
	"bytes"
	"strconv"
)

// A symbol is a macro name with its stack of definitions (pushdef/popdef)
// and its trace flag, which belongs to the name: a traced name stays in
// the table without a definition (GNU's TOKEN_VOID placeholder).
type symbol struct {
	name   string
	hash   uint32
	nameB  []byte // name, for args[0]
	defs   []*definition
	traced bool
}

// A definition is a user macro's text or a builtin.
type definition struct {
	text []byte
	bi   *builtin
	// pending counts the calls of this definition whose arguments are
	// being collected or that are running (GNU's pending expansions): a
	// definition removed meanwhile is recycled only when they are done.
	pending int32
	dead    bool
	// file and line are where define/pushdef was called ("" for
	// definitions made by the program: builtins, -D, Define).
	file string
	line int
}

type defineMode uint8

const (
	modeInsert  defineMode = iota // define: replace the top definition
	modePushdef                   // pushdef: push a new one
)

// arg is one collected macro argument: text, or a builtin token.
type arg struct {
	text []byte
	bi   *builtin
}

func (p *Processor) lookup(name string) *definition {
	s := p.sym.getString(name)
	if s == nil || len(s.defs) == 0 {
		return nil
	}
	return s.defs[len(s.defs)-1]
}

// symbolFor returns name's symbol, creating it if needed; the name is
// copied only for a new symbol.
func (p *Processor) symbolFor(name []byte) *symbol {
	if s := p.sym.get(name); s != nil {
		return s
	}
	s := &symbol{name: string(name)}
	p.sym.add(s)
	return s
}

// Definitions are recycled when popped, undefined or replaced and no
// call of them is pending (expansions copy the text they use).

func (p *Processor) newDef() *definition {
	if n := len(p.freeDefs); n > 0 {
		d := p.freeDefs[n-1]
		p.freeDefs = p.freeDefs[:n-1]
		return d
	}
	return new(definition)
}

func (p *Processor) freeDef(d *definition) {
	p.chargeMemory(-(int64(cap(d.text)) + 32))
	if d.pending > 0 {
		d.dead = true
		return
	}
	p.recycleDef(d)
}

func (p *Processor) recycleDef(d *definition) {
	d.dead = false
	if len(p.freeDefs) >= 256 {
		return
	}
	d.bi = nil
	if cap(d.text) > 4096 {
		d.text = nil
	}
	d.text = d.text[:0]
	p.freeDefs = append(p.freeDefs, d)
}

// setDef installs d as name's definition (define) or pushes it (pushdef).
func (p *Processor) setDef(s *symbol, d *definition, mode defineMode) {
	p.chargeMemory(int64(cap(d.text)) + 32)
	if len(s.defs) == 0 {
		p.sym.noteDefined(s, +1)
	}
	if mode == modePushdef || len(s.defs) == 0 {
		s.defs = append(s.defs, d)
		return
	}
	old := s.defs[len(s.defs)-1]
	s.defs[len(s.defs)-1] = d
	p.freeDef(old)
}

func (p *Processor) define(name string, d *definition, mode defineMode) {
	p.setDef(p.symbolFor([]byte(name)), d, mode)
}

func (p *Processor) defineText(name []byte, text []byte, mode defineMode) {
	d := p.newDef()
	d.text = append(d.text[:0], text...)
	d.file, d.line = "", 0
	if p.curCall {
		d.file, d.line = p.curFile, p.curLine
	}
	p.setDef(p.symbolFor(name), d, mode)
	if p.macroSeq != nil {
		p.checkMacroSequence(string(name), text)
	}
}

func (p *Processor) defineBuiltin(name string, b *builtin, mode defineMode) {
	d := p.newDef()
	d.bi = b
	d.file, d.line = "", 0
	p.setDef(p.symbolFor([]byte(name)), d, mode)
}

// deleteSymbol removes every definition of name (undefine) or only the
// top one (popdef). A traced name stays in the table.
func (p *Processor) deleteSymbol(name []byte, popOnly bool) {
	s := p.sym.get(name)
	if s == nil {
		return
	}
	if popOnly && len(s.defs) > 1 {
		d := s.defs[len(s.defs)-1]
		s.defs[len(s.defs)-1] = nil
		s.defs = s.defs[:len(s.defs)-1]
		p.freeDef(d)
		return
	}
	if len(s.defs) > 0 {
		p.sym.noteDefined(s, -1)
	}
	for i, d := range s.defs {
		s.defs[i] = nil
		p.freeDef(d)
	}
	s.defs = s.defs[:0]
	if !s.traced {
		p.sym.remove(s)
	}
}

// expandInput reads and expands tokens until the input is exhausted.
func (p *Processor) expandInput() {
	var t token
	for {
		p.nextToken(&t)
		if t.kind == tokEOF {
			return
		}
		p.expandToken(nil, &t)
	}
}

// expandToken expands one token: a name with a definition is called; any
// other text goes to obs (an argument being collected) or, when obs is
// nil, to the output.
func (p *Processor) expandToken(obs *[]byte, t *token) {
	switch t.kind {
	case tokEOF, tokMacdef:
		return
	case tokWord:
		s := t.sym
		if s == nil {
			s = p.sym.get(t.text)
		}
		if s != nil && len(s.defs) > 0 {
			d := s.defs[len(s.defs)-1]
			if d.bi == nil || !d.bi.blind || p.peekIsOpen() {
				p.expandMacro(s, d, t)
				return
			}
		}
	}
	if obs != nil {
		*obs = append(*obs, t.text...)
		return
	}
	p.shipout(t)
}

// expandMacro calls the macro s (currently defined as d) whose name is
// token t: it collects the arguments, calls the macro and pushes the
// expansion back on the input.
func (p *Processor) expandMacro(s *symbol, d *definition, t *token) {
	p.level++
	if p.level > p.nestingLimit {
		limit := p.nestingLimit
		if p.opts.NestingLimit <= 0 {
			p.fatal("recursion limit of " + strconv.Itoa(limit) + " exceeded, use -L<N> to change it (mailcc's default limit; GNU m4 has none until its stack overflows)")
		}
		p.fatal("recursion limit of " + strconv.Itoa(limit) + " exceeded, use -L<N> to change it")
	}
	p.callID++
	id := p.callID
	d.pending++
	traced := p.debug&debugTraceAll != 0 || s.traced
	openFile, openLine := p.curFile, p.curLine

	var callOrigin *Origin
	if p.track {
		callOrigin = &Origin{File: t.file, Line: t.line, Macro: s.name, Parent: p.originOf(t)}
	}
	if traced && p.debug&debugCall != 0 {
		p.tracePrePre(s.name, id)
	}
	if p.collecting == 0 {
		// the outermost call whose arguments are being collected, for
		// "end of file in argument list"
		p.outerOpen = openCall{name: s.name, file: t.file, line: t.line, src: t.src, off: t.off}
	}
	p.collecting++
	args := p.collectArguments(s, d)
	p.collecting--

	closeFile, closeLine := p.curFile, p.curLine
	p.curFile, p.curLine = openFile, openLine
	if traced {
		p.tracePre(s.name, id, args)
	}
	savedOrigin, savedHome, savedCall := p.curOrigin, p.curHome, p.curCall
	savedTok := p.callTok
	p.curOrigin, p.curHome, p.curCall = callOrigin, homeOf(t.src, savedHome), true
	p.callTok = token{src: t.src, off: t.off}
	ps := p.pushStringInit(callOrigin)
	p.callMacro(d, args, &ps.buf)
	p.chargeWork(workPerCall + int64(len(ps.buf)))
	var expanded []byte
	if !ps.dropped && len(ps.buf) > 0 {
		expanded = ps.buf
	}
	p.pushStringFinish(ps)
	if traced {
		p.tracePost(s.name, id, len(args), expanded)
	}
	p.curOrigin, p.curHome, p.curCall = savedOrigin, savedHome, savedCall
	p.callTok = savedTok
	p.curFile, p.curLine = closeFile, closeLine
	p.level--
	if d.pending--; d.pending == 0 && d.dead {
		p.recycleDef(d)
	}
}

// homeOf is the file block text read from src belongs to.
func homeOf(src *input, cur *input) *input {
	switch {
	case src == nil:
		return cur
	case src.kind == inFile:
		return src
	}
	return src.home
}

// openCall is a macro call whose arguments are being collected.
type openCall struct {
	name string
	file string
	line int
	src  *input
	off  int
}

// argBound locates one argument in a level's argument buffer.
type argBound struct {
	start, end int
	bi         *builtin
}

// frame is the reusable storage of the calls at one nesting level: their
// argument text and the argument slices.
type frame struct {
	buf    []byte
	bounds []argBound
	args   []arg
	tok    *token // scratch token for reading the arguments
}

// collectArguments reads the arguments of a call, if a '(' follows the
// name. args[0] is the macro's name. The result is valid until the next
// call at the same nesting level.
func (p *Processor) collectArguments(s *symbol, d *definition) []arg {
	lvl := p.level
	for len(p.frames) <= lvl {
		p.frames = append(p.frames, frame{tok: new(token)})
	}
	f := &p.frames[lvl]
	groks := d.bi != nil && d.bi.macroArgs
	if s.nameB == nil {
		s.nameB = []byte(s.name)
	}
	args := append(f.args[:0], arg{text: s.nameB})
	if !p.peekIsOpen() {
		f.args = args
		return args
	}
	t := f.tok
	p.nextToken(t) // the '('
	buf := f.buf[:0]
	bounds := f.bounds[:0]
	for {
		start := len(buf)
		more, bi := p.expandArgument(&buf, t)
		if bi != nil && !groks {
			bi = nil
			buf = buf[:start]
		}
		if bi != nil {
			buf = buf[:start]
		}
		bounds = append(bounds, argBound{start, len(buf), bi})
		if !more {
			break
		}
	}
	// the level's frame may have grown while nested calls ran
	f = &p.frames[lvl]
	f.buf, f.bounds = buf, bounds
	for _, b := range bounds {
		args = append(args, arg{text: buf[b.start:b.end:b.end], bi: b.bi})
	}
	f.args = args
	return args
}

// expandArgument collects one argument into buf: leading whitespace is
// skipped, parentheses nest, names are expanded. It reports whether more
// arguments follow, and the builtin token the argument is, if it starts
// with one.
func (p *Processor) expandArgument(buf *[]byte, t *token) (more bool, bi *builtin) {
	file, line := p.curFile, p.curLine
	start := len(*buf)
	for {
		p.nextToken(t)
		if t.kind != tokSimple {
			break
		}
		i := 0
		for i < len(t.text) && isSpace(t.text[i]) {
			i++
		}
		if i < len(t.text) {
			t.text = t.text[i:]
			break
		}
	}
	level := 0
	for {
		switch t.kind {
		case tokComma, tokClose:
			if level == 0 {
				return t.kind == tokComma, bi
			}
			if t.kind == tokClose {
				level--
			}
			*buf = append(*buf, t.text...)
		case tokOpen:
			level++
			*buf = append(*buf, t.text...)
		case tokSimple:
			*buf = append(*buf, t.text...)
			if len(*buf) > 1<<16 {
				p.checkSize(len(*buf))
			}
		case tokEOF:
			if p.collecting > 0 {
				oc := p.outerOpen
				p.unclosed = &oc
			}
			p.fatalAt(file, line, 0, "ERROR: end of file in argument list")
		case tokWord, tokString:
			p.expandToken(buf, t)
			if len(*buf) > 1<<16 {
				p.checkSize(len(*buf))
			}
		case tokMacdef:
			if len(*buf) == start {
				bi = t.bi
			}
		}
		p.nextToken(t)
	}
}

// isSpace is C's isspace in the C locale.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// callMacro runs a builtin or expands a user macro, appending the
// expansion to out.
func (p *Processor) callMacro(d *definition, args []arg, out *[]byte) {
	if d.bi != nil {
		p.callBuiltin(d.bi, args, out)
		return
	}
	p.expandUserMacro(d.text, args, out)
}

// expandUserMacro substitutes $0..$N, $#, $* and $@ in a macro's text.
func (p *Processor) expandUserMacro(text []byte, args []arg, out *[]byte) {
	for {
		i := bytes.IndexByte(text, '$')
		if i < 0 {
			*out = append(*out, text...)
			return
		}
		p.checkSize(len(*out) + i)
		*out = append(*out, text[:i]...)
		text = text[i+1:]
		if len(text) == 0 {
			*out = append(*out, '$')
			return
		}
		switch c := text[0]; {
		case c >= '0' && c <= '9':
			n := 0
			if p.opts.Traditional {
				n = int(c - '0')
				text = text[1:]
			} else {
				j := 0
				for j < len(text) && text[j] >= '0' && text[j] <= '9' {
					if n < 1<<30 {
						n = n*10 + int(text[j]-'0')
					}
					j++
				}
				text = text[j:]
			}
			if n < len(args) {
				p.checkSize(len(*out) + len(args[n].text))
				*out = append(*out, args[n].text...)
			}
		case c == '#':
			*out = strconv.AppendInt(*out, int64(len(args)-1), 10)
			text = text[1:]
		case c == '*' || c == '@':
			p.dumpArgs(out, args, ",", c == '@')
			text = text[1:]
		default:
			*out = append(*out, '$')
		}
	}
}

// dumpArgs appends args[1:] separated by sep, each quoted if asked.
func (p *Processor) dumpArgs(out *[]byte, args []arg, sep string, quoted bool) {
	for i := 1; i < len(args); i++ {
		p.checkSize(len(*out) + len(args[i].text) + len(sep) + 2*len(p.lquote))
		if i > 1 {
			*out = append(*out, sep...)
		}
		if quoted {
			*out = append(*out, p.lquote...)
		}
		*out = append(*out, args[i].text...)
		if quoted {
			*out = append(*out, p.rquote...)
		}
	}
}
