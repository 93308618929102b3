package bdb

import (
	"bytes"
	"runtime"
	"testing"
)

// seedFiles are small databases of every shape the writers make: hash
// with big keys and values, duplicates on and off the page, btree.
func seedFiles(kind Kind) [][]byte {
	var out [][]byte
	small := []pair{{[]byte("a"), []byte("1")}, {[]byte("b"), []byte("2")}}
	sets := [][]pair{nil, small, genPairs(300, 1, true), genBig(40, 2)}
	for _, ps := range sets {
		for _, mode := range []PutMode{NoOverwrite, Append} {
			var buf bytes.Buffer
			if kind == Hash {
				b := NewHashBuilder(HashOptions{Duplicates: mode == Append})
				for _, p := range ps {
					b.Put(p.k, p.v, mode)
				}
				b.WriteTo(&buf)
			} else {
				b := NewBtreeBuilder(BtreeOptions{Duplicates: mode == Append})
				for _, p := range ps {
					b.Put(p.k, p.v, mode)
				}
				b.WriteTo(&buf)
			}
			out = append(out, buf.Bytes())
		}
	}
	dups := genDups(400, 3)
	var buf bytes.Buffer
	if kind == Hash {
		b := NewHashBuilder(HashOptions{Duplicates: true})
		for _, p := range dups {
			b.Put(p.k, p.v, Append)
		}
		b.WriteTo(&buf)
	} else {
		b := NewBtreeBuilder(BtreeOptions{Duplicates: true})
		for _, p := range dups {
			b.Put(p.k, p.v, Append)
		}
		b.WriteTo(&buf)
	}
	return append(out, buf.Bytes())
}

// exercise opens data as a database and uses every reading path. It
// must never panic, hang, or allocate more than a bound derived from the
// size of data.
func exercise(t *testing.T, data []byte) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	db, err := NewReader(bytes.NewReader(data), int64(len(data)))
	if err == nil {
		var keys [][]byte
		n := 0
		db.Walk(func(k, v []byte) error {
			if n < 8 {
				keys = append(keys, append([]byte(nil), k...))
			}
			n++
			return nil
		})
		keys = append(keys, []byte("missing"), nil)
		for _, k := range keys {
			db.Get(k)
			db.GetAll(k)
		}
		if db.Kind() == Hash {
			if b, err := LoadHash(db); err == nil {
				b.Put([]byte("new"), []byte("value"), NoOverwrite)
			}
		}
	}
	runtime.ReadMemStats(&after)
	// Pages of up to 64 KiB, reads bounded by a few times the file.
	limit := uint64(64*len(data)) + 16<<20
	if got := after.TotalAlloc - before.TotalAlloc; got > limit {
		t.Fatalf("allocated %d bytes for a %d-byte file", got, len(data))
	}
}

// fuzzSeeds are the seed files small enough for the fuzzing engine to
// mutate quickly.
func fuzzSeeds(kind Kind) [][]byte {
	var out [][]byte
	for _, s := range seedFiles(kind) {
		if len(s) <= 64<<10 {
			out = append(out, s)
		}
	}
	return out
}

func FuzzHashReader(f *testing.F) {
	for _, s := range fuzzSeeds(Hash) {
		f.Add(s)
	}
	f.Fuzz(exercise)
}

func FuzzBtreeReader(f *testing.F) {
	for _, s := range fuzzSeeds(Btree) {
		f.Add(s)
	}
	f.Fuzz(exercise)
}

// TestDamagedFiles: truncated and foreign files are refused with an
// error, damaged ones never crash the reader.
func TestDamagedFiles(t *testing.T) {
	for _, kind := range []Kind{Hash, Btree} {
		for _, file := range seedFiles(kind) {
			for cut := 0; cut < len(file); cut += 509 {
				db, err := NewReader(bytes.NewReader(file[:cut]), int64(cut))
				if err == nil && cut < len(file)-4096 {
					if werr := db.Walk(func(k, v []byte) error { return nil }); werr == nil && cut > 0 {
						// A shorter file may still hold a valid
						// database only if its metadata says so.
						t.Errorf("%s file cut to %d of %d bytes walked without error", kind, cut, len(file))
					}
				}
			}
			for i := 0; i < len(file); i += 97 {
				d := append([]byte(nil), file...)
				d[i] ^= 0x5a
				exercise(t, d)
			}
		}
	}
	for _, foreign := range [][]byte{
		[]byte("key value\nother value\n"),
		bytes.Repeat([]byte{0}, 8192),
		append([]byte{0x1f, 0x8b, 8, 0}, make([]byte, 4096)...),
		make([]byte, 2048+16),
	} {
		if _, err := NewReader(bytes.NewReader(foreign), int64(len(foreign))); err == nil {
			t.Errorf("foreign file of %d bytes accepted", len(foreign))
		}
	}
}
