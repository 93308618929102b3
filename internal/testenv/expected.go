package testenv

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"mailcc/source"
)

// expectedRE is a line of a corpus/bad case's expected file.
var expectedRE = regexp.MustCompile(`^([^:]+):(\d+):(\d+): (error|warning): (.*)$`)

// Expected is one diagnostic a corpus/bad case must report.
type Expected struct {
	File      string
	Line, Col int
	Severity  string
	Re        *regexp.Regexp
	Text      string // the line as written
}

// ReadExpected reads a corpus/bad expected file (see corpus/bad/README.md):
// "file:line:col: error|warning: regexp" lines, # comments.
func ReadExpected(t testing.TB, path string) []Expected {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []Expected
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
		out = append(out, Expected{File: m[1], Line: line, Col: col, Severity: m[4], Re: re, Text: l})
	}
	return out
}

// CheckDiagnostics checks diags against want: each wanted diagnostic
// whose file mine accepts is reported at its position with its severity
// and a matching message, and every error reported is wanted.
func CheckDiagnostics(t testing.TB, diags source.Diagnostics, want []Expected, mine func(file string) bool) {
	t.Helper()
	listed := map[*source.Diagnostic]bool{}
	for _, w := range want {
		if !mine(w.File) {
			continue
		}
		found := false
		for _, d := range diags {
			if d.Pos.Filename == w.File && d.Pos.Line == w.Line && d.Pos.Column == w.Col &&
				d.Severity.String() == w.Severity && w.Re.MatchString(d.Msg) {
				found, listed[d] = true, true
			}
		}
		if !found {
			t.Errorf("missing: %s\ngot:\n%s", w.Text, diags.Format(0))
		}
	}
	for _, d := range diags {
		if d.Severity == source.Error && !listed[d] {
			t.Errorf("unexpected error: %s", d.Error())
		}
	}
}
