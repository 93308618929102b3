package bdb

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"slices"

	"mailcc/internal/keyset"
	"mailcc/mapdb/internal/arena"
)

// BtreeBuilder builds a Berkeley DB 5.3 btree file.
//
// Entries are collected in memory and the tree is bulk-loaded when the
// file is written: leaves are filled in key order, internal pages carry
// the shortest separating prefix (as Berkeley DB's default prefix
// function does), keys and values longer than the overflow threshold go
// to overflow pages, and duplicate sets that are too large for a leaf go
// to off-page duplicate trees. The layout differs from the one the real
// makemap leaves behind (which depends on the order of inserts), but the
// key order, and so every listing, is the same.
//
// A BtreeBuilder is not safe for concurrent use.
type BtreeBuilder struct {
	pgsize   int
	ovflsize int
	dups     bool
	uid      [metaUIDLen]byte

	store arena.Arena
	items arena.Slab[bitem]
	index *keyset.Set[[]byte]
}

type bitem struct {
	ref        arena.Ref
	klen, vlen uint32
	next       int32 // next value of the same key (Append), -1 if none
}

// BtreeOptions tunes a BtreeBuilder.
type BtreeOptions struct {
	// Duplicates allows several values per key (makemap -d).
	Duplicates bool
	// UID is the 20-byte unique file id of the metadata page.
	UID [metaUIDLen]byte
	// SizeHint is the expected number of entries.
	SizeHint int
}

// NewBtreeBuilder returns a builder for an empty btree database.
func NewBtreeBuilder(opt BtreeOptions) *BtreeBuilder {
	b := &BtreeBuilder{
		pgsize: DefaultPageSize,
		dups:   opt.Duplicates,
		uid:    opt.UID,
	}
	// B_MINKEY_TO_OVFLSIZE with the default minkey of 2.
	b.ovflsize = (b.pgsize-pageHeader)/(2*2) - (6 + 4)
	b.index = keyset.New(opt.SizeHint, b.key)
	return b
}

func (b *BtreeBuilder) key(id int32) []byte {
	it := b.items.At(int(id))
	return b.store.Bytes(it.ref, int(it.klen))
}

func (b *BtreeBuilder) val(id int32) []byte {
	it := b.items.At(int(id))
	return b.store.Bytes(it.ref+arena.Ref(it.klen), int(it.vlen))
}

// Len returns the number of distinct keys.
func (b *BtreeBuilder) Len() int { return b.index.Len() }

// Put adds key with value val.
func (b *BtreeBuilder) Put(key, val []byte, mode PutMode) error {
	if uint64(len(key)) > 1<<32-1 || uint64(len(val)) > 1<<32-1 {
		return ErrTooBig
	}
	if mode == Append && !b.dups {
		mode = Overwrite
	}
	h := hashFunc(key)
	slot, first, found := b.index.Find(h, key)
	if found {
		switch mode {
		case NoOverwrite:
			return ErrKeyExists
		case Overwrite:
			ref, buf := b.store.Alloc(len(key) + len(val))
			copy(buf, key)
			copy(buf[len(key):], val)
			it := b.items.At(int(first))
			it.ref, it.vlen = ref, uint32(len(val))
			return nil
		}
		id := b.add(key, val)
		last := first
		for b.items.At(int(last)).next >= 0 {
			last = b.items.At(int(last)).next
		}
		b.items.At(int(last)).next = id
		return nil
	}
	id := b.add(key, val)
	b.index.Insert(slot, h, id)
	return nil
}

func (b *BtreeBuilder) add(key, val []byte) int32 {
	ref, buf := b.store.Alloc(len(key) + len(val))
	copy(buf, key)
	copy(buf[len(key):], val)
	return int32(b.items.Append(bitem{ref: ref, klen: uint32(len(key)), vlen: uint32(len(val)), next: -1}))
}

// Sizes of btree items (BKEYDATA_SIZE, BOVERFLOW_SIZE, BINTERNAL_SIZE).
func bkeySize(n int) int      { return align4(n + 3) }
func binternalSize(n int) int { return align4(n + 12) }

const boverflowSize = 12

// unit is one distinct key with all its values.
type unit struct {
	first  int32 // item id of the first value
	nvals  int
	offdup bool // values go to an off-page duplicate tree
	size   int  // bytes on the leaf, index entries included
	pgno   uint32
}

