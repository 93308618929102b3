package mapdb

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"mailcc/internal/safeio"
	"mailcc/mapdb/bdb"
	"mailcc/mapdb/cdb"
)

// Type is an on-disk map format.
type Type string

// The formats mapdb reads and writes.
const (
	Hash  Type = "hash"
	Btree Type = "btree"
	CDB   Type = "cdb"
)

// ParseType returns the Type named s ("hash", "btree", "cdb").
func ParseType(s string) (Type, bool) {
	switch Type(s) {
	case Hash, Btree, CDB:
		return Type(s), true
	}
	return "", false
}

// Suffix returns the file name suffix of the format: ".db" or ".cdb".
func (t Type) Suffix() string {
	if t == CDB {
		return ".cdb"
	}
	return ".db"
}

// FileName returns the database file for map name as sendmail's libsmdb
// names it: the suffix is added unless name already ends with it.
func (t Type) FileName(name string) string {
	if strings.HasSuffix(name, t.Suffix()) && len(name) > len(t.Suffix()) {
		return name
	}
	return name + t.Suffix()
}

// ErrNotFound is returned by Map.Get for a missing key.
var ErrNotFound = errors.New("key not found")

// ErrKeyExists is returned by Builder.Put in Insert mode for a key that
// is already there.
var ErrKeyExists = errors.New("key already exists")

// Map is an open database, read-only. Implementations may be used from
// several goroutines at once.
type Map interface {
	// Get returns the value of key exactly as stored (no case folding,
	// no NUL handling: see Lookup for the tools' conventions).
	Get(key []byte) ([]byte, error)
	// Walk calls fn with every pair in the order of the format's own
	// cursor (what db_dump, makemap -u and postmap -s list). The slices
	// are only valid during the call.
	Walk(fn func(key, val []byte) error) error
	Close() error
}

// Open opens the database file path (the full file name, suffix
// included) as a map of type t.
func Open(t Type, path string) (Map, error) {
	switch t {
	case Hash, Btree:
		db, err := bdb.Open(path)
		if err != nil {
			return nil, err
		}
		if (t == Hash) != (db.Kind() == bdb.Hash) {
			db.Close()
			return nil, fmt.Errorf("%s: %w: a %s file, not %s", path, bdb.ErrFormat, db.Kind(), t)
		}
		return bdbMap{db}, nil
	case CDB:
		r, err := cdb.Open(path)
		if err != nil {
			return nil, err
		}
		return cdbMap{r}, nil
	}
	return nil, fmt.Errorf("unsupported map type %q", t)
}

type bdbMap struct{ *bdb.DB }

func (m bdbMap) Get(key []byte) ([]byte, error) {
	v, err := m.DB.Get(key)
	if errors.Is(err, bdb.ErrNotFound) {
		return nil, ErrNotFound
	}
	return v, err
}

type cdbMap struct{ *cdb.Reader }

func (m cdbMap) Get(key []byte) ([]byte, error) {
	v, err := m.Reader.Get(key)
	if errors.Is(err, cdb.ErrNotFound) {
		return nil, ErrNotFound
	}
	return v, err
}

// PutMode says what a put does with a key that is already there.
type PutMode int

const (
	// Insert keeps the existing value and returns ErrKeyExists.
	Insert PutMode = iota
	// Replace puts the new value in place of the old one.
	Replace
	// Append adds another value under the key (databases created with
	// Duplicates; cdb: a second record).
	Append
)

// Builder accumulates the entries of a new database.
type Builder interface {
	Put(key, val []byte, mode PutMode) error
	// WriteTo writes the database file.
	WriteTo(w io.Writer) (int64, error)
}

// BuildOptions tunes NewBuilder.
type BuildOptions struct {
	// Duplicates creates a database that keeps several values per key.
	Duplicates bool
	// SizeHint is the expected number of entries.
	SizeHint int
	// HashNelemUnset creates a hash database the way sendmail's alias
	// code does (no h_nelem), instead of makemap's and postmap's 4096.
	// Only the element count in the metadata differs.
	HashNelemUnset bool
}

