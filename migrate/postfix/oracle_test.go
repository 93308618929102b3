package postfix_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"mailcc/cfparse"
	"mailcc/internal/oracle/pforacle"
	"mailcc/internal/oracle/smoracle"
	"mailcc/internal/testenv"
	"mailcc/ir"
	"mailcc/migrate/postfix"
	"mailcc/migrate/report"
	"mailcc/runtime/policy"
	"mailcc/runtime/probe"
)

// smCase is a sendmail case of corpus/trace: a configuration, the
// probes, and the real sendmail's answers.
type smCase struct{ name, dir string }

func smCases(t *testing.T) []smCase {
	t.Helper()
	root := filepath.Join(testenv.Root(), "corpus", "trace")
	ents, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var out []smCase
	for _, e := range ents {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "sm-") {
			continue
		}
		dir := filepath.Join(root, e.Name())
		if _, err := os.Stat(filepath.Join(dir, "sendmail.mc")); err != nil {
			continue
		}
		out = append(out, smCase{e.Name(), dir})
	}
	if len(out) == 0 {
		t.Fatal("no sendmail cases in corpus/trace")
	}
	return out
}

// migrateCase loads a case with an empty root (its tables are read
// beside the .mc) and migrates it.
func migrateCase(t *testing.T, c smCase, opt postfix.Options) *postfix.Result {
	t.Helper()
	res, err := postfix.Migrate(loadSendmailCase(t, c), opt)
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	return res
}

// loadSendmailCase lowers a case with an empty root: its tables are
// read beside the .mc.
func loadSendmailCase(t *testing.T, c smCase) *ir.Config {
	t.Helper()
	cfg, diags, err := cfparse.Load([]string{filepath.Join(c.dir, "sendmail.mc")}, cfparse.Options{Root: t.TempDir()})
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	if errs := diags.Errors(); len(errs) > 0 {
		t.Fatalf("%s: %v", c.name, errs)
	}
	return cfg
}

// writeFiles writes the migrated files, an hour old: Postfix's programs
// wait until a configuration file written within the last second is
// old enough.
func writeFiles(t *testing.T, dir string, res *postfix.Result) {
	t.Helper()
	old := time.Now().Add(-time.Hour)
	for _, f := range res.Files {
		path := filepath.Join(dir, f.Name)
		if err := os.WriteFile(path, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, old, old); err != nil {
			t.Fatal(err)
		}
	}
}

// checkWithPostfix runs postconf -n (no warnings allowed) and builds or
// reads every table with postmap/postalias (no errors or warnings).
func checkWithPostfix(t *testing.T, dir string, res *postfix.Result) {
	t.Helper()
	postconf := testenv.Tool(t, "postconf")
	postmap := testenv.Tool(t, "postmap")
	postalias := testenv.Tool(t, "postalias")
	cmd := exec.Command(postconf, "-n", "-c", dir)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if _, err := cmd.Output(); err != nil || stderr.Len() > 0 {
		t.Errorf("postconf -n -c %s: %v\n%s", dir, err, stderr.String())
	}
	postfixCheck(t, dir)
	for _, f := range res.Files {
		if f.Map == "" {
			continue
		}
		path := filepath.Join(dir, f.Name)
		var c *exec.Cmd
		switch {
		case f.Alias:
			c = exec.Command(postalias, "-c", dir, f.Map+":"+path)
		case f.Map == "hash":
			c = exec.Command(postmap, "-c", dir, f.Map+":"+path)
		default:
			// regexp and cidr tables are read, not built: a query makes
			// postmap parse every rule
			c = exec.Command(postmap, "-c", dir, "-q", "probe@example.invalid", f.Map+":"+path)
		}
		var stderr strings.Builder
		c.Stderr = &stderr
		_, err := c.Output()
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == 1 && f.Map != "hash" && !f.Alias {
			err = nil // a query that found nothing
		}
		if err != nil || stderr.Len() > 0 {
			t.Errorf("%s %s: %v\n%s", filepath.Base(c.Path), f.Name, err, stderr.String())
		}
	}
}

