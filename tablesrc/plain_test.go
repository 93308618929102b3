package tablesrc

import (
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// readPlain writes key and value as a line between comments, the way
// mailcc migrate writes a table, and reads it back with PostmapReader:
// the entries and the number of warnings.
func readPlain(t *testing.T, key, value string, utf8mode bool) (entries [][2]string, warnings int) {
	t.Helper()
	src := "# generated\n# a note\n" + key + "    " + value + "\n# from x:1\n"
	r := NewPostmapReader(strings.NewReader(src), "t", PostmapOptions{UTF8: utf8mode, Report: func(*LineError) { warnings++ }})
	for {
		e, err := r.Next()
		if err == io.EOF {
			return entries, warnings
		}
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, [2]string{string(e.Key), string(e.Value)})
	}
}

// PostmapPlain must only say yes to lines PostmapReader reads as the
// entry itself, without a warning.
func TestPostmapPlain(t *testing.T) {
	check := func(key, value string, utf8mode bool) bool {
		if !PostmapPlain(key, value, utf8mode) {
			return false
		}
		entries, warnings := readPlain(t, key, value, utf8mode)
		if warnings != 0 || len(entries) != 1 || entries[0] != [2]string{key, value} {
			t.Errorf("PostmapPlain(%q, %q, %v) but PostmapReader reads %q with %d warnings", key, value, utf8mode, entries, warnings)
		}
		return true
	}
	for _, tt := range []struct {
		key, value string
		plain      bool
	}{
		{"example.com", "REJECT", true},
		{".example.com", "550 5.7.1 Access denied", true},
		{"10.1.2.0/24", "OK", true},
		{"user@", "DISCARD", true},
		{"", "OK", false},
		{"a", "", false},
		{"#a", "OK", false},
		{"a:", "OK", false},
		{"a b", "OK", false},
		{"a\tb", "OK", false},
		{`"a"`, "OK", false},
		{`a\b`, "OK", false},
		{"a\x00", "OK", false},
		{"a", " OK", false},
		{"a", "OK ", false},
		{"a", "OK\r", false},
		{"a", "O\nK", false},
		{"a", "O\x00K", false},
		{"a", "O\rK", true},
		{"a", "# not a comment", true},
		{"é.example", "OK", true},
		{"\xff.example", "OK", false},
	} {
		if got := check(tt.key, tt.value, true); got != tt.plain {
			t.Errorf("PostmapPlain(%q, %q) = %v, want %v", tt.key, tt.value, got, tt.plain)
		}
	}
	if !check("\xff.example", "OK", false) {
		t.Errorf("PostmapPlain(%q, %q) outside SMTPUTF8 mode = false", "\xff.example", "OK")
	}
	// random lines over the characters that matter
	const alphabet = "ab:#\" \t\r\n\\\x00\xc3\xa9\xff."
	rng := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		b := make([]byte, rng.IntN(5))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	for range 200000 {
		check(word(), word(), rng.IntN(2) == 0)
	}
}