// NewBuilder returns a builder for an empty database of type t.
func NewBuilder(t Type, opt BuildOptions) (Builder, error) {
	// Berkeley DB gives every file a unique id (to share a cache
	// between processes); a random one serves as well.
	var uid [20]byte
	rand.Read(uid[:])
	switch t {
	case Hash:
		return &hashBuilder{bdb.NewHashBuilder(bdb.HashOptions{
			Duplicates: opt.Duplicates, SizeHint: opt.SizeHint, NelemUnset: opt.HashNelemUnset, UID: uid,
		})}, nil
	case Btree:
		return &btreeBuilder{bdb.NewBtreeBuilder(bdb.BtreeOptions{
			Duplicates: opt.Duplicates, SizeHint: opt.SizeHint, UID: uid,
		})}, nil
	case CDB:
		return &cdbBuilder{}, nil
	}
	return nil, fmt.Errorf("unsupported map type %q", t)
}

// LoadBuilder returns a builder that starts from the contents of the
// existing database file path, for tools that add to a map (makemap -o,
// postmap -i). A hash file keeps its exact page layout.
func LoadBuilder(t Type, path string, opt BuildOptions) (Builder, error) {
	switch t {
	case Hash:
		db, err := bdb.Open(path)
		if err != nil {
			return nil, err
		}
		defer db.Close()
		hb, err := bdb.LoadHash(db)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return &hashBuilder{hb}, nil
	}
	m, err := Open(t, path)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	dups := opt.Duplicates
	if db, ok := m.(bdbMap); ok {
		dups = dups || db.Duplicates()
	}
	opt.Duplicates = dups
	b, err := NewBuilder(t, opt)
	if err != nil {
		return nil, err
	}
	err = m.Walk(func(k, v []byte) error {
		return b.Put(append([]byte(nil), k...), append([]byte(nil), v...), Append)
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

type hashBuilder struct{ *bdb.HashBuilder }

func (b *hashBuilder) Put(key, val []byte, mode PutMode) error {
	return bdbErr(b.HashBuilder.Put(key, val, bdb.PutMode(mode)))
}

type btreeBuilder struct{ *bdb.BtreeBuilder }

func (b *btreeBuilder) Put(key, val []byte, mode PutMode) error {
	return bdbErr(b.BtreeBuilder.Put(key, val, bdb.PutMode(mode)))
}

func bdbErr(err error) error {
	if errors.Is(err, bdb.ErrKeyExists) {
		return ErrKeyExists
	}
	return err
}

// cdbBuilder buffers through cdb.Writer, which itself keeps the records
// until the file is written.
type cdbBuilder struct {
	w   *cdb.Writer
	out deferredWriter
}

// deferredWriter lets the cdb writer be created before the output is
// known: everything goes to the writer given at WriteTo time.
type deferredWriter struct{ w io.Writer }

func (d *deferredWriter) Write(p []byte) (int, error) { return d.w.Write(p) }

func (b *cdbBuilder) Put(key, val []byte, mode PutMode) error {
	if b.w == nil {
		b.w = cdb.NewWriter(&b.out)
	}
	m := cdb.Insert
	switch mode {
	case Replace:
		m = cdb.Replace
	case Append:
		m = cdb.Add
	}
	err := b.w.Put(key, val, m)
	if errors.Is(err, cdb.ErrKeyExists) {
		return ErrKeyExists
	}
	return err
}

func (b *cdbBuilder) WriteTo(w io.Writer) (int64, error) {
	if b.w == nil {
		b.w = cdb.NewWriter(&b.out)
	}
	cw := &countWriter{w: w}
	b.out.w = cw
	err := b.w.Finish()
	return cw.n, err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// CommitHooks let the caller act on the temporary file Commit writes.
type CommitHooks struct {
	// Created is called with the temporary file's name as soon as it
	// exists, so that a signal handler can remove it.
	Created func(tmp string)
	// Prepare is called with the complete temporary file before it is
	// renamed (to change its owner, say).
	Prepare func(*os.File) error
}

// Commit writes the database built by b to path through a temporary file
// in the same folder that is renamed over path only when everything was
// written: a failed or interrupted run leaves the previous file as it
// was. The new file gets mode perm unless path exists, whose permission
// bits are kept.
func Commit(path string, perm fs.FileMode, b Builder, hooks *CommitHooks) error {
	if hooks == nil {
		hooks = &CommitHooks{}
	}
	f, err := safeio.Create(path, perm)
	if err != nil {
		return err
	}
	defer f.Abort()
	if hooks.Created != nil {
		hooks.Created(f.Name())
	}
	if _, err := b.WriteTo(f); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if hooks.Prepare != nil {
		if err := hooks.Prepare(f.File); err != nil {
			return err
		}
	}
	return f.Commit()
}
