// Package cdb reads and writes constant databases in the format of D. J.
// Bernstein's cdb, as written by tinycdb (Postfix's cdb: tables, sendmail
// maps of class cdb).
//
// # Syntax
//
// A file is a 2048-byte header of 256 (position, slot count) pairs, the
// records one after another (key length, value length, key, value; all
// integers little-endian 32-bit), then 256 open-addressing hash tables of
// (hash, record position) slots. The hash is h = 5381, h = (h*33) ^ c
// over the key bytes; table h%256 holds the key, probing from slot
// (h/256) % slots.
//
// # Semantics
//
// Writer lays records and hash tables out the way tinycdb's cdb_make
// does, so that a file written here is byte for byte the file postmap
// cdb: writes from the same input. Put implements tinycdb's three put
// modes: Insert (keep the first record, report the duplicate), Replace
// (the old record leaves the file) and Add (keep both).
//
// Reader looks keys up through the hash tables, and walks records in file
// order like cdb_seqnext (postmap -s).
//
// # Compatibility
//
// Files are limited to 4 GiB, as in every cdb implementation.
//
// # Diagnostics
//
// A truncated or foreign file, or one whose positions point outside it,
// is refused with an error wrapping ErrFormat; the reader never panics
// and never allocates more than the file's size for one record.
package cdb

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"

	"mailcc/internal/keyset"
	"mailcc/mapdb/internal/arena"
	"mailcc/mapdb/internal/mmap"
)

const headerSize = 2048

// Errors.
var (
	ErrNotFound  = errors.New("key not found")
	ErrFormat    = errors.New("not a valid cdb file")
	ErrKeyExists = errors.New("key already exists")
	ErrTooBig    = errors.New("cdb file would exceed 4 GiB")
)

// Hash is the cdb hash function.
func Hash(key []byte) uint32 {
	h := uint32(5381)
	for _, c := range key {
		h = (h + h<<5) ^ uint32(c)
	}
	return h
}

// PutMode is tinycdb's put mode.
type PutMode int

const (
	// Insert adds the record unless the key is there (CDB_PUT_INSERT).
	Insert PutMode = iota
	// Replace removes an existing key from the tables first
	// (CDB_PUT_REPLACE).
	Replace
	// Add adds the record even when the key is there (CDB_PUT_ADD).
	Add
)

type rec struct {
	hash    uint32
	ref     arena.Ref // the record: lengths, key, value
	klen    uint32
	vlen    uint32
	removed bool
}

// Writer builds a cdb file. Records are kept in memory, once, in the
// order they were put, and the file is written by Finish: a Replace
// removes the old record from the file altogether, as tinycdb does by
// moving the records after it down.
type Writer struct {
	w     io.Writer
	store arena.Arena
	recs  []rec
	index *keyset.Set[[]byte]
	size  uint64 // bytes of the records still in the file
}

// NewWriter starts a cdb file that Finish writes to w.
func NewWriter(w io.Writer) *Writer {
	cw := &Writer{w: w}
	cw.index = keyset.New(0, cw.keyAt)
	return cw
}

func (cw *Writer) keyAt(i int32) []byte {
	r := &cw.recs[i]
	return cw.store.Bytes(r.ref+8, int(r.klen))
}

// Put adds a record. In Insert mode an existing key gives ErrKeyExists
// and nothing is added.
func (cw *Writer) Put(key, val []byte, mode PutMode) error {
	h := Hash(key)
	slot, old, found := cw.index.Find(h, key)
	switch {
	case found && mode == Insert:
		return ErrKeyExists
	case found && mode == Replace:
		r := &cw.recs[old]
		r.removed = true
		cw.size -= 8 + uint64(r.klen) + uint64(r.vlen)
	}
	n := 8 + uint64(len(key)) + uint64(len(val))
	if headerSize+cw.size+n+16*uint64(len(cw.recs)+1) > 1<<32-1 {
		return ErrTooBig
	}
	id := int32(len(cw.recs))
	ref, buf := cw.store.Alloc(8 + len(key) + len(val))
	binary.LittleEndian.PutUint32(buf, uint32(len(key)))
	binary.LittleEndian.PutUint32(buf[4:], uint32(len(val)))
	copy(buf[8:], key)
	copy(buf[8+len(key):], val)
	cw.recs = append(cw.recs, rec{hash: h, ref: ref, klen: uint32(len(key)), vlen: uint32(len(val))})
	cw.size += n
	switch {
	case !found:
		cw.index.Insert(slot, h, id)
	case mode == Replace:
		cw.index.Replace(slot, id)
	}
	return nil
}