var myhostnameRE = regexp.MustCompile(`(?m)^myhostname\s*=`)

// postfixCheck runs "postfix check" on a copy of the configuration
// whose queue and data directories are temporary ones (postfix check
// creates what is missing there): it must pass without a warning.
func postfixCheck(t *testing.T, dir string) {
	t.Helper()
	pf := testenv.Tool(t, "postfix")
	tmp := t.TempDir()
	etc := filepath.Join(tmp, "etc")
	if err := os.CopyFS(etc, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	mainCf := filepath.Join(etc, "main.cf")
	b, err := os.ReadFile(mainCf)
	if err != nil {
		t.Fatal(err)
	}
	b = fmt.Appendf(b, "\nqueue_directory = %s\ndata_directory = %s\n", filepath.Join(tmp, "queue"), filepath.Join(tmp, "data"))
	// without myhostname Postfix asks DNS for this machine's name, and
	// the sandbox's resolver only times out
	if !myhostnameRE.Match(b) {
		b = fmt.Appendf(b, "myhostname = mx.check.test\n")
	}
	if err := os.WriteFile(mainCf, b, 0o644); err != nil {
		t.Fatal(err)
	}
	// Postfix waits until main.cf is a second old before reading it
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(mainCf, old, old); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"queue", "data"} {
		if err := os.Mkdir(filepath.Join(tmp, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(pf, "-c", etc, "check")
	out, err := cmd.CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("postfix -c OUTDIR check: %v\n%s", err, out)
	}
}

// TestPostfixAccepts: for every sendmail case the migrated configuration
// is what postconf reads without a warning, and every table builds.
func TestPostfixAccepts(t *testing.T) {
	for _, c := range smCases(t) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res := migrateCase(t, c, postfix.Options{Provenance: true})
			dir := t.TempDir()
			writeFiles(t, dir, res)
			checkWithPostfix(t, dir, res)
		})
	}
}

// oracleLimit runs the private Postfix instances one at a time.
var oracleLimit = make(chan struct{}, 1)