// pageSpec describes a page to render when the file is written.
type pageSpec struct {
	typ      byte
	level    byte
	prev     uint32
	next     uint32
	lo, hi   int      // leaves: units[lo:hi]
	data     []byte   // overflow pages
	entries  []ientry // internal pages
	dupVals  [][]byte // duplicate leaves
	dupOvfl  []uint32 // duplicate leaves: overflow page of each big value
	recnoCnt uint32   // recno internal root: total records
}

type ientry struct {
	child uint32
	key   []byte // separator, nil for the leftmost entry
	ovfl  uint32 // separator stored on overflow pages
	nrecs uint32
}

// layout numbers every page of a tree built from the sorted units.
type layout struct {
	pgsize   int
	ovflsize int
	base     uint32     // pages up to base exist already
	specs    []pageSpec // specs[i] is page base+i+1
	fixed    map[uint32]*pageSpec
}

func (l *layout) alloc(s pageSpec) uint32 {
	l.specs = append(l.specs, s)
	return l.base + uint32(len(l.specs))
}

func (l *layout) spec(pg uint32) *pageSpec {
	if pg > l.base {
		return &l.specs[pg-l.base-1]
	}
	return l.fixed[pg]
}

// ovflChain allocates the overflow pages of one item.
func (l *layout) ovflChain(data []byte) uint32 {
	space := l.pgsize - pageHeader
	var first, last uint32
	for len(data) > 0 {
		n := min(space, len(data))
		pg := l.alloc(pageSpec{typ: pOverflow, data: data[:n]})
		if last == 0 {
			first = pg
		} else {
			l.spec(last).next = pg
			l.spec(pg).prev = last
		}
		last = pg
		data = data[n:]
	}
	return first
}

// dupTree lays out an off-page duplicate tree for vals under the root
// page the caller allocated. Leaves are P_LDUP pages; when there are
// several, recno internal pages sit above them. Duplicates are kept in
// insertion order (unsorted), which Berkeley DB stores as a recno tree:
// P_LRECNO leaves.
func (l *layout) dupTree(root uint32, vals [][]byte) {
	cap := l.pgsize - pageHeader
	type leaf struct {
		pg uint32
		n  uint32
	}
	var leaves []leaf
	var cur []int // indexes of vals on the current leaf
	used := 0
	flush := func() {
		var pg uint32
		if len(leaves) == 0 {
			pg = root
		} else {
			pg = l.alloc(pageSpec{})
		}
		spec := pageSpec{typ: pLRecno, level: 1}
		for _, i := range cur {
			spec.dupVals = append(spec.dupVals, vals[i])
			var ov uint32
			if len(vals[i]) > l.ovflsize {
				ov = l.ovflChain(vals[i])
			}
			spec.dupOvfl = append(spec.dupOvfl, ov)
		}
		*l.spec(pg) = spec
		if len(leaves) > 0 {
			prev := leaves[len(leaves)-1].pg
			l.spec(prev).next = pg
			l.spec(pg).prev = prev
		}
		leaves = append(leaves, leaf{pg, uint32(len(cur))})
		cur, used = cur[:0], 0
	}
	for i, v := range vals {
		sz := boverflowSize
		if len(v) <= l.ovflsize {
			sz = bkeySize(len(v))
		}
		if used+sz+2 > cap && len(cur) > 0 {
			flush()
		}
		cur = append(cur, i)
		used += sz + 2
	}
	flush()
	if len(leaves) == 1 {
		return
	}
	// The root moves: its leaf content goes to a new page.
	moved := l.alloc(*l.spec(root))
	if nx := l.spec(moved).next; nx != 0 {
		l.spec(nx).prev = moved
	}
	leaves[0].pg = moved
	// Recno internal levels (RINTERNAL: pgno, nrecs).
	level := byte(2)
	type node struct {
		pg uint32
		n  uint32
	}
	nodes := make([]node, len(leaves))
	for i, lf := range leaves {
		nodes[i] = node{lf.pg, lf.n}
	}
	perPage := cap / (8 + 2)
	for {
		var up []node
		for i := 0; i < len(nodes); i += perPage {
			grp := nodes[i:min(i+perPage, len(nodes))]
			spec := pageSpec{typ: pIRecno, level: level}
			var total uint32
			for _, c := range grp {
				spec.entries = append(spec.entries, ientry{child: c.pg, nrecs: c.n})
				total += c.n
			}
			spec.recnoCnt = total
			var pg uint32
			if len(nodes) <= perPage {
				pg = root
				*l.spec(root) = spec
			} else {
				pg = l.alloc(spec)
			}
			up = append(up, node{pg, total})
		}
		if len(up) == 1 {
			return
		}
		nodes = up
		level++
	}
}

