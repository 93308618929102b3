package bdb

import (
	"bytes"
	"encoding/binary"
)

func (db *DB) bucketPage(bucket uint32) uint32 {
	return bucket + db.spares[log2ceil(bucket+1)]
}

// hashItem is one item of a hash page, checked against the page bounds.
type hashItem struct {
	typ  byte
	data []byte // on-page bytes after the type byte
}

// readHashPage reads and checks a page of a bucket chain. A page that
// was never written reads as zeros: Berkeley DB takes it for an empty
// bucket (__ham_pgin), and so does this reader.
func (db *DB) readHashPage(pgno uint32, buf []byte) (page, error) {
	if pgno == 0 || pgno >= db.npages {
		return page{}, formatErr(pgno, "page number outside the file (%d pages)", db.npages)
	}
	p, err := db.readPage(pgno, buf)
	if err != nil {
		raw := page{b: buf[:db.pgsize], bo: db.bo}
		if raw.pgno() != 0 || raw.typ() != pInvalid {
			return page{}, err
		}
		clear(buf[:db.pgsize])
		putHeader(buf, pgno, 0, 0, 0, db.pgsize, 0, pHash)
		return page{b: buf[:db.pgsize], bo: binary.LittleEndian}, nil
	}
	return p, db.checkHashPage(pgno, p)
}

// checkHashPage validates the layout of a hash bucket page.
func (db *DB) checkHashPage(pgno uint32, p page) error {
	if t := p.typ(); t != pHash && t != pHashUnsorted {
		return formatErr(pgno, "hash chain reaches a page of type %d", t)
	}
	n := p.entries()
	if n%2 != 0 {
		return formatErr(pgno, "odd number of hash items (%d)", n)
	}
	if pageHeader+2*n > db.pgsize {
		return formatErr(pgno, "%d items do not fit the page", n)
	}
	hf := p.hfOffset()
	if hf < pageHeader+2*n || hf > db.pgsize {
		return formatErr(pgno, "bad free-space offset %d", hf)
	}
	prev := db.pgsize
	for i := 0; i < n; i++ {
		off := p.inp(i)
		if off >= prev || off < hf {
			return formatErr(pgno, "item %d at bad offset %d", i, off)
		}
		prev = off
	}
	return nil
}

func (db *DB) hashItemAt(p page, i int) hashItem {
	end := db.pgsize
	if i > 0 {
		end = p.inp(i - 1)
	}
	off := p.inp(i)
	return hashItem{typ: p.b[off], data: p.b[off+1 : end]}
}

// itemBytes returns the full bytes of a key or plain data item.
func (db *DB) hashItemBytes(pgno uint32, it hashItem) ([]byte, error) {
	switch it.typ {
	case hKeyData:
		return it.data, nil
	case hOffpage:
		if len(it.data) != 11 {
			return nil, formatErr(pgno, "bad off-page item size %d", len(it.data)+1)
		}
		return db.readChain(db.bo.Uint32(it.data[3:]), db.bo.Uint32(it.data[7:]))
	}
	return nil, formatErr(pgno, "bad hash item type %d", it.typ)
}

// hashValues calls fn with each value held by data item it.
func (db *DB) hashValues(pgno uint32, it hashItem, fn func([]byte) bool) error {
	switch it.typ {
	case hKeyData, hOffpage:
		v, err := db.hashItemBytes(pgno, it)
		if err != nil {
			return err
		}
		fn(v)
		return nil
	case hDuplicate:
		return db.eachDup(pgno, it.data, fn)
	case hOffDup:
		if len(it.data) != 7 {
			return formatErr(pgno, "bad off-page duplicate item size %d", len(it.data)+1)
		}
		return db.offDupWalk(db.bo.Uint32(it.data[3:]), fn)
	}
	return formatErr(pgno, "bad hash item type %d", it.typ)
}

