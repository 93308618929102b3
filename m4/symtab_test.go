package m4

import (
	"math/rand"
	"strconv"
	"testing"
)

// TestSymtab checks the symbol table against a Go map through a long
// random sequence of adds, lookups and removes (removal shifts entries
// back, which is where open addressing goes wrong).
func TestSymtab(t *testing.T) {
	tab := newSymtab()
	ref := map[string]*symbol{}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 200000; i++ {
		name := "n" + strconv.Itoa(rng.Intn(5000))
		switch rng.Intn(3) {
		case 0:
			if ref[name] == nil {
				s := &symbol{name: name}
				tab.add(s)
				ref[name] = s
			}
		case 1:
			if s := ref[name]; s != nil {
				tab.remove(s)
				delete(ref, name)
			}
		}
		if got, want := tab.get([]byte(name)), ref[name]; got != want {
			t.Fatalf("step %d: get(%q) = %p, want %p", i, name, got, want)
		}
	}
	if tab.n != len(ref) || len(tab.all()) != len(ref) {
		t.Fatalf("table holds %d (%d listed), want %d", tab.n, len(tab.all()), len(ref))
	}
	for name, s := range ref {
		if tab.getString(name) != s {
			t.Fatalf("getString(%q) lost", name)
		}
	}
}
