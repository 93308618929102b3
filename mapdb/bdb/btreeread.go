package bdb

import (
	"bytes"
)

// btItem is one item of a btree page.
type btItem struct {
	typ  byte   // B_KEYDATA, B_DUPLICATE or B_OVERFLOW, delete flag kept
	data []byte // B_KEYDATA: the bytes
	pgno uint32 // B_DUPLICATE, B_OVERFLOW: the page referenced
	tlen uint32 // B_OVERFLOW: total length
}

func (it btItem) deleted() bool { return it.typ&bDelete != 0 }

// checkBtreePage validates the index array of a btree page.
func (db *DB) checkBtreePage(pgno uint32, p page, want ...byte) error {
	ok := false
	for _, t := range want {
		if p.typ() == t {
			ok = true
		}
	}
	if !ok {
		return formatErr(pgno, "btree page has type %d", p.typ())
	}
	n := p.entries()
	hf := p.hfOffset()
	if pageHeader+2*n > db.pgsize || hf < pageHeader+2*n || hf > db.pgsize {
		return formatErr(pgno, "bad item count %d or free-space offset %d", n, hf)
	}
	if p.typ() == pLBtree && n%2 != 0 {
		return formatErr(pgno, "odd number of leaf items (%d)", n)
	}
	return nil
}

// leafItem decodes item i of a leaf or duplicate page.
func (db *DB) leafItem(pgno uint32, p page, i int) (btItem, error) {
	off := p.inp(i)
	if off < p.hfOffset() || off+3 > db.pgsize {
		return btItem{}, formatErr(pgno, "item %d at bad offset %d", i, off)
	}
	t := p.b[off+2]
	switch t &^ bDelete {
	case bKeyData:
		l := int(db.bo.Uint16(p.b[off:]))
		if off+3+l > db.pgsize {
			return btItem{}, formatErr(pgno, "item %d runs past the page", i)
		}
		return btItem{typ: t, data: p.b[off+3 : off+3+l]}, nil
	case bDuplicate, bOverflow:
		if off+12 > db.pgsize {
			return btItem{}, formatErr(pgno, "item %d runs past the page", i)
		}
		return btItem{typ: t, pgno: db.bo.Uint32(p.b[off+4:]), tlen: db.bo.Uint32(p.b[off+8:])}, nil
	}
	return btItem{}, formatErr(pgno, "item %d has bad type %d", i, t)
}

// internalItem decodes entry i of an internal page: the child page and
// the separator key (nil for an overflow key, given by ovfl instead).
func (db *DB) internalItem(pgno uint32, p page, i int) (child uint32, key []byte, ovfl btItem, err error) {
	off := p.inp(i)
	if off < p.hfOffset() || off+12 > db.pgsize {
		return 0, nil, btItem{}, formatErr(pgno, "entry %d at bad offset %d", i, off)
	}
	l := int(db.bo.Uint16(p.b[off:]))
	t := p.b[off+2] &^ bDelete
	child = db.bo.Uint32(p.b[off+4:])
	if off+12+l > db.pgsize {
		return 0, nil, btItem{}, formatErr(pgno, "entry %d runs past the page", i)
	}
	data := p.b[off+12 : off+12+l]
	switch t {
	case bKeyData:
		return child, data, btItem{}, nil
	case bOverflow:
		if l != 12 {
			return 0, nil, btItem{}, formatErr(pgno, "entry %d: bad overflow reference", i)
		}
		return child, nil, btItem{typ: bOverflow, pgno: db.bo.Uint32(data[4:]), tlen: db.bo.Uint32(data[8:])}, nil
	}
	return 0, nil, btItem{}, formatErr(pgno, "entry %d has bad type %d", i, t)
}

// itemBytes returns the bytes of a key-data or overflow item.
func (db *DB) btItemBytes(pgno uint32, it btItem) ([]byte, error) {
	switch it.typ &^ bDelete {
	case bKeyData:
		return it.data, nil
	case bOverflow:
		return db.readChain(it.pgno, it.tlen)
	}
	return nil, formatErr(pgno, "unexpected item type %d", it.typ)
}