// Finish writes the file: header, records, hash tables. Records go into
// each table in the order they were put, as tinycdb's cdb_make_finish
// does after reversing its lists.
func (cw *Writer) Finish() error {
	var count [256]uint32
	pos := make([]uint32, len(cw.recs))
	p := uint64(headerSize)
	for i := range cw.recs {
		r := &cw.recs[i]
		if r.removed {
			continue
		}
		pos[i] = uint32(p)
		p += 8 + uint64(r.klen) + uint64(r.vlen)
		count[r.hash&255]++
	}
	header := make([]byte, headerSize)
	tpos := p
	for t := 0; t < 256; t++ {
		binary.LittleEndian.PutUint32(header[8*t:], uint32(tpos))
		binary.LittleEndian.PutUint32(header[8*t+4:], 2*count[t])
		tpos += 16 * uint64(count[t])
	}
	if tpos > 1<<32-1 {
		return ErrTooBig
	}
	bw := bufio.NewWriterSize(cw.w, 1<<16)
	bw.Write(header)
	for i := range cw.recs {
		r := &cw.recs[i]
		if !r.removed {
			bw.Write(cw.store.Bytes(r.ref, 8+int(r.klen)+int(r.vlen)))
		}
	}
	// Records of each table, in order.
	byTable := make([][]int32, 256)
	for i := range cw.recs {
		if !cw.recs[i].removed {
			t := cw.recs[i].hash & 255
			byTable[t] = append(byTable[t], int32(i))
		}
	}
	var slots []byte
	for t := 0; t < 256; t++ {
		n := 2 * len(byTable[t])
		if n == 0 {
			continue
		}
		slots = slices.Grow(slots[:0], 8*n)[:8*n]
		clear(slots)
		for _, id := range byTable[t] {
			h := cw.recs[id].hash
			i := int((h >> 8) % uint32(n))
			for binary.LittleEndian.Uint32(slots[8*i+4:]) != 0 {
				if i++; i == n {
					i = 0
				}
			}
			binary.LittleEndian.PutUint32(slots[8*i:], h)
			binary.LittleEndian.PutUint32(slots[8*i+4:], pos[id])
		}
		bw.Write(slots)
	}
	return bw.Flush()
}

// Reader is an open cdb file. Its methods may be called concurrently.
type Reader struct {
	r      io.ReaderAt
	data   []byte // the mapped file, when it is mapped
	closer io.Closer
	size   uint32
	header [headerSize]byte
	dend   uint32 // end of the records
}

