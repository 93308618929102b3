package bdb

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"slices"

	"mailcc/internal/keyset"
	"mailcc/mapdb/internal/arena"
)

// PutMode says what Put does when the key is already in the database.
type PutMode int

const (
	// NoOverwrite keeps the existing value and reports ErrKeyExists
	// (DB_NOOVERWRITE: makemap without -r or -d).
	NoOverwrite PutMode = iota
	// Overwrite replaces the existing value (makemap -r, postmap -r).
	Overwrite
	// Append adds another value under the same key (makemap -d on a
	// database created with duplicates allowed).
	Append
)

// ErrKeyExists is returned by Put in NoOverwrite mode when the key is
// already there. The database is unchanged.
var ErrKeyExists = errors.New("key already exists")

// ErrTooBig is returned when an item exceeds what the format can hold.
var ErrTooBig = errors.New("item too large")

// HashBuilder builds a Berkeley DB 5.3 hash file in memory.
//
// It does not merely write a valid hash file: it replays the decisions
// Berkeley DB itself takes when a program puts the same keys in the same
// order into a fresh database created with h_nelem 4096 and no fill
// factor (what sendmail's makemap and Postfix's postmap do). Buckets are
// split when an insert needs an overflow page, pages are kept sorted,
// overflow pages are allocated from the free list or at the end of the
// file, and pages freed by a split are put on the free list or truncated
// away. The result lists, page for page and item for item, like the file
// the real tools write; only the unique file id and unused bytes differ.
//
// A HashBuilder is not safe for concurrent use.
type HashBuilder struct {
	pgsize  int
	bigSize int // ISBIG threshold: items longer than this go off-page
	dups    bool

	store arena.Arena       // keys and values
	items arena.Slab[hitem] // every pair ever put, by id
	pages []*hpage

	maxBucket, highMask, lowMask uint32
	nelem                        uint32
	spares                       [nCached]uint32
	lastPgno, free               uint32

	uid [metaUIDLen]byte

	// bigKeys counts keys stored off-page. While there are none, every
	// page is sorted in one consistent order, which lets splits append
	// pairs that sort after the last one without a search.
	bigKeys int

	nelem0 uint32 // nelem at creation

	// Entry arrays of pages emptied by splits, for reuse: a split
	// empties a page and fills two, and reusing their arrays saves
	// most of the allocations of a large build.
	poolItems [][]int32
	poolPfx   [][]keyPfx

	// lazy: a put appends its pair to the page (to the page's tail)
	// instead of searching the page for its place, and keys tells
	// whether a key is there already; a page is sorted (settle) before
	// anything reads its order: a split, WriteTo. While every key is
	// on-page (bigKeys) the order of a page is that of one total order
	// whatever the order of the puts, so the sorted page is the one the
	// searches would have made. A builder starts lazy; the first put
	// that is not a NoOverwrite one of an on-page key settles every
	// page and ends it (see Put). A put then touches one slot of keys
	// and the end of its page instead of searching a page far from the
	// last one in memory.
	lazy bool
	// keys: every pair's key, while lazy
	keys *keyset.Set[[]byte]
}

// recycle keeps the entry arrays of a page that is done with.
func (b *HashBuilder) recycle(p *hpage) {
	if cap(p.items) > 0 {
		b.poolItems = append(b.poolItems, p.items[:0])
		b.poolPfx = append(b.poolPfx, p.pfx[:0])
	}
	p.items, p.pfx = nil, nil
}

// hitem is one key/data pair. Keys and values live in the arena.
type hitem struct {
	ref        arena.Ref // key, value right after it
	klen, vlen uint32
	hash       uint32
	kpg        uint32 // first overflow page of a big key, 0 if on-page
	vpg        uint32 // first page of a big value or off-page dup tree
	vtyp       uint8  // hKeyData, hDuplicate, hOffpage or hOffDup
}

// hpage is one page of the file being built.
type hpage struct {
	typ   byte
	prev  uint32
	next  uint32
	items []int32  // hash pages: item ids in key order
	pfx   []keyPfx // hash pages: the start of each item's key, for searches
	used  int      // hash pages: item bytes plus two index bytes each
	data  []byte   // overflow pages: this page's share of the item
	dups  []int32  // off-page duplicate roots: item whose dup set this is
	// tail: the last tail items are in the order they were put (lazy)
	tail int
}

// HashOptions tunes a HashBuilder. The zero value gives what makemap and
// postmap write.
type HashOptions struct {
	// Duplicates creates a database that allows several values per key
	// (DB_DUP), as makemap -d does.
	Duplicates bool
	// UID is the 20-byte unique file id put in the metadata page. When
	// zero, Berkeley DB's readers still work (the id is only used to
	// share a cache between processes).
	UID [metaUIDLen]byte
	// SizeHint is the expected number of entries, used to size the
	// builder's internal arrays.
	SizeHint int
	// Nelem is the h_nelem the database is created with. Berkeley DB
	// keeps counting puts from it in the metadata page (db_dump shows it
	// as h_nelem). makemap and postmap ask for 4096, sendmail's alias
	// database code for nothing (0). NelemUnset selects 0.
	Nelem uint32
	// NelemUnset is set when the creator does not call set_h_nelem.
	NelemUnset bool
}

