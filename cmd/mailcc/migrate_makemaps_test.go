package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"mailcc/internal/testenv"
)

// TestMigrateMakemapsOracle: for every sendmail trace case of the
// corpus, migrate --makemaps builds a database beside every hash table
// it writes, and the real postmap (postalias for aliases) building the
// same emitted source with the same main.cf makes a database that gives
// the same answers: the same "postmap -s" listing (as sets) and the
// same "postmap -q -" answers for every key of either, in upper case,
// and for keys neither holds, all asked of the real tool.
func TestMigrateMakemapsOracle(t *testing.T) {
	testenv.CFDir(t)
	postmap := testenv.Tool(t, "postmap")
	postalias := testenv.Tool(t, "postalias")
	cases, err := filepath.Glob(filepath.Join(testenv.Root(), "corpus", "trace", "sm-*"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no corpus/trace/sm-* cases: %v", err)
	}
	built := 0
	for _, c := range cases {
		t.Run(filepath.Base(c), func(t *testing.T) {
			dir := t.TempDir()
			ours := filepath.Join(dir, "ours")
			out, stderr, st := mailccRun(t, dir, "migrate", "sendmail-to-postfix", "--from", c, "--to", ours, "--makemaps", "--json")
			if st != 0 && st != 3 {
				t.Fatalf("migrate --makemaps: status %d\n%s", st, stderr)
			}
			var js struct {
				Files []struct{ Name, Action, DB, DBError string }
			}
			if err := json.Unmarshal([]byte(out), &js); err != nil {
				t.Fatalf("--json: %v\n%s", err, out)
			}
			types, aliasTables := mainCFTables(t, ours)
			// the real tools build the same sources, with the same main.cf,
			// in a copy of the folder without mailcc's databases
			real := filepath.Join(dir, "real")
			if err := os.MkdirAll(real, 0o755); err != nil {
				t.Fatal(err)
			}
			for _, f := range js.Files {
				data, err := os.ReadFile(filepath.Join(ours, f.Name))
				if err != nil {
					t.Fatal(err)
				}
				writeFile(t, filepath.Join(real, f.Name), string(data))
			}
			testenv.PostfixDir(t, real, readString(t, filepath.Join(ours, "main.cf")))
			for _, f := range js.Files {
				if f.DBError != "" {
					t.Errorf("%s: %s", f.Name, f.DBError)
				}
				if types[f.Name] != "hash" {
					if f.DB != "" {
						t.Errorf("%s: a database %s was built for a table Postfix reads as text", f.Name, f.DB)
					}
					continue
				}
				if f.DB != f.Name+".db" {
					t.Errorf("%s: database %q, want %s.db", f.Name, f.DB, f.Name)
					continue
				}
				tool := postmap
				if aliasTables[f.Name] {
					tool = postalias
				}
				if r := testenv.Run(t, real, nil, tool, "-c", real, "hash:"+filepath.Join(real, f.Name)); r.Code != 0 {
					t.Fatalf("%s hash:%s: status %d\n%s", filepath.Base(tool), f.Name, r.Code, r.Stderr)
				}
				compareDBs(t, tool, real, "hash:"+filepath.Join(real, f.Name), "hash:"+filepath.Join(ours, f.Name))
				built++
			}
		})
	}
	if built == 0 && !t.Failed() {
		t.Error("no hash table was built in any case")
	}
}

// compareDBs asks the real tool (postmap or postalias, with config
// folder conf) about the two databases: the same listing, and the same
// answers to every key.
func compareDBs(t *testing.T, tool, conf, want, got string) {
	t.Helper()
	list := func(m string) []string {
		r := testenv.Run(t, conf, nil, tool, "-c", conf, "-s", m)
		if r.Code != 0 {
			t.Fatalf("%s -s %s: status %d\n%s", filepath.Base(tool), m, r.Code, r.Stderr)
		}
		lines := strings.Split(strings.TrimSuffix(string(r.Stdout), "\n"), "\n")
		for i, l := range lines {
			// the build time: it differs between any two builds
			if strings.HasPrefix(l, "YP_LAST_MODIFIED:\t") {
				lines[i] = "YP_LAST_MODIFIED:\t(time)"
			}
		}
		sort.Strings(lines)
		return lines
	}
	wl, gl := list(want), list(got)
	if strings.Join(wl, "\n") != strings.Join(gl, "\n") {
		t.Errorf("%s -s: %s lists\n%s\n%s lists\n%s", filepath.Base(tool), want, strings.Join(wl, "\n"), got, strings.Join(gl, "\n"))
	}
	var keys []string
	for _, l := range append(wl, gl...) {
		k, _, _ := strings.Cut(l, "\t")
		k = strings.TrimSuffix(k, ":") // postalias lists "name:\tvalue"
		if k == "" || k == "YP_LAST_MODIFIED" {
			continue
		}
		keys = append(keys, k, strings.ToUpper(k), "absent-"+k)
	}
	keys = append(keys, "absent.invalid", "nobody@absent.invalid")
	stdin := []byte(strings.Join(keys, "\n") + "\n")
	wq := testenv.Run(t, conf, stdin, tool, "-c", conf, "-q", "-", want)
	gq := testenv.Run(t, conf, stdin, tool, "-c", conf, "-q", "-", got)
	if wq.Code != gq.Code || string(wq.Stdout) != string(gq.Stdout) {
		t.Errorf("%s -q - on %d keys: %s says (status %d)\n%s\n%s says (status %d)\n%s", filepath.Base(tool), len(keys),
			want, wq.Code, wq.Stdout, got, gq.Code, gq.Stdout)
	}
	if len(wq.Stdout) == 0 {
		t.Errorf("%s -q -: no key of %s was found", filepath.Base(tool), want)
	}
}

// mainCFTables returns the type of every table the main.cf in dir
// names (type:/etc/postfix/name), and which of them alias_maps or
// alias_database name: the ones postalias builds.
func mainCFTables(t *testing.T, dir string) (types map[string]string, aliases map[string]bool) {
	t.Helper()
	conf, err := readPostfixConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	types, aliases = map[string]string{}, map[string]bool{}
	sep := func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }
	for p, v := range conf.params {
		for _, ref := range strings.FieldsFunc(v, sep) {
			typ, path, ok := strings.Cut(ref, ":/etc/postfix/")
			if !ok {
				continue
			}
			types[path] = typ
			if p == "alias_maps" || p == "alias_database" {
				aliases[path] = true
			}
		}
	}
	if len(types) == 0 {
		t.Fatalf("%s/main.cf names no table", dir)
	}
	return types, aliases
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestMigrateMakemapsFailure: a database that cannot be built is named
// on standard error and makes the status 1, the others are built, what
// is in the way is left as it was and no temporary file stays (the
// others are rebuilt: virtual.db answers a key added since); with
// --dry-run nothing is built.
func TestMigrateMakemapsFailure(t *testing.T) {
	testenv.CFDir(t)
	dir := t.TempDir()
	migrateSource(t, filepath.Join(dir, "src"), migrateMC)

	if _, stderr, st := mailccRun(t, dir, "migrate", "sendmail-to-postfix", "--from", "src", "--to", "dry", "--makemaps", "--dry-run"); st != 3 {
		t.Fatalf("--dry-run --makemaps: status %d: %s", st, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "dry")); err == nil {
		t.Errorf("--dry-run --makemaps made the output folder")
	}

	if _, stderr, st := mailccRun(t, dir, "migrate", "sendmail-to-postfix", "--from", "src", "--to", "out", "--makemaps"); st != 3 {
		t.Fatalf("--makemaps: status %d: %s", st, stderr)
	}
	out := filepath.Join(dir, "out")
	// something that is not a file where access_sender.db goes
	block := filepath.Join(out, "access_sender.db")
	if err := os.Remove(block); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(block, "keep"), 0o755); err != nil {
		t.Fatal(err)
	}
	// and a source that changed, so that its database is rebuilt
	writeFile(t, filepath.Join(dir, "src", "virtusertable"), "info@mx.example.org\troot\nsales@mx.example.org\tbob\n")
	_, stderr, st := mailccRun(t, dir, "migrate", "sendmail-to-postfix", "--from", "src", "--to", "out", "--makemaps")
	if st != 1 {
		t.Errorf("a database that cannot be written: status %d, want 1", st)
	}
	if !strings.Contains(stderr, "postmap: fatal: ") || !strings.Contains(stderr, "hash:out/access_sender") ||
		!strings.Contains(stderr, "1 database not built") {
		t.Errorf("stderr does not name the failed database:\n%s", stderr)
	}
	if st, err := os.Stat(filepath.Join(block, "keep")); err != nil || !st.IsDir() {
		t.Errorf("what was in the way of access_sender.db was changed: %v", err)
	}
	if m, _ := filepath.Glob(filepath.Join(out, ".*tmp-*")); len(m) > 0 {
		t.Errorf("temporary files left: %v", m)
	}
	postmap := testenv.Tool(t, "postmap")
	r := testenv.Run(t, dir, nil, postmap, "-c", out, "-q", "sales@mx.example.org", "hash:"+filepath.Join(out, "virtual"))
	if r.Code != 0 || strings.TrimSpace(string(r.Stdout)) != "bob" {
		t.Errorf("postmap -q sales@mx.example.org on the rebuilt virtual.db: status %d, %q %s", r.Code, r.Stdout, r.Stderr)
	}
}
