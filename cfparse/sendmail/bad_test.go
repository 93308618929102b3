package sendmail

import (
	"path/filepath"
	"strings"
	"testing"

	"mailcc/internal/testenv"
	"mailcc/source"
)

// TestBadCorpus loads every case of corpus/bad that holds a .mc (with
// the case folder as the root, so that its tables are the case's) and
// checks the diagnostics its expected file lists: each one at its
// position, every error reported listed, no panic.
func TestBadCorpus(t *testing.T) {
	root := filepath.Join(testenv.Root(), "corpus", "bad")
	dirs, _ := filepath.Glob(filepath.Join(root, "*"))
	checked := 0
	for _, dir := range dirs {
		mcs, _ := filepath.Glob(filepath.Join(dir, "*.mc"))
		if len(mcs) != 1 {
			continue
		}
		checked++
		t.Run(filepath.Base(dir), func(t *testing.T) {
			want := testenv.ReadExpected(t, filepath.Join(dir, "expected"))
			var diags source.Diagnostics
			testenv.InDir(t, dir, func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panic: %v", r)
					}
				}()
				_, diags = Load(filepath.Base(mcs[0]), nil, Options{Root: "."})
			})
			reported := map[string]bool{}
			for _, d := range diags {
				reported[d.Pos.Filename] = true
			}
			// Another parser's files are checked by its own test.
			testenv.CheckDiagnostics(t, diags, want, func(file string) bool {
				return reported[file] || strings.HasSuffix(file, ".mc")
			})
		})
	}
	if checked < 10 {
		t.Errorf("only %d .mc cases in corpus/bad; want at least 10", checked)
	}
}
