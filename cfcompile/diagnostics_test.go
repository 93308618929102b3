package cfcompile

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"mailcc/internal/testenv"
	"mailcc/source"
)

// markerRE finds expected-diagnostic markers in corpus .mc files:
// `dnl ERROR "regexp"` or `dnl WARNING "regexp"` on the line the
// diagnostic is about (text after dnl is a comment to m4).
var markerRE = regexp.MustCompile(`(ERROR|WARNING) "((?:[^"\\]|\\.)*)"`)

type marker struct {
	line int
	sev  source.Severity
	re   *regexp.Regexp
	hit  bool
}

func readMarkers(t *testing.T, mc string) []*marker {
	data, err := os.ReadFile(mc)
	if err != nil {
		t.Fatal(err)
	}
	var ms []*marker
	for i, l := range strings.Split(string(data), "\n") {
		j := strings.Index(l, "dnl ")
		if j < 0 {
			continue
		}
		for _, m := range markerRE.FindAllStringSubmatch(l[j:], -1) {
			sev := source.Error
			if m[1] == "WARNING" {
				sev = source.Warning
			}
			ms = append(ms, &marker{line: i + 1, sev: sev, re: regexp.MustCompile(m[2])})
		}
	}
	return ms
}

// TestCorpusDiagnostics checks mailcc's own diagnostics for the corpus
// .mc files: every marker is matched by a diagnostic on its line, and
// every error, and every diagnostic GNU m4 does not print, is expected
// (by a marker, or by a line of the case's expected-errors file for
// positions outside the .mc).
func TestCorpusDiagnostics(t *testing.T) {
	cfDir := testenv.CFDir(t)
	cases, _ := filepath.Glob(filepath.Join(testenv.Root(), "corpus", "mc", "*"))
	for _, dir := range cases {
		mcs, _ := filepath.Glob(filepath.Join(dir, "*.mc"))
		for _, mc := range mcs {
			t.Run(filepath.Base(dir), func(t *testing.T) {
				markers := readMarkers(t, mc)
				var others []*regexp.Regexp
				if data, err := os.ReadFile(filepath.Join(dir, "expected-errors")); err == nil {
					for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
						others = append(others, regexp.MustCompile(l))
					}
				}
				var res *Result
				inDir(t, dir, func() {
					var err error
					res, err = Compile(filepath.Base(mc), io.Discard, Options{CFDir: cfDir, BuildInfo: &BuildInfo{}})
					if err != nil {
						t.Fatal(err)
					}
				})
				check := func(d *source.Diagnostic) {
					if d.Pos.Filename == filepath.Base(mc) {
						for _, m := range markers {
							if m.line == d.Pos.Line && m.sev == d.Severity && m.re.MatchString(d.Msg) {
								m.hit = true
								return
							}
						}
					} else {
						for _, re := range others {
							if re.MatchString(d.Error()) {
								return
							}
						}
					}
					t.Errorf("unexpected diagnostic: %s", d.Error())
				}
				seen := map[*source.Diagnostic]bool{}
				for _, d := range res.Extra {
					seen[d] = true
					check(d)
				}
				for _, d := range res.Diagnostics {
					if d.Severity == source.Error && !seen[d] {
						check(d)
					}
				}
				for _, m := range markers {
					if m.hit {
						continue
					}
					// a marker may also match a diagnostic that is not an
					// error (a GNU m4 warning)
					for _, d := range res.Diagnostics {
						if d.Pos.Line == m.line && d.Severity == m.sev && m.re.MatchString(d.Msg) {
							m.hit = true
						}
					}
					if !m.hit {
						t.Errorf("%s:%d: expected %v %q, got none", filepath.Base(mc), m.line, m.sev, m.re)
					}
				}
			})
		}
	}
}
