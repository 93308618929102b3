package table

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"mailcc/internal/testenv"
	"mailcc/ir"
)

// The differential tests: for every table source of the corpora, the
// key → value pairs Parse returns are the ones the real tool stores, as
// the tool itself lists them (makemap -u, praliases, postmap -s,
// postalias -s) after building the map.

// corpusRoots are the folders the table sources are taken from: the
// project's corpus and, when it is there, the shared one (read in place).
func corpusRoots() []string {
	roots := []string{
		filepath.Join(testenv.Root(), "corpus", "maps"),
		filepath.Join(testenv.Root(), "corpus", "tables"),
		filepath.Join(testenv.Root(), "corpus", "bad"),
	}
	if sh := testenv.Shared(); sh != "" {
		roots = append(roots, filepath.Join(sh, "corpus", "sendmail"), filepath.Join(sh, "corpus", "postfix"))
	}
	return roots
}

// corpusSource is one table source of the corpora.
type corpusSource struct {
	path    string
	name    string // for test names: the last three path elements
	kind    ir.TableKind
	dialect ir.Dialect
}

// kindByName tells a table's kind from its file name, as the corpora
// name them ("sendmail.access", "mailertable.sample",
// "sender_canonical", ...). ok is false for files that are no table
// sources (.mc, main.cf, class files, notes).
func kindByName(name string) (ir.TableKind, bool) {
	base := strings.TrimPrefix(filepath.Base(name), "sendmail.")
	for _, k := range []struct {
		prefix string
		kind   ir.TableKind
	}{
		{"access", ir.AccessTable},
		{"postscreen_access", ir.AccessTable},
		{"aliases", ir.AliasTable},
		{"virtusertable", ir.VirtualTable},
		{"virtual", ir.VirtualTable},
		{"genericstable", ir.GenericTable},
		{"generic", ir.GenericTable},
		{"canonical", ir.CanonicalTable},
		{"sender_canonical", ir.CanonicalTable},
		{"recipient_canonical", ir.CanonicalTable},
		{"mailertable", ir.TransportTable},
		{"transport", ir.TransportTable},
		{"domaintable", ir.DomainTable},
		{"relocated", ir.RelocatedTable},
		{"authinfo", ir.AuthInfoTable},
		{"sasl_passw", ir.AuthInfoTable},
	} {
		if base == k.prefix || strings.HasPrefix(base, k.prefix+".") || strings.HasPrefix(base, k.prefix+"-") ||
			strings.HasPrefix(base, k.prefix+"_") || strings.HasPrefix(base, k.prefix+"s") {
			return k.kind, true
		}
	}
	return ir.OtherTable, false
}

// corpusSources lists the table sources of the corpora with the kind and
// dialect each is read with:
//
//   - corpus/maps/{makemap,aliases,postmap,postalias}/*: the cases of
//     the map tools (makemap and aliases are sendmail's);
//   - corpus/tables/{sendmail,postfix}/NAME: NAME says the kind;
//   - corpus/bad/CASE/NAME: the broken sources (see corpus/bad/README.md);
//   - the shared corpus: sendmail/ files named like sendmail's tables,
//     and every text file of postfix/ but the configuration files.
func corpusSources(t testing.TB) []corpusSource {
	var out []corpusSource
	for _, root := range corpusRoots() {
		filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
			if err != nil || !info.Mode().IsRegular() {
				return nil
			}
			dir := filepath.Base(filepath.Dir(path))
			base := filepath.Base(path)
			if base == "README.md" || base == "SOURCE" || base == "INDEX.tsv" {
				return nil
			}
			src := corpusSource{path: path, name: shortName(path)}
			kind, known := kindByName(base)
			switch {
			case strings.HasSuffix(root, filepath.Join("corpus", "maps")):
				switch dir {
				case "makemap":
					src.kind, src.dialect = ir.OtherTable, ir.Sendmail
				case "aliases":
					src.kind, src.dialect = ir.AliasTable, ir.Sendmail
				case "postmap":
					src.kind, src.dialect = ir.OtherTable, ir.Postfix
				case "postalias":
					src.kind, src.dialect = ir.AliasTable, ir.Postfix
				default:
					return nil
				}
			case strings.HasSuffix(root, filepath.Join("corpus", "bad")):
				if !known {
					return nil
				}
				src.kind, src.dialect = kind, badCaseDialect(filepath.Dir(path))
			case strings.HasSuffix(root, filepath.Join("corpus", "tables")):
				if !known || (dir != "sendmail" && dir != "postfix") {
					return nil
				}
				src.kind, src.dialect = kind, ir.Dialect(dir)
			case strings.HasSuffix(root, filepath.Join("corpus", "sendmail")):
				if !known {
					return nil
				}
				src.kind, src.dialect = kind, ir.Sendmail
			default: // the shared Postfix corpus
				switch base {
				case "main.cf", "master.cf":
					return nil
				}
				src.kind, src.dialect = kind, ir.Postfix
			}
			out = append(out, src)
			return nil
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	if len(out) == 0 {
		t.Fatal("no table sources in the corpora")
	}
	return out
}

func shortName(path string) string {
	parts := strings.Split(filepath.ToSlash(path), "/")
	if len(parts) > 3 {
		parts = parts[len(parts)-3:]
	}
	return strings.Join(parts, "/")
}

// entryLines renders entries as a tool lists them: key, sep, value.
func entryLines(es []ir.Entry, sep string) []string {
	out := make([]string, 0, len(es))
	for _, e := range es {
		out = append(out, e.Key+sep+e.Value)
	}
	sort.Strings(out)
	return out
}

// listLines splits a tool's listing into sorted lines, leaving out the
// entries the tools add themselves.
func listLines(b []byte, skip ...string) []string {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l == "" {
			continue
		}
		skipped := false
		for _, s := range skip {
			if strings.HasPrefix(l, s) {
				skipped = true
			}
		}
		if !skipped {
			out = append(out, l)
		}
	}
	sort.Strings(out)
	return out
}

