package main

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"mailcc/internal/testenv"
	"mailcc/mapdb"
)

// toolRun is the outcome of one run of a tool.
type toolRun struct {
	stdout, stderr []byte
	code           int
}

func fromResult(r testenv.Result) toolRun { return toolRun{r.Stdout, r.Stderr, r.Code} }

// runReal runs a real tool in dir with stdin.
func runReal(t testing.TB, dir string, stdin []byte, prog string, args ...string) toolRun {
	t.Helper()
	return fromResult(testenv.Run(t, dir, stdin, prog, args...))
}

// runMailccMakemap runs mailcc makemap in-process in dir.
func runMailccMakemap(t testing.TB, dir string, stdin []byte, args ...string) toolRun {
	t.Helper()
	var o, e bytes.Buffer
	var code int
	testenv.InDir(t, dir, func() {
		code = runMakemap("makemap", args, bytes.NewReader(stdin), &o, &e)
	})
	return toolRun{o.Bytes(), e.Bytes(), code}
}

// emptyCF writes the empty sendmail.cf makemap must read when run as
// root.
func emptyCF(t testing.TB, dir string) string { return testenv.EmptyCF(t, dir) }

// dbDumpFile lists a database with the real db_dump -p.
func dbDumpFile(t testing.TB, path string) string {
	t.Helper()
	out, err := exec.Command(testenv.Tool(t, "db_dump"), "-p", path).CombinedOutput()
	if err != nil {
		t.Fatalf("db_dump %s: %v\n%s", path, err, out)
	}
	return string(out)
}

// diffText shows the first differing line of two outputs.
func diffText(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) && i < len(lb); i++ {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d:\n mailcc %q\n real   %q", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("%d lines vs %d lines", len(la), len(lb))
}

// makemapCase builds one source with the real makemap and with mailcc
// makemap and compares everything observable: exit status, messages,
// db_dump -p, makemap -u of each file by each program. It returns the
// two directories (mailcc's, the real one's), each holding "map.db".
func makemapCase(t *testing.T, src []byte, typ string, flags ...string) (mine, real string) {
	t.Helper()
	makemap := testenv.Tool(t, "makemap")
	mine, real = t.TempDir(), t.TempDir()
	cfM, cfR := emptyCF(t, mine), emptyCF(t, real)
	args := func(cf string, extra ...string) []string {
		a := append([]string{"-C", cf}, flags...)
		a = append(a, extra...)
		return append(a, typ, "map")
	}
	r := runReal(t, real, src, makemap, args(cfR)...)
	m := runMailccMakemap(t, mine, src, args(cfM)...)
	if m.code != r.code {
		t.Errorf("exit status %d, real makemap %d\nmailcc stderr:\n%s\nreal stderr:\n%s", m.code, r.code, m.stderr, r.stderr)
	}
	if !bytes.Equal(m.stderr, r.stderr) {
		t.Errorf("messages differ:\n%s", diffText(string(m.stderr), string(r.stderr)))
	}
	if !bytes.Equal(m.stdout, r.stdout) {
		t.Errorf("standard output differs:\n%s", diffText(string(m.stdout), string(r.stdout)))
	}
	suffix := ".db"
	if typ == "cdb" {
		suffix = ".cdb"
	}
	mf, rf := filepath.Join(mine, "map"+suffix), filepath.Join(real, "map"+suffix)
	if r.code != 0 {
		// makemap writes the good lines anyway; mailcc leaves the
		// previous database (here: none) alone. To compare what was
		// stored, run it again the way makemap does.
		if _, err := os.Stat(mf); err == nil {
			t.Errorf("mailcc makemap wrote %s despite errors", mf)
		}
		commitOnDataError = true
		runMailccMakemap(t, mine, src, args(cfM)...)
		commitOnDataError = false
	}
	if _, err := os.Stat(rf); err != nil {
		if _, err := os.Stat(mf); err == nil {
			t.Errorf("mailcc wrote %s, the real makemap wrote nothing", mf)
		}
		return mine, real
	}
	if d1, d2 := dbDumpFile(t, mf), dbDumpFile(t, rf); d1 != d2 {
		t.Errorf("db_dump -p differs:\n%s", diffText(d1, d2))
	}
	// makemap -u: the real one on both files, mailcc's on both files.
	uflags := []string{"-u"}
	for _, f := range flags {
		if strings.HasPrefix(f, "-t") {
			uflags = append(uflags, f)
		}
	}
	want := runReal(t, real, nil, makemap, append(append([]string{"-C", cfR}, uflags...), typ, "map")...)
	for _, check := range []struct {
		what string
		run  toolRun
	}{
		{"real makemap -u of mailcc's file", runReal(t, mine, nil, makemap, append(append([]string{"-C", cfM}, uflags...), typ, "map")...)},
		{"mailcc makemap -u of the real file", runMailccMakemap(t, real, nil, append(append([]string{"-C", cfR}, uflags...), typ, "map")...)},
		{"mailcc makemap -u of its own file", runMailccMakemap(t, mine, nil, append(append([]string{"-C", cfM}, uflags...), typ, "map")...)},
	} {
		if check.run.code != want.code || !bytes.Equal(check.run.stdout, want.stdout) {
			t.Errorf("%s differs from the real makemap -u of the real file (status %d vs %d):\n%s",
				check.what, check.run.code, want.code, diffText(string(check.run.stdout), string(want.stdout)))
		}
	}
	return mine, real
}

