package regex

import "bytes"

// This file is the matcher for patterns with back-references, which no
// automaton can match in linear time. It works in two phases, like GNU:
//
//  1. From each start position in turn, explore every path through the
//     automaton (find). The first start with a match wins; the match ends
//     at the farthest end reached, and every node on a path reaching it
//     is marked.
//  2. Walk the marked nodes from the start to the end the way GNU sets
//     the groups (setRegs): at a choice, take the lower numbered marked
//     way and remember the other one, go back to the last remembered way
//     when a back-reference does not match, and stop as soon as the walk
//     comes back to a node it passed at the same position.
//
// Both phases count their steps; past the bound the search fails with
// ErrMatchLimit.

// defaultMatchLimit is the number of steps one search may take.
const defaultMatchLimit = 1 << 22

type backtracker struct {
	re    *Regexp
	s     []byte
	n     int // number of register slots: 2 per group and the match
	steps int
	limit int

	// phase 1
	regs   []int // the groups
	trail  []undo
	via    []viaEntry // epsilon nodes passed since the last byte, from base
	base   int
	seen   []int // per register slot: stamp of the last trail scan
	stamp  int
	stack  []choice
	path   []pathStep
	marks  map[int32][]uint64 // end node -> marked (position, node) pairs
	words  int
	loops  []pathStep // segments of paths that came back to their start
	loopAt []int      // where each segment starts in loops
}

type undo struct {
	slot int
	old  int
}

type viaEntry struct {
	node  int32
	trail int // length of the trail when passed
	step  int // index in path
}

type choice struct {
	node                   int32
	idx                    int
	trail, via, base, path int
}

type pathStep struct {
	node int32
	idx  int
}

func (b *backtracker) tick() bool {
	b.steps++
	return b.steps <= b.limit
}

func (b *backtracker) set(slot, v int) {
	if b.regs[slot] != v {
		b.trail = append(b.trail, undo{slot, b.regs[slot]})
		b.regs[slot] = v
	}
}

// update records what node n at position idx says about the groups, for
// finding matches: a group is where it last opened and last closed. (GNU
// looks for back-reference texts that way; its rule of restoring a group
// that ends empty applies only when it sets the groups, in setRegs.)
func (b *backtracker) update(n int32, idx int) {
	nd := &b.re.nodes[n]
	r := 2 * (int(nd.idx) + 1)
	switch nd.kind {
	case nOpen:
		b.set(r, idx)
		b.set(r+1, -1)
	case nClose:
		b.set(r+1, idx)
	}
}

// looped reports whether the path already passed node n at this position
// with the same registers: going on could only repeat itself. The nodes
// of the loop are then kept aside: they lie on a path to the end of the
// match if n does.
func (b *backtracker) looped(n int32) bool {
	for _, v := range b.via[b.base:] {
		if v.node == n && b.unchangedSince(v.trail) {
			b.loopAt = append(b.loopAt, len(b.loops))
			b.loops = append(b.loops, b.path[v.step:]...)
			b.steps += len(b.path) - v.step // bounds the memory kept
			return true
		}
	}
	return false
}

// unchangedSince reports whether the registers are what they were when
// the trail had length mark.
func (b *backtracker) unchangedSince(mark int) bool {
	b.stamp++
	for _, u := range b.trail[mark:] {
		if b.seen[u.slot] == b.stamp {
			continue
		}
		b.seen[u.slot] = b.stamp
		if b.regs[u.slot] != u.old {
			return false
		}
	}
	return true
}

// markLoops marks the nodes of the loops that start at a marked node,
// and then those of the loops starting at a node so marked, and so on.
func (b *backtracker) markLoops(m []uint64, a int) {
	if len(b.loopAt) == 0 {
		return
	}
	w, nn := b.words, len(b.re.nodes)
	key := func(st pathStep) int { return (st.idx-a)*nn + int(st.node) }
	startingAt := make(map[int][]int, len(b.loopAt)) // loops by first step
	for i, at := range b.loopAt {
		k := key(b.loops[at])
		startingAt[k] = append(startingAt[k], i)
	}
	var work []int
	for i, at := range b.loopAt {
		if st := b.loops[at]; has(m[(st.idx-a)*w:], st.node) {
			work = append(work, i)
		}
	}
	done := make([]bool, len(b.loopAt))
	for len(work) > 0 {
		i := work[len(work)-1]
		work = work[:len(work)-1]
		if done[i] {
			continue
		}
		done[i] = true
		to := len(b.loops)
		if i+1 < len(b.loopAt) {
			to = b.loopAt[i+1]
		}
		for _, st := range b.loops[b.loopAt[i]:to] {
			row := m[(st.idx-a)*w:]
			if !has(row, st.node) {
				set(row, st.node)
				work = append(work, startingAt[key(st)]...)
			}
		}
	}
}

