package m4

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzM4 runs arbitrary input through the processor with small limits,
// no file access and no shell: it must never panic, and must end (with
// output or an error) quickly.
func FuzzM4(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "diff", "*.m4"))
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{
		"define(`x', `x x')x", "define(`x',`x(x)')x", "changequote(`[[', `]]')[[a]]",
		"changecom(`((', `))')f((x))", "divert(1)a\nundivert(1)", "`unclosed", "f(unclosed",
		"eval(1/0) eval(2**31) format(`%*.*f', 5, 2, 3.14159)", "m4wrap(`m4wrap(`x')')",
		"regexp(`abc', `\\(b\\)', `\\1')patsubst(`aaa', `a*', `-')", "syscmd(`echo hi')",
		"translit(`abc', `a-c', `A-C')substr(`abc', 1)index(`abc', `c')",
		"define(`', `x')pushdef(`')undefine(`')defn(`')",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var out, errs bytes.Buffer
		p := New(Options{
			Stderr:       &errs,
			Stdin:        bytes.NewReader(nil),
			MaxWork:      1 << 20,
			MaxMemory:    8 << 20,
			MaxOutput:    1 << 20,
			NestingLimit: 300,
			NoWrite:      true,
			Open: func(name string) (io.ReadCloser, error) {
				return nil, errors.New("no files while fuzzing")
			},
		})
		p.SetOutput(&out)
		start := time.Now()
		if err := p.ProcessString("fuzz", string(data)); err == nil {
			p.Finish()
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("took %v", d)
		}
		if int64(out.Len()) > 1<<20+64<<10 {
			t.Fatalf("output of %d bytes is over the output limit", out.Len())
		}
	})
}
