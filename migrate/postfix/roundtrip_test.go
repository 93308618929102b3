package postfix_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"mailcc/cfparse"
	"mailcc/internal/testenv"
	"mailcc/ir"
	"mailcc/migrate/postfix"
)

// irOpts compare two IRs as configurations: positions and the list of
// files read (whose folder differs) aside, as migrate/sendmail's
// TestRoundTrip does. The origins of listeners and delivery agents are
// aside too: a configuration without a master.cf gets Postfix's default
// written out (postconf warns about a missing master.cf), whose
// services then come from a file, not from the default (strictOpts
// keep them; the test logs both figures).
var irOpts = cmp.Options{
	cmpopts.IgnoreTypes(ir.Pos{}),
	cmpopts.IgnoreFields(ir.Config{}, "Sources"),
	cmpopts.IgnoreFields(ir.Listener{}, "Origin"),
	cmpopts.IgnoreFields(ir.Mailer{}, "Origin"),
	cmpopts.EquateEmpty(),
}

// strictOpts ignore only positions and the files read.
var strictOpts = cmp.Options{
	cmpopts.IgnoreTypes(ir.Pos{}),
	cmpopts.IgnoreFields(ir.Config{}, "Sources"),
	cmpopts.EquateEmpty(),
}

// pfConfigs lists the Postfix configurations of the corpus: the pf-*
// cases of corpus/trace and corpus/traps, and the folders of
// corpus/postfix.
func pfConfigs(t *testing.T) [][2]string {
	t.Helper()
	var out [][2]string
	for _, sub := range []struct{ dir, prefix string }{{"trace", "pf-"}, {"traps", "pf-"}, {"postfix", ""}} {
		root := filepath.Join(testenv.Root(), "corpus", sub.dir)
		ents, err := os.ReadDir(root)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			dir := filepath.Join(root, e.Name())
			if !e.IsDir() || !strings.HasPrefix(e.Name(), sub.prefix) {
				continue
			}
			if _, err := os.Stat(filepath.Join(dir, "main.cf")); err != nil {
				continue
			}
			out = append(out, [2]string{sub.dir + "/" + e.Name(), dir})
		}
	}
	if len(out) == 0 {
		t.Fatal("no Postfix configurations in the corpus")
	}
	return out
}

// loadPostfix lowers a main.cf folder from inside it, as "." with the
// root ".", as cfparse/postfix's golden test does: $config_directory is
// "." and absolute paths are read under the folder (or beside main.cf),
// so that the IR does not depend on where the folder is.
func loadPostfix(t *testing.T, dir string) *ir.Config {
	t.Helper()
	var cfg *ir.Config
	testenv.InDir(t, dir, func() {
		c, diags, err := cfparse.Load([]string{"."}, cfparse.Options{From: ir.Postfix, Root: "."})
		if err != nil {
			t.Fatalf("loading %s: %v", dir, err)
		}
		if errs := diags.Errors(); len(errs) > 0 {
			t.Logf("loading %s: %v", dir, errs)
		}
		cfg = c
	})
	return cfg
}

// TestRoundTrip: every Postfix configuration of the corpus, lowered,
// written back as Postfix's and lowered again, gives the same IR, and
// postconf reads the written main.cf without a warning. The fields that
// differ are logged per case; a case that differs must have a report
// item that is not exact.
func TestRoundTrip(t *testing.T) {
	postconf := testenv.Tool(t, "postconf")
	cases := pfConfigs(t)
	equal, strict, clean, asOriginal := 0, 0, 0, 0
	for _, c := range cases {
		ir1 := loadPostfix(t, c[1])
		res, err := postfix.Migrate(ir1, postfix.Options{Provenance: true})
		if err != nil {
			t.Errorf("%s: %v", c[0], err)
			continue
		}
		dir := t.TempDir()
		writeFiles(t, dir, res)
		ir2 := loadPostfix(t, dir)
		if cmp.Equal(ir1, ir2, strictOpts) {
			strict++
		}
		if fields := diffFields(ir1, ir2); len(fields) == 0 {
			equal++
			t.Logf("%s: equal", c[0])
		} else {
			t.Logf("%s: differs in %s", c[0], strings.Join(fields, ", "))
			if res.Report.AllExact() {
				t.Errorf("%s: the IR differs after the round trip in %v, and the report says everything is exact:\n%s",
					c[0], fields, cmp.Diff(ir1, ir2, irOpts))
			}
		}
		warns, err := postconfWarnings(postconf, dir)
		if err != nil {
			t.Errorf("%s: %v", c[0], err)
			continue
		}
		if len(warns) == 0 {
			clean++
			continue
		}
		// the original's own warnings (the corpus holds deliberately
		// odd configurations) come back; others must be about a file
		// the report says is not written
		orig, err := postconfWarnings(postconf, c[1])
		if err != nil {
			t.Errorf("%s: %v", c[0], err)
			continue
		}
		had := map[string]bool{}
		for _, w := range orig {
			had[strings.ReplaceAll(w, c[1], "DIR")] = true
		}
		var fresh []string
		for _, w := range warns {
			if !had[strings.ReplaceAll(w, dir, "DIR")] && !reportedFile(res.Report, w) {
				fresh = append(fresh, w)
			}
		}
		if len(fresh) > 0 {
			t.Errorf("%s: postconf -n -c %s warns where the original does not:\n%s", c[0], dir, strings.Join(fresh, "\n"))
			continue
		}
		asOriginal++
		t.Logf("%s: postconf warns as on the original or about files the report lists:\n%s", c[0], strings.Join(warns, "\n"))
	}
	t.Logf("round trip equal on %d of %d Postfix configurations (%d also in the origins of listeners and delivery agents, of %d); postconf clean on %d of %d (%d more warn only as the original does or about files the report lists as not written)",
		equal, len(cases), strict, len(cases), clean, len(cases), asOriginal)
}

// postconfWarnings runs postconf -n -c dir and returns the lines it
// writes to its standard error.
func postconfWarnings(postconf, dir string) ([]string, error) {
	cmd := exec.Command(postconf, "-n", "-c", dir)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if _, err := cmd.Output(); err != nil {
		return nil, fmt.Errorf("postconf -n -c %s: %w\n%s", dir, err, stderr.String())
	}
	var out []string
	for _, l := range strings.Split(stderr.String(), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out, nil
}

// reportedFile says whether a postconf warning is about a file that a
// not-exact report item names (by its file name).
func reportedFile(rep *postfix.Report, warning string) bool {
	for _, it := range rep.Items {
		if it.Fidelity == postfix.Exact {
			continue
		}
		for _, w := range strings.Fields(it.Construct) {
			if i := strings.LastIndexAny(w, "/:"); i >= 0 && i+1 < len(w) && strings.Contains(warning, "/"+w[i+1:]+"\"") {
				return true
			}
		}
	}
	return false
}

// diffFields names the top-level IR fields (Tables by name) that differ.
func diffFields(a, b *ir.Config) []string { return testenv.IRFieldDiffs(a, b, irOpts) }
