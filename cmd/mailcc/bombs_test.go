package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"mailcc/internal/testenv"
)

// TestBombs feeds the m4 command inputs that expand without end or
// without bound. Each must stop with an error that names the limit, well
// within a second and 256 MB (the whole process is measured: wall time
// and peak resident memory). The wall-time bound here is 2 s, twice the
// requirement, so that a loaded CI machine does not make it flaky; the
// times are logged.
func TestBombs(t *testing.T) {
	bin := testenv.Mailcc(t)
	dir := t.TempDir()
	link := filepath.Join(dir, "m4")
	if err := os.Symlink(bin, link); err != nil {
		t.Fatal(err)
	}
	bombs := []struct{ name, input, want string }{
		{"growing input", "define(`x', `x x')x", "limit"},
		{"endless loop", "define(`x', `x')x", "expansion work limit"},
		{"endless nesting", "define(`x', `x(x)')x", "recursion limit"},
		{"exponential arguments", "define(`a', `$1$1$1$1')a(a(a(a(a(a(a(a(a(a(a(a(a(xxxxxxxx)))))))))))))", "limit"},
		{"endless m4wrap", "define(`f', `m4wrap(`f')')f", "expansion work limit"},
		{"growing diversion", "define(`d', `xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx d')divert(1)d", "limit"},
		{"huge format width", "format(`%999999999d', 1)", "limit"},
		{"huge eval width", "eval(1, 10, 999999999)", "limit"},
		{"endless output", "define(`y', `yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy`'y')y", "expansion work limit"},
		{"self-doubling definition", "define(`g', `x')define(`dbl', `define(`g', defn(`g')defn(`g'))dbl')dbl", "limit"},
	}
	for _, b := range bombs {
		t.Run(b.name, func(t *testing.T) {
			cmd := exec.Command(link)
			cmd.Stdin = strings.NewReader(b.input)
			var stderr bytes.Buffer
			cmd.Stdout = nil
			cmd.Stderr = &stderr
			start := time.Now()
			err := cmd.Run()
			elapsed := time.Since(start)
			var rss int64
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				rss = ru.Maxrss * 1024
			}
			t.Logf("%s: %v, peak %d MB: %s", b.name, elapsed.Round(time.Millisecond), rss>>20, strings.TrimSpace(stderr.String()))
			if err == nil {
				t.Fatalf("exited 0; want a limit error")
			}
			if !strings.Contains(stderr.String(), b.want) {
				t.Errorf("stderr %q does not mention %q", stderr.String(), b.want)
			}
			if elapsed > 2*time.Second {
				t.Errorf("took %v", elapsed)
			}
			if rss > 256<<20 {
				t.Errorf("peak memory %d MB, over 256 MB", rss>>20)
			}
		})
	}
}
