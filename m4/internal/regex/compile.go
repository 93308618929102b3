package regex

import "slices"

// This file turns the syntax tree into the automaton the matchers run.
//
// The automaton has the shape of GNU's: one node per leaf and operator of
// the tree, numbered in postorder, with groups lowered into open and close
// markers. The shape matters beyond speed, because GNU decides which of
// several equally long matches sets the groups by the order of the node
// numbers, and because anchors are implemented by copying the nodes that
// follow them with the anchor's constraint attached. Reproducing both
// makes the groups come out as GNU m4 reports them, oddities included.

type nkind uint8

const (
	nChar    nkind = iota // consumes one byte out of a set
	nEnd                  // end of the pattern: a match
	nBackref              // consumes a copy of a group
	nAnchor               // the epsilon kinds follow
	nOpen
	nClose
	nAlt
	nStar
)

func (k nkind) eps() bool { return k >= nAnchor }

type nnode struct {
	kind       nkind
	nedest     uint8
	dup        bool   // a copy, made for + or for an anchor
	opt        bool   // nOpen, nClose: the group is optional
	constraint uint16 // context this node needs, see the c* bits
	set        int32  // nChar: index into Regexp.sets
	idx        int32  // nOpen, nClose: group; nBackref: group
	next       int32  // nChar, nBackref: node after the byte(s) consumed
	edest      [2]int32
	orig       int32 // for anchor copies: the node copied, else -1
}

const (
	// maxNodes bounds the automaton, anchor copies included, and the
	// syntax tree. Patterns that need more are rejected as "Regular
	// expression too big"; GNU m4 has no such limit, but a pattern gets
	// near it only with thousands of bytes or a run of + (each +
	// doubles what it repeats).
	maxNodes = 1 << 14
	// maxClosure bounds the total size of the epsilon closures.
	maxClosure = 1 << 22
)

type compiler struct {
	nodes    []nnode
	subexp   []int // GNU's subexp_map: group i reports group subexp[i]
	overflow bool
}

// build compiles the tree from the parser into re.
func (c *compiler) build(root *anode, nsub int) error {
	c.subexp = make([]int, nsub)
	for i := range c.subexp {
		c.subexp[i] = i
	}
	c.optimizeSubexps(root)
	c.lowerSubexps(root)
	c.number(root)
	c.linkNext(root, nil)
	c.link(root)
	if c.overflow {
		return errorOf(errSize)
	}
	c.propagateConstraints()
	if c.overflow {
		return errorOf(errSize)
	}
	return nil
}

// optimizeSubexps drops a group that is the whole body of another group,
// \(\(x\)\), and records that the inner one reports what the outer one
// matched (a preorder walk, as GNU does it).
func (c *compiler) optimizeSubexps(n *anode) {
	for n != nil {
		switch {
		case n.kind == aBackref:
			n.idx = c.subexp[n.idx]
		case n.kind == aSub && n.left != nil && n.left.kind == aSub:
			inner := n.left.idx
			n.left = n.left.left
			c.subexp[inner] = c.subexp[n.idx]
		}
		if n.left != nil && n.right != nil {
			c.optimizeSubexps(n.left)
			n = n.right
		} else if n.left != nil {
			n = n.left
		} else {
			n = n.right
		}
	}
}

// lowerSubexps replaces every group by open marker, body, close marker.
func (c *compiler) lowerSubexps(n *anode) {
	if n == nil {
		return
	}
	c.lowerSubexps(n.left)
	c.lowerSubexps(n.right)
	if n.left != nil && n.left.kind == aSub {
		n.left = lowerSubexp(n.left)
	}
	if n.right != nil && n.right.kind == aSub {
		n.right = lowerSubexp(n.right)
	}
}

func lowerSubexp(n *anode) *anode {
	op := &anode{kind: aOpen, idx: n.idx, opt: n.opt}
	cl := &anode{kind: aClose, idx: n.idx, opt: n.opt}
	tail := cl
	if n.left != nil {
		tail = &anode{kind: aConcat, left: n.left, right: cl}
	}
	return &anode{kind: aConcat, left: op, right: tail}
}

