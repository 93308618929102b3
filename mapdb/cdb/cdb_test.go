package cdb

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailcc/internal/testenv"
)

type pair struct{ k, v string }

func genPairs(n int, seed uint64) []pair {
	r := rand.New(rand.NewPCG(seed, 3))
	out := make([]pair, n)
	for i := range out {
		k := fmt.Sprintf("key%d.%d@example.org", r.IntN(n+1), i%13)
		if i%17 == 0 {
			k = fmt.Sprintf("2001:db8::%x", r.IntN(n+1))
		}
		out[i] = pair{k, fmt.Sprintf("value-%d%s", i, strings.Repeat("x", r.IntN(50)))}
	}
	return out
}

func build(t testing.TB, pairs []pair, mode PutMode) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, p := range pairs {
		if err := w.Put([]byte(p.k), []byte(p.v), mode); err != nil && !errors.Is(err, ErrKeyExists) {
			t.Fatal(err)
		}
	}
	if err := w.Finish(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// postmapCDB builds the same table with the real postmap cdb:.
func postmapCDB(t testing.TB, pairs []pair, flag string) []byte {
	t.Helper()
	postmap := testenv.Tool(t, "postmap")
	dir := t.TempDir()
	cf := filepath.Join(dir, "main.cf")
	if err := os.WriteFile(cf, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(cf, old, old)
	var src bytes.Buffer
	for _, p := range pairs {
		fmt.Fprintf(&src, "%s %s\n", p.k, p.v)
	}
	if err := os.WriteFile(filepath.Join(dir, "t"), src.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-c", dir}
	if flag != "" {
		args = append(args, flag)
	}
	args = append(args, "cdb:"+filepath.Join(dir, "t"))
	if out, err := exec.Command(postmap, args...).CombinedOutput(); err != nil {
		t.Fatalf("postmap: %v\n%s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "t.cdb"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestMatchesPostmap(t *testing.T) {
	for _, tc := range []struct {
		name string
		n    int
		mode PutMode
		flag string
	}{
		{"empty", 0, Insert, ""},
		{"100", 100, Insert, ""},
		{"100000", 100000, Insert, ""},
		{"replace", 80000, Replace, "-r"},
		{"add", 5000, Add, "-w"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pairs := genPairs(tc.n, uint64(tc.n))
			real := postmapCDB(t, pairs, tc.flag)
			mine := build(t, pairs, tc.mode)
			if !bytes.Equal(mine, real) {
				t.Fatalf("file differs from postmap's (%d vs %d bytes)", len(mine), len(real))
			}
			r, err := NewReader(bytes.NewReader(mine), int64(len(mine)))
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			if err := r.Walk(func(k, v []byte) error {
				n++
				if _, err := r.Get(k); err != nil {
					return fmt.Errorf("get %q: %v", k, err)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if _, err := r.Get([]byte("no such key")); err != ErrNotFound {
				t.Errorf("missing key: %v", err)
			}
		})
	}
}
