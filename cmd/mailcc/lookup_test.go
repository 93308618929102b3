package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mailcc/internal/testenv"
	"mailcc/mapdb"
	"mailcc/mapdb/cdb"
)

// bothForms is a table that holds keys with and without a trailing NUL:
// "a" both ways (different values), "b" only with, "c" only without.
var bothForms = [][2]string{{"a", "plain"}, {"a\x00", "nul\x00"}, {"b\x00", "bnul\x00"}, {"c", "cplain"}}

// lookupSequences: the first successful lookup decides which form the
// rest of the process tries.
var lookupSequences = [][]string{{"c", "a", "b"}, {"b", "a", "c"}, {"a", "c", "b"}, {"A", "B", "C"}}

// writeBothFormsHash writes bothForms as a Berkeley DB hash file with the
// real db_load.
func writeBothFormsHash(t *testing.T, path string) {
	t.Helper()
	var in strings.Builder
	for _, kv := range bothForms {
		for _, s := range kv {
			in.WriteString(strings.ReplaceAll(s, "\x00", `\00`) + "\n")
		}
	}
	r := runReal(t, filepath.Dir(path), []byte(in.String()), testenv.Tool(t, "db_load"), "-T", "-t", "hash", path)
	if r.code != 0 {
		t.Fatalf("db_load: %s", r.stderr)
	}
}

// TestPostfixLookupForms: on a table holding both forms of keys, the
// real postmap -q - and mailcc's answer the same sequence of lookups
// the same way (hash and cdb, with no flag, -N and -n): both keep to
// the form of the first key found.
func TestPostfixLookupForms(t *testing.T) {
	postmap := testenv.Tool(t, "postmap")
	dir := t.TempDir()
	postfixDir(t, dir, "")
	writeBothFormsHash(t, filepath.Join(dir, "t.db"))
	var buf bytes.Buffer
	w := cdb.NewWriter(&buf)
	for _, kv := range bothForms {
		if err := w.Put([]byte(kv[0]), []byte(kv[1]), cdb.Add); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Finish(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "t.cdb"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{"hash", "cdb"} {
		for _, flags := range [][]string{nil, {"-N"}, {"-n"}} {
			for _, seq := range lookupSequences {
				in := []byte(strings.Join(seq, "\n") + "\n")
				args := append(append([]string{"-c", dir}, flags...), "-q", "-", typ+":t")
				r := runReal(t, dir, in, postmap, args...)
				m := runMailccPostfix(t, postmapTool, dir, in, args...)
				if m.code != r.code || !bytes.Equal(m.stdout, r.stdout) {
					t.Errorf("%s %q %q: mailcc %d %q, real %d %q", typ, flags, seq, m.code, m.stdout, r.code, r.stdout)
				}
			}
		}
	}
}

// TestSendmailLookupForms: a sendmail-dialect mapdb.Table answers a
// sequence of lookups on a table with both forms of keys as the real
// sendmail does in one address-test session (/map), with no flag, -N
// (only with a NUL) and -O (only without).
func TestSendmailLookupForms(t *testing.T) {
	for _, c := range []struct {
		flags string
		mode  mapdb.NulMode
	}{{"", mapdb.NulAdaptive}, {"-N ", mapdb.NulAlways}, {"-O ", mapdb.NulNever}} {
		for _, seq := range lookupSequences {
			dir := t.TempDir()
			writeBothFormsHash(t, filepath.Join(dir, "map.db"))
			answers := sendmailMapAnswers(t, dir, "hash", c.flags, seq)
			m, err := mapdb.Open(mapdb.Hash, filepath.Join(dir, "map.db"))
			if err != nil {
				t.Fatal(err)
			}
			tb := mapdb.NewTable(m, mapdb.Sendmail, false, c.mode)
			for i, k := range seq {
				// "map_lookup: test (KEY) returns VALUE (0)" or "no match (0)"
				want := answers[i]
				v, err := tb.Lookup([]byte(k))
				got := "no match"
				if err == nil {
					got = "returns " + string(v)
				} else if err != mapdb.ErrNotFound {
					t.Fatal(err)
				}
				if !strings.Contains(want, ") "+got+" (") {
					t.Errorf("%q%q lookup %d (%s): mailcc %q, sendmail %q", c.flags, seq, i, k, got, want)
				}
			}
			m.Close()
		}
	}
}