// number creates the automaton's nodes in postorder; a concatenation has
// no node of its own and starts where its left part starts.
func (c *compiler) number(n *anode) {
	if n.left != nil {
		c.number(n.left)
	}
	if n.right != nil {
		c.number(n.right)
	}
	if n.kind == aConcat {
		n.first = n.left.first
		n.id = n.left.id
		return
	}
	n.first = n
	n.id = c.add(nnode{kind: nodeKind(n.kind), dup: n.dup, opt: n.opt,
		set: n.set, idx: int32(n.idx), next: -1, orig: -1})
	if n.kind == aAnchor {
		c.nodes[n.id].constraint = n.ctx
	}
}

func nodeKind(k akind) nkind {
	switch k {
	case aChar:
		return nChar
	case aAnchor:
		return nAnchor
	case aBackref:
		return nBackref
	case aAlt:
		return nAlt
	case aStar:
		return nStar
	case aEnd:
		return nEnd
	case aOpen:
		return nOpen
	case aClose:
		return nClose
	}
	panic("regex: unexpected node kind")
}

func (c *compiler) add(n nnode) int32 {
	if len(c.nodes) >= maxNodes {
		c.overflow = true
		// keep going with a harmless node; build reports the overflow
		if len(c.nodes) > 0 {
			return int32(len(c.nodes) - 1)
		}
	}
	c.nodes = append(c.nodes, n)
	return int32(len(c.nodes) - 1)
}

// linkNext computes, for every tree node, the tree node matched after it.
func (c *compiler) linkNext(n, next *anode) {
	for n != nil {
		n.next = next
		switch n.kind {
		case aStar:
			next = n
			n = n.left
		case aConcat:
			c.linkNext(n.left, n.right.first)
			n = n.right
		default:
			if n.left != nil && n.right != nil {
				c.linkNext(n.left, next)
				n = n.right
			} else if n.left != nil {
				n = n.left
			} else {
				n = n.right
			}
		}
	}
}

// link fills in the edges of the automaton.
func (c *compiler) link(n *anode) {
	if n == nil {
		return
	}
	if n.kind != aConcat {
		nd := &c.nodes[n.id]
		switch n.kind {
		case aAlt, aStar:
			l, r := int32(-1), int32(-1)
			if n.left != nil {
				l = n.left.first.id
			} else {
				l = n.next.id
			}
			if n.right != nil {
				r = n.right.first.id
			} else {
				r = n.next.id
			}
			// GNU keeps the two destinations sorted by node number,
			// which decides which one is preferred.
			if l > r {
				l, r = r, l
			}
			nd.edest[0] = l
			nd.nedest = 1
			if r != l {
				nd.edest[1] = r
				nd.nedest = 2
			}
		case aAnchor, aOpen, aClose:
			nd.edest[0] = n.next.id
			nd.nedest = 1
		case aBackref:
			nd.next = n.next.id
			nd.edest[0] = n.next.id
			nd.nedest = 1
		case aChar:
			nd.next = n.next.id
		}
	}
	c.link(n.left)
	c.link(n.right)
}

// propagateConstraints attaches the constraint of every anchor to the
// nodes reachable from it without consuming input, by copying them, in
// the order GNU does it: nodes are visited by number, each one followed
// along its epsilon edges, and an anchor is expanded when first visited.
// Like GNU, an anchor whose next node is itself a copy (made for +) is
// not expanded, so inside the repeated part of \(^a\)+ the anchor does
// not constrain what follows it.
func (c *compiler) propagateConstraints() {
	visited := make([]bool, 0, len(c.nodes)*2)
	var visit func(n int32)
	visit = func(n int32) {
		for int(n) >= len(visited) {
			visited = append(visited, false)
		}
		if visited[n] || c.overflow {
			return
		}
		visited[n] = true
		nd := c.nodes[n]
		if nd.constraint != 0 && nd.nedest > 0 && !c.nodes[nd.edest[0]].dup {
			c.copyClosure(n, n, n, nd.constraint)
		}
		nd = c.nodes[n]
		if nd.kind.eps() {
			for i := 0; i < int(nd.nedest); i++ {
				visit(c.nodes[n].edest[i])
			}
		}
	}
	for i := 0; i < len(c.nodes) && !c.overflow; i++ {
		visit(int32(i))
	}
}