func (b *backtracker) mark(end int32, a int) {
	m := b.marks[end]
	if m == nil {
		m = make([]uint64, (len(b.s)-a+1)*b.words)
		b.marks[end] = m
	}
	for _, st := range b.path {
		set(m[(st.idx-a)*b.words:], st.node)
	}
	b.steps += len(b.path) / 8
}

// find explores every path from start a. It returns the farthest end
// reached, or -1; the marks then hold the nodes on paths reaching it.
// With longest false it stops at the first match.
func (b *backtracker) find(a int, longest bool) (int, error) {
	re, s := b.re, b.s
	for i := range b.regs {
		b.regs[i] = -1
	}
	b.regs[0] = a
	b.trail, b.via, b.stack, b.path, b.base = b.trail[:0], b.via[:0], b.stack[:0], b.path[:0], 0
	clear(b.marks)
	b.loops, b.loopAt = b.loops[:0], b.loopAt[:0]
	bestEnd := -1
	node, idx := re.init, a
	for {
		if !b.tick() {
			return -1, ErrMatchLimit
		}
		nd := &re.nodes[node]
		if nd.constraint != 0 && (!prevOK(nd.constraint, re.context(s, idx-1)) || !nextOK(nd.constraint, re.context(s, idx))) {
			goto fail
		}
		b.path = append(b.path, pathStep{node, idx})
		b.update(node, idx)
		switch nd.kind {
		case nEnd:
			if !longest {
				return idx, nil
			}
			if idx > bestEnd {
				bestEnd = idx
				clear(b.marks)
			}
			if idx == bestEnd {
				b.mark(node, a)
			}
			goto fail
		case nAnchor, nOpen, nClose, nAlt, nStar:
			if b.looped(node) {
				goto fail
			}
			b.passed(node)
			if nd.nedest == 2 {
				b.stack = append(b.stack, choice{nd.edest[1], idx, len(b.trail), len(b.via), b.base, len(b.path)})
			}
			node = nd.edest[0]
			continue
		case nBackref:
			r := 2 * (int(nd.idx) + 1)
			so, eo := b.regs[r], b.regs[r+1]
			l := eo - so
			if so < 0 || eo < 0 {
				// GNU lets a back-reference match the empty string
				// in its initial state when the group can end there
				// too, even if the path did not go through the group.
				if idx != a || !re.initCloses(int(nd.idx)) {
					goto fail
				}
				l = 0
			}
			if l == 0 {
				if b.looped(node) {
					goto fail
				}
				b.passed(node)
				node = nd.edest[0]
				continue
			}
			if idx+l > len(s) || !bytes.Equal(s[idx:idx+l], s[so:eo]) {
				goto fail
			}
			idx += l
			b.base = len(b.via)
			node = nd.next
			continue
		case nChar:
			if idx >= len(s) || !re.accepts(nd, s[idx], re.context(s, idx)) {
				goto fail
			}
			idx++
			b.base = len(b.via)
			node = nd.next
			continue
		}
	fail:
		if len(b.stack) == 0 {
			return bestEnd, nil
		}
		c := b.stack[len(b.stack)-1]
		b.stack = b.stack[:len(b.stack)-1]
		for len(b.trail) > c.trail {
			u := b.trail[len(b.trail)-1]
			b.regs[u.slot] = u.old
			b.trail = b.trail[:len(b.trail)-1]
		}
		b.via, b.base, b.path = b.via[:c.via], c.base, b.path[:c.path]
		node, idx = c.node, c.idx
	}
}

// passed records that the path went through epsilon node n here.
func (b *backtracker) passed(n int32) {
	b.via = append(b.via, viaEntry{n, len(b.trail), len(b.path) - 1})
}

// fsEntry is a way remembered at a choice of setRegs.
type fsEntry struct {
	idx  int
	node int32
	regs []int // groups and saved groups
	via  []int32
}

