package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"mailcc/internal/testenv"
	"mailcc/mapdb"
)

// postfixDir makes a Postfix configuration folder with mainCF as its
// main.cf, dated in the past.
func postfixDir(t testing.TB, dir, mainCF string) { testenv.PostfixDir(t, dir, mainCF) }

func runMailccPostfix(t testing.TB, tool postfixTool, dir string, stdin []byte, args ...string) toolRun {
	t.Helper()
	prog := "postmap"
	if tool == postaliasTool {
		prog = "postalias"
	}
	return runMailccTool(t, dir, stdin, func(in *bytes.Reader, o, e *bytes.Buffer) int {
		return runPostfixMap(tool, prog, args, in, o, e)
	})
}

// ypRE matches the time stamp postalias stores.
var ypRE = regexp.MustCompile(`(YP_LAST_MODIFIED:?\s+)[0-9]{10}`)

func normYP(s string) string { return ypRE.ReplaceAllString(s, "${1}TIME") }

// postfixCase builds src with the real postmap or postalias and with
// mailcc's, under the main.cf given, and compares status, messages,
// the files (cdb: byte for byte; Berkeley DB: db_dump -p), the real
// tool's -s listing of both files, mailcc's of the real one, and -q -
// lookups of every key by both programs on both files.
func postfixCase(t *testing.T, tool postfixTool, src []byte, mainCF, typ string, flags ...string) {
	t.Helper()
	prog := testenv.Tool(t, "postmap")
	if tool == postaliasTool {
		prog = testenv.Tool(t, "postalias")
	}
	mine, real := t.TempDir(), t.TempDir()
	for _, d := range []string{mine, real} {
		postfixDir(t, d, mainCF)
		if err := os.WriteFile(filepath.Join(d, "t"), src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := func(dir string, extra ...string) []string {
		a := append([]string{"-c", dir}, flags...)
		return append(a, extra...)
	}
	r := runReal(t, real, nil, prog, args(real, typ+":t")...)
	m := runMailccPostfix(t, tool, mine, nil, args(mine, typ+":t")...)
	if m.code != r.code {
		t.Errorf("exit status %d, real %d\nmailcc:\n%s\nreal:\n%s", m.code, r.code, m.stderr, r.stderr)
	}
	if !bytes.Equal(m.stderr, r.stderr) {
		t.Errorf("messages differ:\n%s", diffText(string(m.stderr), string(r.stderr)))
	}
	suffix := ".db"
	if typ == "cdb" {
		suffix = ".cdb"
	}
	mf, rf := filepath.Join(mine, "t"+suffix), filepath.Join(real, "t"+suffix)
	if _, err := os.Stat(rf); err != nil {
		return
	}
	if typ == "cdb" {
		a, _ := os.ReadFile(mf)
		b, _ := os.ReadFile(rf)
		if !bytes.Equal(a, b) && tool == postmapTool {
			t.Errorf("cdb file differs from the real one (%d vs %d bytes)", len(a), len(b))
		}
	} else if d1, d2 := normYP(dbDumpFile(t, mf)), normYP(dbDumpFile(t, rf)); d1 != d2 {
		t.Errorf("db_dump -p differs:\n%s", diffText(d1, d2))
	}
	// -s listings. Postfix cannot list cdb tables: its fatal error
	// (and one-second pause) is checked once in TestPostmapCDBSequence.
	var want toolRun
	if typ != "cdb" {
		want = runReal(t, real, nil, prog, args(real, "-s", typ+":t")...)
	}
	for _, c := range []struct {
		what string
		run  func() toolRun
	}{
		{"real -s of mailcc's file", func() toolRun { return runReal(t, mine, nil, prog, args(mine, "-s", typ+":t")...) }},
		{"mailcc -s of the real file", func() toolRun { return runMailccPostfix(t, tool, real, nil, args(real, "-s", typ+":t")...) }},
	} {
		if typ == "cdb" {
			break
		}
		run := c.run()
		if run.code != want.code || normYP(string(run.stdout)) != normYP(string(want.stdout)) ||
			!bytes.Equal(run.stderr, want.stderr) {
			t.Errorf("%s differs:\n%s\n%s", c.what, diffText(normYP(string(run.stdout)), normYP(string(want.stdout))), run.stderr)
		}
	}
	// -q - with every key stored, in upper case too, and a missing one.
	var keys bytes.Buffer
	mt, _ := mapdb.ParseType(typ)
	db, err := mapdb.Open(mt, rf)
	if err != nil {
		t.Fatal(err)
	}
	db.Walk(func(k, v []byte) error {
		k = mapdb.CString(k)
		keys.WriteString(string(k) + "\n" + strings.ToUpper(string(k)) + "\n")
		return nil
	})
	db.Close()
	keys.WriteString("no-such-key\n")
	wantQ := runReal(t, real, keys.Bytes(), prog, args(real, "-q", "-", typ+":t")...)
	for _, c := range []struct {
		what string
		run  toolRun
	}{
		{"real -q - on mailcc's file", runReal(t, mine, keys.Bytes(), prog, args(mine, "-q", "-", typ+":t")...)},
		{"mailcc -q - on the real file", runMailccPostfix(t, tool, real, keys.Bytes(), args(real, "-q", "-", typ+":t")...)},
	} {
		if c.run.code != wantQ.code || normYP(string(c.run.stdout)) != normYP(string(wantQ.stdout)) {
			t.Errorf("%s differs (status %d vs %d):\n%s", c.what, c.run.code, wantQ.code,
				diffText(normYP(string(c.run.stdout)), normYP(string(wantQ.stdout))))
		}
	}
}

// postfixTable says whether a corpus file is a postmap source: every
// file of corpus/maps/postmap, and the text files of the shared Postfix
// corpus that are not aliases or main.cf/master.cf.
func postfixTable(path string) bool {
	if filepath.Base(filepath.Dir(path)) == "postmap" {
		return true
	}
	if !strings.Contains(path, "/corpus/postfix/") {
		return false
	}
	switch filepath.Base(path) {
	case "SOURCE", "INDEX.tsv", "main.cf", "master.cf", "aliases":
		return false
	}
	return true
}

// postfixConfigs are the main.cf files tests run under: the defaults of
// an empty main.cf (compatibility level 0: no SMTPUTF8), and Debian's
// (level 3.6: SMTPUTF8, keys case-folded as Unicode).
var postfixConfigs = []struct{ name, mainCF string }{
	{"compat0", "myhostname = mx.example.test\n"},
	{"compat3.6", "compatibility_level = 3.6\nmyhostname = mx.example.test\n"},
}

func TestPostmapCorpus(t *testing.T) {
	files := corpusTables(t, postfixTable)
	if len(files) == 0 {
		t.Fatal("no postmap sources found in the corpus")
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(f, filepath.Dir(filepath.Dir(filepath.Dir(f)))+"/")
		type variant struct {
			cf, typ string
			flags   []string
		}
		variants := []variant{{"compat0", "hash", nil}, {"compat0", "cdb", nil}, {"compat3.6", "hash", nil}}
		if strings.Contains(f, filepath.Join("corpus", "maps")) {
			// The project's own cases go through every option.
			variants = append(variants, variant{"compat0", "btree", nil},
				variant{"compat3.6", "cdb", nil}, variant{"compat0", "hash", []string{"-N"}},
				variant{"compat0", "cdb", []string{"-N"}}, variant{"compat0", "hash", []string{"-n", "-f"}},
				variant{"compat0", "hash", []string{"-r"}}, variant{"compat0", "cdb", []string{"-r"}},
				variant{"compat0", "hash", []string{"-w"}}, variant{"compat0", "cdb", []string{"-w"}})
		}
		for _, v := range variants {
			mainCF := postfixConfigs[0].mainCF
			if v.cf == "compat3.6" {
				mainCF = postfixConfigs[1].mainCF
			}
			t.Run(fmt.Sprintf("%s/%s-%s%s", name, v.cf, v.typ, strings.Join(v.flags, "")), func(t *testing.T) {
				postfixCase(t, postmapTool, src, mainCF, v.typ, v.flags...)
			})
		}
	}
}

// genPostfixSource renders n postmap lines with continuation lines,
// comments between, trailing blanks, quoted keys, IPv6 and mixed-case
// and 8-bit keys.
func genPostfixSource(n int) []byte {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		switch i % 6 {
		case 0:
			fmt.Fprintf(&b, "User%d@Example%d.COM\tREJECT   \n", i, i%997)
		case 1:
			fmt.Fprintf(&b, "2001:DB8:%x::%x OK\n", i>>16, i&0xffff)
		case 2:
			fmt.Fprintf(&b, "list%d@lists.example.org first,\n# a comment inside\n\tsecond%d\n", i, i)
		case 3:
			fmt.Fprintf(&b, "\"quoted key %d\"@example.org  value %d\n", i, i)
		case 4:
			fmt.Fprintf(&b, "Ünïcode%d@exämple.org utf8 value\n", i)
		case 5:
			fmt.Fprintf(&b, "%d.%d.%d smtp:[relay.example]:587\n", i>>16&255, i>>8&255, i&255)
		}
	}
	return b.Bytes()
}

func TestPostmapGenerated(t *testing.T) {
	sizes := []int{10, 10000}
	if !testing.Short() {
		sizes = append(sizes, 1000000)
	}
	for _, n := range sizes {
		src := genPostfixSource(n)
		for _, typ := range []string{"hash", "cdb"} {
			t.Run(fmt.Sprintf("%d/%s", n, typ), func(t *testing.T) {
				postfixCase(t, postmapTool, src, postfixConfigs[1].mainCF, typ)
			})
		}
	}
}

func TestPostaliasCorpus(t *testing.T) {
	files := corpusTables(t, func(path string) bool {
		if filepath.Base(filepath.Dir(path)) == "postalias" {
			return true
		}
		base := filepath.Base(path)
		return base == "aliases" || base == "sendmail.aliases" || filepath.Base(filepath.Dir(path)) == "aliases"
	})
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(f, filepath.Dir(filepath.Dir(filepath.Dir(f)))+"/")
		for _, v := range []struct {
			typ   string
			flags []string
		}{{"hash", nil}, {"cdb", nil}, {"hash", []string{"-r"}}} {
			t.Run(fmt.Sprintf("%s/%s%s", name, v.typ, strings.Join(v.flags, "")), func(t *testing.T) {
				postfixCase(t, postaliasTool, src, postfixConfigs[0].mainCF, v.typ, v.flags...)
			})
		}
	}
}

