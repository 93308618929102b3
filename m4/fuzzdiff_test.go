package m4

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailcc/internal/testenv"
)

// FuzzDifferential runs the same input through GNU m4 and the processor
// and compares standard output, standard error and the exit status.
// Inputs that touch files or the shell, inputs with NUL bytes (GNU m4
// cuts its C strings there; mailcc does not emulate that), and inputs
// that hit one of
// mailcc's resource limits or make GNU m4 run for more than two seconds,
// are not compared.
func FuzzDifferential(f *testing.F) {
	m4bin := testenv.Tool(f, "m4")
	files, _ := filepath.Glob(filepath.Join("testdata", "diff", "*.m4"))
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{
		"changecom(`q', `Q')q hi Q hi", "changequote([,])[a]define([a],[b])a",
		"define(`x', `$1')x(`(', `)')", "a`'b`'c", "define(`f',`$0')f`'", "`a'`'dnl\nb",
		"ifelse(`a',`b',`c',`d',`e')", "format(`%5.2s|%-3d|', `abc', 7)",
	} {
		f.Add([]byte(s))
	}
	skip := []string{"syscmd", "esyscmd", "include", "undivert", "debugfile", "maketemp", "mkstemp", "__program__", "sysval", "-F", "-R"}
	f.Fuzz(func(t *testing.T, data []byte) {
		if bytes.IndexByte(data, 0) >= 0 {
			return
		}
		for _, s := range skip {
			if bytes.Contains(data, []byte(s)) {
				return
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, m4bin)
		cmd.Args[0] = "m4"
		cmd.Dir = t.TempDir()
		cmd.Stdin = bytes.NewReader(data)
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		if ctx.Err() != nil {
			return
		}
		status := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			status = ee.ExitCode()
		}
		var out, errs bytes.Buffer
		p := New(Options{ProgramName: "m4", Stderr: &errs, Stdin: bytes.NewReader(data), NoWrite: true,
			Open: func(string) (io.ReadCloser, error) { return nil, os.ErrNotExist }})
		p.SetOutput(&out)
		rerr := p.ProcessFile("-")
		if rerr == nil {
			rerr = p.Finish()
		}
		st, _ := Stopped(rerr)
		if strings.Contains(errs.String(), "limit") {
			return
		}
		if out.String() != o.String() || errs.String() != e.String() || st != status {
			t.Fatalf("input %q\nGNU m4: status %d\n%s\n--- stderr\n%s\nmailcc: status %d\n%s\n--- stderr\n%s",
				data, status, o.String(), e.String(), st, out.String(), errs.String())
		}
	})
}
