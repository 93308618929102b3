package m4

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"mailcc/internal/testenv"
)

// run processes one file as `m4 FILE` would, in the current directory.
func run(name string) (stdout, stderr string, status int) {
	var o, e bytes.Buffer
	p := New(Options{ProgramName: "m4", Stderr: &e, Stdin: bytes.NewReader(nil)})
	p.SetOutput(&o)
	err := p.ProcessFile(name)
	if err == nil {
		err = p.Finish()
	}
	if st, ok := Stopped(err); ok {
		status = st
	}
	return o.String(), e.String(), status
}

// TestDifferential runs every testdata/diff/*.m4 through GNU m4 and
// through the processor, in that folder, and compares standard output,
// standard error and the exit status.
func TestDifferential(t *testing.T) {
	m4bin := testenv.Tool(t, "m4")
	dir, _ := filepath.Abs(filepath.Join("testdata", "diff"))
	files, _ := filepath.Glob(filepath.Join(dir, "*.m4"))
	if len(files) == 0 {
		t.Fatal("no testdata/diff/*.m4")
	}
	old, _ := os.Getwd()
	defer os.Chdir(old)
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, m4bin, name)
			cmd.Args[0] = "m4"
			var o, e bytes.Buffer
			cmd.Stdout, cmd.Stderr = &o, &e
			err := cmd.Run()
			status := 0
			if ee, ok := err.(*exec.ExitError); ok {
				status = ee.ExitCode()
			}
			out, errs, st := run(name)
			if out != o.String() {
				t.Errorf("stdout differs:\nGNU m4:\n%s\nmailcc:\n%s", o.String(), out)
			}
			if errs != e.String() {
				t.Errorf("stderr differs:\nGNU m4:\n%s\nmailcc:\n%s", e.String(), errs)
			}
			if st != status {
				t.Errorf("status %d, GNU m4 %d", st, status)
			}
		})
	}
}
