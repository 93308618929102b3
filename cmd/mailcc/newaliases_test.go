package main

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"mailcc/internal/testenv"
)

func aliasTestCF(t *testing.T, dir string) string { return testenv.AliasCF(t, dir) }

// runMailcc runs one of mailcc's tools in-process in dir.
func runMailccTool(t testing.TB, dir string, stdin []byte, fn func(stdin *bytes.Reader, stdout, stderr *bytes.Buffer) int) toolRun {
	t.Helper()
	var o, e bytes.Buffer
	var code int
	testenv.InDir(t, dir, func() {
		code = fn(bytes.NewReader(stdin), &o, &e)
	})
	return toolRun{o.Bytes(), e.Bytes(), code}
}

// aliasNames returns the names defined in an aliases file, roughly,
// for lookups.
func aliasNames(src []byte) []string {
	var names []string
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' || line[0] == ' ' || line[0] == '\t' {
			continue
		}
		name, _, ok := strings.Cut(line, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, "\"()<> \\") || seen[name] {
			continue
		}
		seen[name] = true
		names = append(names, name)
	}
	return names
}

var dirRE = regexp.MustCompile(`/[^ :]*/(mine|real)\b`)

// newaliasesCase rebuilds one aliases file with the real sendmail -bi
// and with mailcc newaliases and compares messages, status, db_dump,
// praliases (every program on every file) and sendmail -bv.
func newaliasesCase(t *testing.T, src []byte) {
	root := shortTempDir(t)
	mine, real := filepath.Join(root, "mine"), filepath.Join(root, "real")
	for _, d := range []string{mine, real} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "aliases"), src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfM, cfR := aliasTestCF(t, mine), aliasTestCF(t, real)
	r := runSendmail(t, real, nil, "-bi", "-C", cfR)
	m := runMailccTool(t, mine, nil, func(_ *bytes.Reader, o, e *bytes.Buffer) int {
		return runNewaliases("newaliases", []string{"-C", cfM}, o, e)
	})
	norm := func(b []byte, dir string) string {
		return strings.ReplaceAll(string(b), dir, "DIR")
	}
	// The real sendmail also warns about its environment on stderr.
	if m.code != r.code {
		t.Errorf("exit status %d, real newaliases %d\nmailcc:\n%s\nreal:\n%s", m.code, r.code, m.stdout, r.stdout)
	}
	if a, b := norm(m.stdout, mine), norm(r.stdout, real); a != b {
		t.Errorf("messages differ:\n%s", diffText(a, b))
	}
	mdb, rdb := filepath.Join(mine, "aliases.db"), filepath.Join(real, "aliases.db")
	if r.code != 0 {
		// sendmail writes what it could use; mailcc keeps the previous
		// database (none here). Compare contents the sendmail way.
		if _, err := os.Stat(mdb); err == nil {
			t.Errorf("mailcc newaliases wrote %s despite errors", mdb)
		}
		commitOnDataError = true
		runMailccTool(t, mine, nil, func(_ *bytes.Reader, o, e *bytes.Buffer) int {
			return runNewaliases("newaliases", []string{"-C", cfM}, o, e)
		})
		commitOnDataError = false
	}
	if d1, d2 := dbDumpFile(t, mdb), dbDumpFile(t, rdb); d1 != d2 {
		t.Errorf("db_dump -p differs:\n%s", diffText(d1, d2))
	}
	// praliases: the real one on both files; mailcc's on the real file.
	praliases := testenv.Tool(t, "praliases")
	want := runReal(t, real, nil, praliases, "-C", cfR)
	got := runReal(t, mine, nil, praliases, "-C", cfM)
	gotM := runMailccTool(t, real, nil, func(_ *bytes.Reader, o, e *bytes.Buffer) int {
		return runPraliases("praliases", []string{"-C", cfR}, o, e)
	})
	if !bytes.Equal(got.stdout, want.stdout) {
		t.Errorf("real praliases of mailcc's database differs:\n%s", diffText(string(got.stdout), string(want.stdout)))
	}
	if !bytes.Equal(gotM.stdout, want.stdout) {
		t.Errorf("mailcc praliases of the real database differs:\n%s", diffText(string(gotM.stdout), string(want.stdout)))
	}
	names := aliasNames(src)
	if len(names) > 200 {
		names = names[:200]
	}
	if len(names) == 0 {
		return
	}
	// praliases with keys, as typed (no folding).
	keys := append([]string{"nosuchalias"}, names...)
	wantK := runReal(t, real, nil, praliases, append([]string{"-C", cfR}, keys...)...)
	gotK := runMailccTool(t, real, nil, func(_ *bytes.Reader, o, e *bytes.Buffer) int {
		return runPraliases("praliases", append([]string{"-C", cfR}, keys...), o, e)
	})
	if !bytes.Equal(gotK.stdout, wantK.stdout) {
		t.Errorf("mailcc praliases KEY... differs:\n%s", diffText(string(gotK.stdout), string(wantK.stdout)))
	}
	// sendmail -bv expands every alias through the database.
	vm := runSendmail(t, mine, nil, append([]string{"-bv", "-C", cfM}, names...)...)
	vr := runSendmail(t, real, nil, append([]string{"-bv", "-C", cfR}, names...)...)
	if a, b := norm(vm.stdout, mine), norm(vr.stdout, real); a != b {
		t.Errorf("sendmail -bv differs:\n%s", diffText(a, b))
	}
}

// shortTempDir is a temporary folder with a short name: sendmail
// shortens long file names in its messages.
func shortTempDir(t testing.TB) string { return testenv.ShortTempDir(t) }

// aliasFile says whether a corpus file is a sendmail aliases file.
func aliasFile(path string) bool {
	if filepath.Base(filepath.Dir(path)) == "aliases" && strings.Contains(path, filepath.Join("corpus", "maps")) {
		return true
	}
	base := filepath.Base(path)
	return strings.Contains(path, "/corpus/sendmail/") && (base == "aliases" || base == "sendmail.aliases")
}

func TestNewaliasesCorpus(t *testing.T) {
	files := corpusTables(t, aliasFile)
	if len(files) == 0 {
		t.Fatal("no aliases files found in the corpus")
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(f, filepath.Dir(filepath.Dir(filepath.Dir(f)))+"/")
		t.Run(name, func(t *testing.T) { newaliasesCase(t, src) })
	}
}
