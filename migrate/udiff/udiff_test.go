package udiff

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"mailcc/internal/testenv"
)

// TestAgainstPatch: applying the diff with patch(1) turns a into b, for
// edits at the start, the middle and the end, additions, deletions, a
// missing final newline and an empty side.
func TestAgainstPatch(t *testing.T) {
	patch := testenv.Tool(t, "patch")
	cases := []struct{ a, b string }{
		{"a\nb\nc\n", "a\nB\nc\n"},
		{"", "x\ny\n"},
		{"x\ny\n", ""},
		{"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "0\n1\n2\n3\n4\n5\nsix\n7\n8\n9\n10\n11\n"},
		{"a\nb", "a\nc"},
		{strings.Repeat("same\n", 30) + "x\n" + strings.Repeat("same\n", 30), strings.Repeat("same\n", 30) + "y\n" + strings.Repeat("same\n", 29) + "tail\n"},
	}
	for i, c := range cases {
		dir := t.TempDir()
		f := filepath.Join(dir, "f")
		os.WriteFile(f, []byte(c.a), 0o644)
		d := Unified("f", "f", []byte(c.a), []byte(c.b), 3)
		cmd := exec.Command(patch, "-s", f)
		cmd.Stdin = strings.NewReader(d)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("case %d: patch: %v\n%s\n%s", i, err, out, d)
			continue
		}
		got, _ := os.ReadFile(f)
		if string(got) != c.b {
			t.Errorf("case %d: patched %q, want %q\n%s", i, got, c.b, d)
		}
	}
	if d := Unified("a", "b", []byte("x\n"), []byte("x\n"), 3); d != "" {
		t.Errorf("equal texts: %q", d)
	}
}