// TestEquivalence: a private real Postfix runs the migrated
// configuration of every sendmail case and answers the case's probes,
// every one asked of the smtpd as the migration configured it
// (pforacle.Options.AsConfigured: not with the shared oracle's
// smtpd_delay_reject = no for connect and mail probes, which the
// migration sets itself where sendmail refuses early); each answer is
// compared with the real sendmail's (expected.jsonl).
// A disagreement counts as predicted when the migration report has a
// non-exact item that describes the probe. The test fails when Postfix
// refuses the configuration or cannot start on it, and on a
// disagreement the report did not predict; the agreement figures are
// logged (the target is 98% agreement per case).
func TestEquivalence(t *testing.T) {
	for _, tool := range []string{"postfix", "postconf", "postmap", "postalias"} {
		testenv.Tool(t, tool)
	}
	if os.Geteuid() != 0 {
		testenv.Missing(t, "root (a private Postfix instance must be started as root)")
	}
	// the local users the real Postfix delivers to, for mailcc trace
	users, err := policy.ReadPasswd("/etc/passwd")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var tallies []report.Tally
	t.Run("cases", func(t *testing.T) {
		for _, c := range smCases(t) {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				res := migrateCase(t, c, postfix.Options{})
				dir := t.TempDir()
				writeFiles(t, dir, res)
				checkWithPostfix(t, dir, res)
				// the names sendmail's oracle resolved, served to Postfix
				// as DNS by pforacle
				if b, err := os.ReadFile(filepath.Join(c.dir, "hosts")); err == nil {
					if err := os.WriteFile(filepath.Join(dir, "hosts"), b, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				if t.Failed() {
					return
				}
				probes, want, hosts, err := report.ReadCase(c.dir)
				if err != nil {
					t.Fatal(err)
				}
				want = foldedAliases(t, c.dir, probes, want)
				// pforacle has been seen to wedge (a private master blocked
				// on its log socket) when several instances start at
				// once: the instances run one at a time, and a run that
				// does not end in time fails the case.
				type outcome struct {
					got  []probe.Result
					meta *pforacle.Meta
					err  error
				}
				done := make(chan outcome, 1)
				oracleLimit <- struct{}{}
				go func() {
					defer func() { <-oracleLimit }()
					ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
					defer cancel()
					var o outcome
					o.got, o.meta, o.err = pforacle.RunContext(ctx, dir, probes, pforacle.Options{AsConfigured: true})
					done <- o
				}()
				var o outcome
				select {
				case o = <-done:
				case <-time.After(150 * time.Second):
					t.Fatalf("pforacle did not finish within 150 s on the migrated configuration")
				}
				got, meta, err := o.got, o.meta, o.err
				if errors.Is(err, pforacle.ErrNoNamespace) {
					testenv.Missing(t, "unshare(CLONE_NEWUTS|CLONE_NEWNET) (root or CAP_SYS_ADMIN)")
				}
				if err != nil {
					t.Fatalf("pforacle cannot run Postfix on the migrated configuration: %v", err)
				}
				if len(got) != len(probes) {
					t.Fatalf("%d answers for %d probes", len(got), len(probes))
				}
				tl := report.Check(t, c.name, "sendmail", "postfix", probes, want, got, res.Report.Predicts, hosts, os.Getenv("MIGRATE_VERBOSE") != "")
				tl.Trace = traceAgrees(t, c.name, dir, hosts, users, probes, got)
				t.Logf("%s: %d of %d probes agree; %d differ, %d of them predicted by the report (which also flags %d that agree; postfix start %.1f s)",
					c.name, tl.Agree, tl.Total, tl.Differ, tl.Predicted, tl.Flagged, meta.Start.Seconds())
				mu.Lock()
				tallies = append(tallies, tl)
				mu.Unlock()
			})
		}
	})
	t.Log(report.Table("sendmail -> postfix equivalence", tallies))
	var agree, total int
	for _, tl := range tallies {
		agree, total = agree+tl.Trace, total+tl.Total
	}
	t.Logf("mailcc trace on the migrated configurations: %d of %d probes agree with the real Postfix", agree, total)
}

// foldedAliases asks the real sendmail again the case's alias probes of
// names with capitals, folded as sendmail's own alias lookup folds them
// (smoracle.Options.FoldAliasNames): expected.jsonl holds praliases's
// answer for the name as given, the shared oracle's convention, which
// finds nothing where mail to the name is delivered to the alias.
func foldedAliases(t *testing.T, dir string, probes []probe.Probe, want []probe.Result) []probe.Result {
	t.Helper()
	var idx []int
	var ps []probe.Probe
	for i, p := range probes {
		if p.Kind == probe.Alias && p.Name != strings.ToLower(p.Name) {
			idx, ps = append(idx, i), append(ps, p)
		}
	}
	if len(ps) == 0 {
		return want
	}
	testenv.Tool(t, "m4")
	bin := testenv.SendmailPrograms(t)
	got, _, err := smoracle.Run(dir, ps, smoracle.Options{BinDir: bin, FoldAliasNames: true})
	if err != nil {
		t.Fatalf("sendmail, alias probes: %v", err)
	}
	if len(got) != len(ps) {
		t.Fatalf("sendmail: %d answers for %d alias probes", len(got), len(ps))
	}
	out := slices.Clone(want)
	for j, i := range idx {
		out[i] = got[j]
	}
	return out
}

