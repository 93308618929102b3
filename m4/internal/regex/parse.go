package regex

// This file turns a pattern into a syntax tree. The grammar and the order
// in which errors are found follow GNU's parser for syntax bits 0, so that
// a bad pattern is reported with the same message GNU m4 prints.

// Constraint bits of anchors: what the character before (prev) and the
// character after (next) the position must be.
const (
	cPrevWord    uint16 = 1 << iota // previous character is a word character
	cPrevNotWord                    // previous character is not one
	cNextWord                       // next character is a word character
	cNextNotWord                    // next character is not one
	cPrevNewline                    // start of the subject or after a newline
	cNextNewline                    // end of the subject or before a newline
	cPrevBegbuf                     // start of the subject
	cNextEndbuf                     // end of the subject

	cWordFirst    = cPrevNotWord | cNextWord    // \<
	cWordLast     = cPrevWord | cNextNotWord    // \>
	cInsideWord   = cPrevWord | cNextWord       // half of \B
	cInsideNoWord = cPrevNotWord | cNextNotWord // other half of \B
	cLineFirst    = cPrevNewline                // ^
	cLineLast     = cNextNewline                // $
	cBufFirst     = cPrevBegbuf                 // \`
	cBufLast      = cNextEndbuf                 // \'
)

// Pseudo constraints for \b and \B, which the parser expands into an
// alternation of two anchors.
const (
	cWordDelim    uint16 = 1 << 14
	cNotWordDelim uint16 = 1 << 15
)

type tokKind uint8

const (
	tEnd       tokKind = iota // end of the pattern
	tChar                     // a literal byte
	tBackslash                // a lone backslash at the very end
	tAlt                      // \|
	tBackref                  // \1 .. \9
	tAnchor                   // ^ $ \< \> \b \B \` \'
	tWord                     // \w
	tNotWord                  // \W
	tSpace                    // \s
	tNotSpace                 // \S
	tOpen                     // \(
	tClose                    // \)
	tStar                     // *
	tPlus                     // +
	tQuest                    // ?
	tBracket                  // [
	tPeriod                   // .
)

type token struct {
	kind tokKind
	c    byte   // the byte of a tChar (or of an operator used literally)
	n    int    // group of a tBackref, 0-based
	ctx  uint16 // constraint of a tAnchor
}

type akind uint8

const (
	aChar    akind = iota // one byte out of a set
	aAnchor               // a zero-width assertion
	aBackref              // \N
	aSub                  // \( \)
	aConcat
	aAlt   // left \| right; either may be nil (the empty expression)
	aStar  // left*
	aEnd   // end of the whole pattern
	aOpen  // start of a group after lowering
	aClose // end of a group after lowering
)

// anode is a node of the syntax tree.
type anode struct {
	kind        akind
	left, right *anode
	set         int32  // aChar: index into the byte-set table
	ctx         uint16 // aAnchor: constraint
	idx         int    // aSub, aOpen, aClose: group (0-based); aBackref: group
	dup         bool   // a copy made to expand +
	opt         bool   // group directly under * ? or the repeated copy of +

	// filled while building the automaton
	first *anode
	next  *anode
	id    int32
}

// byteSet is a set of bytes.
type byteSet [4]uint64

func (b *byteSet) add(c byte)      { b[c>>6] |= 1 << (c & 63) }
func (b *byteSet) has(c byte) bool { return b[c>>6]&(1<<(c&63)) != 0 }
func (b *byteSet) addRange(lo, hi int) { // inclusive, empty when lo > hi
	for c := lo; c <= hi; c++ {
		b.add(byte(c))
	}
}
func (b *byteSet) invert() {
	for i := range b {
		b[i] = ^b[i]
	}
}

// isWordByte reports whether c is a word character in the C locale.
func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// isSpaceByte reports whether c is white space in the C locale.
func isSpaceByte(c byte) bool {
	return c == ' ' || c >= '\t' && c <= '\r'
}

type parser struct {
	pat       []byte
	pos       int
	tok       token
	nsub      int
	completed uint16 // groups 0..8 that are closed and may be referred to
	sets      []byteSet
	setIndex  map[byteSet]int32
	wordOps   bool // \< \> \b or \B used: word context is tracked
	nbackref  int
	copied    int // nodes copied to expand +
	ntok      int // tokens read
}

func (p *parser) addSet(s byteSet) int32 {
	if i, ok := p.setIndex[s]; ok {
		return i
	}
	if p.setIndex == nil {
		p.setIndex = make(map[byteSet]int32)
	}
	i := int32(len(p.sets))
	p.sets = append(p.sets, s)
	p.setIndex[s] = i
	return i
}

func (p *parser) charNode(c byte) *anode {
	var s byteSet
	s.add(c)
	return &anode{kind: aChar, set: p.addSet(s)}
}

