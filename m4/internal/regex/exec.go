package regex

import (
	"math/bits"
	"slices"
)

// This file is the matcher for patterns without back-references. It runs
// in time proportional to the subject length times the automaton size:
//
//  1. scan simulates the automaton from every start position at once and
//     finds the leftmost start with a match and the longest match there.
//  2. If there are groups, states recomputes the sets of nodes active at
//     each position of that match, sift keeps those from which the end of
//     the match is still reachable, and walk follows the preferred path
//     through them, setting the groups on the way, by GNU's rules.
//
// The sets are built like GNU's: the nodes reachable without consuming
// input from a node (its closure) are added whatever their own
// constraints, and then the nodes whose own constraint fails here are
// removed. Normally a node past an anchor carries the anchor's constraint
// and the two views agree; where they do not (anchors inside the repeated
// part of +), the results are GNU's.

// Context of a position, from the byte there.
const (
	xWord    uint8 = 1
	xNewline uint8 = 2
	xBegbuf  uint8 = 4
	xEndbuf  uint8 = 8
)

// context returns the context of s[i]; i may be -1 (before the subject)
// or len(s) (after it). A newline always counts: GNU's
// re_compile_pattern sets newline_anchor, so ^ and $ also match after and
// before a newline.
func (re *Regexp) context(s []byte, i int) uint8 {
	if i < 0 {
		return xNewline | xBegbuf
	}
	if i >= len(s) {
		return xNewline | xEndbuf
	}
	c := s[i]
	if re.wordOps && isWordByte(c) {
		return xWord
	}
	if c == '\n' {
		return xNewline
	}
	return 0
}

// prevOK reports whether the previous-character part of con holds when
// the previous character has context x.
func prevOK(con uint16, x uint8) bool {
	switch {
	case con&cPrevWord != 0 && x&xWord == 0,
		con&cPrevNotWord != 0 && x&xWord != 0,
		con&cPrevNewline != 0 && x&xNewline == 0,
		con&cPrevBegbuf != 0 && x&xBegbuf == 0:
		return false
	}
	return true
}

// nextOK reports whether the next-character part of con holds when the
// next character has context x.
func nextOK(con uint16, x uint8) bool {
	switch {
	case con&cNextWord != 0 && x&xWord == 0,
		con&cNextNotWord != 0 && x&xWord != 0,
		con&cNextNewline != 0 && x&xNewline == 0,
		con&cNextEndbuf != 0 && x&xEndbuf == 0:
		return false
	}
	return true
}

// accepts reports whether node nd consumes byte b at a position whose
// context is x.
func (re *Regexp) accepts(nd *nnode, b byte, x uint8) bool {
	return nd.kind == nChar && re.sets[nd.set].has(b) && (nd.constraint == 0 || nextOK(nd.constraint, x))
}

type entry struct {
	node int32
	tag  int32 // start position of the thread
}

// scratch is per-search working memory, pooled in the Regexp.
type scratch struct {
	stamp    []uint32
	gen      uint32
	cur, nxt []entry
	bits     []uint64
	via      []int32
}

func (re *Regexp) getScratch() *scratch {
	if sc, ok := re.pool.Get().(*scratch); ok {
		return sc
	}
	return &scratch{stamp: make([]uint32, len(re.nodes))}
}

func (re *Regexp) putScratch(sc *scratch) { re.pool.Put(sc) }

func (sc *scratch) nextGen() uint32 {
	sc.gen++
	if sc.gen == 0 {
		clear(sc.stamp)
		sc.gen = 1
	}
	return sc.gen
}