// corpusTables returns the sendmail map sources of the project corpus
// and of ../shared/corpus.
func corpusTables(t testing.TB, names func(string) bool) []string {
	var files []string
	roots := []string{filepath.Join(testenv.Root(), "corpus", "maps")}
	if sh := testenv.Shared(); sh != "" {
		roots = append(roots, filepath.Join(sh, "corpus", "sendmail"), filepath.Join(sh, "corpus", "postfix"))
	}
	for _, root := range roots {
		filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
			if err == nil && info.Mode().IsRegular() && names(path) {
				files = append(files, path)
			}
			return nil
		})
	}
	sort.Strings(files)
	return files
}

// sendmailTable says whether a corpus file is a makemap source: every
// file of corpus/maps/makemap, and the sendmail tables of the shared
// corpus by their usual names.
func sendmailTable(path string) bool {
	if filepath.Base(filepath.Dir(path)) == "makemap" {
		return true
	}
	if !strings.Contains(path, "/corpus/sendmail/") {
		return false
	}
	base := strings.TrimPrefix(filepath.Base(path), "sendmail.")
	for _, n := range []string{"access", "virtusertable", "mailertable", "genericstable", "domaintable", "authinfo"} {
		if base == n || strings.HasPrefix(base, n+".") || strings.HasPrefix(base, n+"-") {
			return true
		}
	}
	return false
}

func TestMakemapCorpus(t *testing.T) {
	files := corpusTables(t, sendmailTable)
	if len(files) == 0 {
		t.Fatal("no map sources found in the corpus")
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(f, filepath.Dir(filepath.Dir(filepath.Dir(f)))+"/")
		for _, v := range []struct {
			typ   string
			flags []string
		}{
			{"hash", nil}, {"btree", nil}, {"hash", []string{"-N"}}, {"hash", []string{"-f"}},
			{"btree", []string{"-N", "-f"}}, {"hash", []string{"-r"}}, {"hash", []string{"-e"}},
			{"hash", []string{"-d"}}, {"btree", []string{"-d"}}, {"hash", []string{"-v"}},
			{"hash", []string{"-t:"}}, {"btree", []string{"-t", ":", "-e"}}, {"hash", []string{"-D;"}},
		} {
			t.Run(fmt.Sprintf("%s/%s%s", name, v.typ, strings.Join(v.flags, "")), func(t *testing.T) {
				mine, real := makemapCase(t, src, v.typ, v.flags...)
				// The real sendmail finds every key of the plain maps.
				flags := strings.Join(v.flags, "")
				if flags == "" || flags == "-N" {
					if keys := listedKeys(t, real, v.typ); len(keys) > 0 {
						mk := ""
						if flags == "-N" {
							mk = "-N "
						}
						sendmailFindsAll(t, mine, real, v.typ, keys, mk)
					}
				}
			})
		}
	}
}