// sameLines compares two sorted listings and describes the first
// differences.
func sameLines(got, want []string) (bool, string) {
	g := map[string]int{}
	for _, l := range got {
		g[l]++
	}
	for _, l := range want {
		g[l]--
	}
	var only []string
	for l, n := range g {
		switch {
		case n > 0:
			only = append(only, fmt.Sprintf("  Parse only: %q", l))
		case n < 0:
			only = append(only, fmt.Sprintf("  tool only:  %q", l))
		}
	}
	if len(only) == 0 {
		return true, ""
	}
	sort.Strings(only)
	if len(only) > 8 {
		only = append(only[:8], fmt.Sprintf("  (%d more)", len(only)-8))
	}
	return false, fmt.Sprintf("%d entries from Parse, %d from the tool:\n%s", len(got), len(want), strings.Join(only, "\n"))
}

// tally counts agreeing files per oracle for the summary line.
type tally struct{ agree, total int }

func (c *tally) log(t *testing.T, what string) {
	t.Logf("%s: %d of %d sources agree", what, c.agree, c.total)
}

func parseFile(t *testing.T, src corpusSource, opt Options) []ir.Entry {
	t.Helper()
	data, err := os.ReadFile(src.path)
	if err != nil {
		t.Fatal(err)
	}
	es, _ := Parse(src.kind, src.path, data, opt)
	return es
}

// TestMakemapAgrees: every sendmail map source (not aliases) gives the
// pairs the real makemap stores, with and without -f.
func TestMakemapAgrees(t *testing.T) {
	makemap := testenv.Tool(t, "makemap")
	var c tally
	for _, src := range corpusSources(t) {
		if src.dialect != ir.Sendmail || src.kind == ir.AliasTable {
			continue
		}
		for _, keepCase := range []bool{false, true} {
			name := src.name
			flags := []string{}
			if keepCase {
				name += "/-f"
				flags = append(flags, "-f")
			}
			t.Run(name, func(t *testing.T) {
				c.total++
				dir := t.TempDir()
				cf := testenv.EmptyCF(t, dir)
				data, err := os.ReadFile(src.path)
				if err != nil {
					t.Fatal(err)
				}
				build := testenv.Run(t, dir, data, makemap, append(append([]string{"-C", cf}, flags...), "hash", "map")...)
				if _, err := os.Stat(filepath.Join(dir, "map.db")); err != nil {
					t.Fatalf("makemap wrote no map (status %d): %s", build.Code, build.Stderr)
				}
				list := testenv.Run(t, dir, nil, makemap, "-C", cf, "-u", "hash", "map")
				got := entryLines(parseFile(t, src, Options{Dialect: ir.Sendmail, KeepCase: keepCase}), "\t")
				if ok, diff := sameLines(got, listLines(list.Stdout)); !ok {
					t.Errorf("Parse differs from makemap -u: %s", diff)
					return
				}
				c.agree++
			})
		}
	}
	c.log(t, "makemap hash + makemap -u")
}

// localNames are the names of the test sendmail.cf's host: alias names
// user@one-of-these are local.
func testIsLocal(d string) bool {
	switch strings.ToLower(strings.TrimSuffix(d, ".")) {
	case "localhost", "localhost.localdomain", "mx.example.test", "mx":
		return true
	}
	return false
}