// traceGaps are the probes (case/n) on which mailcc's decision engine
// is known to answer otherwise than the real Postfix on a migrated
// configuration, with what it does not model yet. traceAgrees fails on
// a difference not listed here and on a listed probe that agrees (the
// gap is closed: remove it).
var traceGaps = map[string]string{
	"sm-access-actions/2":     "a DISCARD action in smtpd_client_restrictions with smtpd_delay_reject = no (smtpd ignores it there)",
	"sm-genericstable/28":     "the envelope sender MAILER-DAEMON of an injected message (Postfix keeps it unqualified)",
	"sm-masquerade/22":        "the envelope sender MAILER-DAEMON of an injected message (Postfix keeps it unqualified)",
	"sm-masquerade-limited/4": "the envelope sender MAILER-DAEMON of an injected message (Postfix keeps it unqualified)",
	"sm-mail-hub/25":          "recipient validation of a local domain whose mail goes to a relayhost transport (Postfix accepts)",
	"sm-mail-hub/28":          "recipient validation of a local domain whose mail goes to a relayhost transport (Postfix accepts)",
	"sm-virtusertable/35":     "a recipient that virtual_alias_maps maps to itself in a virtual alias domain (Postfix accepts)",
}

// traceAgrees: mailcc's decision engine, on the migrated configuration
// as mailcc reads it back, answers each probe as the real Postfix did
// (got): what the migration writes, `mailcc trace` must explain as
// Postfix decides it (but for traceGaps).
// The case's hosts (nil: none) and this machine's passwd users are what
// the real Postfix resolved and delivered to.
func traceAgrees(t *testing.T, name, dir string, dns *policy.Hosts, users func(string) bool, probes []probe.Probe, got []probe.Result) int {
	t.Helper()
	if dns == nil {
		dns = &policy.Hosts{}
	}
	e := policy.New(loadPostfix(t, dir), policy.Env{Hostname: "mx.oracle.test", DNS: dns, Users: users})
	n := 0
	for i, p := range probes {
		r := e.Answer(p)
		gap, known := traceGaps[fmt.Sprintf("%s/%d", name, p.N)]
		d := probe.Compare(r, got[i])
		switch {
		case len(d) > 0 && known:
			t.Logf("mailcc trace on the migrated configuration: n=%d %s: differs in %v (known: %s)", p.N, p.Text, d, gap)
		case len(d) > 0:
			t.Errorf("mailcc trace on the migrated configuration: n=%d %s: differs in %v\n    mailcc: %s\n    Postfix: %s", p.N, p.Text, d, r.Summary(), got[i].Summary())
		case known:
			t.Errorf("mailcc trace on the migrated configuration: n=%d %s now agrees with the real Postfix: remove it from traceGaps", p.N, p.Text)
			n++
		default:
			n++
		}
	}
	return n
}

// corpusMCs lists the .mc files of the corpora: the project's
// corpus/mc, the cf library's examples and ../shared/corpus/sendmail.
func corpusMCs(t *testing.T) []string {
	t.Helper()
	var mcs []string
	pats := []string{filepath.Join(testenv.Root(), "corpus", "mc", "*", "*.mc"), filepath.Join(testenv.Root(), "corpus", "traps", "sm-*", "*.mc"),
		filepath.Join(testenv.CFDir(t), "cf", "*.mc")}
	if sh := testenv.Shared(); sh != "" {
		pats = append(pats, filepath.Join(sh, "corpus", "sendmail", "*", "*.mc"))
	}
	for _, pat := range pats {
		m, _ := filepath.Glob(pat)
		mcs = append(mcs, m...)
	}
	if len(mcs) == 0 {
		t.Fatal("no .mc files found")
	}
	return mcs
}

// TestCorpusConfigurations: every .mc of the corpora (corpus/mc, the
// shared corpus, sendmail-cf's examples), its tables missing or not,
// migrates to a configuration that postconf reads without a warning and
// whose tables build.
func TestCorpusConfigurations(t *testing.T) {
	testenv.Tool(t, "postconf")
	for i, mc := range corpusMCs(t) {
		name := filepath.Base(filepath.Dir(mc)) + "/" + filepath.Base(mc)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg, _, err := cfparse.Load([]string{mc}, cfparse.Options{Root: t.TempDir()})
			if err != nil {
				t.Fatalf("not loaded: %v", err)
			}
			res, err := postfix.Migrate(cfg, postfix.Options{Provenance: i%2 == 0})
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			writeFiles(t, dir, res)
			checkWithPostfix(t, dir, res)
		})
	}
}
