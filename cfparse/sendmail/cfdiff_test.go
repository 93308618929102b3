package sendmail

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"mailcc/internal/testenv"
)

// decls are the declarations of a sendmail.cf the differential tests
// compare: maps (K), class words (C and T lines), class files (F),
// macros (D), options (O), mailers (M), mail filters (X) and queue
// groups (Q).
type decls struct {
	K map[string]string
	C map[string]map[string]bool
	F map[string][]string
	D map[string]string
	O map[string][]string
	M map[string]string
	X map[string]string
	Q map[string]string
}

func newDecls() *decls {
	return &decls{K: map[string]string{}, C: map[string]map[string]bool{}, F: map[string][]string{},
		D: map[string]string{}, O: map[string][]string{}, M: map[string]string{}, X: map[string]string{}, Q: map[string]string{}}
}

func squeeze(s string) string { return strings.Join(strings.Fields(s), " ") }

// fieldsNorm normalises the fields of an M, X or Q line.
func fieldsNorm(v string) string {
	var out []string
	for _, f := range Fields(v) {
		out = append(out, f.Name+"="+squeeze(f.Value))
	}
	return strings.Join(out, ", ")
}

func (d *decls) addClass(name string, words []string) {
	if d.C[name] == nil {
		d.C[name] = map[string]bool{}
	}
	for _, w := range words {
		d.C[name][w] = true
	}
}

func (d *decls) add(l Line) {
	switch l.Kind {
	case 'K':
		d.K[l.Name] = squeeze(l.Value)
	case 'C':
		d.addClass(l.Name, strings.Fields(l.Value))
	case 'T':
		d.addClass("t", strings.Fields(l.Value))
	case 'F':
		d.F[l.Name] = append(d.F[l.Name], squeeze(l.Value))
	case 'D':
		d.D[l.Name] = l.Value
	case 'O':
		d.O[l.Name] = append(d.O[l.Name], squeeze(l.Value))
	case 'M':
		d.M[l.Name] = fieldsNorm(l.Value)
	case 'X':
		d.X[l.Name] = fieldsNorm(l.Value)
	case 'Q':
		d.Q[l.Name] = fieldsNorm(l.Value)
	}
}

func declsOf(lines []Line) *decls {
	d := newDecls()
	for _, l := range lines {
		d.add(l)
	}
	return d
}

// diff lists the differences between want (the real .cf) and got.
func (want *decls) diff(got *decls) []string {
	var out []string
	cmpMap := func(kind string, w, g map[string]string) {
		for k, v := range w {
			if gv, ok := g[k]; !ok {
				out = append(out, fmt.Sprintf("%s%s missing (want %q)", kind, k, v))
			} else if gv != v {
				out = append(out, fmt.Sprintf("%s%s = %q, want %q", kind, k, gv, v))
			}
		}
		for k, v := range g {
			if _, ok := w[k]; !ok {
				out = append(out, fmt.Sprintf("%s%s extra (%q)", kind, k, v))
			}
		}
	}
	cmpMap("K", want.K, got.K)
	cmpMap("D", want.D, got.D)
	cmpMap("M", want.M, got.M)
	cmpMap("X", want.X, got.X)
	cmpMap("Q", want.Q, got.Q)
	last := func(m map[string][]string) map[string]string {
		r := map[string]string{}
		for k, v := range m {
			if k == "DaemonPortOptions" || k == "ClientPortOptions" {
				r[k] = strings.Join(v, " | ")
			} else {
				r[k] = v[len(v)-1]
			}
		}
		return r
	}
	cmpMap("O ", last(want.O), last(got.O))
	joinF := func(m map[string][]string) map[string]string {
		r := map[string]string{}
		for k, v := range m {
			r[k] = strings.Join(v, " | ")
		}
		return r
	}
	cmpMap("F", joinF(want.F), joinF(got.F))
	words := func(m map[string]map[string]bool) map[string]string {
		r := map[string]string{}
		for k, set := range m {
			var ws []string
			for w := range set {
				ws = append(ws, w)
			}
			sort.Strings(ws)
			r[k] = strings.Join(ws, " ")
		}
		return r
	}
	cmpMap("C", words(want.C), words(got.C))
	sort.Strings(out)
	return out
}

var includeRE = regexp.MustCompile("include\\(`([^']*)'\\)")