// NewHashBuilder returns a builder for an empty hash database.
func NewHashBuilder(opt HashOptions) *HashBuilder {
	b := &HashBuilder{
		pgsize:  DefaultPageSize,
		bigSize: DefaultPageSize / 4,
		dups:    opt.Duplicates,
		uid:     opt.UID,
		nelem:   defaultNelem,
	}
	if opt.Nelem != 0 || opt.NelemUnset {
		b.nelem = opt.Nelem
	}
	b.nelem0 = b.nelem
	// __ham_init_meta with h_nelem set but no fill factor: two
	// buckets on pages 1 and 2.
	b.maxBucket, b.highMask, b.lowMask = 1, 1, 0
	b.spares[0], b.spares[1] = 1, 1
	// Only the last bucket page is written at creation; page 1 stays a
	// hole until the first put into bucket 0 touches it.
	b.pages = make([]*hpage, 3, 64)
	b.pages[2] = &hpage{typ: pHash}
	b.lastPgno = 2
	b.lazy = true
	b.keys = keyset.New(opt.SizeHint, func(id int32) []byte { return b.key(b.item(id)) })
	return b
}

// settle sorts the pairs put at the end of page p (lazy) into their
// places, as the searches of the puts would have.
func (b *HashBuilder) settle(p *hpage) {
	if p.tail == 0 {
		return
	}
	items, pfx := p.items, p.pfx
	for k := len(items) - p.tail; k < len(items); k++ {
		id, kp := items[k], pfx[k]
		// search's search, with the prefix at hand: the key itself
		// is read only when the prefixes cannot tell (all on-page)
		base, i, res := 0, 0, 0
		for lim := k; lim != 0; lim >>= 1 {
			i = base + lim>>1
			var ok bool
			if res, ok = cmpPfx(&kp, &pfx[i], true); !ok {
				res = b.cmpItem(b.key(b.item(id)), false, items[i])
			}
			if res > 0 {
				base = i + 1
				lim--
			}
		}
		if res > 0 {
			i++
		}
		copy(items[i+1:k+1], items[i:k])
		items[i] = id
		copy(pfx[i+1:k+1], pfx[i:k])
		pfx[i] = kp
	}
	p.tail = 0
}

// settleAll sorts every page and ends the lazy puts.
func (b *HashBuilder) settleAll() {
	if !b.lazy {
		return
	}
	for _, p := range b.pages {
		if p != nil {
			b.settle(p)
		}
	}
	b.lazy, b.keys = false, nil
}

// Len returns the number of keys in the database.
func (b *HashBuilder) Len() int { return int(b.nelem - b.nelem0) }

func (b *HashBuilder) key(it *hitem) []byte {
	return b.store.Bytes(it.ref, int(it.klen))
}

func (b *HashBuilder) val(it *hitem) []byte {
	return b.store.Bytes(it.ref+arena.Ref(it.klen), int(it.vlen))
}

func (b *HashBuilder) item(id int32) *hitem { return b.items.At(int(id)) }

// ksize and dsize are the bytes an item takes on a hash page, without
// its index entry (LEN_HITEM).
func (b *HashBuilder) ksize(it *hitem) int {
	if it.kpg != 0 {
		return 12
	}
	return 1 + int(it.klen)
}

func (b *HashBuilder) dsize(it *hitem) int {
	switch it.vtyp {
	case hOffpage:
		return 12
	case hOffDup:
		return 8
	}
	return 1 + int(it.vlen)
}

func (b *HashBuilder) pairLen(id int32) int {
	it := b.item(id)
	return b.ksize(it) + b.dsize(it) + 4
}

func (b *HashBuilder) freeSpace(p *hpage) int {
	return b.pgsize - pageHeader - p.used
}

func (b *HashBuilder) bucketOf(h uint32) uint32 {
	bucket := h & b.highMask
	if bucket > b.maxBucket {
		bucket &= b.lowMask
	}
	return bucket
}

func (b *HashBuilder) bucketPage(bucket uint32) uint32 {
	return bucket + b.spares[log2ceil(bucket+1)]
}

// page returns page pgno, creating an empty one where the file has a
// hole (pages of a doubling that were allocated but not yet used).
func (b *HashBuilder) page(pgno uint32) *hpage {
	for uint32(len(b.pages)) <= pgno {
		b.pages = append(b.pages, nil)
	}
	p := b.pages[pgno]
	if p == nil {
		p = &hpage{typ: pHash}
		b.pages[pgno] = p
	}
	return p
}

// cmpItem compares key with the key of item id the way
// __ham_getindex_sorted does. Two on-page keys compare with memcmp over
// their common length and, when one is a prefix of the other, the
// longer sorts first. As soon as either side is stored off-page (keyOff
// says how the caller presents key) the ordinary order applies, the
// longer sorting last.
func (b *HashBuilder) cmpItem(key []byte, keyOff bool, id int32) int {
	it := b.item(id)
	ik := b.key(it)
	if keyOff || it.kpg != 0 {
		return bytes.Compare(key, ik)
	}
	n := min(len(key), len(ik))
	if c := bytes.Compare(key[:n], ik[:n]); c != 0 {
		return c
	}
	switch {
	case len(ik) > len(key):
		return 1
	case len(ik) < len(key):
		return -1
	}
	return 0
}

// keyPfx is the first 24 bytes of a key as big-endian words, with its
// length: most comparisons during a search are decided by it alone,
// without touching the key itself.
type keyPfx struct {
	w    [3]uint64
	klen uint32
	hash uint32 // the key's hash, for splits
	plen uint16 // the pair's size on the page, index entries included
	big  bool   // stored off-page: ordinary order
}