// peek reads the token at pos and returns it with its length. caretHere
// says that ^ is an anchor here (start of the pattern, after \( or \|).
func (p *parser) peek(pos int, caretHere bool) (token, int) {
	if pos >= len(p.pat) {
		return token{kind: tEnd}, 0
	}
	c := p.pat[pos]
	if c == '\\' {
		if pos+1 >= len(p.pat) {
			return token{kind: tBackslash, c: c}, 1
		}
		c2 := p.pat[pos+1]
		t := token{kind: tChar, c: c2}
		switch c2 {
		case '|':
			t.kind = tAlt
		case '1', '2', '3', '4', '5', '6', '7', '8', '9':
			t.kind, t.n = tBackref, int(c2-'1')
		case '<':
			t.kind, t.ctx = tAnchor, cWordFirst
		case '>':
			t.kind, t.ctx = tAnchor, cWordLast
		case 'b':
			t.kind, t.ctx = tAnchor, cWordDelim
		case 'B':
			t.kind, t.ctx = tAnchor, cNotWordDelim
		case 'w':
			t.kind = tWord
		case 'W':
			t.kind = tNotWord
		case 's':
			t.kind = tSpace
		case 'S':
			t.kind = tNotSpace
		case '`':
			t.kind, t.ctx = tAnchor, cBufFirst
		case '\'':
			t.kind, t.ctx = tAnchor, cBufLast
		case '(':
			t.kind = tOpen
		case ')':
			t.kind = tClose
		}
		return t, 2
	}
	t := token{kind: tChar, c: c}
	switch c {
	case '*':
		t.kind = tStar
	case '+':
		t.kind = tPlus
	case '?':
		t.kind = tQuest
	case '[':
		t.kind = tBracket
	case '.':
		t.kind = tPeriod
	case '^':
		if caretHere || pos == 0 {
			t.kind, t.ctx = tAnchor, cLineFirst
		}
	case '$':
		// An anchor at the end of the pattern or before \| or \).
		if pos+1 == len(p.pat) ||
			pos+2 < len(p.pat) && p.pat[pos+1] == '\\' && (p.pat[pos+2] == '|' || p.pat[pos+2] == ')') {
			t.kind, t.ctx = tAnchor, cLineLast
		}
	}
	return t, 1
}

func (p *parser) fetch(caretHere bool) {
	t, n := p.peek(p.pos, caretHere)
	p.tok = t
	p.pos += n
	p.ntok++
}

// parse parses the whole pattern; the tree ends with an aEnd node.
func (p *parser) parse() (*anode, error) {
	p.fetch(true)
	tree, err := p.parseRegExp(0)
	if err != nil {
		return nil, err
	}
	end := &anode{kind: aEnd}
	if tree == nil {
		return end, nil
	}
	return &anode{kind: aConcat, left: tree, right: end}, nil
}

func (p *parser) parseRegExp(nest int) (*anode, error) {
	initial := p.completed
	tree, err := p.parseBranch(nest)
	if err != nil {
		return nil, err
	}
	for p.tok.kind == tAlt {
		p.fetch(true)
		var branch *anode
		if p.tok.kind != tAlt && p.tok.kind != tEnd && (nest == 0 || p.tok.kind != tClose) {
			// A back-reference may only name a group of its own branch.
			acc := p.completed
			p.completed = initial
			branch, err = p.parseBranch(nest)
			if err != nil {
				return nil, err
			}
			p.completed |= acc
		}
		tree = &anode{kind: aAlt, left: tree, right: branch}
	}
	return tree, nil
}

func (p *parser) parseBranch(nest int) (*anode, error) {
	tree, err := p.parseExpression(nest)
	if err != nil {
		return nil, err
	}
	for p.tok.kind != tAlt && p.tok.kind != tEnd && (nest == 0 || p.tok.kind != tClose) {
		expr, err := p.parseExpression(nest)
		if err != nil {
			return nil, err
		}
		switch {
		case tree != nil && expr != nil:
			tree = &anode{kind: aConcat, left: tree, right: expr}
		case tree == nil:
			tree = expr
		}
	}
	return tree, nil
}

