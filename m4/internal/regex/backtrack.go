package regex

import "bytes"

// This file is the matcher for patterns with back-references, which no
// automaton can match in linear time. It tries every path through the
// automaton from each start position in turn, in GNU's order of
// preference, and keeps the longest match of the first start that has
// one, with the groups of the first path that reached that end. The
// number of steps is bounded; past the bound the search fails with
// ErrMatchLimit.

// defaultMatchLimit is the number of steps one search may take.
const defaultMatchLimit = 1 << 23

type choice struct {
	node    int32
	idx     int
	trail   int
	via     int
	viaBase int
}

type undo struct {
	slot int
	old  int
}

type backtracker struct {
	re    *Regexp
	s     []byte
	regs  []int // the groups, then GNU's saved copy of them
	n     int   // len of either half of regs
	trail []undo
	via   []int32 // epsilon nodes passed since the last byte, from viaBase
	base  int
	stack []choice
	steps int
	limit int
}

type endRecord struct {
	node int32
	regs []int
}

func (b *backtracker) set(slot, v int) {
	if b.regs[slot] != v {
		b.trail = append(b.trail, undo{slot, b.regs[slot]})
		b.regs[slot] = v
	}
}

func (b *backtracker) update(n int32, idx int) {
	nd := &b.re.nodes[n]
	if nd.kind != nOpen && nd.kind != nClose {
		return
	}
	r := 2 * (int(nd.idx) + 1)
	if nd.kind == nOpen {
		b.set(r, idx)
		b.set(r+1, -1)
		return
	}
	pm, prev := b.regs[:b.n], b.regs[b.n:]
	switch {
	case pm[r] < idx:
		b.set(r+1, idx)
		for i := 0; i < b.n; i++ {
			b.set(b.n+i, b.regs[i])
		}
	case nd.opt && prev[r] != -1:
		for i := 0; i < b.n; i++ {
			b.set(i, b.regs[b.n+i])
		}
	default:
		b.set(r+1, idx)
	}
}

func (b *backtracker) passed(n int32) bool { return contains(b.via[b.base:], n) }

// run tries every path from start a. It returns the longest end reached
// and the groups for it (the first path to reach the lowest numbered end
// node there), or -1. With longest false it stops at the first match.
func (b *backtracker) run(a int, longest bool) (int, []int, error) {
	re, s := b.re, b.s
	for i := range b.regs {
		b.regs[i] = -1
	}
	b.regs[0], b.regs[b.n] = a, a
	b.trail, b.via, b.stack, b.base = b.trail[:0], b.via[:0], b.stack[:0], 0
	bestEnd := -1
	var found []endRecord
	node, idx := re.init, a
	for {
		b.steps++
		if b.steps > b.limit {
			return -1, nil, ErrMatchLimit
		}
		nd := &re.nodes[node]
		if nd.constraint != 0 && (!prevOK(nd.constraint, re.context(s, idx-1)) || !nextOK(nd.constraint, re.context(s, idx))) {
			goto fail
		}
		b.update(node, idx)
		if nd.kind == nEnd {
			if idx > bestEnd {
				bestEnd = idx
				found = found[:0]
			}
			if idx == bestEnd {
				seen := false
				for _, f := range found {
					seen = seen || f.node == node
				}
				if !seen {
					found = append(found, endRecord{node, append([]int(nil), b.regs[:b.n]...)})
				}
			}
			if !longest {
				break
			}
			goto fail
		}
		if b.passed(node) {
			goto fail
		}
		switch nd.kind {
		case nAnchor, nOpen, nClose, nAlt, nStar:
			b.via = append(b.via, node)
			if nd.nedest == 2 && !b.passed(nd.edest[0]) {
				b.stack = append(b.stack, choice{nd.edest[1], idx, len(b.trail), len(b.via), b.base})
				node = nd.edest[0]
			} else {
				node = nd.edest[nd.nedest-1]
			}
			continue
		case nBackref:
			r := 2 * (int(nd.idx) + 1)
			so, eo := b.regs[r], b.regs[r+1]
			if so < 0 || eo < 0 {
				goto fail
			}
			l := eo - so
			if l == 0 {
				b.via = append(b.via, node)
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
			if idx >= len(s) || !re.sets[nd.set].has(s[idx]) {
				goto fail
			}
			idx++
			b.base = len(b.via)
			node = nd.next
			continue
		}
	fail:
		if len(b.stack) == 0 {
			break
		}
		c := b.stack[len(b.stack)-1]
		b.stack = b.stack[:len(b.stack)-1]
		for len(b.trail) > c.trail {
			u := b.trail[len(b.trail)-1]
			b.regs[u.slot] = u.old
			b.trail = b.trail[:len(b.trail)-1]
		}
		b.via, b.base = b.via[:c.via], c.viaBase
		node, idx = c.node, c.idx
	}
	if bestEnd < 0 {
		return -1, nil, nil
	}
	pick := found[0]
	for _, f := range found[1:] {
		if f.node < pick.node {
			pick = f
		}
	}
	return bestEnd, pick.regs, nil
}

// searchBacktrack is Search for patterns with back-references.
func (re *Regexp) searchBacktrack(s []byte, start int, withRegs bool) ([]int, bool, error) {
	n := 2 * (re.nsub + 1)
	b := &backtracker{re: re, s: s, regs: make([]int, 2*n), n: n, limit: re.limit}
	if b.limit <= 0 {
		b.limit = defaultMatchLimit
	}
	for a := start; a <= len(s); a++ {
		end, regs, err := b.run(a, withRegs)
		if err != nil {
			return nil, false, err
		}
		if end < 0 {
			continue
		}
		regs[0], regs[1] = a, end
		if !withRegs {
			return regs, false, nil
		}
		open := re.finishRegs(regs)
		return regs, open, nil
	}
	return nil, false, nil
}