// prepareMC copies an .mc into dir with its cf.m4 include pointing at
// cfInclude and its absolute includes that do not exist here pointing
// at empty stubs: the same input for GNU m4 and mailcc.
func prepareMC(t *testing.T, src, dir, cfInclude string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	data = includeRE.ReplaceAllFunc(data, func(m []byte) []byte {
		path := string(includeRE.FindSubmatch(m)[1])
		switch {
		case strings.HasSuffix(path, "/cf.m4") && strings.Contains(path, "m4/"):
			return []byte("include(`" + cfInclude + "')")
		case filepath.IsAbs(path):
			if _, err := os.Stat(path); err == nil {
				return m
			}
			stub := filepath.Join(dir, "stub", path)
			os.MkdirAll(filepath.Dir(stub), 0o755)
			os.WriteFile(stub, nil, 0o644)
			return []byte("include(`" + stub + "')")
		}
		return m
	})
	// files the .mc includes by relative name come along
	for _, m := range regexp.MustCompile("include\\(`([^/'][^']*)'\\)").FindAllSubmatch(data, -1) {
		name := string(m[1])
		if b, err := os.ReadFile(filepath.Join(filepath.Dir(src), name)); err == nil {
			os.WriteFile(filepath.Join(dir, name), b, 0o644)
		}
	}
	out := filepath.Join(dir, filepath.Base(src))
	if err := os.WriteFile(out, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// gnuCF compiles an .mc with GNU m4 and the installed cf library; ok is
// false when GNU m4 fails, cfErr true when the library reported an
// error (GNU m4 still exits 0 then).
func gnuCF(t *testing.T, m4bin, cfDir, mc string) (cf []byte, ok, cfErr bool) {
	t.Helper()
	data, _ := os.ReadFile(mc)
	args := []string{mc}
	if !bytes.Contains(data, []byte("cf.m4")) {
		args = []string{filepath.Join(cfDir, "m4", "cf.m4"), mc}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, m4bin, args...)
	cmd.Dir = filepath.Dir(mc)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	return o.Bytes(), err == nil, bytes.Contains(e.Bytes(), []byte("*** ERROR"))
}

// mcCorpus lists the .mc files of the corpora: the project's, the
// shared one (when present) and the cf library's own samples.
func mcCorpus(t *testing.T) []string {
	var files []string
	add, _ := filepath.Glob(filepath.Join(testenv.Root(), "corpus", "mc", "*", "*.mc"))
	files = append(files, add...)
	if shared := testenv.Shared(); shared != "" {
		filepath.Walk(filepath.Join(shared, "corpus", "sendmail"), func(p string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() && (strings.HasSuffix(info.Name(), ".mc") || info.Name() == "sendmail.m4") {
				files = append(files, p)
			}
			return nil
		})
	} else {
		testenv.Missing(t, "../shared/corpus")
	}
	sort.Strings(files)
	return files
}

// knownDiffs are differences mailcc has by design: SITECONFIG reads the
// cf library's siteconfig files (lists of UUCP neighbours), which
// mailcc does not have; it says so in a warning.
var knownDiffs = map[string]*regexp.Regexp{
	"ucbvax.mc": regexp.MustCompile(`^C[UXY] missing`),
}

// TestMCAgainstGNU compares what ParseMC says the .cf declares with what
// GNU m4 and the real cf library generate, for every .mc of the corpora
// that GNU m4 compiles without error.
func TestMCAgainstGNU(t *testing.T) {
	m4bin := testenv.Tool(t, "m4")
	cfDir := testenv.CFDir(t)
	files := mcCorpus(t)
	shipped, _ := filepath.Glob(filepath.Join(cfDir, "cf", "*.mc"))
	files = append(files, shipped...)
	agree, compared := 0, 0
	for _, f := range files {
		name := filepath.Base(filepath.Dir(f)) + "/" + filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			mc := prepareMC(t, f, dir, filepath.Join(cfDir, "m4", "cf.m4"))
			cf, ok, cfErr := gnuCF(t, m4bin, cfDir, mc)
			if !ok {
				if _, diags := ParseMC(mc, nil, Options{}); !diags.HasErrors() {
					t.Errorf("GNU m4 fails on %s but mailcc reports no error", name)
				}
				t.Logf("GNU m4 does not compile %s: no .cf to compare", name)
				return
			}
			compared++
			want, perrs := ParseCF("sendmail.cf", cf)
			if len(perrs) > 0 {
				t.Logf("the generated .cf has lines sendmail rejects: %v", perrs)
			}
			got, diags := ParseMC(mc, nil, Options{})
			if bad := cfErr || len(perrs) > 0; bad != diags.HasErrors() {
				t.Errorf("the cf library reports an error or writes a bad line: %v; mailcc's errors: %v", bad, diags.Errors())
			}
			d := declsOf(want).diff(declsOf(got.Lines))
			if known := knownDiffs[filepath.Base(f)]; known != nil {
				var rest []string
				for _, x := range d {
					if !known.MatchString(x) {
						rest = append(rest, x)
					}
				}
				if len(rest) < len(d) {
					t.Logf("%d known differences (%s)", len(d)-len(rest), known)
				}
				d = rest
			}
			if len(d) > 0 {
				t.Errorf("%d differences from the .cf GNU m4 generates:\n  %s", len(d), strings.Join(d, "\n  "))
				return
			}
			agree++
		})
	}
	t.Logf("%d of %d .mc files GNU m4 compiles: declarations agree", agree, compared)
}