func (p *parser) parseExpression(nest int) (*anode, error) {
	if p.ntok > maxNodes {
		// More tokens than the automaton may have nodes: give up
		// before the tree gets deep.
		return nil, errorOf(errSize)
	}
	var tree *anode
	switch p.tok.kind {
	case tChar, tStar, tPlus, tQuest:
		// * + ? with nothing to repeat are ordinary characters.
		tree = p.charNode(p.tok.c)
	case tOpen:
		t, err := p.parseSubExp(nest + 1)
		if err != nil {
			return nil, err
		}
		tree = t
	case tBracket:
		t, err := p.parseBracket()
		if err != nil {
			return nil, err
		}
		tree = t
	case tBackref:
		if p.completed&(1<<p.tok.n) == 0 {
			return nil, errorOf(errSubReg)
		}
		tree = &anode{kind: aBackref, idx: p.tok.n}
		p.nbackref++
	case tClose:
		return nil, errorOf(errRParen)
	case tAnchor:
		ctx := p.tok.ctx
		switch ctx {
		case cWordFirst, cWordLast, cWordDelim, cNotWordDelim:
			p.wordOps = true
		}
		switch ctx {
		case cWordDelim:
			tree = &anode{kind: aAlt,
				left:  &anode{kind: aAnchor, ctx: cWordFirst},
				right: &anode{kind: aAnchor, ctx: cWordLast}}
		case cNotWordDelim:
			tree = &anode{kind: aAlt,
				left:  &anode{kind: aAnchor, ctx: cInsideWord},
				right: &anode{kind: aAnchor, ctx: cInsideNoWord}}
		default:
			tree = &anode{kind: aAnchor, ctx: ctx}
		}
		// An anchor is never repeated: a * after it is an ordinary
		// character.
		p.fetch(false)
		return tree, nil
	case tPeriod:
		var s byteSet
		s.invert()
		s[0] &^= 1 << '\n'
		tree = &anode{kind: aChar, set: p.addSet(s)}
	case tWord, tNotWord:
		var s byteSet
		for c := 0; c < 256; c++ {
			if isWordByte(byte(c)) {
				s.add(byte(c))
			}
		}
		if p.tok.kind == tNotWord {
			s.invert()
		}
		tree = &anode{kind: aChar, set: p.addSet(s)}
	case tSpace, tNotSpace:
		var s byteSet
		for c := 0; c < 256; c++ {
			if isSpaceByte(byte(c)) {
				s.add(byte(c))
			}
		}
		if p.tok.kind == tNotSpace {
			s.invert()
		}
		tree = &anode{kind: aChar, set: p.addSet(s)}
	case tAlt, tEnd:
		return nil, nil
	case tBackslash:
		return nil, errorOf(errEscape)
	}
	p.fetch(false)
	for p.tok.kind == tStar || p.tok.kind == tPlus || p.tok.kind == tQuest {
		tree = p.parseDup(tree)
		if p.copied > maxNodes {
			// Every + doubles what it repeats, so a+++... grows
			// exponentially; GNU runs out of memory.
			return nil, errorOf(errSize)
		}
	}
	return tree, nil
}

func (p *parser) parseSubExp(nest int) (*anode, error) {
	cur := p.nsub
	p.nsub++
	p.fetch(true)
	var body *anode
	if p.tok.kind != tClose {
		t, err := p.parseRegExp(nest)
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tClose {
			return nil, errorOf(errParen)
		}
		body = t
	}
	if cur <= 8 {
		p.completed |= 1 << cur
	}
	return &anode{kind: aSub, left: body, idx: cur}, nil
}

// parseDup applies the repetition operator in p.tok to elem: e* is a
// star, e? an alternation with the empty expression, and e+ is e followed
// by a starred copy of e.
func (p *parser) parseDup(elem *anode) *anode {
	op := p.tok.kind
	p.fetch(false)
	if elem == nil {
		return nil
	}
	var head *anode
	if op == tPlus {
		head = elem
		elem = dupTree(elem, &p.copied)
		if p.copied > maxNodes {
			return head // the caller reports the pattern too big
		}
	}
	if elem.kind == aSub {
		elem.opt = true
	}
	var tree *anode
	if op == tQuest {
		tree = &anode{kind: aAlt, left: elem}
	} else {
		tree = &anode{kind: aStar, left: elem}
	}
	if head != nil {
		tree = &anode{kind: aConcat, left: head, right: tree}
	}
	return tree
}

// dupTree copies the tree n, adding the number of nodes copied to count;
// it stops copying (the result is then incomplete) past maxNodes. Like
// GNU's copy, it marks the nodes as copies and forgets which groups were
// optional: in \(\(a\)?\)+ the inner group is optional only in the
// first copy.
func dupTree(n *anode, count *int) *anode {
	if n == nil || *count > maxNodes {
		return nil
	}
	*count++
	c := *n
	c.dup = true
	c.opt = false
	c.left = dupTree(n.left, count)
	c.right = dupTree(n.right, count)
	return &c
}

// Bracket expressions.

type bkind uint8

const (
	bEnd      bkind = iota
	bChar           // an ordinary byte
	bRange          // -
	bClose          // ]
	bNonMatch       // ^ (only special first)
	bColl           // [.
	bEquiv          // [=
)