func makePfx(key []byte, big bool) keyPfx {
	p := keyPfx{klen: uint32(len(key)), big: big}
	for i := 0; i < 3 && 8*i < len(key); i++ {
		if len(key) >= 8*i+8 {
			p.w[i] = binary.BigEndian.Uint64(key[8*i:])
			continue
		}
		var w uint64
		for j, c := range key[8*i:] {
			w |= uint64(c) << (56 - 8*j)
		}
		p.w[i] = w
	}
	return p
}

// cmpPfx compares two keys by their prefixes in the order cmpItem uses
// (weird: the on-page order where a longer key sorts before its prefix).
// ok is false when the first 24 bytes cannot decide.
func cmpPfx(a, e *keyPfx, weird bool) (c int, ok bool) {
	for i := 0; i < 3; i++ {
		if x, y := a.w[i], e.w[i]; x != y {
			d := uint32(i*8 + bits.LeadingZeros64(x^y)/8)
			if d < min(a.klen, e.klen) {
				if x < y {
					return -1, true
				}
				return 1, true
			}
			return lenOrder(a.klen, e.klen, weird), true
		}
	}
	if min(a.klen, e.klen) <= 24 {
		return lenOrder(a.klen, e.klen, weird), true
	}
	return 0, false
}

// lenOrder orders two keys one of which is a prefix of the other.
func lenOrder(a, e uint32, weird bool) int {
	switch {
	case a == e:
		return 0
	case (a < e) != weird:
		return -1
	}
	return 1
}

// search is the binary search of __ham_getindex_sorted: the index of
// the pair holding key, or where it is to be inserted.
func (b *HashBuilder) search(p *hpage, key []byte, keyOff bool) (int, bool) {
	kp := makePfx(key, keyOff)
	base, indx, res := 0, 0, 0
	for lim := len(p.items); lim != 0; lim >>= 1 {
		indx = base + lim>>1
		e := &p.pfx[indx]
		var ok bool
		if res, ok = cmpPfx(&kp, e, !keyOff && !e.big); !ok {
			res = b.cmpItem(key, keyOff, p.items[indx])
		}
		if res == 0 {
			return indx, true
		}
		if res > 0 {
			base = indx + 1
			lim--
		}
	}
	if res > 0 {
		indx++
	}
	return indx, false
}

func (b *HashBuilder) insertAt(p *hpage, i int, id int32) {
	b.insertPfx(p, i, id, b.itemPfx(id, b.key(b.item(id))))
}

// itemPfx is the page entry of item id, whose key the caller has at
// hand.
func (b *HashBuilder) itemPfx(id int32, key []byte) keyPfx {
	it := b.item(id)
	kp := makePfx(key, it.kpg != 0)
	kp.hash = it.hash
	kp.plen = uint16(b.pairLen(id))
	return kp
}

// insertPfx inserts pair id, whose key prefix the caller has at hand,
// at index i of page p.
func (b *HashBuilder) insertPfx(p *hpage, i int, id int32, kp keyPfx) {
	if len(p.items) == 0 && cap(p.items) == 0 {
		if n := len(b.poolItems); n > 0 {
			p.items, p.pfx = b.poolItems[n-1], b.poolPfx[n-1]
			b.poolItems, b.poolPfx = b.poolItems[:n-1], b.poolPfx[:n-1]
		} else {
			p.items = make([]int32, 0, 128)
			p.pfx = make([]keyPfx, 0, 128)
		}
	}
	p.items = append(p.items, 0)
	copy(p.items[i+1:], p.items[i:])
	p.items[i] = id
	p.pfx = append(p.pfx, keyPfx{})
	copy(p.pfx[i+1:], p.pfx[i:])
	p.pfx[i] = kp
	p.used += int(kp.plen)
}

// resized updates the page after pair i changed size in place.
func (b *HashBuilder) resized(p *hpage, i int) {
	p.used -= int(p.pfx[i].plen)
	p.pfx[i].plen = uint16(b.pairLen(p.items[i]))
	p.used += int(p.pfx[i].plen)
}

// removeAt takes pair i off page p.
func (b *HashBuilder) removeAt(p *hpage, i int) {
	p.used -= int(p.pfx[i].plen)
	p.items = append(p.items[:i], p.items[i+1:]...)
	p.pfx = append(p.pfx[:i], p.pfx[i+1:]...)
}

// insertSorted inserts a pair whose key is presented as stored (off-page
// when big), as __ham_copypair and __ham_add_el do.
func (b *HashBuilder) insertSorted(p *hpage, id int32) {
	it := b.item(id)
	i, _ := b.search(p, b.key(it), it.kpg != 0)
	b.insertAt(p, i, id)
}

// dbNew is __db_new: take the head of the free list, or extend the file.
func (b *HashBuilder) dbNew(typ byte) uint32 {
	var pgno uint32
	if b.free != 0 {
		pgno = b.free
		b.free = b.pages[pgno].next
	} else {
		b.lastPgno++
		pgno = b.lastPgno
	}
	for uint32(len(b.pages)) <= pgno {
		b.pages = append(b.pages, nil)
	}
	b.pages[pgno] = &hpage{typ: typ}
	return pgno
}

// dbFree is __db_free: the last page of the file is truncated away,
// any other goes to the head of the free list.
func (b *HashBuilder) dbFree(pgno uint32) {
	if pgno == b.lastPgno {
		b.pages[pgno] = nil
		b.lastPgno--
		return
	}
	b.pages[pgno] = &hpage{typ: pInvalid, next: b.free}
	b.free = pgno
}