// scan returns the leftmost start at or after from where the automaton
// reaches its end, and the last position where it does from that start;
// -1, -1 when there is none.
//
// All starts run together. A node active for several starts is kept only
// for the earliest: whatever it leads to, the earliest start gets first.
// Once a match is known no new start is tried and later starts are
// dropped, but earlier ones continue, as they may still match.
func (re *Regexp) scan(s []byte, from int, sc *scratch) (int, int) {
	n := len(s)
	nodes := re.nodes
	stamp := sc.stamp
	cur, nxt := sc.cur[:0], sc.nxt[:0]
	best, bestEnd := -1, -1
	gen := sc.nextGen()
	for p := from; p <= n; p++ {
		if best < 0 {
			x := re.context(s, p-1)
			for _, m := range re.closure[re.init] {
				if stamp[m] == gen || !prevOK(nodes[m].constraint, x) {
					continue
				}
				stamp[m] = gen
				cur = append(cur, entry{m, int32(p)})
			}
		}
		x := re.context(s, p)
		for _, e := range cur {
			nd := &nodes[e.node]
			if nd.kind == nEnd && nextOK(nd.constraint, x) {
				// cur is sorted by start, so this is the earliest.
				if t := int(e.tag); best < 0 || t < best {
					best, bestEnd = t, p
				} else if t == best {
					bestEnd = p
				}
				break
			}
		}
		if best >= 0 {
			k := len(cur)
			for k > 0 && int(cur[k-1].tag) > best {
				k--
			}
			cur = cur[:k]
			if k == 0 {
				break
			}
		}
		if p == n {
			break
		}
		gen = sc.nextGen()
		if len(cur) == 0 {
			continue
		}
		b := s[p]
		nxt = nxt[:0]
		for _, e := range cur {
			nd := &nodes[e.node]
			if !re.accepts(nd, b, x) {
				continue
			}
			for _, m := range re.closure[nd.next] {
				if stamp[m] == gen || !prevOK(nodes[m].constraint, x) {
					continue
				}
				stamp[m] = gen
				nxt = append(nxt, entry{m, e.tag})
			}
		}
		cur, nxt = nxt, cur
	}
	sc.cur, sc.nxt = cur, nxt
	return best, bestEnd
}

// nodeSets holds one bit set of nodes per position of a match.
type nodeSets struct {
	words int
	from  int
	bits  []uint64
}

func (ns *nodeSets) row(p int) []uint64 {
	i := (p - ns.from) * ns.words
	return ns.bits[i : i+ns.words]
}

func has(row []uint64, n int32) bool { return row[n>>6]&(1<<(n&63)) != 0 }
func set(row []uint64, n int32)      { row[n>>6] |= 1 << (n & 63) }

func empty(row []uint64) bool {
	for _, w := range row {
		if w != 0 {
			return false
		}
	}
	return true
}

// forEach calls f for the members of row in increasing order.
func forEach(row []uint64, f func(n int32)) {
	for i, w := range row {
		for w != 0 {
			b := w & -w
			f(int32(i*64 + bits.TrailingZeros64(b)))
			w &^= b
		}
	}
}

// states computes the set of active nodes at each position a..e for a
// match starting at a.
func (re *Regexp) states(s []byte, a, e int, buf []uint64) nodeSets {
	w := (len(re.nodes) + 63) / 64
	size := (e - a + 1) * w
	if cap(buf) < size {
		buf = make([]uint64, size)
	} else {
		buf = buf[:size]
		clear(buf)
	}
	ns := nodeSets{words: w, from: a, bits: buf}
	x := re.context(s, a-1)
	row := ns.row(a)
	for _, m := range re.closure[re.init] {
		if prevOK(re.nodes[m].constraint, x) {
			set(row, m)
		}
	}
	for p := a; p < e; p++ {
		x := re.context(s, p)
		b := s[p]
		nxt := ns.row(p + 1)
		forEach(ns.row(p), func(n int32) {
			nd := &re.nodes[n]
			if !re.accepts(nd, b, x) {
				return
			}
			for _, m := range re.closure[nd.next] {
				if prevOK(re.nodes[m].constraint, x) {
					set(nxt, m)
				}
			}
		})
	}
	return ns
}