// copyNode appends a copy of node o carrying constraint con as well.
func (c *compiler) copyNode(o int32, con uint16) int32 {
	n := c.nodes[o]
	n.constraint |= con
	n.dup = true
	n.orig = o
	n.nedest = 0
	return c.add(n)
}

// findCopy returns an existing anchor copy of node o with exactly the
// constraint con, looking only at the copies made so far (they follow
// the end node, which is the last original node).
func (c *compiler) findCopy(o int32, con uint16) int32 {
	for i := len(c.nodes) - 1; i > 0 && c.nodes[i].dup; i-- {
		if c.nodes[i].orig == o && c.nodes[i].constraint == con {
			return int32(i)
		}
	}
	return -1
}

// copyClosure copies the nodes reachable from org by epsilon edges, the
// copy of org being cp, adding constraint con to each. root is the anchor
// the copying started from: coming back to it ends the copying.
func (c *compiler) copyClosure(org, cp, root int32, con uint16) {
	for !c.overflow {
		on := c.nodes[org]
		switch {
		case on.kind == nBackref:
			d := on.next
			cd := c.copyNode(d, con)
			c.nodes[cp].next = on.next
			c.nodes[cp].edest[0], c.nodes[cp].nedest = cd, 1
			org, cp = d, cd
		case on.nedest == 0:
			c.nodes[cp].next = on.next
			return
		case on.nedest == 1:
			d := on.edest[0]
			if org == root && cp != org {
				c.nodes[cp].edest[0], c.nodes[cp].nedest = d, 1
				return
			}
			con |= on.constraint
			cd := c.copyNode(d, con)
			c.nodes[cp].edest[0], c.nodes[cp].nedest = cd, 1
			org, cp = d, cd
		default:
			d1 := on.edest[0]
			cd1 := c.findCopy(d1, con)
			if cd1 < 0 {
				cd1 = c.copyNode(d1, con)
				c.nodes[cp].edest[0], c.nodes[cp].nedest = cd1, 1
				c.copyClosure(d1, cd1, root, con)
			} else {
				c.nodes[cp].edest[0], c.nodes[cp].nedest = cd1, 1
			}
			d2 := on.edest[1]
			cd2 := c.copyNode(d2, con)
			c.nodes[cp].edest[1], c.nodes[cp].nedest = cd2, 2
			if cd2 < cd1 {
				c.nodes[cp].edest[0], c.nodes[cp].edest[1] = cd2, cd1
			}
			org, cp = d2, cd2
		}
	}
}

// closures computes the epsilon closure of every node: the node and all
// nodes reachable from it through epsilon nodes, whatever their
// constraints, sorted by number.
func closures(nodes []nnode) ([][]int32, bool) {
	out := make([][]int32, len(nodes))
	seen := make([]int32, len(nodes)) // stamp: closure being built + 1
	var stack []int32
	total := 0
	for i := range nodes {
		stamp := int32(i + 1)
		var cl []int32
		stack = append(stack[:0], int32(i))
		seen[i] = stamp
		for len(stack) > 0 {
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			cl = append(cl, n)
			if !nodes[n].kind.eps() {
				continue
			}
			for k := 0; k < int(nodes[n].nedest); k++ {
				d := nodes[n].edest[k]
				if seen[d] != stamp {
					seen[d] = stamp
					stack = append(stack, d)
				}
			}
		}
		slices.Sort(cl)
		total += len(cl)
		if total > maxClosure {
			return nil, false
		}
		out[i] = cl
	}
	return out, true
}
