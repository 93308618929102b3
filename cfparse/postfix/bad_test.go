package postfix

import (
	"os"
	"path/filepath"
	"testing"

	"mailcc/internal/testenv"
	"mailcc/source"
)

// TestBadCorpus parses the main.cf and master.cf of the corpus/bad cases
// named postfix-maincf-* and postfix-mastercf-* (broken syntax: text
// with nothing to continue, lines without '=', bad names, bad $name
// expressions, service entries with too few or bad fields, bad -o
// settings) and checks that each gets the diagnostics its expected file
// lists, at those positions, that every error it gets is listed, and
// that nothing panics (the format is corpus/bad/README.md's, as
// cfparse/table's TestBadCorpus reads it).
func TestBadCorpus(t *testing.T) {
	var dirs []string
	for _, glob := range []string{"postfix-maincf-*", "postfix-mastercf-*"} {
		m, _ := filepath.Glob(filepath.Join(testenv.Root(), "corpus", "bad", glob))
		dirs = append(dirs, m...)
	}
	if len(dirs) < 6 {
		t.Fatalf("only %d postfix-maincf-* and postfix-mastercf-* cases in corpus/bad; want at least 6", len(dirs))
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			want := testenv.ReadExpected(t, filepath.Join(dir, "expected"))
			var diags source.Diagnostics
			parsed := 0
			for _, name := range []string{"main.cf", "master.cf"} {
				data, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					continue
				}
				parsed++
				func() {
					defer func() {
						if r := recover(); r != nil {
							t.Errorf("%s: panic: %v", name, r)
						}
					}()
					var d source.Diagnostics
					if name == "main.cf" {
						_, d = ParseMainCF(name, data)
					} else {
						_, d = ParseMasterCF(name, data)
					}
					diags = append(diags, d...)
				}()
			}
			if parsed == 0 {
				t.Fatal("neither main.cf nor master.cf")
			}
			testenv.CheckDiagnostics(t, diags, want, func(file string) bool {
				return file == "main.cf" || file == "master.cf"
			})
		})
	}
}