// TestPostmapCDBSequence: Postfix cannot list a cdb table, nor can
// mailcc postmap: same fatal error, same status.
func TestPostmapCDBSequence(t *testing.T) {
	postmap := testenv.Tool(t, "postmap")
	dir := t.TempDir()
	postfixDir(t, dir, "")
	if err := os.WriteFile(filepath.Join(dir, "t"), []byte("a b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runReal(t, dir, nil, postmap, "-c", dir, "cdb:t")
	r := runReal(t, dir, nil, postmap, "-c", dir, "-s", "cdb:t")
	m := runMailccPostfix(t, postmapTool, dir, nil, "-c", dir, "-s", "cdb:t")
	if m.code != r.code || !bytes.Equal(m.stderr, r.stderr) || !bytes.Equal(m.stdout, r.stdout) {
		t.Errorf("mailcc postmap -s cdb: status %d %q, real %d %q", m.code, m.stderr, r.code, r.stderr)
	}
}

// TestPostmapIncremental: postmap -i adds lines from standard input to
// an existing table, like the real one (duplicates warned, first kept;
// -r replaces).
func TestPostmapIncremental(t *testing.T) {
	postmap := testenv.Tool(t, "postmap")
	first := genPostfixSource(2000)
	more := []byte("user0@example0.com CHANGED\nnew@example.org NEW\n")
	for _, flags := range [][]string{nil, {"-r"}} {
		mine, real := t.TempDir(), t.TempDir()
		for _, d := range []string{mine, real} {
			postfixDir(t, d, postfixConfigs[0].mainCF)
			os.WriteFile(filepath.Join(d, "t"), first, 0o644)
		}
		runReal(t, real, nil, postmap, "-c", real, "hash:t")
		runReal(t, mine, nil, postmap, "-c", mine, "hash:t")
		args := func(d string) []string { return append(append([]string{"-c", d, "-i"}, flags...), "hash:t") }
		r := runReal(t, real, more, postmap, args(real)...)
		m := runMailccPostfix(t, postmapTool, mine, more, args(mine)...)
		if m.code != r.code || !bytes.Equal(m.stderr, r.stderr) {
			t.Errorf("-i %q: status %d %q, real %d %q", flags, m.code, m.stderr, r.code, r.stderr)
		}
		if a, b := dbDumpFile(t, filepath.Join(mine, "t.db")), dbDumpFile(t, filepath.Join(real, "t.db")); a != b {
			t.Errorf("-i %q: databases differ:\n%s", flags, diffText(a, b))
		}
	}
}
