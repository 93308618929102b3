package postfix

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mailcc/internal/testenv"
)

// fuzzSeeds adds the files called name of the project's Postfix corpus
// and of its broken cases, and the given texts, as seeds.
func fuzzSeeds(f *testing.F, name string, texts ...string) {
	for _, glob := range []string{
		filepath.Join(testenv.Root(), "corpus", "postfix", "*", name),
		filepath.Join(testenv.Root(), "corpus", "bad", "postfix-*", name),
	} {
		files, _ := filepath.Glob(glob)
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data)
			}
		}
	}
	for _, t := range texts {
		f.Add([]byte(t))
	}
}

// checkPositions: every diagnostic has a position inside the text.
func checkPositions(t *testing.T, data []byte, line func() int) {
	lines := strings.Count(string(data), "\n") + 1
	if n := line(); n < 0 || n > lines {
		t.Fatalf("line %d of a text of %d lines", n, lines)
	}
}

func FuzzParseMainCF(f *testing.F) {
	fuzzSeeds(f, "main.cf", "a = b\n  c\n# x\n\td\n", " x\n=y\nz\n", "a = ${b?{c}:{d}} $(e) ${{1} <level {2} ? {x}}\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		m, diags := ParseMainCF("main.cf", data)
		for _, d := range diags {
			checkPositions(t, data, func() int { return d.Pos.Line })
		}
		for _, p := range m.Params {
			checkPositions(t, data, func() int { return p.PosAt(len(p.Value)).Line })
			if got, _ := m.Get(p.Name); got == "" && p.Value != "" && m.last[p.Name] == p {
				t.Fatalf("Get(%q) lost the value", p.Name)
			}
		}
	})
}

func FuzzParseMasterCF(f *testing.F) {
	fuzzSeeds(f, "master.cf", "smtp inet n - n - - smtpd -o a=b -o { c = d } -oe=f\n", "x unix - - n 1? 0 pipe argv=/bin/x ${a}\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		m, diags := ParseMasterCF("master.cf", data)
		for _, d := range diags {
			checkPositions(t, data, func() int { return d.Pos.Line })
		}
		for _, s := range m.Services {
			if !validTypes[s.Type()] {
				t.Fatalf("service of type %q accepted", s.Type())
			}
			for _, o := range s.Overrides {
				checkPositions(t, data, func() int { return o.ValuePos.Line })
			}
		}
	})
}

func FuzzExpand(f *testing.F) {
	for _, s := range []string{
		"$a ${b} $(c) $$", "${a?{x}:{y}}", "${{$a} == {b} ? {c} : {d}}", "${{3.6} <level {$l}}",
		"${a?$b:${c:{d}}}", "${", "$(a", "${a?{", "$r", "${{99999999999999999999} < {1}}",
	} {
		f.Add(s)
	}
	params := map[string]string{"a": "x", "b": "", "c": "$a$a", "l": "3.10", "r": "$r", "d": "${a?{$c}}"}
	f.Fuzz(func(t *testing.T, value string) {
		out, err := Expand(value, func(name string, _ bool) (string, bool) {
			v, ok := params[name]
			return v, ok
		})
		if err == nil && len(out) > 64*len(value)+64 {
			t.Fatalf("%q expands to %d bytes", value, len(out))
		}
		References(value)
		firstBadReference(value)
	})
}