// genSource renders n makemap lines with keys of every difficult kind:
// mixed case, IPv4 and IPv6 address keys, long keys and values near the
// 1023-byte line limit, 8-bit and control bytes (makemap is binary safe
// but for NUL, newline and white space in keys).
//
// Large sources keep long keys and values rarer so that the 1,000,000
// entry case stays a test of many entries rather than of many bytes.
func genSource(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 5))
	longEvery := 1
	if n >= 100000 {
		longEvery = 50
	}
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		var k, v string
		switch i % 8 {
		case 0:
			k = fmt.Sprintf("From:User%d@Example%d.COM", i, r.IntN(1000))
			v = "REJECT"
		case 1:
			k = fmt.Sprintf("Connect:%d.%d.%d.%d", r.IntN(256), r.IntN(256), r.IntN(256), i&255)
			v = "RELAY"
		case 2:
			k = fmt.Sprintf("Connect:IPv6:2001:DB8:%X:%x::%x", r.IntN(65536), i, r.IntN(65536))
			v = "ERROR:5.7.1:550 Go Away  "
		case 3:
			if i%longEvery != 3 {
				k, v = fmt.Sprintf("To:x%d@Example.ORG", i), "RELAY"
				break
			}
			k = fmt.Sprintf("To:%s%d@Long.Example.ORG", strings.Repeat("xY", r.IntN(200)), i)
			v = strings.Repeat("v", r.IntN(500))
		case 4:
			k = fmt.Sprintf("key\x01\x7f\xff\xc3\x84%d", i)
			v = "bin\x02\x80value\xe2\x82\xac"
		case 5:
			k = fmt.Sprintf("MiXeD%d.CaSe.Example", r.IntN(n+1))
			v = "OK # not a comment"
		case 6:
			k = fmt.Sprintf("%d@[IPv6:::1]", i)
			v = "local:user"
		case 7:
			k = fmt.Sprintf("u%d", i)
			if i%longEvery != 7 {
				v = fmt.Sprintf("smtp:[relay%d.example]", i%97)
				break
			}
			v = fmt.Sprintf("%s %d", strings.Repeat("w", 1000-len(fmt.Sprint(i))-3), i)
		}
		b.WriteString(k + "\t" + v + "\n")
	}
	return b.Bytes()
}

func TestMakemapGenerated(t *testing.T) {
	sizes := []int{10, 10000}
	if !testing.Short() {
		sizes = append(sizes, 1000000)
	}
	for _, n := range sizes {
		src := genSource(n, uint64(n))
		for _, typ := range []string{"hash", "btree"} {
			t.Run(fmt.Sprintf("%d/%s", n, typ), func(t *testing.T) {
				mine, real := makemapCase(t, src, typ)
				// The real sendmail finds every key of mailcc's map
				// (a sample of 20,000 for the largest map).
				sendmailFindsAll(t, mine, real, typ, sourceKeys(src, 20000), "")
			})
		}
	}
}

// sourceKeys returns up to max distinct keys of a makemap source with
// the values makemap keeps (first one wins), for lookups.
func sourceKeys(src []byte, max int) [][2]string {
	seen := map[string]bool{}
	var out [][2]string
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		k, v, ok := strings.Cut(line, "\t")
		if !ok || len(line) > 1022 || v == "" {
			continue
		}
		// Only ASCII letters fold; other bytes stay as they are.
		lk := asciiLower(k)
		if seen[lk] {
			continue
		}
		seen[lk] = true
		if len(out) < max {
			out = append(out, [2]string{lk, v})
		}
	}
	return out
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// runSendmail runs the real sendmail (with a qualified host name).
func runSendmail(t testing.TB, dir string, stdin []byte, args ...string) toolRun {
	t.Helper()
	return fromResult(testenv.RunSendmail(t, dir, stdin, args...))
}

