package cdb

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"
)

func seedFiles() [][]byte {
	var out [][]byte
	for _, n := range []int{0, 3, 200} {
		var buf bytes.Buffer
		w := NewWriter(&buf)
		for i := 0; i < n; i++ {
			w.Put([]byte(fmt.Sprintf("key%d", i%150)), []byte(fmt.Sprintf("value%d", i)), Add)
		}
		w.Finish()
		out = append(out, buf.Bytes())
	}
	return out
}

// exercise reads data as a cdb file through every path. It must never
// panic, hang, or allocate more than a bound derived from the size.
func exercise(t *testing.T, data []byte) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r, err := NewReader(bytes.NewReader(data), int64(len(data)))
	if err == nil {
		var keys [][]byte
		r.Walk(func(k, v []byte) error {
			if len(keys) < 8 {
				keys = append(keys, append([]byte(nil), k...))
			}
			return nil
		})
		keys = append(keys, []byte("missing"), nil)
		for _, k := range keys {
			r.Get(k)
			r.GetAll(k)
		}
	}
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > uint64(64*len(data))+4<<20 {
		t.Fatalf("allocated %d bytes for a %d-byte file", got, len(data))
	}
}

func FuzzCDBReader(f *testing.F) {
	for _, s := range seedFiles() {
		f.Add(s)
	}
	f.Fuzz(exercise)
}

func TestDamagedFiles(t *testing.T) {
	for _, file := range seedFiles() {
		for cut := 0; cut < len(file); cut += 37 {
			if _, err := NewReader(bytes.NewReader(file[:cut]), int64(cut)); err == nil && cut < len(file) {
				t.Errorf("file cut to %d of %d bytes accepted", cut, len(file))
			}
		}
		for i := 0; i < len(file); i += 13 {
			d := append([]byte(nil), file...)
			d[i] ^= 0xa5
			exercise(t, d)
		}
	}
	if _, err := NewReader(bytes.NewReader([]byte("not a cdb")), 9); err == nil {
		t.Error("a 9-byte file accepted")
	}
}