func (db *DB) btCompare(pgno uint32, key []byte, it btItem) (int, error) {
	if it.typ&^bDelete == bKeyData {
		return bytes.Compare(key, it.data), nil
	}
	k, err := db.btItemBytes(pgno, it)
	if err != nil {
		return 0, err
	}
	return bytes.Compare(key, k), nil
}

// descend walks from root to the leaf that may hold key (nil key: the
// leftmost leaf). It returns that leaf's page number.
func (db *DB) descend(root uint32, key []byte, leafType byte, buf []byte) (uint32, error) {
	pgno := root
	level := -1
	for depth := 0; ; depth++ {
		if depth > 255 {
			return 0, formatErr(pgno, "btree too deep")
		}
		p, err := db.readPage(pgno, buf)
		if err != nil {
			return 0, err
		}
		if p.typ() == leafType || leafType == pLDup && p.typ() == pLRecno {
			if level != -1 && level != 2 || p.level() != 1 {
				return 0, formatErr(pgno, "leaf page at level %d", p.level())
			}
			return pgno, nil
		}
		if leafType == pLDup && p.typ() == pIRecno {
			// Unsorted off-page duplicates: a recno tree. Only the
			// leftmost path is ever needed (walks start there).
			if err := db.checkBtreePage(pgno, p, pIRecno); err != nil {
				return 0, err
			}
			if level != -1 && p.level() != level-1 || p.level() < 2 || p.entries() == 0 {
				return 0, formatErr(pgno, "bad recno internal page")
			}
			level = p.level()
			off := p.inp(0)
			if off < p.hfOffset() || off+8 > db.pgsize {
				return 0, formatErr(pgno, "entry 0 at bad offset %d", off)
			}
			pgno = db.bo.Uint32(p.b[off:])
			continue
		}
		if err := db.checkBtreePage(pgno, p, pIBtree); err != nil {
			return 0, err
		}
		if level != -1 && p.level() != level-1 || p.level() < 2 {
			return 0, formatErr(pgno, "internal page at level %d", p.level())
		}
		level = p.level()
		n := p.entries()
		if n == 0 {
			return 0, formatErr(pgno, "empty internal page")
		}
		// The largest entry whose key is <= key; entry 0 sorts below
		// every key.
		choice := 0
		if key != nil {
			lo, hi := 1, n
			for lo < hi {
				m := int(uint(lo+hi) >> 1)
				_, k, ov, err := db.internalItem(pgno, p, m)
				if err != nil {
					return 0, err
				}
				var c int
				if k != nil || ov.typ == 0 {
					c = bytes.Compare(key, k)
				} else if c, err = db.btCompare(pgno, key, ov); err != nil {
					return 0, err
				}
				if c >= 0 {
					lo = m + 1
				} else {
					hi = m
				}
			}
			choice = lo - 1
		}
		child, _, _, err := db.internalItem(pgno, p, choice)
		if err != nil {
			return 0, err
		}
		pgno = child
	}
}

// btreeLookup finds key and calls fn with its values.
func (db *DB) btreeLookup(key []byte, fn func([]byte) bool) error {
	buf := db.getBuf()
	defer db.putBuf(buf)
	pgno, err := db.descend(db.root, key, pLBtree, buf)
	if err != nil {
		return err
	}
	// The key (or its duplicates) may continue on the following leaves.
	for n := uint32(0); pgno != 0; n++ {
		if n >= db.npages {
			return formatErr(pgno, "leaf chain loops")
		}
		p, err := db.readPage(pgno, buf)
		if err != nil {
			return err
		}
		if err := db.checkBtreePage(pgno, p, pLBtree); err != nil {
			return err
		}
		np := p.entries() / 2
		lo, hi := 0, np
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			it, err := db.leafItem(pgno, p, 2*m)
			if err != nil {
				return err
			}
			c, err := db.btCompare(pgno, key, it)
			if err != nil {
				return err
			}
			if c > 0 {
				lo = m + 1
			} else {
				hi = m
			}
		}
		for i := lo; i < np; i++ {
			it, err := db.leafItem(pgno, p, 2*i)
			if err != nil {
				return err
			}
			c, err := db.btCompare(pgno, key, it)
			if err != nil {
				return err
			}
			if c != 0 {
				return nil
			}
			if it.deleted() {
				continue
			}
			d, err := db.leafItem(pgno, p, 2*i+1)
			if err != nil {
				return err
			}
			if d.deleted() {
				continue
			}
			more, err := db.btValues(pgno, d, fn)
			if err != nil || !more {
				return err
			}
		}
		pgno = p.next()
	}
	return nil
}