// addOvflPage links a new page after page pgno of a bucket chain.
func (b *HashBuilder) addOvflPage(pgno uint32) uint32 {
	n := b.dbNew(pHash)
	b.pages[pgno].next = n
	b.pages[n].prev = pgno
	return n
}

// poff is __db_poff: store a big item on a chain of overflow pages.
func (b *HashBuilder) poff(data []byte) uint32 {
	space := b.pgsize - pageHeader
	var first, last uint32
	for len(data) > 0 {
		n := min(space, len(data))
		pg := b.dbNew(pOverflow)
		b.pages[pg].data = data[:n]
		if last == 0 {
			first = pg
		} else {
			b.pages[last].next = pg
			b.pages[pg].prev = last
		}
		last = pg
		data = data[n:]
	}
	return first
}

// Put adds key with value val. In NoOverwrite mode an existing key is
// left alone and ErrKeyExists returned.
func (b *HashBuilder) Put(key, val []byte, mode PutMode) error {
	if uint64(len(key)) > 1<<32-1 || uint64(len(val)) > 1<<32-1 {
		return ErrTooBig
	}
	if mode == Append && !b.dups {
		mode = Overwrite
	}
	if b.lazy && (mode != NoOverwrite || len(key) > b.bigSize) {
		b.settleAll()
	}
	h := hashFunc(key)
	bucket := b.bucketOf(h)
	pgno := b.bucketPage(bucket)
	psize := func(n int) int {
		if n > b.bigSize {
			return 14
		}
		return n + 3
	}
	nbytes := psize(len(key)) + psize(len(val))
	if b.lazy {
		return b.putLazy(key, val, h, pgno, nbytes)
	}

	// __ham_lookup: walk the chain looking for the key, noting the
	// first page with room for the pair.
	var seek, last uint32
	seekIndx := 0
	for pg := pgno; pg != 0; pg = b.pages[pg].next {
		p := b.page(pg)
		if seek == 0 && nbytes < b.freeSpace(p) {
			seek = pg
		}
		i, ok := b.search(p, key, false)
		if ok {
			return b.exists(pg, i, val, mode)
		}
		if seek == pg {
			seekIndx = i
		}
		last = pg
	}

	// __ham_add_el.
	target, expand := b.room(seek, last, nbytes)
	id := b.newItem(key, val, h)
	it := b.item(id)
	if len(key) > b.bigSize {
		it.kpg = b.poff(b.key(it))
		b.bigKeys++
	}
	if len(val) > b.bigSize {
		it.vtyp = hOffpage
		it.vpg = b.poff(b.val(it))
	}
	if target == seek {
		b.insertPfx(b.pages[target], seekIndx, id, b.itemPfx(id, key))
	} else {
		b.insertSorted(b.pages[target], id)
	}
	b.nelem++
	if expand {
		b.expand()
	}
	return nil
}

// room is the page a new pair of nbytes goes to (__ham_add_el): seek,
// the first page of the bucket's chain with room, else a new overflow
// page after last, its last page; expand says the bucket grew a page,
// after which the table expands.
func (b *HashBuilder) room(seek, last uint32, nbytes int) (target uint32, expand bool) {
	target = seek
	if target == 0 {
		target = last
	}
	if b.freeSpace(b.pages[target]) < nbytes {
		return b.addOvflPage(target), true
	}
	return target, false
}

// putLazy is Put of a new on-page key in NoOverwrite mode (lazy): the
// pair goes where Put would put it, at the end of the page.
func (b *HashBuilder) putLazy(key, val []byte, h, pgno uint32, nbytes int) error {
	slot, _, found := b.keys.Find(h, key)
	if found {
		return ErrKeyExists
	}
	// __ham_lookup's walk, for the first page with room
	var seek, last uint32
	for pg := pgno; pg != 0; pg = b.pages[pg].next {
		p := b.page(pg)
		if seek == 0 && nbytes < b.freeSpace(p) {
			seek = pg
		}
		last = pg
	}
	target, expand := b.room(seek, last, nbytes)
	id := b.newItem(key, val, h)
	if len(val) > b.bigSize {
		it := b.item(id)
		it.vtyp = hOffpage
		it.vpg = b.poff(b.val(it))
	}
	p := b.pages[target]
	b.insertPfx(p, len(p.items), id, b.itemPfx(id, key))
	p.tail++
	b.keys.Insert(slot, h, id)
	b.nelem++
	if expand {
		b.expand()
	}
	return nil
}

func (b *HashBuilder) newItem(key, val []byte, h uint32) int32 {
	ref, buf := b.store.Alloc(len(key) + len(val))
	copy(buf, key)
	copy(buf[len(key):], val)
	return int32(b.items.Append(hitem{
		ref: ref, klen: uint32(len(key)), vlen: uint32(len(val)),
		hash: h, vtyp: hKeyData,
	}))
}

// exists handles a put of a key found as pair i of page pg.
func (b *HashBuilder) exists(pg uint32, i int, val []byte, mode PutMode) error {
	switch mode {
	case NoOverwrite:
		return ErrKeyExists
	case Append:
		return b.addDup(pg, i, val)
	}
	return b.overwrite(pg, i, val)
}

