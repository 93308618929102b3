package bdb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// Kind is the access method of a database file.
type Kind int

const (
	// Hash is Berkeley DB's extended linear hashing ("hash" maps).
	Hash Kind = iota + 1
	// Btree is Berkeley DB's B+tree ("btree" maps).
	Btree
)

func (k Kind) String() string {
	switch k {
	case Hash:
		return "hash"
	case Btree:
		return "btree"
	}
	return "unknown"
}

// DB is an open Berkeley DB hash or btree file, read-only. Its methods
// may be called from several goroutines at once.
//
// Every structure read from the file is checked before it is used: a
// corrupt, truncated or foreign file gives an error wrapping ErrFormat
// (or ErrUnsupported), never a panic, a hang or a wrong answer, and no
// single allocation is larger than the file.
type DB struct {
	r      io.ReaderAt
	closer io.Closer
	size   int64
	bo     binary.ByteOrder
	pgsize int
	npages uint32
	kind   Kind
	dups   bool

	// hash
	maxBucket, highMask, lowMask uint32
	spares                       [nCached]uint32

	// btree
	root uint32

	pool *sync.Pool
}

// budgetReader limits how much one operation may read: a corrupt file
// whose pointers loop or share pages cannot make a lookup or a walk run
// (and allocate) without end.
type budgetReader struct {
	r    io.ReaderAt
	left int64
}

func (b *budgetReader) ReadAt(p []byte, off int64) (int, error) {
	if int64(len(p)) > b.left {
		return 0, fmt.Errorf("%w: structure loops (read more than the file allows)", ErrFormat)
	}
	b.left -= int64(len(p))
	return b.r.ReadAt(p, off)
}

// limited returns a view of db whose reads stop after n times the file
// size (plus a margin).
func (db *DB) limited(n int64) *DB {
	v := *db
	v.r = &budgetReader{r: db.r, left: n*db.size + 1<<20}
	return &v
}

