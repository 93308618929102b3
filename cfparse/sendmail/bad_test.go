package sendmail

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"mailcc/internal/testenv"
	"mailcc/source"
)

var expectedRE = regexp.MustCompile(`^([^:]+):(\d+):(\d+): (error|warning): (.*)$`)

type expectedDiag struct {
	file      string
	line, col int
	severity  string
	re        *regexp.Regexp
	text      string
}

func readExpected(t *testing.T, path string) []expectedDiag {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []expectedDiag
	for i, l := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			continue
		}
		m := expectedRE.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("%s:%d: not file:line:col: error|warning: regexp: %q", path, i+1, l)
		}
		re, err := regexp.Compile(m[5])
		if err != nil {
			t.Fatalf("%s:%d: %v", path, i+1, err)
		}
		line, _ := strconv.Atoi(m[2])
		col, _ := strconv.Atoi(m[3])
		out = append(out, expectedDiag{file: m[1], line: line, col: col, severity: m[4], re: re, text: l})
	}
	return out
}

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
			want := readExpected(t, filepath.Join(dir, "expected"))
			var diags source.Diagnostics
			inDir(t, dir, func() {
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
			listed := map[*source.Diagnostic]bool{}
			for _, w := range want {
				if !reported[w.file] && !strings.HasSuffix(w.file, ".mc") {
					continue // another parser's file, checked by its own test
				}
				found := false
				for _, d := range diags {
					if d.Pos.Filename == w.file && d.Pos.Line == w.line && d.Pos.Column == w.col &&
						d.Severity.String() == w.severity && w.re.MatchString(d.Msg) {
						found, listed[d] = true, true
					}
				}
				if !found {
					t.Errorf("missing: %s\ngot:\n%s", w.text, diags.Format(0))
				}
			}
			for _, d := range diags {
				if d.Severity == source.Error && !listed[d] {
					t.Errorf("unexpected error: %s", d.Error())
				}
			}
		})
	}
	if checked < 10 {
		t.Errorf("only %d .mc cases in corpus/bad; want at least 10", checked)
	}
}