// overwrite is __ham_overwrite/__ham_replpair for a whole new value:
// in place when the value stays small and fits, else delete and add.
func (b *HashBuilder) overwrite(pg uint32, i int, val []byte) error {
	p := b.pages[pg]
	id := p.items[i]
	it := b.item(id)
	oldBig := it.vtyp == hOffpage
	oldLen := int(it.vlen)
	growth := len(val) - oldLen
	if it.vtyp == hDuplicate || it.vtyp == hOffDup {
		// Only reached for databases without duplicates; keep the
		// simple semantics.
		oldBig = true
	}
	if !oldBig && len(val) <= b.bigSize && (growth <= 0 || growth <= b.freeSpace(p)) {
		b.setVal(id, val)
		b.resized(p, i)
		return nil
	}
	// Delete (freeing the pages of a big key, then of a big value),
	// then __ham_add_el starting from this page, which stores a big
	// key afresh.
	if it.kpg != 0 {
		b.freeChain(it.kpg)
		it.kpg = 0
		b.bigKeys--
	}
	if it.vtyp == hOffpage {
		b.freeChain(it.vpg)
	}
	b.removeAt(p, i)
	b.nelem--
	b.setVal(id, val)
	it = b.item(id)
	it.vtyp, it.vpg = hKeyData, 0
	bigKey := int(it.klen) > b.bigSize
	nbytes := 1 + int(it.klen) + 4
	if bigKey {
		nbytes = 12 + 4
	}
	if len(val) > b.bigSize {
		nbytes += 12
	} else {
		nbytes += 1 + len(val)
	}
	target := pg
	for len(b.pages[target].items) > 0 && b.pages[target].next != 0 {
		if b.freeSpace(b.pages[target]) >= nbytes {
			break
		}
		target = b.pages[target].next
	}
	expand := false
	if b.freeSpace(b.pages[target]) < nbytes {
		target = b.addOvflPage(target)
		expand = true
	}
	if bigKey {
		it.kpg = b.poff(b.key(it))
		b.bigKeys++
	}
	if len(val) > b.bigSize {
		it.vtyp = hOffpage
		it.vpg = b.poff(b.val(it))
	}
	b.insertSorted(b.pages[target], id)
	b.nelem++
	if expand {
		b.expand()
	}
	return nil
}

func (b *HashBuilder) setVal(id int32, val []byte) {
	it := b.item(id)
	key := b.key(it)
	ref, buf := b.store.Alloc(len(key) + len(val))
	copy(buf, key)
	copy(buf[len(key):], val)
	it.ref = ref
	it.vlen = uint32(len(val))
}

func (b *HashBuilder) freeChain(pg uint32) {
	for pg != 0 {
		next := b.pages[pg].next
		b.dbFree(pg)
		pg = next
	}
}

// expand is __ham_expand_table followed by __ham_split_page.
func (b *HashBuilder) expand() {
	newBucket := b.maxBucket + 1
	oldBucket := newBucket & b.lowMask
	newDouble := b.maxBucket == b.highMask
	logn := log2ceil(newBucket)
	if newDouble && b.spares[logn+1] == 0 {
		pgno := b.lastPgno + 1 + b.maxBucket
		b.spares[logn+1] = (pgno - newBucket) - b.maxBucket
		b.lastPgno = pgno
		b.page(pgno)
	}
	b.maxBucket = newBucket
	if newDouble {
		b.lowMask = b.highMask
		b.highMask = newBucket | b.lowMask
	}
	b.split(oldBucket, newBucket)
}

func (b *HashBuilder) split(obucket, nbucket uint32) {
	bpg := b.bucketPage(obucket)
	npg := b.bucketPage(nbucket)
	old := b.page(bpg)
	if b.lazy {
		// the pairs are moved in the order of each page
		for pg := bpg; pg != 0; pg = b.pages[pg].next {
			b.settle(b.pages[pg])
		}
	}
	temp := *old
	*old = hpage{typ: pHash}
	b.pages[npg] = &hpage{typ: pHash}
	cur := [2]uint32{bpg, npg}
	tp := &temp
	tpg := bpg
	for {
		for j, id := range tp.items {
			side := 1
			if b.bucketOf(tp.pfx[j].hash) == obucket {
				side = 0
			}
			if b.freeSpace(b.pages[cur[side]]) < int(tp.pfx[j].plen) {
				cur[side] = b.addOvflPage(cur[side])
			}
			dst := b.pages[cur[side]]
			if n := len(dst.items); b.bigKeys == 0 && dst.tail == 0 && (n == 0 ||
				b.after(&tp.pfx[j], dst, id)) {
				b.insertPfx(dst, n, id, tp.pfx[j])
			} else if b.lazy {
				// to the page's tail, sorted when its order is read
				b.insertPfx(dst, n, id, tp.pfx[j])
				dst.tail++
			} else {
				b.insertSorted(dst, id)
			}
		}
		next := tp.next
		b.recycle(tp)
		if tpg != bpg {
			b.dbFree(tpg)
		}
		if next == 0 {
			break
		}
		tpg = next
		tp = b.pages[next]
	}
}

// after reports whether item id, whose prefix is kp, sorts after the
// last pair of dst (no off-page keys anywhere).
func (b *HashBuilder) after(kp *keyPfx, dst *hpage, id int32) bool {
	n := len(dst.items)
	c, ok := cmpPfx(kp, &dst.pfx[n-1], true)
	if !ok {
		c = b.cmpItem(b.key(b.item(id)), false, dst.items[n-1])
	}
	return c > 0
}