// testCF writes a minimal sendmail.cf declaring map "test" of class typ
// on dir/map, for address test mode.
func testCF(t testing.TB, dir, typ, flags string) string {
	t.Helper()
	cf := fmt.Sprintf("V10/Berkeley\nO DontBlameSendmail=TrustStickyBit,MapInUnsafeDirPath\nO QueueDirectory=%s\nO HelpFile=/dev/null\nDjmx.example.test\nKtest %s %s%s\nS0\nR$*\t$#local $: $1\nMlocal, P=/bin/true, F=lsDFMAw5:/|@q, A=true\n",
		dir, typ, flags, filepath.Join(dir, "map"))
	path := filepath.Join(dir, "test.cf")
	if err := os.WriteFile(path, []byte(cf), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// sendmailMapAnswers asks the real sendmail in address test mode
// ("/map test KEY") for every key, on dir/map, and returns its answer
// lines in order.
func sendmailMapAnswers(t *testing.T, dir, typ, flags string, keys []string) []string {
	t.Helper()
	cf := testCF(t, dir, typ, flags)
	var in bytes.Buffer
	for _, k := range keys {
		in.WriteString("/map test " + k + "\n")
	}
	out := runSendmail(t, dir, in.Bytes(), "-bt", "-C", cf)
	var results []string
	for _, l := range strings.Split(string(out.stdout), "\n") {
		l = strings.TrimPrefix(l, "> ")
		if strings.HasPrefix(l, "map_lookup: test (") {
			results = append(results, l)
		}
	}
	if len(results) != len(keys) {
		t.Fatalf("sendmail -bt answered %d of %d lookups:\n%s%s", len(results), len(keys), firstLines(out.stdout, 5), out.stderr)
	}
	return results
}

// sendmailFindsAll checks that the real sendmail finds every key of
// mailcc's map with its value, and answers exactly as it does on the
// map the real makemap wrote. Keys go in with their first letter in
// upper case: sendmail folds them itself. sendmail cannot find keys
// longer than MAXNAME (256) bytes in any map; those must merely get the
// same answer from both files.
func sendmailFindsAll(t *testing.T, mine, real, typ string, keys [][2]string, flags string) {
	t.Helper()
	var asked []string
	var want []string
	for _, kv := range keys {
		if len(kv[0]) > 900 || strings.ContainsAny(kv[0], "\x00\n") {
			continue
		}
		k := kv[0]
		if c := k[0]; 'a' <= c && c <= 'z' {
			k = string(c-'a'+'A') + k[1:]
		}
		asked = append(asked, k)
		want = append(want, kv[1])
	}
	a := sendmailMapAnswers(t, mine, typ, flags, asked)
	b := sendmailMapAnswers(t, real, typ, flags, asked)
	bad, found := 0, 0
	for i := range asked {
		if a[i] != b[i] {
			bad++
			if bad <= 3 {
				t.Errorf("sendmail answers differ:\n mailcc's map %q\n real map     %q", a[i], b[i])
			}
		}
		// sendmail substitutes %0..%9 in the values it returns.
		if strings.HasSuffix(a[i], ") returns "+want[i]+" (0)") ||
			strings.Contains(want[i], "%") && strings.Contains(a[i], ") returns ") {
			found++
		} else if len(asked[i]) <= 256 {
			t.Errorf("sendmail does not find %q: %q", asked[i], a[i])
		}
	}
	if bad > 0 {
		t.Errorf("sendmail answers differ for %d of %d keys", bad, len(asked))
	}
	t.Logf("sendmail: %d of %d keys found, answers identical on both maps for %d", found, len(asked), len(asked)-bad)
}

func firstLines(b []byte, n int) string {
	lines := strings.SplitN(string(b), "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n") + "\n"
}

// TestMakemapKeepsPreviousOnError: a source with errors, or an
// interrupted run, leaves the previous database as it was, with no
// temporary file behind; the errors name the source lines.
func TestMakemapKeepsPreviousOnError(t *testing.T) {
	dir := t.TempDir()
	cf := emptyCF(t, dir)
	good := []byte("a 1\nb 2\n")
	if r := runMailccMakemap(t, dir, good, "-C", cf, "hash", "map"); r.code != 0 {
		t.Fatalf("good source: status %d: %s", r.code, r.stderr)
	}
	before, err := os.ReadFile(filepath.Join(dir, "map.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct{ src, msg string }{
		{"a 1\n b 2\n", "makemap: map: line 2: syntax error (leading space)\n"},
		{"a 1\na 2\n", "makemap: map: line 2: key a: duplicate key\n"},
		{"a 1\nnovalue\n", "makemap: map: line 2: no RHS for LHS novalue\n"},
		{"a 1\n" + strings.Repeat("x", 2000) + "\n", "makemap: map: line 2: line too long (1024 bytes max)\n"},
	} {
		r := runMailccMakemap(t, dir, []byte(bad.src), "-C", cf, "hash", "map")
		if r.code != exDataErr || !strings.HasPrefix(string(r.stderr), bad.msg) {
			t.Errorf("source %q: status %d, messages %q; want 65, %q", bad.src, r.code, r.stderr, bad.msg)
		}
		after, _ := os.ReadFile(filepath.Join(dir, "map.db"))
		if !bytes.Equal(before, after) {
			t.Errorf("source %q: the previous database changed", bad.src)
		}
	}
	assertNoTempFiles(t, dir)
}

func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

// TestMakemapInterrupted: the mailcc binary, invoked as makemap and
// killed while it reads its input, leaves the previous database alone.
func TestMakemapInterrupted(t *testing.T) {
	bin := testenv.Mailcc(t)
	dir := t.TempDir()
	link := filepath.Join(dir, "makemap")
	if err := os.Symlink(bin, link); err != nil {
		t.Fatal(err)
	}
	cf := emptyCF(t, dir)
	if r := runReal(t, dir, []byte("a 1\n"), link, "-C", cf, "hash", "map"); r.code != 0 {
		t.Fatalf("makemap link: status %d: %s", r.code, r.stderr)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "map.db"))
	cmd := exec.Command(link, "-C", cf, "hash", "map")
	cmd.Dir = dir
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stdin.Write(genSource(20000, 1))
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
	stdin.Close()
	after, _ := os.ReadFile(filepath.Join(dir, "map.db"))
	if !bytes.Equal(before, after) {
		t.Error("an interrupted makemap changed the previous database")
	}
	assertNoTempFiles(t, dir)
}

// TestMakemapAppend: makemap -o adds to an existing map; the result is
// the same as the real makemap's, layout included (db_dump, -u).
func TestMakemapAppend(t *testing.T) {
	first := genSource(3000, 1)
	second := genSource(3000, 2)
	for _, typ := range []string{"hash", "btree"} {
		t.Run(typ, func(t *testing.T) {
			makemap := testenv.Tool(t, "makemap")
			mine, real := t.TempDir(), t.TempDir()
			cfM, cfR := emptyCF(t, mine), emptyCF(t, real)
			runReal(t, real, first, makemap, "-C", cfR, typ, "map")
			runReal(t, mine, first, makemap, "-C", cfM, typ, "map")
			r := runReal(t, real, second, makemap, "-C", cfR, "-o", typ, "map")
			m := runMailccMakemap(t, mine, second, "-C", cfM, "-o", typ, "map")
			if m.code != r.code || !bytes.Equal(m.stderr, r.stderr) {
				t.Errorf("status %d, real %d; messages:\n%s", m.code, r.code, diffText(string(m.stderr), string(r.stderr)))
			}
			if m.code != 0 {
				commitOnDataError = true
				copyFile(t, filepath.Join(real, "map.db"), filepath.Join(mine, "map.db"))
				runReal(t, real, first, makemap, "-C", cfR, typ, "map")
				runReal(t, mine, first, makemap, "-C", cfM, typ, "map")
				runReal(t, real, second, makemap, "-C", cfR, "-o", typ, "map")
				runMailccMakemap(t, mine, second, "-C", cfM, "-o", typ, "map")
				commitOnDataError = false
			}
			if d1, d2 := dbDumpFile(t, filepath.Join(mine, "map.db")), dbDumpFile(t, filepath.Join(real, "map.db")); d1 != d2 {
				t.Errorf("db_dump -p differs:\n%s", diffText(d1, d2))
			}
		})
	}
	// -o on a missing map fails like makemap's.
	dir := t.TempDir()
	cf := emptyCF(t, dir)
	r := runReal(t, dir, first, testenv.Tool(t, "makemap"), "-C", cf, "-o", "hash", "nomap")
	m := runMailccMakemap(t, dir, first, "-C", cf, "-o", "hash", "nomap")
	if m.code != r.code || !bytes.Equal(m.stderr, r.stderr) {
		t.Errorf("-o on a missing map: status %d %q, real %d %q", m.code, m.stderr, r.code, r.stderr)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o640); err != nil {
		t.Fatal(err)
	}
}

// TestMakemapUsage: bad command lines get makemap's usage text, status
// and getopt messages; -l lists the types.
func TestMakemapUsage(t *testing.T) {
	makemap := testenv.Tool(t, "makemap")
	dir := t.TempDir()
	cf := emptyCF(t, dir)
	for _, args := range [][]string{
		{"-C", cf}, {"-C", cf, "hash"}, {"-C", cf, "-z", "hash", "m"}, {"-C", cf, "-t"},
		{"-C", cf, "hash", "m", "extra"}, {"-C", cf, "dbm", "m"}, {"-C", cf, "nosuchtype", "m"},
		{"-C", filepath.Join(dir, "missing.cf"), "hash", "m"}, {"-C", cf, "-u", "hash", "missing"},
	} {
		r := runReal(t, dir, nil, makemap, args...)
		// getopt names the program as it was invoked.
		r.stderr = bytes.ReplaceAll(r.stderr, []byte(makemap), []byte("makemap"))
		m := runMailccMakemap(t, dir, nil, args...)
		if m.code != r.code || !bytes.Equal(m.stderr, r.stderr) {
			t.Errorf("makemap %q: status %d, messages\n%s\nreal: status %d\n%s", args, m.code, m.stderr, r.code, r.stderr)
		}
	}
}

// TestMultiCall: the mailcc binary invoked as makemap, praliases,
// newaliases, postmap or postalias is that tool, and "mailcc TOOL" runs
// the same code.
func TestMultiCall(t *testing.T) {
	bin := testenv.Mailcc(t)
	dir := t.TempDir()
	for _, name := range []string{"makemap", "praliases", "newaliases", "postmap", "postalias"} {
		if err := os.Symlink(bin, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	cf := emptyCF(t, dir)
	src := []byte("Key1 value one\nkey2 value two\n")
	for _, run := range [][]string{
		{filepath.Join(dir, "makemap"), "-C", cf, "hash", "viaLink"},
		{bin, "makemap", "-C", cf, "hash", "viaSub"},
	} {
		if r := runReal(t, dir, src, run[0], run[1:]...); r.code != 0 {
			t.Fatalf("%q: status %d: %s", run, r.code, r.stderr)
		}
	}
	a := runReal(t, dir, nil, filepath.Join(dir, "makemap"), "-C", cf, "-u", "hash", "viaLink")
	b := runReal(t, dir, nil, bin, "makemap", "-C", cf, "-u", "hash", "viaSub")
	if string(a.stdout) != "key1\tvalue one\nkey2\tvalue two\n" || !bytes.Equal(a.stdout, b.stdout) {
		t.Errorf("makemap -u: link %q, subcommand %q", a.stdout, b.stdout)
	}
	if r := runReal(t, dir, nil, filepath.Join(dir, "makemap"), "-l"); string(r.stdout) != "hash\nbtree\ncdb\nimplicit\n" {
		t.Errorf("makemap -l: %q", r.stdout)
	}
	// Postfix tools.
	postfixDir(t, dir, "")
	if err := os.WriteFile(filepath.Join(dir, "t"), []byte("alias: a, b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tool := range []string{"postmap", "postalias"} {
		link := filepath.Join(dir, tool)
		if r := runReal(t, dir, nil, link, "-c", dir, "hash:t"); r.code != 0 {
			t.Fatalf("%s: status %d: %s", tool, r.code, r.stderr)
		}
		// postmap keeps "alias:" as the key; postalias parses the name.
		key := "ALIAS"
		if tool == "postmap" {
			key = "ALIAS:"
		}
		q := runReal(t, dir, nil, link, "-c", dir, "-q", key, "hash:t")
		sub := runReal(t, dir, nil, bin, tool, "-c", dir, "-q", key, "hash:t")
		want := "a, b\n"
		if string(q.stdout) != want || !bytes.Equal(q.stdout, sub.stdout) {
			t.Errorf("%s -q: link %q, subcommand %q", tool, q.stdout, sub.stdout)
		}
		if r := runReal(t, dir, nil, link, "-z"); r.code != 1 || !strings.Contains(string(r.stderr), tool+": fatal: usage: "+tool) {
			t.Errorf("%s -z: status %d, %q", tool, r.code, r.stderr)
		}
	}
	// praliases and newaliases with an aliases file of their own.
	if err := os.WriteFile(filepath.Join(dir, "aliases"), []byte("root: admin\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runReal(t, dir, nil, filepath.Join(dir, "newaliases"), "-C", cf, "-f", filepath.Join(dir, "aliases")); r.code != 0 {
		t.Fatalf("newaliases: status %d: %s%s", r.code, r.stdout, r.stderr)
	}
	r := runReal(t, dir, nil, filepath.Join(dir, "praliases"), "-f", filepath.Join(dir, "aliases"))
	if string(r.stdout) != "root:admin\n@:@\n" && string(r.stdout) != "@:@\nroot:admin\n" {
		t.Errorf("praliases: %q %s", r.stdout, r.stderr)
	}
}

// TestMakemapTypeFromCF: the cf and CF types take the class of the K
// line naming the map in sendmail.cf (full path, or base name).
func TestMakemapTypeFromCF(t *testing.T) {
	makemap := testenv.Tool(t, "makemap")
	for _, tc := range []struct{ typ, name string }{
		{"cf", "DIR/access"}, {"CF", "access"}, {"cf", "DIR/nomap"}, {"CF", "mailertable"},
	} {
		mine, real := t.TempDir(), t.TempDir()
		for _, d := range []string{mine, real} {
			cf := fmt.Sprintf("V10/Berkeley\nKaccess btree -T<TMPF> -o %s/access\nKmailertable hash -o /etc/mail/mailertable.db\nO TrustedUser=0\n", d)
			if err := os.WriteFile(filepath.Join(d, "t.cf"), []byte(cf), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		src := []byte("Key value\n")
		r := runReal(t, real, src, makemap, "-C", filepath.Join(real, "t.cf"), tc.typ, strings.ReplaceAll(tc.name, "DIR", real))
		m := runMailccMakemap(t, mine, src, "-C", filepath.Join(mine, "t.cf"), tc.typ, strings.ReplaceAll(tc.name, "DIR", mine))
		// sendmail's file-safety checks warn about /tmp, above the
		// test folders; mailcc makes no such checks (as with -s).
		norm := func(b []byte, d string) string {
			s := strings.ReplaceAll(string(b), "WARNING: World writable directory /tmp\n", "")
			return strings.ReplaceAll(s, d, "DIR")
		}
		if m.code != r.code || norm(m.stderr, mine) != norm(r.stderr, real) {
			t.Errorf("%s %s: status %d %q, real %d %q", tc.typ, tc.name, m.code, m.stderr, r.code, r.stderr)
		}
		base := filepath.Base(tc.name)
		if a, b := dbDumpIfAny(t, filepath.Join(mine, base+".db")), dbDumpIfAny(t, filepath.Join(real, base+".db")); a != b {
			t.Errorf("%s %s: databases differ:\n%s", tc.typ, tc.name, diffText(a, b))
		}
	}
}

func dbDumpIfAny(t *testing.T, path string) string {
	if _, err := os.Stat(path); err != nil {
		return "(none)"
	}
	return dbDumpFile(t, path)
}

// listedKeys reads back the pairs of dir/map with mailcc's reader (the
// makemap -u of both programs agree on it by now), NULs removed.
func listedKeys(t *testing.T, dir, typ string) [][2]string {
	t.Helper()
	mt, _ := mapdb.ParseType(typ)
	m, err := mapdb.Open(mt, filepath.Join(dir, "map"+mt.Suffix()))
	if err != nil {
		return nil
	}
	defer m.Close()
	var out [][2]string
	m.Walk(func(k, v []byte) error {
		k, v = mapdb.CString(k), mapdb.CString(v)
		if len(k) > 0 && !strings.ContainsAny(string(k), " \t") {
			out = append(out, [2]string{string(k), string(v)})
		}
		return nil
	})
	return out
}