// lastNode returns the end node GNU settles on at position e: the lowest
// numbered one whose constraint holds there, or -1.
func (re *Regexp) lastNode(s []byte, e int, row []uint64) int32 {
	x := re.context(s, e)
	last := int32(-1)
	forEach(row, func(n int32) {
		if last < 0 && re.nodes[n].kind == nEnd && nextOK(re.nodes[n].constraint, x) {
			last = n
		}
	})
	return last
}

// sift keeps, at each position, the active nodes from which the node
// last can still be reached at position e. It reports false when the
// start itself is left with nothing (GNU then moves on to the next start).
func (re *Regexp) sift(s []byte, a, e int, st nodeSets, last int32) (nodeSets, bool) {
	w := st.words
	out := nodeSets{words: w, from: a, bits: make([]uint64, len(st.bits))}
	dest := make([]uint64, w)
	addSources := func(p int) {
		row := out.row(p)
		copy(row, dest)
		forEach(st.row(p), func(n int32) {
			if has(row, n) {
				return
			}
			for _, m := range re.closure[n] {
				if has(dest, m) {
					set(row, n)
					return
				}
			}
		})
	}
	set(dest, last)
	addSources(e)
	for p := e - 1; p >= a; p-- {
		clear(dest)
		x := re.context(s, p)
		b := s[p]
		any := false
		after := out.row(p + 1)
		forEach(st.row(p), func(n int32) {
			nd := &re.nodes[n]
			if re.accepts(nd, b, x) && has(after, nd.next) {
				set(dest, n)
				any = true
			}
		})
		if !any {
			return out, false
		}
		addSources(p)
	}
	return out, !empty(out.row(a))
}

// updateRegs records in pm what node n at position idx says about the
// groups; prev keeps the groups as of the last nonempty group end, which
// GNU restores when an optional group ends empty.
func (re *Regexp) updateRegs(n int32, idx int, pm, prev []int) {
	nd := &re.nodes[n]
	switch nd.kind {
	case nOpen:
		r := 2 * (int(nd.idx) + 1)
		pm[r], pm[r+1] = idx, -1
	case nClose:
		r := 2 * (int(nd.idx) + 1)
		switch {
		case pm[r] < idx:
			pm[r+1] = idx
			copy(prev, pm)
		case nd.opt && prev[r] != -1:
			copy(pm, prev)
		default:
			pm[r+1] = idx
		}
	}
}

func contains(list []int32, n int32) bool {
	for _, m := range list {
		if m == n {
			return true
		}
	}
	return false
}

// walk follows GNU's path through the sifted sets from the first node at
// a to last at e, setting the groups in pm. At a choice it takes the
// lower numbered way that can still reach the end, unless that way was
// already taken at this position, and it stops as soon as it comes back
// to a node it passed at this position. It reports false when it gets
// stuck, which GNU turns into "no match" for the whole search.
func (re *Regexp) walk(s []byte, a, e int, last int32, ok nodeSets, pm []int, sc *scratch) bool {
	prev := make([]int, len(pm))
	copy(prev, pm)
	via := sc.via[:0]
	defer func() { sc.via = via }()
	cur := re.init
	idx := a
	for idx <= e {
		re.updateRegs(cur, idx, pm, prev)
		if idx == e && cur == last || contains(via, cur) {
			return true
		}
		nd := &re.nodes[cur]
		if nd.kind.eps() {
			via = append(via, cur)
			row := ok.row(idx)
			dest := int32(-1)
			for k := 0; k < int(nd.nedest); k++ {
				cand := nd.edest[k]
				if !has(row, cand) {
					continue
				}
				if dest < 0 {
					dest = cand
					continue
				}
				if contains(via, dest) {
					dest = cand
				}
				break
			}
			if dest < 0 {
				return false
			}
			cur = dest
			continue
		}
		if idx >= len(s) || !re.accepts(nd, s[idx], re.context(s, idx)) {
			return false
		}
		cur = nd.next
		idx++
		via = via[:0]
	}
	return true
}

type regsResult int

const (
	regsOK        regsResult = iota
	regsPruneFail            // GNU tries the next start
	regsWalkFail             // GNU reports no match at all
)