// addDup appends val to the duplicate set of pair i on page pg
// (__ham_add_dup with DB_KEYLAST).
func (b *HashBuilder) addDup(pg uint32, i int, val []byte) error {
	if len(val) > 0xffff {
		return ErrTooBig
	}
	p := b.pages[pg]
	id := p.items[i]
	it := b.item(id)
	if it.vtyp == hOffDup {
		root := b.pages[it.vpg]
		root.data = appendDup(root.data, val)
		return nil
	}
	addBytes := len(val) + 4
	if it.vtyp != hDuplicate {
		addBytes += 4
	}
	var moved bool
	pg, i, moved = b.checkMove(pg, i, addBytes)
	if moved {
		// __ham_check_move asks for a table expansion, done once the
		// put is complete.
		defer b.expand()
	}
	p = b.pages[pg]
	it = b.item(id)
	newSize := int(it.vlen) + addBytes
	if it.vtyp == hOffpage || newSize > b.bigSize || addBytes > b.freeSpace(p) {
		// __ham_dup_convert: the set moves to an off-page duplicate
		// tree whose pages are laid out when the file is written.
		var set []byte
		switch it.vtyp {
		case hOffpage:
			set = appendDup(nil, b.val(it))
			b.freeChain(it.vpg)
		case hDuplicate:
			set = append([]byte(nil), b.val(it)...)
		default:
			set = appendDup(nil, b.val(it))
		}
		set = appendDup(set, val)
		root := b.dbNew(pLRecno)
		b.pages[root].data = set
		it = b.item(id)
		it.vtyp, it.vpg = hOffDup, root
		b.resized(p, i)
		return nil
	}
	var set []byte
	if it.vtyp == hDuplicate {
		set = append([]byte(nil), b.val(it)...)
	} else {
		set = appendDup(nil, b.val(it))
	}
	set = appendDup(set, val)
	b.setVal(id, set)
	b.item(id).vtyp = hDuplicate
	b.resized(p, i)
	return nil
}

// appendDup adds one element to an encoded on-page duplicate set:
// len(2) data len(2).
func appendDup(set, val []byte) []byte {
	var l [2]byte
	binary.LittleEndian.PutUint16(l[:], uint16(len(val)))
	set = append(set, l[:]...)
	set = append(set, val...)
	return append(set, l[:]...)
}

// checkMove is __ham_check_move: when a duplicate set is about to grow
// beyond its page, the pair moves to a later page of the chain with
// room, or to a new page at the end of the chain.
func (b *HashBuilder) checkMove(pg uint32, i int, addLen int) (uint32, int, bool) {
	p := b.pages[pg]
	id := p.items[i]
	it := b.item(id)
	if it.vtyp == hOffDup || it.vtyp == hOffpage {
		return pg, i, false
	}
	oldLen := b.dsize(it)
	newData := int(it.vlen) + addLen
	if it.vtyp != hDuplicate {
		newData += 4
	}
	free := b.freeSpace(p)
	if newData > b.bigSize && (oldLen > 8 || 8-oldLen <= free) {
		return pg, i, false
	}
	if newData <= b.bigSize && newData-oldLen <= free {
		return pg, i, false
	}
	need := b.ksize(it)
	if newData > b.bigSize {
		need += 8
	} else {
		need += 1 + newData
	}
	dest := uint32(0)
	lastPg := pg
	for n := p.next; n != 0; n = b.pages[n].next {
		lastPg = n
		if b.freeSpace(b.pages[n]) >= need {
			dest = n
			break
		}
	}
	if dest == 0 {
		dest = b.addOvflPage(lastPg)
	}
	b.removeAt(p, i)
	b.insertSorted(b.pages[dest], id)
	j, _ := b.search(b.pages[dest], b.key(it), it.kpg != 0)
	return dest, j, true
}

// WriteTo writes the database file.
func (b *HashBuilder) WriteTo(w io.Writer) (int64, error) {
	b.settleAll()
	bw := bufio.NewWriterSize(w, 1<<16)
	// Off-page duplicate trees are laid out now; those that outgrow
	// their root page take pages beyond the end of the file.
	l := b.layoutDupTrees()
	last := b.lastPgno + uint32(len(l.specs))
	buf := make([]byte, b.pgsize)
	var n int64
	for pgno := uint32(0); pgno <= last; pgno++ {
		clear(buf)
		switch {
		case pgno == 0:
			b.encodeMeta(buf, last)
		case pgno > b.lastPgno:
			renderSpec(buf, pgno, l.spec(pgno))
		case l.fixed[pgno] != nil:
			renderSpec(buf, pgno, l.fixed[pgno])
		case int(pgno) < len(b.pages) && b.pages[pgno] != nil:
			if err := b.encodePage(buf, pgno, b.pages[pgno]); err != nil {
				return n, err
			}
		}
		m, err := bw.Write(buf)
		n += int64(m)
		if err != nil {
			return n, err
		}
	}
	return n, bw.Flush()
}

// layoutDupTrees lays out the off-page duplicate trees.
func (b *HashBuilder) layoutDupTrees() *layout {
	l := &layout{pgsize: b.pgsize, ovflsize: (b.pgsize-pageHeader)/4 - 10,
		base: b.lastPgno, fixed: map[uint32]*pageSpec{}}
	for pg, p := range b.pages {
		if p == nil || p.typ != pLRecno {
			continue
		}
		var vals [][]byte
		set := p.data
		for len(set) >= 4 {
			n := int(binary.LittleEndian.Uint16(set))
			vals = append(vals, set[2:2+n])
			set = set[4+n:]
		}
		l.fixed[uint32(pg)] = &pageSpec{}
		l.dupTree(uint32(pg), vals)
	}
	return l
}

