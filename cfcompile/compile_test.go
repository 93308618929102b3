package cfcompile

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"mailcc/internal/testenv"
)

// mcCase is one .mc to compile with both GNU m4 and mailcc.
type mcCase struct {
	name string // for t.Run
	path string // the .mc to compile (possibly a prepared copy)
	dir  string // working directory
}

var includeRE = regexp.MustCompile("include\\(`([^']*)'\\)")

// prepare copies an .mc into dir, pointing its cf.m4 include at the
// installed library and its other absolute includes that do not exist on
// this machine at empty stub files — the same input for both tools.
func prepare(t *testing.T, src, dir, cfDir string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	data = includeRE.ReplaceAllFunc(data, func(m []byte) []byte {
		path := string(includeRE.FindSubmatch(m)[1])
		switch {
		case strings.HasSuffix(path, "/cf.m4") && strings.Contains(path, "m4/"):
			return []byte("include(`" + filepath.Join(cfDir, "m4", "cf.m4") + "')")
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
	out := filepath.Join(dir, filepath.Base(src))
	if err := os.WriteFile(out, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// stripBuildInfo drops the two lines whose content depends on when and
// where the file was built.
func stripBuildInfo(b []byte) []byte {
	var out [][]byte
	for _, l := range bytes.SplitAfter(b, []byte("\n")) {
		if bytes.HasPrefix(l, []byte("##### built by ")) || bytes.HasPrefix(l, []byte("##### in ")) {
			continue
		}
		out = append(out, l)
	}
	return bytes.Join(out, nil)
}

type gnuRun struct {
	out, err []byte
	status   int
}

// runGNU runs GNU m4 the way an admin does: `m4 file.mc`, with cf.m4
// first on the command line when the .mc does not include it.
func runGNU(t *testing.T, m4bin, cfDir string, c mcCase) gnuRun {
	t.Helper()
	mc, _ := os.ReadFile(c.path)
	args := []string{c.path}
	if !bytes.Contains(mc, []byte("cf.m4")) {
		args = []string{filepath.Join(cfDir, "m4", "cf.m4"), c.path}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, m4bin, args...)
	cmd.Args[0] = "m4" // GNU m4 names itself by argv[0] in its messages
	cmd.Dir = c.dir
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	st := 0
	if ee, ok := err.(*exec.ExitError); ok {
		st = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running GNU m4: %v", err)
	}
	return gnuRun{o.Bytes(), e.Bytes(), st}
}

func inDir(t *testing.T, dir string, f func()) {
	t.Helper()
	old, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(old)
	f()
}

// compareWithGNU compiles c with both and checks that they agree: the
// same bytes out (but for the build lines), the same messages, and
// mailcc failing when GNU m4 fails.
func compareWithGNU(t *testing.T, m4bin, cfDir string, c mcCase) (agree bool) {
	t.Helper()
	gnu := runGNU(t, m4bin, cfDir, c)
	var out, errb bytes.Buffer
	var res *Result
	inDir(t, c.dir, func() {
		var err error
		res, err = Compile(c.path, &out, Options{Stderr: &errb, BuildInfo: &BuildInfo{User: "u", Host: "h", Time: time.Unix(0, 0), Cwd: "/"}})
		if err != nil {
			t.Fatalf("Compile: %v", err)
		}
	})
	agree = true
	if !bytes.Equal(stripBuildInfo(out.Bytes()), stripBuildInfo(gnu.out)) {
		t.Errorf("%s: output differs from GNU m4's:\n%s", c.name, firstDiff(stripBuildInfo(gnu.out), stripBuildInfo(out.Bytes())))
		agree = false
	}
	if errb.String() != string(gnu.err) {
		t.Errorf("%s: messages differ:\nGNU m4:\n%s\nmailcc:\n%s", c.name, gnu.err, errb.String())
		agree = false
	}
	if res.M4Status != gnu.status {
		t.Errorf("%s: m4 status %d, GNU m4 exited %d", c.name, res.M4Status, gnu.status)
		agree = false
	}
	gnuErrors := bytes.Count(gnu.err, []byte("*** ERROR:"))
	if len(res.CFErrors) != gnuErrors {
		t.Errorf("%s: %d cf errors, GNU m4 printed %d", c.name, len(res.CFErrors), gnuErrors)
		agree = false
	}
	if (gnu.status != 0 || gnuErrors > 0) && !res.Failed() {
		t.Errorf("%s: GNU m4 failed (status %d, %d *** ERROR) but mailcc succeeded", c.name, gnu.status, gnuErrors)
		agree = false
	}
	if gnu.status == 0 && gnuErrors == 0 && res.Failed() {
		t.Errorf("%s: mailcc failed where GNU m4 succeeded: %v", c.name, res.Diagnostics)
		agree = false
	}
	return agree
}

func firstDiff(want, got []byte) string {
	w := strings.Split(string(want), "\n")
	g := strings.Split(string(got), "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n  GNU m4: " + a + "\n  mailcc: " + b
		}
	}
	return "(same lines, different bytes)"
}

// TestShippedMC compiles every .mc of the installed cf library's cf/
// folder with both tools.
func TestShippedMC(t *testing.T) {
	m4bin := testenv.Tool(t, "m4")
	cfDir := testenv.CFDir(t)
	files, _ := filepath.Glob(filepath.Join(cfDir, "cf", "*.mc"))
	if len(files) == 0 {
		t.Fatalf("no .mc files in %s/cf", cfDir)
	}
	agree := 0
	for _, f := range files {
		c := mcCase{name: filepath.Base(f), path: f, dir: filepath.Dir(f)}
		t.Run(c.name, func(t *testing.T) {
			if compareWithGNU(t, m4bin, cfDir, c) {
				agree++
			}
		})
	}
	t.Logf("cf/cf/*.mc: %d of %d identical to GNU m4", agree, len(files))
}

// TestCorpusMC compiles the project corpus's .mc files.
func TestCorpusMC(t *testing.T) {
	m4bin := testenv.Tool(t, "m4")
	cfDir := testenv.CFDir(t)
	files, _ := filepath.Glob(filepath.Join(testenv.Root(), "corpus", "mc", "*", "*.mc"))
	if len(files) == 0 {
		t.Fatal("no .mc files in corpus/mc")
	}
	runCorpus(t, m4bin, cfDir, files)
}

// TestSharedCorpusMC compiles every .mc of ../shared/corpus/sendmail.
func TestSharedCorpusMC(t *testing.T) {
	shared := testenv.Shared()
	if shared == "" {
		testenv.Missing(t, "../shared/corpus")
	}
	m4bin := testenv.Tool(t, "m4")
	cfDir := testenv.CFDir(t)
	var files []string
	filepath.Walk(filepath.Join(shared, "corpus", "sendmail"), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && isMCName(info.Name()) {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		t.Fatal("no .mc files under ../shared/corpus/sendmail")
	}
	runCorpus(t, m4bin, cfDir, files)
}

// isMCName accepts sendmail.mc, x.mc, templates such as sendmail.mc.erb,
// and the odd sendmail.m4.
func isMCName(name string) bool {
	return strings.HasSuffix(name, ".mc") || strings.Contains(name, ".mc.") || name == "sendmail.m4"
}

func runCorpus(t *testing.T, m4bin, cfDir string, files []string) {
	sort.Strings(files)
	agree := 0
	for _, f := range files {
		name := filepath.Base(filepath.Dir(f)) + "/" + filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			c := mcCase{name: name, path: prepare(t, f, dir, cfDir), dir: dir}
			if compareWithGNU(t, m4bin, cfDir, c) {
				agree++
			}
		})
	}
	t.Logf("%d of %d .mc files agree with GNU m4", agree, len(files))
}