// btValues calls fn with the values of a leaf data item; more reports
// whether fn asked for more.
func (db *DB) btValues(pgno uint32, d btItem, fn func([]byte) bool) (more bool, err error) {
	if d.typ&^bDelete == bDuplicate {
		more = true
		err = db.offDupWalk(d.pgno, func(v []byte) bool {
			more = fn(v)
			return more
		})
		return more, err
	}
	v, err := db.btItemBytes(pgno, d)
	if err != nil {
		return false, err
	}
	return fn(v), nil
}

// btreeWalk visits the leaves from left to right.
func (db *DB) btreeWalk(fn func(key, val []byte) error) error {
	buf := make([]byte, db.pgsize)
	pgno, err := db.descend(db.root, nil, pLBtree, buf)
	if err != nil {
		return err
	}
	for n := uint32(0); pgno != 0; n++ {
		if n >= db.npages {
			return formatErr(pgno, "leaf chain loops")
		}
		p, err := db.readPage(pgno, buf)
		if err != nil {
			return err
		}
		if err := db.checkBtreePage(pgno, p, pLBtree); err != nil {
			return err
		}
		for i := 0; i < p.entries(); i += 2 {
			kit, err := db.leafItem(pgno, p, i)
			if err != nil {
				return err
			}
			dit, err := db.leafItem(pgno, p, i+1)
			if err != nil {
				return err
			}
			if kit.deleted() || dit.deleted() {
				continue
			}
			k, err := db.btItemBytes(pgno, kit)
			if err != nil {
				return err
			}
			var ferr error
			_, err = db.btValues(pgno, dit, func(v []byte) bool {
				ferr = fn(k, v)
				return ferr == nil
			})
			if err != nil {
				return err
			}
			if ferr != nil {
				return ferr
			}
		}
		pgno = p.next()
	}
	return nil
}

// offDupWalk visits an off-page duplicate tree rooted at pgno: P_LDUP
// leaves under P_IBTREE pages for sorted duplicates, P_LRECNO leaves
// under P_IRECNO pages for unsorted ones.
func (db *DB) offDupWalk(root uint32, fn func([]byte) bool) error {
	buf := make([]byte, db.pgsize)
	pgno, err := db.descend(root, nil, pLDup, buf)
	if err != nil {
		return err
	}
	for n := uint32(0); pgno != 0; n++ {
		if n >= db.npages {
			return formatErr(pgno, "duplicate chain loops")
		}
		p, err := db.readPage(pgno, buf)
		if err != nil {
			return err
		}
		if err := db.checkBtreePage(pgno, p, pLDup, pLRecno); err != nil {
			return err
		}
		for i := 0; i < p.entries(); i++ {
			it, err := db.leafItem(pgno, p, i)
			if err != nil {
				return err
			}
			if it.deleted() {
				continue
			}
			if it.typ&^bDelete == bDuplicate {
				return formatErr(pgno, "nested duplicate tree")
			}
			v, err := db.btItemBytes(pgno, it)
			if err != nil {
				return err
			}
			if !fn(v) {
				return nil
			}
		}
		pgno = p.next()
	}
	return nil
}