func (b *HashBuilder) encodeMeta(buf []byte, last uint32) {
	le := binary.LittleEndian
	le.PutUint32(buf[0:], 0)
	le.PutUint32(buf[4:], 1)
	le.PutUint32(buf[8:], 0)
	le.PutUint32(buf[12:], hashMagic)
	le.PutUint32(buf[16:], hashVersion)
	le.PutUint32(buf[20:], uint32(b.pgsize))
	buf[25] = pHashMeta
	le.PutUint32(buf[28:], b.free)
	le.PutUint32(buf[32:], last)
	var flags uint32
	if b.dups {
		flags |= hashFlagDup
	}
	le.PutUint32(buf[48:], flags)
	copy(buf[metaUIDOff:], b.uid[:])
	le.PutUint32(buf[72:], b.maxBucket)
	le.PutUint32(buf[76:], b.highMask)
	le.PutUint32(buf[80:], b.lowMask)
	le.PutUint32(buf[84:], 0) // ffactor
	le.PutUint32(buf[88:], b.nelem)
	le.PutUint32(buf[92:], hashFunc([]byte(charKey)))
	for i, s := range b.spares {
		le.PutUint32(buf[96+4*i:], s)
	}
}

func (b *HashBuilder) encodePage(buf []byte, pgno uint32, p *hpage) error {
	le := binary.LittleEndian
	switch p.typ {
	case pInvalid:
		putHeader(buf, pgno, 0, p.next, 0, b.pgsize, 0, pInvalid)
	case pOverflow:
		putHeader(buf, pgno, p.prev, p.next, 1, len(p.data), 0, pOverflow)
		copy(buf[pageHeader:], p.data)
	case pHash:
		off := b.pgsize
		n := len(p.items) * 2
		for j, id := range p.items {
			it := b.item(id)
			ks := b.ksize(it)
			off -= ks
			le.PutUint16(buf[pageHeader+4*j:], uint16(off))
			if it.kpg != 0 {
				putOffpage(buf[off:], it.kpg, it.klen)
			} else {
				buf[off] = hKeyData
				copy(buf[off+1:], b.key(it))
			}
			ds := b.dsize(it)
			off -= ds
			le.PutUint16(buf[pageHeader+4*j+2:], uint16(off))
			switch it.vtyp {
			case hOffpage:
				putOffpage(buf[off:], it.vpg, it.vlen)
			case hOffDup:
				buf[off] = hOffDup
				le.PutUint32(buf[off+4:], it.vpg)
			default:
				buf[off] = it.vtyp
				copy(buf[off+1:], b.val(it))
			}
		}
		if off < pageHeader+2*n {
			return errors.New("bdb: internal error: hash page overflow")
		}
		putHeader(buf, pgno, p.prev, p.next, n, off, 0, pHash)
	}
	return nil
}

func putOffpage(b []byte, pgno, tlen uint32) {
	b[0] = hOffpage
	binary.LittleEndian.PutUint32(b[4:], pgno)
	binary.LittleEndian.PutUint32(b[8:], tlen)
}