func (p *parser) peekBracket(pos int) (bkind, byte, int) {
	if pos >= len(p.pat) {
		return bEnd, 0, 0
	}
	c := p.pat[pos]
	switch c {
	case '[':
		if pos+1 < len(p.pat) {
			switch p.pat[pos+1] {
			case '.':
				return bColl, '.', 2
			case '=':
				return bEquiv, '=', 2
			}
		}
		// [: is an ordinary [ here: character classes are off in this
		// syntax.
		return bChar, c, 1
	case '-':
		return bRange, c, 1
	case ']':
		return bClose, c, 1
	case '^':
		return bNonMatch, c, 1
	}
	return bChar, c, 1
}

type belemKind uint8

const (
	beChar belemKind = iota
	beColl
	beEquiv
)

type belem struct {
	kind belemKind
	ch   byte
	name []byte // up to the first NUL, as C would see it
}

func (e belem) firstByte() int {
	if e.kind == beChar {
		return int(e.ch)
	}
	if len(e.name) == 0 {
		return 0
	}
	return int(e.name[0])
}

// parseBracket parses a bracket expression; the [ is already consumed.
func (p *parser) parseBracket() (*anode, error) {
	var set byteSet
	k, c, l := p.peekBracket(p.pos)
	if k == bEnd {
		return nil, errorOf(errBadPat)
	}
	nonMatch := false
	if k == bNonMatch {
		nonMatch = true
		p.pos += l
		k, c, l = p.peekBracket(p.pos)
		if k == bEnd {
			return nil, errorOf(errBadPat)
		}
	}
	if k == bClose {
		k = bChar // a ] first is an ordinary character
	}
	first := true
	for {
		start, err := p.bracketElem(k, c, l, first)
		if err != nil {
			return nil, err
		}
		first = false
		k, c, l = p.peekBracket(p.pos)
		isRange := false
		var k2 bkind
		var c2 byte
		var l2 int
		if start.kind != beEquiv {
			if k == bEnd {
				return nil, errorOf(errBrack)
			}
			if k == bRange {
				p.pos += l
				k2, c2, l2 = p.peekBracket(p.pos)
				if k2 == bEnd {
					return nil, errorOf(errBrack)
				}
				if k2 == bClose {
					// A - just before the ] is an ordinary character.
					p.pos -= l
					k = bChar
				} else {
					isRange = true
				}
			}
		}
		if isRange {
			end, err := p.bracketElem(k2, c2, l2, true)
			if err != nil {
				return nil, err
			}
			k, c, l = p.peekBracket(p.pos)
			if start.kind == beEquiv || end.kind == beEquiv {
				return nil, errorOf(errRange)
			}
			if start.kind == beColl && len(start.name) > 1 || end.kind == beColl && len(end.name) > 1 {
				return nil, errorOf(errCollate)
			}
			set.addRange(start.firstByte(), end.firstByte())
		} else {
			switch start.kind {
			case beChar:
				set.add(start.ch)
			default:
				if len(start.name) != 1 {
					return nil, errorOf(errCollate)
				}
				set.add(start.name[0])
			}
		}
		if k == bEnd {
			return nil, errorOf(errBrack)
		}
		if k == bClose {
			break
		}
	}
	p.pos += l
	if nonMatch {
		set.invert()
	}
	return &anode{kind: aChar, set: p.addSet(set)}, nil
}

func (p *parser) bracketElem(k bkind, c byte, l int, acceptHyphen bool) (belem, error) {
	p.pos += l
	switch k {
	case bColl, bEquiv:
		return p.bracketSymbol(k, c)
	case bRange:
		if !acceptHyphen {
			// A - that neither starts the list, ends it nor ends a
			// range.
			if k2, _, _ := p.peekBracket(p.pos); k2 != bClose {
				return belem{}, errorOf(errRange)
			}
		}
	}
	return belem{kind: beChar, ch: c}, nil
}

// bracketSymbol reads the name of [.x.] or [=x=] after its opening.
func (p *parser) bracketSymbol(k bkind, delim byte) (belem, error) {
	if p.pos >= len(p.pat) {
		return belem{}, errorOf(errBrack)
	}
	const maxName = 32
	var name []byte
	for i := 0; ; i++ {
		if i >= maxName {
			return belem{}, errorOf(errBrack)
		}
		ch := p.pat[p.pos]
		p.pos++
		if p.pos >= len(p.pat) {
			return belem{}, errorOf(errBrack)
		}
		if ch == delim && p.pat[p.pos] == ']' {
			break
		}
		name = append(name, ch)
	}
	p.pos++
	for i, ch := range name {
		if ch == 0 {
			name = name[:i]
			break
		}
	}
	e := belem{kind: beColl, name: name}
	if k == bEquiv {
		e.kind = beEquiv
	}
	return e, nil
}