// eachDup decodes an on-page duplicate set: len(2) data len(2) ...
func (db *DB) eachDup(pgno uint32, set []byte, fn func([]byte) bool) error {
	for len(set) > 0 {
		if len(set) < 4 {
			return formatErr(pgno, "truncated duplicate set")
		}
		l := int(db.bo.Uint16(set))
		if 4+l > len(set) || int(db.bo.Uint16(set[2+l:])) != l {
			return formatErr(pgno, "bad duplicate set")
		}
		if !fn(set[2 : 2+l]) {
			return nil
		}
		set = set[4+l:]
	}
	return nil
}

// hashLookup finds key in its bucket's chain.
func (db *DB) hashLookup(key []byte, fn func([]byte) bool) error {
	h := hashFunc(key)
	bucket := h & db.highMask
	if bucket > db.maxBucket {
		bucket &= db.lowMask
	}
	pgno := db.bucketPage(bucket)
	buf := db.getBuf()
	defer db.putBuf(buf)
	for n := uint32(0); pgno != 0; n++ {
		if n >= db.npages {
			return formatErr(pgno, "hash chain loops")
		}
		p, err := db.readHashPage(pgno, buf)
		if err != nil {
			return err
		}
		i, found, err := db.hashFind(pgno, p, key)
		if err != nil {
			return err
		}
		if found {
			return db.hashValues(pgno, db.hashItemAt(p, i+1), fn)
		}
		pgno = p.next()
	}
	return nil
}

// hashFind finds key on one page as Berkeley DB does: a binary search
// on sorted pages, with its comparison (two on-page keys that are a
// prefix one of the other sort longer first; against an off-page key
// the ordinary order applies), a scan on the unsorted pages of older
// files. Returns the key's item index.
func (db *DB) hashFind(pgno uint32, p page, key []byte) (int, bool, error) {
	n := p.entries() / 2
	cmp := func(i int) (int, error) {
		it := db.hashItemAt(p, 2*i)
		if it.typ == hKeyData {
			m := min(len(key), len(it.data))
			if c := bytes.Compare(key[:m], it.data[:m]); c != 0 {
				return c, nil
			}
			switch {
			case len(it.data) > len(key):
				return 1, nil
			case len(it.data) < len(key):
				return -1, nil
			}
			return 0, nil
		}
		if it.typ == hOffpage && len(it.data) == 11 && p.typ() == pHashUnsorted &&
			db.bo.Uint32(it.data[7:]) != uint32(len(key)) {
			return 1, nil
		}
		k, err := db.hashItemBytes(pgno, it)
		if err != nil {
			return 0, err
		}
		return bytes.Compare(key, k), nil
	}
	if p.typ() == pHashUnsorted {
		for i := 0; i < n; i++ {
			it := db.hashItemAt(p, 2*i)
			if it.typ == hKeyData && !bytes.Equal(key, it.data) {
				continue
			}
			c, err := cmp(i)
			if err != nil {
				return 0, false, err
			}
			if c == 0 {
				return 2 * i, true, nil
			}
		}
		return 0, false, nil
	}
	base := 0
	for lim := n; lim != 0; lim >>= 1 {
		i := base + lim>>1
		c, err := cmp(i)
		if err != nil {
			return 0, false, err
		}
		if c == 0 {
			return 2 * i, true, nil
		}
		if c > 0 {
			base = i + 1
			lim--
		}
	}
	return 0, false, nil
}

// hashWalk visits buckets 0..max_bucket, each chain in order.
func (db *DB) hashWalk(fn func(key, val []byte) error) error {
	buf := make([]byte, db.pgsize)
	var visited uint64
	for bucket := uint32(0); bucket <= db.maxBucket; bucket++ {
		pgno := db.bucketPage(bucket)
		for pgno != 0 {
			visited++
			if visited > uint64(db.npages) {
				return formatErr(pgno, "hash chains loop")
			}
			p, err := db.readHashPage(pgno, buf)
			if err != nil {
				return err
			}
			for i := 0; i < p.entries(); i += 2 {
				k, err := db.hashItemBytes(pgno, db.hashItemAt(p, i))
				if err != nil {
					return err
				}
				var ferr error
				err = db.hashValues(pgno, db.hashItemAt(p, i+1), func(v []byte) bool {
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
	}
	return nil
}