// WriteTo writes the database file.
func (b *BtreeBuilder) WriteTo(w io.Writer) (int64, error) {
	// Distinct keys in order.
	ids := b.sortedKeys()
	units := make([]unit, len(ids))
	cap := b.pgsize - pageHeader
	for i, id := range ids {
		u := unit{first: id}
		ksz := boverflowSize
		if int(b.items.At(int(id)).klen) <= b.ovflsize {
			ksz = bkeySize(int(b.items.At(int(id)).klen))
		}
		vsz := 0
		for v := id; v >= 0; v = b.items.At(int(v)).next {
			u.nvals++
			if int(b.items.At(int(v)).vlen) <= b.ovflsize {
				vsz += bkeySize(int(b.items.At(int(v)).vlen))
			} else {
				vsz += boverflowSize
			}
		}
		u.size = ksz + vsz + 4*u.nvals
		// Berkeley DB moves a duplicate set off the page once it
		// takes more than a quarter of it.
		if u.nvals > 1 && u.size > b.pgsize/4 {
			u.offdup = true
			u.size = ksz + boverflowSize + 4
		}
		units[i] = u
	}

	l := &layout{pgsize: b.pgsize, ovflsize: b.ovflsize}
	// Leaves, each followed by the overflow pages and duplicate trees
	// of its items. Page 1 is kept for the root.
	type leafInfo struct {
		pg     uint32
		lo, hi int
	}
	var leaves []leafInfo
	root := l.alloc(pageSpec{})
	lo := 0
	for lo < len(units) || len(leaves) == 0 {
		used, hi := 0, lo
		for hi < len(units) && used+units[hi].size <= cap {
			used += units[hi].size
			hi++
		}
		var pg uint32
		if len(leaves) == 0 {
			pg = root
		} else {
			pg = l.alloc(pageSpec{})
		}
		*l.spec(pg) = pageSpec{typ: pLBtree, level: 1, lo: lo, hi: hi}
		if len(leaves) > 0 {
			prev := leaves[len(leaves)-1].pg
			l.spec(prev).next = pg
			l.spec(pg).prev = prev
		}
		leaves = append(leaves, leafInfo{pg, lo, hi})
		lo = hi
	}
	// Page numbers of overflow items are allocated after the leaves'
	// own numbers are known; record them per item.
	ovKey := make(map[int32]uint32)
	ovVal := make(map[int32]uint32)
	dupRoot := make(map[int]uint32)
	if len(leaves) > 1 {
		// The root moves to its own page: re-home the first leaf.
		moved := l.alloc(*l.spec(root))
		if nx := l.spec(moved).next; nx != 0 {
			l.spec(nx).prev = moved
		}
		leaves[0].pg = moved
	}
	for _, lf := range leaves {
		for i := lf.lo; i < lf.hi; i++ {
			u := &units[i]
			if int(b.items.At(int(u.first)).klen) > b.ovflsize {
				ovKey[u.first] = l.ovflChain(b.key(u.first))
			}
			if u.offdup {
				var vals [][]byte
				for v := u.first; v >= 0; v = b.items.At(int(v)).next {
					vals = append(vals, b.val(v))
				}
				dupRoot[i] = l.alloc(pageSpec{})
				l.dupTree(dupRoot[i], vals)
				continue
			}
			for v := u.first; v >= 0; v = b.items.At(int(v)).next {
				if int(b.items.At(int(v)).vlen) > b.ovflsize {
					ovVal[v] = l.ovflChain(b.val(v))
				}
			}
		}
	}
	// Internal levels.
	if len(leaves) > 1 {
		type child struct {
			pg  uint32
			sep []byte // separator before this child; nil for the first
		}
		kids := make([]child, len(leaves))
		for i, lf := range leaves {
			kids[i].pg = lf.pg
			if i > 0 {
				prevKey := b.key(units[lf.lo-1].first)
				k := b.key(units[lf.lo].first)
				kids[i].sep = k[:prefixLen(prevKey, k)]
			}
		}
		level := byte(2)
		for {
			var up []child
			i := 0
			for i < len(kids) {
				spec := pageSpec{typ: pIBtree, level: level}
				used := 0
				start := i
				for i < len(kids) {
					var sz int
					if i == start {
						sz = binternalSize(0) + 2
					} else if len(kids[i].sep) > b.ovflsize {
						sz = binternalSize(boverflowSize) + 2
					} else {
						sz = binternalSize(len(kids[i].sep)) + 2
					}
					if used+sz > cap && i > start+1 {
						break
					}
					used += sz
					e := ientry{child: kids[i].pg}
					if i != start {
						e.key = kids[i].sep
						if len(e.key) > b.ovflsize {
							e.ovfl = l.ovflChain(e.key)
						}
					}
					spec.entries = append(spec.entries, e)
					i++
				}
				var pg uint32
				if start == 0 && i == len(kids) {
					pg = root
					*l.spec(root) = spec
				} else {
					pg = l.alloc(spec)
				}
				up = append(up, child{pg: pg, sep: kids[start].sep})
			}
			if len(up) == 1 {
				break
			}
			kids = up
			level++
		}
	}

	// Render.
	bw := bufio.NewWriterSize(w, 1<<16)
	buf := make([]byte, b.pgsize)
	var n int64
	emit := func() error {
		m, err := bw.Write(buf)
		n += int64(m)
		return err
	}
	b.encodeMeta(buf, uint32(len(l.specs)))
	if err := emit(); err != nil {
		return n, err
	}
	for i := range l.specs {
		clear(buf)
		s := &l.specs[i]
		if s.typ == pLBtree {
			b.renderLeaf(buf, uint32(i+1), s, units, ovKey, ovVal, dupRoot)
		} else {
			renderSpec(buf, uint32(i+1), s)
		}
		if err := emit(); err != nil {
			return n, err
		}
	}
	return n, bw.Flush()
}