// LoadHash returns a builder holding the contents and the exact page
// layout of an existing hash database, so that further puts continue as
// Berkeley DB would continue them on that file (makemap -o, postmap -i).
// Off-page duplicate trees are read back as value lists and laid out
// afresh when the file is written.
func LoadHash(db *DB) (*HashBuilder, error) {
	if db.kind != Hash {
		return nil, fmt.Errorf("%w: not a hash database", ErrUnsupported)
	}
	if db.pgsize != DefaultPageSize {
		return nil, fmt.Errorf("%w: page size %d", ErrUnsupported, db.pgsize)
	}
	db = db.limited(8)
	var m [512]byte
	if _, err := db.r.ReadAt(m[:], 0); err != nil {
		return nil, err
	}
	bo := db.bo
	b := &HashBuilder{
		pgsize:    db.pgsize,
		bigSize:   db.pgsize / 4,
		dups:      db.dups,
		maxBucket: db.maxBucket,
		highMask:  db.highMask,
		lowMask:   db.lowMask,
		spares:    db.spares,
		free:      bo.Uint32(m[28:]),
		lastPgno:  bo.Uint32(m[32:]),
		nelem:     bo.Uint32(m[88:]),
	}
	copy(b.uid[:], m[metaUIDOff:metaUIDOff+metaUIDLen])
	b.pages = make([]*hpage, b.lastPgno+1)
	buf := make([]byte, db.pgsize)
	// Items refer to overflow chains by their first page; the chain's
	// pages are loaded as they are met.
	for pgno := uint32(1); pgno <= b.lastPgno; pgno++ {
		if _, err := db.r.ReadAt(buf, int64(pgno)*int64(db.pgsize)); err != nil {
			return nil, fmt.Errorf("reading page %d: %w", pgno, err)
		}
		p := page{b: buf, bo: bo}
		if p.pgno() == 0 && p.typ() == pInvalid {
			continue // never written
		}
		if p.pgno() != pgno {
			return nil, formatErr(pgno, "page says it is page %d", p.pgno())
		}
		switch p.typ() {
		case pInvalid:
			b.pages[pgno] = &hpage{typ: pInvalid, next: p.next()}
		case pOverflow:
			l := p.hfOffset()
			if l > db.pgsize-pageHeader {
				return nil, formatErr(pgno, "bad overflow length %d", l)
			}
			b.pages[pgno] = &hpage{typ: pOverflow, prev: p.prev(), next: p.next(),
				data: append([]byte(nil), p.b[pageHeader:pageHeader+l]...)}
		case pHash, pHashUnsorted:
			if err := db.checkHashPage(pgno, p); err != nil {
				return nil, err
			}
			hp := &hpage{typ: pHash, prev: p.prev(), next: p.next()}
			for i := 0; i < p.entries(); i += 2 {
				id, err := b.loadPair(db, pgno, p, i)
				if err != nil {
					return nil, err
				}
				hp.items = append(hp.items, id)
				hp.used += b.pairLen(id)
			}
			if p.typ() == pHashUnsorted {
				// Berkeley DB sorts such a page before inserting.
				slices.SortStableFunc(hp.items, func(x, y int32) int {
					return b.cmpItem(b.key(b.item(x)), b.item(x).kpg != 0, y)
				})
			}
			for _, id := range hp.items {
				hp.pfx = append(hp.pfx, b.itemPfx(id, b.key(b.item(id))))
			}
			b.pages[pgno] = hp
		case pLRecno, pLDup, pIRecno, pIBtree:
			// Pages of off-page duplicate trees; rebuilt below.
			b.pages[pgno] = &hpage{typ: pInvalid, next: 0, data: nil}
		default:
			return nil, formatErr(pgno, "unexpected page type %d in a hash file", p.typ())
		}
	}
	// Off-page duplicate trees become builder roots holding their sets.
	for id := int32(0); int(id) < b.items.Len(); id++ {
		it := b.item(id)
		if it.vtyp != hOffDup {
			continue
		}
		var set []byte
		if err := db.offDupWalk(it.vpg, func(v []byte) bool {
			set = appendDup(set, v)
			return true
		}); err != nil {
			return nil, err
		}
		b.pages[it.vpg] = &hpage{typ: pLRecno, data: set}
	}
	b.nelem0 = b.nelem - uint32(b.items.Len())
	if err := b.checkLoaded(); err != nil {
		return nil, err
	}
	return b, nil
}

// checkLoaded verifies the structure a builder is to continue from: every
// bucket chain and the free list reach only pages of the right type,
// each page at most once, so that further puts cannot loop.
func (b *HashBuilder) checkLoaded() error {
	// Spare points past the current doubling are unused (0): a put that
	// grows the table takes its pages from them.
	for i := log2ceil(b.maxBucket+1) + 1; i < nCached; i++ {
		if b.spares[i] != 0 {
			return formatErr(0, "spare point %d set past the table's size", i)
		}
	}
	if b.lastPgno > 1<<30 {
		return formatErr(0, "last page %d out of range", b.lastPgno)
	}
	seen := make(map[uint32]bool)
	for bucket := uint32(0); bucket <= b.maxBucket; bucket++ {
		pg := b.bucketPage(bucket)
		if pg == 0 || pg > b.lastPgno {
			return formatErr(pg, "bucket %d outside the file", bucket)
		}
		if b.pages[pg] == nil {
			continue // never written: an empty bucket
		}
		for ; pg != 0; pg = b.pages[pg].next {
			if pg > b.lastPgno || b.pages[pg] == nil || b.pages[pg].typ != pHash || seen[pg] {
				return formatErr(pg, "bad hash chain")
			}
			seen[pg] = true
		}
	}
	for pg := b.free; pg != 0; pg = b.pages[pg].next {
		if pg > b.lastPgno || b.pages[pg] == nil || b.pages[pg].typ != pInvalid || seen[pg] {
			return formatErr(pg, "bad free list")
		}
		seen[pg] = true
	}
	return nil
}

// loadPair reads pair i of a hash page into a new item.
func (b *HashBuilder) loadPair(db *DB, pgno uint32, p page, i int) (int32, error) {
	kit := db.hashItemAt(p, i)
	dit := db.hashItemAt(p, i+1)
	key, err := db.hashItemBytes(pgno, kit)
	if err != nil {
		return 0, err
	}
	var val []byte
	vtyp := dit.typ
	var vpg uint32
	switch dit.typ {
	case hKeyData, hDuplicate:
		val = dit.data
	case hOffpage:
		if val, err = db.hashItemBytes(pgno, dit); err != nil {
			return 0, err
		}
		vpg = db.bo.Uint32(dit.data[3:])
	case hOffDup:
		if len(dit.data) != 7 {
			return 0, formatErr(pgno, "bad off-page duplicate item")
		}
		vpg = db.bo.Uint32(dit.data[3:])
	default:
		return 0, formatErr(pgno, "bad hash item type %d", dit.typ)
	}
	if dit.typ == hDuplicate && db.bo != binary.LittleEndian {
		// Re-encode the lengths in the order this package writes.
		var set []byte
		if err := db.eachDup(pgno, dit.data, func(v []byte) bool {
			set = appendDup(set, v)
			return true
		}); err != nil {
			return 0, err
		}
		val = set
	}
	id := b.newItem(key, val, hashFunc(key))
	it := b.item(id)
	it.vtyp, it.vpg = vtyp, vpg
	if kit.typ == hOffpage {
		it.kpg = db.bo.Uint32(kit.data[3:])
		b.bigKeys++
	}
	return id, nil
}
