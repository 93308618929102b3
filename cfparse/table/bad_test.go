package table

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"mailcc/internal/testenv"
	"mailcc/ir"
	"mailcc/source"
)

// expectedDiag is one line of a bad case's expected file.
type expectedDiag struct {
	file      string
	line, col int
	severity  string
	re        *regexp.Regexp
	text      string // the line as written, for messages
}

var expectedRE = regexp.MustCompile(`^([^:]+):(\d+):(\d+): (error|warning): (.*)$`)

// readExpected reads a case's expected file.
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

// parseCaseFile parses one file of a bad case if it is a table source or
// a class file, with its name as the path; ok is false for files of other
// parsers. A panic is reported as a failure, not passed on.
func parseCaseFile(t *testing.T, dir, name string, dialect ir.Dialect) (diags source.Diagnostics, ok bool) {
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: panic: %v", name, r)
			ok = true
		}
	}()
	switch name {
	case "local-host-names", "relay-domains", "trusted-users":
		if dialect == ir.Sendmail {
			_, diags = ParseClassFile(name, data, "%s")
			return diags, true
		}
		return nil, false
	}
	kind, known := kindByName(name)
	if !known {
		return nil, false
	}
	_, diags = Parse(kind, name, data, Options{Dialect: dialect, IsLocal: testIsLocal})
	return diags, true
}

// badCaseDialect says whose sources a case of corpus/bad holds: Postfix's
// when its name starts with "postfix-" or it has a main.cf.
func badCaseDialect(dir string) ir.Dialect {
	if _, err := os.Stat(filepath.Join(dir, "main.cf")); err == nil || strings.HasPrefix(filepath.Base(dir), "postfix-") {
		return ir.Postfix
	}
	return ir.Sendmail
}

// TestBadCorpus: every broken table source of corpus/bad gets the
// diagnostics its case's expected file lists, at those positions, every
// error it gets is listed, and nothing panics.
func TestBadCorpus(t *testing.T) {
	root := filepath.Join(testenv.Root(), "corpus", "bad")
	cases, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, c := range cases {
		if !c.IsDir() {
			continue
		}
		dir := filepath.Join(root, c.Name())
		t.Run(c.Name(), func(t *testing.T) {
			dialect := badCaseDialect(dir)
			want := readExpected(t, filepath.Join(dir, "expected"))
			files, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]source.Diagnostics{}
			for _, f := range files {
				if f.IsDir() || f.Name() == "expected" || f.Name() == "README.md" {
					continue
				}
				if diags, ok := parseCaseFile(t, dir, f.Name(), dialect); ok {
					got[f.Name()] = diags
				}
			}
			if len(got) == 0 {
				return // no table files: another parser's case
			}
			checked++
			listed := map[*source.Diagnostic]bool{}
			for _, w := range want {
				diags, mine := got[w.file]
				if !mine {
					continue
				}
				found := false
				for _, d := range diags {
					if d.Pos.Line == w.line && d.Pos.Column == w.col && d.Severity.String() == w.severity && w.re.MatchString(d.Msg) {
						found, listed[d] = true, true
					}
				}
				if !found {
					t.Errorf("missing: %s\ngot:\n%s", w.text, diags.Format(0))
				}
			}
			for name, diags := range got {
				for _, d := range diags {
					if d.Severity == source.Error && !listed[d] {
						t.Errorf("%s: unexpected error: %s", name, d.Error())
					}
				}
			}
		})
	}
	if checked < 10 {
		t.Errorf("only %d cases with table sources in corpus/bad; want at least 10", checked)
	}
	t.Logf("%d bad cases with table sources checked", checked)
}