// renderSpec renders every kind of page but btree leaves.
func renderSpec(buf []byte, pgno uint32, s *pageSpec) {
	switch s.typ {
	case pOverflow:
		putHeader(buf, pgno, s.prev, s.next, 1, len(s.data), 0, pOverflow)
		copy(buf[pageHeader:], s.data)
	case pIBtree:
		renderInternal(buf, pgno, s)
	case pLRecno:
		renderDupLeaf(buf, pgno, s)
	case pIRecno:
		renderRecno(buf, pgno, s)
	}
}

// sortKey is a key's first 24 bytes as big-endian words, for sorting
// without touching the key itself in most comparisons.
type sortKey struct {
	w    [3]uint64
	klen uint32
	id   int32
}

// sortedKeys returns the first item of every distinct key, in key order.
func (b *BtreeBuilder) sortedKeys() []int32 {
	keys := make([]sortKey, 0, b.index.Len())
	b.index.IDs(func(id int32) {
		k := b.key(id)
		sk := sortKey{klen: uint32(len(k)), id: id}
		for i := 0; i < 3 && 8*i < len(k); i++ {
			var w [8]byte
			copy(w[:], k[8*i:])
			sk.w[i] = binary.BigEndian.Uint64(w[:])
		}
		keys = append(keys, sk)
	})
	slices.SortFunc(keys, func(x, y sortKey) int {
		for i := 0; i < 3; i++ {
			if x.w[i] != y.w[i] {
				if x.w[i] < y.w[i] {
					return -1
				}
				return 1
			}
		}
		if x.klen <= 24 || y.klen <= 24 {
			// Equal prefixes and one key ends within them: zero
			// padding may hide a NUL, so compare for real.
			return bytes.Compare(b.key(x.id), b.key(y.id))
		}
		return bytes.Compare(b.key(x.id)[24:], b.key(y.id)[24:])
	})
	ids := make([]int32, len(keys))
	for i, k := range keys {
		ids[i] = k.id
	}
	return ids
}

// prefixLen is __bam_defpfx: the length of the shortest prefix of b
// that sorts after a.
func prefixLen(a, b []byte) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i + 1
		}
	}
	if len(a) < len(b) {
		return len(a) + 1
	}
	return len(b)
}

func (b *BtreeBuilder) encodeMeta(buf []byte, last uint32) {
	clear(buf)
	le := binary.LittleEndian
	le.PutUint32(buf[4:], 1)
	le.PutUint32(buf[12:], btreeMagic)
	le.PutUint32(buf[16:], btreeVersn)
	le.PutUint32(buf[20:], uint32(b.pgsize))
	buf[25] = pBtreeMeta
	le.PutUint32(buf[32:], last)
	var flags uint32
	if b.dups {
		flags |= btmDup
	}
	le.PutUint32(buf[48:], flags)
	copy(buf[metaUIDOff:], b.uid[:])
	le.PutUint32(buf[76:], 2)    // minkey
	le.PutUint32(buf[84:], 0x20) // re_pad
	le.PutUint32(buf[88:], 1)    // root
}