// setRegs computes the groups of the match a..end that ends in node last
// the way GNU's set_regs does with its fail stack, going only through
// marked nodes. It reports false when GNU would find no way through,
// which makes the whole search fail.
func (b *backtracker) setRegs(a, end int, last int32, marks []uint64) ([]int, bool, error) {
	re, s, n := b.re, b.s, b.n
	w := b.words
	marked := func(idx int, node int32) bool {
		return idx <= end && has(marks[(idx-a)*w:], node)
	}
	regs := make([]int, 2*n)
	for i := range regs {
		regs[i] = -1
	}
	regs[0], regs[1] = a, end
	copy(regs[n:], regs[:n])
	pm, prev := regs[:n], regs[n:]
	var via []int32
	var fs []fsEntry
	push := func(idx int, node int32) {
		fs = append(fs, fsEntry{idx, node, append([]int(nil), regs...), append([]int32(nil), via...)})
	}
	pop := func(idx *int) int32 {
		if len(fs) == 0 {
			return -1
		}
		e := fs[len(fs)-1]
		fs = fs[:len(fs)-1]
		*idx = e.idx
		copy(regs, e.regs)
		via = e.via
		return e.node
	}
	// proceed moves on from node cur, as GNU's proceed_next_node.
	proceed := func(cur int32, idx *int) int32 {
		nd := &re.nodes[cur]
		if nd.kind.eps() {
			via = append(via, cur)
			dest := int32(-1)
			for k := 0; k < int(nd.nedest); k++ {
				cand := nd.edest[k]
				if !marked(*idx, cand) {
					continue
				}
				if dest < 0 {
					dest = cand
					continue
				}
				if contains(via, dest) {
					return cand
				}
				push(*idx, cand)
				break
			}
			return dest
		}
		l := 0
		if nd.kind == nBackref {
			r := 2 * (int(nd.idx) + 1)
			so, eo := pm[r], pm[r+1]
			if so == -1 || eo == -1 {
				return -1
			}
			l = eo - so
			if l > 0 && (len(s)-*idx < l || !bytes.Equal(s[so:eo], s[*idx:*idx+l])) {
				return -1
			}
			if l == 0 {
				via = append(via, cur)
				if d := nd.edest[0]; marked(*idx, d) {
					return d
				}
				return -1
			}
		} else if nd.kind != nChar || *idx >= len(s) || !re.accepts(nd, s[*idx], re.context(s, *idx)) {
			return -1
		} else {
			l = 1
		}
		*idx += l
		if !marked(*idx, nd.next) {
			return -1
		}
		via = via[:0]
		return nd.next
	}
	cur := re.init
	idx := a
	for idx <= end {
		if !b.tick() {
			return nil, false, ErrMatchLimit
		}
		re.updateRegs(cur, idx, pm, prev)
		if idx == end && cur == last || contains(via, cur) {
			next := int32(-1)
			for r := 0; r < n; r += 2 {
				if pm[r] > -1 && pm[r+1] == -1 {
					next = pop(&idx)
					break
				}
			}
			if next < 0 {
				return pm, true, nil
			}
			cur = next
		}
		next := proceed(cur, &idx)
		if next < 0 {
			if next = pop(&idx); next < 0 {
				return nil, false, nil
			}
		}
		cur = next
	}
	return pm, true, nil
}

// initCloses reports whether the initial state holds a close marker of
// group g, that is, whether the group can be passed without consuming
// anything at the start.
func (re *Regexp) initCloses(g int) bool {
	for _, n := range re.closure[re.init] {
		if nd := &re.nodes[n]; nd.kind == nClose && int(nd.idx) == g {
			return true
		}
	}
	return false
}

// searchBacktrack is the search for patterns with back-references.
func (re *Regexp) searchBacktrack(s []byte, start int, withRegs bool) ([]int, bool, error) {
	n := 2 * (re.nsub + 1)
	b := &backtracker{re: re, s: s, n: n, regs: make([]int, n), seen: make([]int, n), limit: re.limit,
		marks: make(map[int32][]uint64), words: (len(re.nodes) + 63) / 64}
	if b.limit <= 0 {
		b.limit = defaultMatchLimit
	}
	for a := start; a <= len(s); a++ {
		end, err := b.find(a, withRegs)
		if err != nil {
			return nil, false, err
		}
		if end < 0 {
			continue
		}
		if !withRegs || re.nsub == 0 {
			m := make([]int, n)
			for i := range m {
				m[i] = -1
			}
			m[0], m[1] = a, end
			return m, false, nil
		}
		last := int32(-1)
		for e := range b.marks {
			if last < 0 || e < last {
				last = e
			}
		}
		b.markLoops(b.marks[last], a)
		m, ok, err := b.setRegs(a, end, last, b.marks[last])
		if err != nil || !ok {
			return nil, false, err
		}
		open := re.finishRegs(m)
		return m, open, nil
	}
	return nil, false, nil
}