// TestNewaliasesAgrees: every aliases file (of both corpora) gives the
// pairs the real sendmail -bi stores, as praliases lists them.
func TestNewaliasesAgrees(t *testing.T) {
	praliases := testenv.Tool(t, "praliases")
	var c tally
	for _, src := range corpusSources(t) {
		// Every aliases file of both corpora, read the sendmail way.
		if src.kind != ir.AliasTable {
			continue
		}
		t.Run(src.name, func(t *testing.T) {
			c.total++
			dir := testenv.ShortTempDir(t)
			data, err := os.ReadFile(src.path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "aliases"), data, 0o644); err != nil {
				t.Fatal(err)
			}
			cf := testenv.AliasCF(t, dir)
			build := testenv.RunSendmail(t, dir, nil, "-bi", "-C", cf)
			if _, err := os.Stat(filepath.Join(dir, "aliases.db")); err != nil {
				t.Fatalf("sendmail -bi wrote no database (status %d): %s%s", build.Code, build.Stdout, build.Stderr)
			}
			list := testenv.Run(t, dir, nil, praliases, "-C", cf)
			got := entryLines(parseFile(t, src, Options{Dialect: ir.Sendmail, IsLocal: testIsLocal}), ":")
			if ok, diff := sameLines(got, listLines(list.Stdout, "@:@")); !ok {
				t.Errorf("Parse differs from sendmail -bi + praliases: %s", diff)
				return
			}
			c.agree++
		})
	}
	c.log(t, "sendmail -bi + praliases")
}

// postfixMainCFs are the main.cf files the Postfix tests run under: an
// empty one (compatibility level 0, no SMTPUTF8) and Debian's level 3.6
// (SMTPUTF8: keys folded as Unicode, lines that are not UTF-8 skipped).
var postfixMainCFs = []struct {
	name, mainCF string
	utf8         bool
}{
	{"compat0", "myhostname = mx.example.test\n", false},
	{"compat3.6", "compatibility_level = 3.6\nmyhostname = mx.example.test\n", true},
}

// TestPostmapAgrees: every Postfix table source gives the pairs the real
// postmap stores, as postmap -s lists them; every aliases file (of both
// corpora) those postalias stores.
func TestPostmapAgrees(t *testing.T) {
	postmap := testenv.Tool(t, "postmap")
	postalias := testenv.Tool(t, "postalias")
	var maps, aliases tally
	for _, src := range corpusSources(t) {
		alias := src.kind == ir.AliasTable
		if src.dialect != ir.Postfix && !alias {
			continue
		}
		for _, mc := range postfixMainCFs {
			for _, keepCase := range []bool{false, true} {
				name := src.name + "/" + mc.name
				flags := []string{}
				if keepCase {
					if !strings.Contains(src.path, filepath.Join("corpus", "tables")) {
						continue
					}
					name += "/-f"
					flags = append(flags, "-f")
				}
				t.Run(name, func(t *testing.T) {
					tool, c, sep := postmap, &maps, "\t"
					if alias {
						tool, c, sep = postalias, &aliases, ":\t"
					}
					c.total++
					dir := t.TempDir()
					testenv.PostfixDir(t, dir, mc.mainCF)
					data, err := os.ReadFile(src.path)
					if err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(dir, "t"), data, 0o644); err != nil {
						t.Fatal(err)
					}
					build := testenv.Run(t, dir, nil, tool, append(append([]string{"-c", dir}, flags...), "hash:t")...)
					if build.Code != 0 {
						t.Fatalf("%s failed (status %d): %s", tool, build.Code, build.Stderr)
					}
					list := testenv.Run(t, dir, nil, tool, "-c", dir, "-s", "hash:t")
					opt := Options{Dialect: ir.Postfix, UTF8: mc.utf8, KeepCase: keepCase}
					kind := src.kind
					got := entryLines(parseFile(t, corpusSource{path: src.path, kind: kind}, opt), sep)
					want := listLines(list.Stdout, "@:\t@", "YP_LAST_MODIFIED", "YP_MASTER_NAME")
					if ok, diff := sameLines(got, want); !ok {
						t.Errorf("Parse differs from %s -s: %s", filepath.Base(tool), diff)
						return
					}
					c.agree++
				})
			}
		}
	}
	maps.log(t, "postmap hash + postmap -s")
	aliases.log(t, "postalias hash + postalias -s")
}

// entriesOf is a helper for the other tests: Parse, failing on errors.
func entriesOf(t *testing.T, kind ir.TableKind, d ir.Dialect, src string) []ir.Entry {
	t.Helper()
	es, diags := Parse(kind, "t", []byte(src), Options{Dialect: d})
	if diags.HasErrors() {
		t.Fatalf("unexpected errors:\n%s", diags.Format(0))
	}
	return es
}
