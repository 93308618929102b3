package postfix

import (
	"path/filepath"
	"strings"
	"testing"

	"mailcc/internal/testenv"
	"mailcc/source"
)

// TestBadLowering lowers the corpus/bad cases named postfix-ir-* (a
// main.cf whose syntax is fine but whose meaning is not: missing tables
// and list files, bad networks, unknown restrictions, an open relay,
// bad values, opaque tables) with the case folder as the root, and
// checks the diagnostics their expected files list.
func TestBadLowering(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(testenv.Root(), "corpus", "bad", "postfix-ir-*"))
	if len(dirs) < 5 {
		t.Fatalf("only %d postfix-ir-* cases in corpus/bad; want at least 5", len(dirs))
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			want := testenv.ReadExpected(t, filepath.Join(dir, "expected"))
			var diags source.Diagnostics
			testenv.InDir(t, dir, func() {
				_, diags = Lower(".", Options{Root: ".", Host: testHost})
			})
			for _, d := range diags {
				d.Pos.Filename = strings.TrimPrefix(d.Pos.Filename, "./")
			}
			testenv.CheckDiagnostics(t, diags, want, func(string) bool { return true })
		})
	}
}