// Open opens the database file at path. Pages are read with pread, as
// Berkeley DB does, not mapped: a lookup reads one or two whole pages,
// a system call costs no more than the page faults of a mapping, and
// the process does not grow by every page it has touched (a mapping's
// pages count in its resident size).
func Open(path string) (*DB, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	r, closer, size := f, f, st.Size()
	db, err := NewReader(r, size)
	if err != nil {
		closer.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	db.closer = closer
	return db, nil
}

// NewReader reads a database from r, which holds size bytes.
func NewReader(r io.ReaderAt, size int64) (*DB, error) {
	var m [512]byte
	if size < int64(len(m)) {
		return nil, fmt.Errorf("%w: file too short (%d bytes)", ErrFormat, size)
	}
	if _, err := r.ReadAt(m[:], 0); err != nil {
		return nil, fmt.Errorf("reading metadata page: %w", err)
	}
	db := &DB{r: r, size: size, pool: &sync.Pool{}}
	magicLE := binary.LittleEndian.Uint32(m[12:])
	magicBE := binary.BigEndian.Uint32(m[12:])
	switch {
	case magicLE == hashMagic || magicLE == btreeMagic:
		db.bo = binary.LittleEndian
	case magicBE == hashMagic || magicBE == btreeMagic:
		db.bo = binary.BigEndian
	default:
		return nil, fmt.Errorf("%w: no hash or btree magic number", ErrFormat)
	}
	bo := db.bo
	magic := bo.Uint32(m[12:])
	version := bo.Uint32(m[16:])
	db.pgsize = int(bo.Uint32(m[20:]))
	if db.pgsize < 512 || db.pgsize > 65536 || db.pgsize&(db.pgsize-1) != 0 {
		return nil, fmt.Errorf("%w: bad page size %d", ErrFormat, db.pgsize)
	}
	if m[24] != 0 {
		return nil, fmt.Errorf("%w: encrypted database", ErrUnsupported)
	}
	if m[26]&metaChksum != 0 {
		return nil, fmt.Errorf("%w: database with page checksums", ErrUnsupported)
	}
	if size%int64(db.pgsize) != 0 && size < int64(db.pgsize) {
		return nil, fmt.Errorf("%w: truncated file", ErrFormat)
	}
	n := size / int64(db.pgsize)
	if n > 1<<32-1 {
		n = 1<<32 - 1
	}
	db.npages = uint32(n)
	lastPgno := bo.Uint32(m[32:])
	if int64(lastPgno) >= n {
		return nil, fmt.Errorf("%w: truncated file: last page %d, file has %d pages", ErrFormat, lastPgno, n)
	}
	flags := bo.Uint32(m[48:])
	switch magic {
	case hashMagic:
		if m[25] != pHashMeta {
			return nil, fmt.Errorf("%w: hash metadata page has type %d", ErrFormat, m[25])
		}
		switch version {
		case 7, 8, 9:
		default:
			return nil, fmt.Errorf("%w: hash version %d", ErrUnsupported, version)
		}
		if flags&hashFlagSubDB != 0 {
			return nil, fmt.Errorf("%w: file holds several databases", ErrUnsupported)
		}
		db.kind = Hash
		db.dups = flags&hashFlagDup != 0
		db.maxBucket = bo.Uint32(m[72:])
		db.highMask = bo.Uint32(m[76:])
		db.lowMask = bo.Uint32(m[80:])
		if db.maxBucket >= db.npages {
			return nil, fmt.Errorf("%w: %d buckets in a file of %d pages", ErrFormat, db.maxBucket+1, db.npages)
		}
		if db.highMask == 0 || db.highMask&(db.highMask+1) != 0 ||
			db.lowMask != db.highMask>>1 || db.maxBucket > db.highMask || db.maxBucket <= db.lowMask {
			return nil, fmt.Errorf("%w: inconsistent hash table size (max bucket %d, masks %#x/%#x)",
				ErrFormat, db.maxBucket, db.highMask, db.lowMask)
		}
		if bo.Uint32(m[92:]) != hashFunc([]byte(charKey)) {
			return nil, fmt.Errorf("%w: database uses a hash function other than the default", ErrUnsupported)
		}
		for i := range db.spares {
			db.spares[i] = bo.Uint32(m[96+4*i:])
		}
	case btreeMagic:
		if m[25] != pBtreeMeta {
			return nil, fmt.Errorf("%w: btree metadata page has type %d", ErrFormat, m[25])
		}
		switch version {
		case 8, 9:
		default:
			return nil, fmt.Errorf("%w: btree version %d", ErrUnsupported, version)
		}
		if flags&(btmRecno|btmSubDB|btmCompres) != 0 {
			return nil, fmt.Errorf("%w: recno, compressed or multi-database btree", ErrUnsupported)
		}
		db.kind = Btree
		db.dups = flags&btmDup != 0
		db.root = bo.Uint32(m[88:])
		if db.root == 0 || db.root >= db.npages {
			return nil, fmt.Errorf("%w: btree root page %d outside the file", ErrFormat, db.root)
		}
	}
	return db, nil
}

// Close releases the file.
func (db *DB) Close() error {
	if db.closer != nil {
		return db.closer.Close()
	}
	return nil
}

// Kind returns the access method of the file.
func (db *DB) Kind() Kind { return db.kind }

// Duplicates reports whether the database allows several values per key.
func (db *DB) Duplicates() bool { return db.dups }

// PageSize returns the page size of the file.
func (db *DB) PageSize() int { return db.pgsize }

func (db *DB) getBuf() []byte {
	if b, ok := db.pool.Get().(*[]byte); ok {
		return *b
	}
	return make([]byte, db.pgsize)
}

func (db *DB) putBuf(b []byte) { db.pool.Put(&b) }

// readPage reads page pgno into buf and checks its number.
func (db *DB) readPage(pgno uint32, buf []byte) (page, error) {
	if pgno == 0 || pgno >= db.npages {
		return page{}, formatErr(pgno, "page number outside the file (%d pages)", db.npages)
	}
	if _, err := db.r.ReadAt(buf[:db.pgsize], int64(pgno)*int64(db.pgsize)); err != nil {
		if errors.Is(err, io.EOF) {
			return page{}, formatErr(pgno, "truncated file")
		}
		return page{}, fmt.Errorf("reading page %d: %w", pgno, err)
	}
	p := page{b: buf[:db.pgsize], bo: db.bo}
	if p.pgno() != pgno {
		return page{}, formatErr(pgno, "page says it is page %d", p.pgno())
	}
	return p, nil
}

// Get returns the value stored under key (the first one when there are
// duplicates), or ErrNotFound.
func (db *DB) Get(key []byte) ([]byte, error) {
	var val []byte
	found := false
	err := db.limited(16).lookup(key, func(v []byte) bool {
		val = append([]byte(nil), v...)
		found = true
		return false
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, ErrNotFound
	}
	return val, nil
}

// GetAll returns every value stored under key, in the database's order.
func (db *DB) GetAll(key []byte) ([][]byte, error) {
	var vals [][]byte
	err := db.limited(16).lookup(key, func(v []byte) bool {
		vals = append(vals, append([]byte(nil), v...))
		return true
	})
	if err != nil {
		return nil, err
	}
	if len(vals) == 0 {
		return nil, ErrNotFound
	}
	return vals, nil
}

// lookup calls fn with each value of key until fn returns false.
func (db *DB) lookup(key []byte, fn func([]byte) bool) error {
	if db.kind == Hash {
		return db.hashLookup(key, fn)
	}
	return db.btreeLookup(key, fn)
}

// Walk calls fn for every key/value pair in the order Berkeley DB's
// cursor returns them (the order of db_dump and makemap -u). The slices
// passed to fn are only valid during the call. Walk stops at the first
// error fn returns and returns it.
func (db *DB) Walk(fn func(key, val []byte) error) error {
	v := db.limited(4)
	if db.kind == Hash {
		return v.hashWalk(fn)
	}
	return v.btreeWalk(fn)
}

// readChain reads an overflow item of tlen bytes starting at page pgno.
func (db *DB) readChain(pgno uint32, tlen uint32) ([]byte, error) {
	if int64(tlen) > db.size {
		return nil, formatErr(pgno, "overflow item of %d bytes is larger than the file", tlen)
	}
	out := make([]byte, 0, tlen)
	buf := db.getBuf()
	defer db.putBuf(buf)
	for n := uint32(0); uint32(len(out)) < tlen; n++ {
		if n >= db.npages {
			return nil, formatErr(pgno, "overflow chain loops")
		}
		p, err := db.readPage(pgno, buf)
		if err != nil {
			return nil, err
		}
		if p.typ() != pOverflow {
			return nil, formatErr(pgno, "overflow chain reaches a page of type %d", p.typ())
		}
		l := p.hfOffset()
		if l > db.pgsize-pageHeader || uint32(len(out)+l) > tlen || l == 0 {
			return nil, formatErr(pgno, "bad overflow page length %d", l)
		}
		out = append(out, p.b[pageHeader:pageHeader+l]...)
		if uint32(len(out)) < tlen {
			pgno = p.next()
		}
	}
	return out, nil
}
