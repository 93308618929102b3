package table

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"mailcc/ir"
	"mailcc/source"
)

// The fuzz targets: one per reader. Each checks that Parse does not
// panic, that every diagnostic is well formed and points into the file,
// and that the entries are what a tool could store (unique keys, folded
// unless asked not to, positions inside the file).

// fuzzKinds are the table kinds a fuzz input is read as, picked by its
// first byte.
var fuzzKinds = []ir.TableKind{ir.AccessTable, ir.VirtualTable, ir.GenericTable, ir.CanonicalTable,
	ir.TransportTable, ir.RelocatedTable, ir.DomainTable, ir.OtherTable}

// seedCorpus adds the corpus files of one dialect (aliases or not) as
// seeds, with a few hand-made inputs.
func seedCorpus(f *testing.F, dialect ir.Dialect, aliases bool) {
	for _, src := range corpusSources(f) {
		if (src.kind == ir.AliasTable) != aliases || (src.dialect != dialect && !aliases) {
			continue
		}
		if data, err := os.ReadFile(src.path); err == nil && len(data) < 1<<16 {
			f.Add(data)
		}
	}
	for _, s := range []string{"", "\n", "k v", " x y\n", "a: b,\n  c\\\nd\n", "\"unbalanced x\n", "k\x00v\n",
		"Connect:IPv6:::1 OK\n", "To:a+b@ ERROR:5.7.1:\"550 x\"\n", "x error:nouser 550 y\n", strings.Repeat("z", 1100) + " v\n"} {
		f.Add([]byte(s))
	}
}

// checkDiags checks that every diagnostic names the file, a line and a
// column inside it, and has a one-line message.
func checkDiags(t *testing.T, path string, data []byte, diags source.Diagnostics) {
	lines := bytes.Count(data, []byte("\n")) + 1
	for _, d := range diags {
		p := d.Pos
		if p.Filename != path || p.Line < 1 || p.Line > lines || p.Column < 1 || p.Offset < 0 || p.Offset > len(data) {
			t.Errorf("diagnostic outside the file: %s", d.Error())
		}
		if d.Msg == "" || strings.Contains(d.Msg, "\n") || d.Severity > source.Warning {
			t.Errorf("malformed diagnostic: %q", d.Error())
		}
	}
}

// checkEntries checks the entries of a table.
func checkEntries(t *testing.T, path string, data []byte, es []ir.Entry, folded bool) {
	lines := bytes.Count(data, []byte("\n")) + 1
	seen := map[string]bool{}
	for _, e := range es {
		if seen[e.Key] {
			t.Errorf("key %q stored twice", e.Key)
		}
		seen[e.Key] = true
		if folded && strings.IndexFunc(e.Key, func(r rune) bool { return 'A' <= r && r <= 'Z' }) >= 0 {
			t.Errorf("key %q is not folded", e.Key)
		}
		if e.Pos.File != path || e.Pos.Line < 1 || e.Pos.Line > lines || e.Pos.Col < 1 {
			t.Errorf("entry %q at %s: outside the file", e.Key, e.Pos)
		}
		if strings.ContainsRune(e.Key, 0) || strings.ContainsRune(e.Value, 0) {
			t.Errorf("entry %q holds a NUL byte", e.Key)
		}
	}
}

func fuzzParse(t *testing.T, data []byte, dialect ir.Dialect, aliases bool) {
	kind := ir.AliasTable
	if !aliases {
		kind = ir.OtherTable
		if len(data) > 0 {
			kind = fuzzKinds[int(data[0])%len(fuzzKinds)]
		}
	}
	for _, keep := range []bool{false, true} {
		opt := Options{Dialect: dialect, KeepCase: keep, UTF8: keep}
		es, diags := Parse(kind, "f", data, opt)
		checkDiags(t, "f", data, diags)
		checkEntries(t, "f", data, es, !keep)
	}
}

func FuzzParseMakemap(f *testing.F) {
	seedCorpus(f, ir.Sendmail, false)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, data, ir.Sendmail, false) })
}

func FuzzParseAliases(f *testing.F) {
	seedCorpus(f, ir.Sendmail, true)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, data, ir.Sendmail, true) })
}

func FuzzParsePostmap(f *testing.F) {
	seedCorpus(f, ir.Postfix, false)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, data, ir.Postfix, false) })
}

func FuzzParsePostalias(f *testing.F) {
	seedCorpus(f, ir.Postfix, true)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, data, ir.Postfix, true) })
}

func FuzzParseClassFile(f *testing.F) {
	for _, path := range classFiles() {
		if data, err := os.ReadFile(path); err == nil {
			f.Add(data, "%s")
			f.Add(data, `%[^\#]`)
		}
	}
	f.Add([]byte("a b\n#c\n  d\n"), "x%[a-z.]")
	f.Fuzz(func(t *testing.T, data []byte, format string) {
		ms, diags := ParseClassFile("f", data, format)
		for _, d := range diags {
			if d.Pos.Filename != "f" || d.Msg == "" || strings.Contains(d.Msg, "\n") {
				t.Errorf("malformed diagnostic: %q", d.Error())
			}
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, m := range ms {
			if m.Value == "" || strings.ContainsAny(m.Value, " \t\n\x00") {
				t.Errorf("bad member %q", m.Value)
			}
			if m.Pos.Line < 1 || m.Pos.Line > lines || m.Pos.Col < 1 {
				t.Errorf("member %q at %s: outside the file", m.Value, m.Pos)
			}
		}
	})
}

// FuzzParsePatterns: Postfix regexp and cidr table sources never make
// the reader panic; every rule has a position inside the file and every
// diagnostic is one line.
func FuzzParsePatterns(f *testing.F) {
	f.Add([]byte("/^(a+)@x$/ $1\nif !/b/\n/c/i d\nendif\n  #c\n"), false)
	f.Add([]byte("192.0.2.0/24 OK\n!10.0.0.1 x\nif [2001:db8::]/32\nendif\n"), true)
	f.Fuzz(func(t *testing.T, data []byte, cidr bool) {
		typ := "regexp"
		if cidr {
			typ = "cidr"
		}
		es, diags := ParsePatterns(typ, "f", data)
		for _, d := range diags {
			if d.Pos.Filename != "f" || d.Msg == "" || strings.Contains(d.Msg, "\n") {
				t.Errorf("malformed diagnostic: %q", d.Error())
			}
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, e := range es {
			if e.Pos.Line < 1 || e.Pos.Line > lines {
				t.Errorf("rule %q at %v: outside the file", e.Key, e.Pos)
			}
		}
	})
}