// registers fills pm (already holding the whole match a..e) with the
// groups of the match. open reports a group GNU would leave open.
func (re *Regexp) registers(s []byte, a, e int, pm []int, sc *scratch) (res regsResult, open bool) {
	st := re.states(s, a, e, sc.bits)
	sc.bits = st.bits
	last := re.lastNode(s, e, st.row(e))
	if last < 0 {
		return regsPruneFail, false
	}
	ok := st
	if re.plural {
		var good bool
		ok, good = re.sift(s, a, e, st, last)
		if !good {
			return regsPruneFail, false
		}
	}
	if !re.walk(s, a, e, last, ok, pm, sc) {
		return regsWalkFail, false
	}
	return regsOK, re.finishRegs(pm)
}

// finishRegs turns a group the walk left open into an unset one, which
// it reports, and copies the groups GNU dropped as redundant from the
// group that holds them.
func (re *Regexp) finishRegs(pm []int) (open bool) {
	for r := 2; r < len(pm); r += 2 {
		if pm[r] < 0 || pm[r+1] < 0 {
			open = open || pm[r] >= 0
			pm[r], pm[r+1] = -1, -1
		}
	}
	for i, j := range re.subexp {
		if i != j {
			pm[2*(i+1)], pm[2*(i+1)+1] = pm[2*(j+1)], pm[2*(j+1)+1]
		}
	}
	return open
}

// initShift reproduces a GNU quirk. When the only match from start a is
// the empty one GNU finds in its initial state, GNU still runs on to look
// for a longer one, and while the input keeps it in that very state (the
// same nodes in the same context) it notes that later starts need not be
// tried. It then wrongly applies that note to the match it found: the
// empty match is reported that many bytes later. So b*\B on "ab" matches
// at 2, not at 1. initShift returns that number of bytes.
func (re *Regexp) initShift(s []byte, a int) int {
	w := (len(re.nodes) + 63) / 64
	init := make([]uint64, 2*w)
	cur := init[w:]
	init = init[:w]
	constrained := false
	for _, m := range re.closure[re.init] {
		set(init, m)
		constrained = constrained || re.nodes[m].constraint != 0
	}
	if !constrained {
		// Without constraints the initial state ends a match wherever
		// it recurs, and GNU then keeps the right start.
		return 0
	}
	initCtx := re.context(s, a-1)
	k := 0
	for p := a; p < len(s); p++ {
		x := re.context(s, p)
		b := s[p]
		clear(cur)
		for _, n := range re.closure[re.init] {
			nd := &re.nodes[n]
			if !prevOK(nd.constraint, initCtx) || !re.accepts(nd, b, x) {
				continue
			}
			for _, m := range re.closure[nd.next] {
				set(cur, m)
			}
		}
		if x != initCtx || !slices.Equal(cur, init) {
			break
		}
		k++
	}
	return k
}

// searchNFA is the search for patterns without back-references.
func (re *Regexp) searchNFA(s []byte, start int, withRegs bool) ([]int, bool) {
	sc := re.getScratch()
	defer re.putScratch(sc)
	for from := start; from <= len(s); {
		a, e := re.scan(s, from, sc)
		if a < 0 {
			return nil, false
		}
		shift := 0
		if a == e {
			shift = re.initShift(s, a)
		}
		pm := make([]int, 2*(re.nsub+1))
		for i := range pm {
			pm[i] = -1
		}
		pm[0], pm[1] = a, e
		if withRegs && re.nsub > 0 {
			res, open := re.registers(s, a, e, pm, sc)
			switch res {
			case regsPruneFail:
				from = a + shift + 1
				continue
			case regsWalkFail:
				return nil, false
			}
			if shift != 0 {
				for i, v := range pm {
					if v >= 0 {
						pm[i] = v + shift
					}
				}
			}
			return pm, open
		}
		pm[0], pm[1] = a+shift, e+shift
		return pm, false
	}
	return nil, false
}