// putBKey writes a BKEYDATA item at off.
func putBKey(buf []byte, off int, typ byte, data []byte) {
	binary.LittleEndian.PutUint16(buf[off:], uint16(len(data)))
	buf[off+2] = typ
	copy(buf[off+3:], data)
}

// putBOverflow writes a BOVERFLOW item at off.
func putBOverflow(buf []byte, off int, typ byte, pgno, tlen uint32) {
	buf[off+2] = typ
	binary.LittleEndian.PutUint32(buf[off+4:], pgno)
	binary.LittleEndian.PutUint32(buf[off+8:], tlen)
}

func (b *BtreeBuilder) renderLeaf(buf []byte, pgno uint32, s *pageSpec, units []unit,
	ovKey, ovVal map[int32]uint32, dupRoot map[int]uint32) {
	le := binary.LittleEndian
	off := b.pgsize
	idx := 0
	setInp := func(v int) {
		le.PutUint16(buf[pageHeader+2*idx:], uint16(v))
		idx++
	}
	for i := s.lo; i < s.hi; i++ {
		u := &units[i]
		k := b.key(u.first)
		var koff int
		if pg, ok := ovKey[u.first]; ok {
			off -= boverflowSize
			putBOverflow(buf, off, bOverflow, pg, uint32(len(k)))
		} else {
			off -= bkeySize(len(k))
			putBKey(buf, off, bKeyData, k)
		}
		koff = off
		if u.offdup {
			setInp(koff)
			off -= boverflowSize
			putBOverflow(buf, off, bDuplicate, dupRoot[i], 0)
			setInp(off)
			continue
		}
		for v := u.first; v >= 0; v = b.items.At(int(v)).next {
			setInp(koff)
			val := b.val(v)
			if pg, ok := ovVal[v]; ok {
				off -= boverflowSize
				putBOverflow(buf, off, bOverflow, pg, uint32(len(val)))
			} else {
				off -= bkeySize(len(val))
				putBKey(buf, off, bKeyData, val)
			}
			setInp(off)
		}
	}
	putHeader(buf, pgno, s.prev, s.next, idx, off, 1, pLBtree)
}

func renderInternal(buf []byte, pgno uint32, s *pageSpec) {
	le := binary.LittleEndian
	off := len(buf)
	for i, e := range s.entries {
		var sz int
		switch {
		case e.ovfl != 0:
			sz = binternalSize(boverflowSize)
		default:
			sz = binternalSize(len(e.key))
		}
		off -= sz
		le.PutUint16(buf[pageHeader+2*i:], uint16(off))
		le.PutUint32(buf[off+4:], e.child)
		le.PutUint32(buf[off+8:], e.nrecs)
		if e.ovfl != 0 {
			le.PutUint16(buf[off:], boverflowSize)
			buf[off+2] = bOverflow
			putBOverflow(buf, off+12, bOverflow, e.ovfl, uint32(len(e.key)))
		} else {
			le.PutUint16(buf[off:], uint16(len(e.key)))
			buf[off+2] = bKeyData
			copy(buf[off+12:], e.key)
		}
	}
	putHeader(buf, pgno, 0, 0, len(s.entries), off, s.level, pIBtree)
}

func renderDupLeaf(buf []byte, pgno uint32, s *pageSpec) {
	le := binary.LittleEndian
	off := len(buf)
	for i, v := range s.dupVals {
		if s.dupOvfl[i] != 0 {
			off -= boverflowSize
			putBOverflow(buf, off, bOverflow, s.dupOvfl[i], uint32(len(v)))
		} else {
			off -= bkeySize(len(v))
			putBKey(buf, off, bKeyData, v)
		}
		le.PutUint16(buf[pageHeader+2*i:], uint16(off))
	}
	putHeader(buf, pgno, s.prev, s.next, len(s.dupVals), off, 1, pLRecno)
}

func renderRecno(buf []byte, pgno uint32, s *pageSpec) {
	le := binary.LittleEndian
	off := len(buf)
	for i, e := range s.entries {
		off -= 8
		le.PutUint32(buf[off:], e.child)
		le.PutUint32(buf[off+4:], e.nrecs)
		le.PutUint16(buf[pageHeader+2*i:], uint16(off))
	}
	putHeader(buf, pgno, s.recnoCnt, 0, len(s.entries), off, s.level, pIRecno)
}