// Open opens the cdb file at path.
func Open(path string) (*Reader, error) {
	ra, closer, size, err := mmap.Open(path)
	if err != nil {
		return nil, err
	}
	r, err := NewReader(ra, size)
	if err != nil {
		closer.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r.closer = closer
	if m, ok := ra.(*mmap.ReaderAt); ok {
		r.data = m.Bytes()
	}
	return r, nil
}

// NewReader reads a cdb file of size bytes from r.
func NewReader(r io.ReaderAt, size int64) (*Reader, error) {
	if size < headerSize {
		return nil, fmt.Errorf("%w: file too short (%d bytes)", ErrFormat, size)
	}
	if size > 1<<32-1 {
		return nil, fmt.Errorf("%w: file larger than 4 GiB", ErrFormat)
	}
	c := &Reader{r: r, size: uint32(size)}
	if _, err := r.ReadAt(c.header[:], 0); err != nil {
		return nil, fmt.Errorf("reading cdb header: %w", err)
	}
	c.dend = c.size
	for t := 0; t < 256; t++ {
		pos := binary.LittleEndian.Uint32(c.header[8*t:])
		n := binary.LittleEndian.Uint32(c.header[8*t+4:])
		if pos < headerSize || pos > c.size || uint64(n)*8 > uint64(c.size-pos) {
			return nil, fmt.Errorf("%w: hash table %d (position %d, %d slots) outside the file", ErrFormat, t, pos, n)
		}
		if pos < c.dend {
			c.dend = pos
		}
	}
	return c, nil
}

// Close releases the file.
func (c *Reader) Close() error {
	if c.closer != nil {
		return c.closer.Close()
	}
	return nil
}

// span returns the n bytes at pos: a view of the mapping when the file
// is mapped (valid inside mmap.Guard only), else read into buf.
func (c *Reader) span(pos, n uint32, buf []byte) ([]byte, error) {
	if uint64(pos)+uint64(n) > uint64(c.size) {
		return nil, fmt.Errorf("%w: position %d outside the file", ErrFormat, pos)
	}
	if c.data != nil {
		return c.data[pos : pos+n], nil
	}
	if uint32(cap(buf)) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := c.r.ReadAt(buf, int64(pos)); err != nil {
		return nil, err
	}
	return buf, nil
}

func (c *Reader) u32pair(pos uint32) (uint32, uint32, error) {
	var buf [8]byte
	b, err := c.span(pos, 8, buf[:])
	if err != nil {
		return 0, 0, err
	}
	return binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint32(b[4:]), nil
}

// record reads the key and value lengths at pos and checks them.
func (c *Reader) record(pos uint32) (klen, vlen uint32, err error) {
	if pos < headerSize {
		return 0, 0, fmt.Errorf("%w: record at position %d inside the header", ErrFormat, pos)
	}
	klen, vlen, err = c.u32pair(pos)
	if err != nil {
		return 0, 0, err
	}
	if uint64(pos)+8+uint64(klen)+uint64(vlen) > uint64(c.size) {
		return 0, 0, fmt.Errorf("%w: record at %d runs past the end of the file", ErrFormat, pos)
	}
	return klen, vlen, nil
}

// Get returns the value of the first record with key.
func (c *Reader) Get(key []byte) ([]byte, error) {
	var out []byte
	found := false
	err := c.lookup(key, func(v []byte) bool {
		out, found = v, true
		return false
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, ErrNotFound
	}
	return out, nil
}

// GetAll returns the values of every record with key, in table order.
func (c *Reader) GetAll(key []byte) ([][]byte, error) {
	var out [][]byte
	err := c.lookup(key, func(v []byte) bool {
		out = append(out, v)
		return true
	})
	if err == nil && len(out) == 0 {
		err = ErrNotFound
	}
	return out, err
}

// lookup calls fn with a copy of the value of every record with key
// until fn returns false.
func (c *Reader) lookup(key []byte, fn func([]byte) bool) error {
	if c.data == nil {
		return c.find(key, fn)
	}
	return mmap.Guard(func() error { return c.find(key, fn) })
}

func (c *Reader) find(key []byte, fn func([]byte) bool) error {
	h := Hash(key)
	t := h & 255
	tpos := binary.LittleEndian.Uint32(c.header[8*t:])
	n := binary.LittleEndian.Uint32(c.header[8*t+4:])
	if n == 0 {
		return nil
	}
	i := (h >> 8) % n
	var kbuf []byte
	for probes := uint32(0); probes < n; probes++ {
		sh, pos, err := c.u32pair(tpos + 8*i)
		if err != nil {
			return err
		}
		if pos == 0 {
			return nil
		}
		if sh == h {
			klen, vlen, err := c.record(pos)
			if err != nil {
				return err
			}
			if int(klen) == len(key) {
				k, err := c.span(pos+8, klen, kbuf)
				if err != nil {
					return err
				}
				kbuf = k
				if bytes.Equal(k, key) {
					v, err := c.span(pos+8+klen, vlen, nil)
					if err != nil {
						return err
					}
					if !fn(bytes.Clone(v)) {
						return nil
					}
				}
			}
		}
		if i++; i == n {
			i = 0
		}
	}
	return nil
}

// Walk calls fn for every record in file order, as cdb_seqnext does.
func (c *Reader) Walk(fn func(key, val []byte) error) error {
	pos := uint32(headerSize)
	for pos < c.dend {
		klen, vlen, err := c.record(pos)
		if err != nil {
			return err
		}
		end := uint64(pos) + 8 + uint64(klen) + uint64(vlen)
		if end > uint64(c.dend) {
			return fmt.Errorf("%w: record at %d runs into the hash tables", ErrFormat, pos)
		}
		b := make([]byte, klen+vlen)
		if _, err := c.r.ReadAt(b, int64(pos)+8); err != nil {
			return err
		}
		if err := fn(b[:klen], b[klen:]); err != nil {
			return err
		}
		pos = uint32(end)
	}
	return nil
}
