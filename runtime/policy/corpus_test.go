package policy

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailcc/cfparse"
	"mailcc/internal/oracle/pforacle"
	"mailcc/internal/oracle/smoracle"
	"mailcc/internal/testenv"
	"mailcc/runtime/probe"
)

var update = flag.Bool("update", false, "re-record corpus/trace/*/expected.jsonl with the real sendmail and Postfix")

// traceCase is a folder of corpus/trace: a configuration (sendmail.mc
// and its tables, or main.cf and its maps), hosts (the DNS both sides
// see), an optional hostname, probes.tsv, and expected.jsonl, the real
// MTA's answers recorded by the oracle harness.
type traceCase struct {
	name, dir string
	sendmail  bool
}

func traceCases(t *testing.T) []traceCase {
	root := filepath.Join(testenv.Root(), "corpus", "trace")
	ents, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var out []traceCase
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(root, e.Name())
		_, err := os.Stat(filepath.Join(dir, "sendmail.mc"))
		out = append(out, traceCase{name: e.Name(), dir: dir, sendmail: err == nil})
	}
	return out
}

// caseHostname is the host name both the oracle and mailcc run under:
// the case's hostname file, else the oracle's default (the .mc's
// confDOMAIN_NAME wins over both in sendmail itself).
func caseHostname(dir string) string {
	if b, err := os.ReadFile(filepath.Join(dir, "hostname")); err == nil {
		if f := strings.Fields(string(b)); len(f) > 0 {
			return f[0]
		}
	}
	return "mx.oracle.test"
}

func readProbes(t *testing.T, path string) []probe.Probe {
	t.Helper()
	ps, err := probe.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func readResults(t *testing.T, path string) []probe.Result {
	t.Helper()
	rs, err := probe.ReadResultsFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// caseEngine loads a case's configuration and its DNS.
func caseEngine(t *testing.T, c traceCase) *Engine {
	target := c.dir
	if c.sendmail {
		target = filepath.Join(c.dir, "sendmail.mc")
	}
	cfg, diags, err := cfparse.Load([]string{target}, cfparse.Options{Root: t.TempDir()})
	if err != nil || cfg == nil || diags.HasErrors() {
		t.Fatalf("%s: %v\n%v", c.name, err, diags.Errors())
	}
	hosts := &Hosts{}
	if f, err := os.Open(filepath.Join(c.dir, "hosts")); err == nil {
		hosts, err = ParseHosts(f, "hosts")
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return New(cfg, Env{Hostname: caseHostname(c.dir), DNS: hosts, Users: passwdUsers(t)})
}

// TestTraceCorpus: on every probe of every case of corpus/trace,
// mailcc's answer agrees with the real MTA's recorded answer (decision,
// reply code and enhanced status; route, rewritten addresses, alias
// expansion), 100%.
func TestTraceCorpus(t *testing.T) {
	total, agreed := 0, 0
	for _, c := range traceCases(t) {
		t.Run(c.name, func(t *testing.T) {
			e := caseEngine(t, c)
			ps := readProbes(t, filepath.Join(c.dir, "probes.tsv"))
			want := readResults(t, filepath.Join(c.dir, "expected.jsonl"))
			if len(want) != len(ps) {
				t.Fatalf("expected.jsonl has %d answers for %d probes (re-record with -update)", len(want), len(ps))
			}
			n := 0
			for i, p := range ps {
				got := e.Answer(p)
				if d := probe.Compare(got, want[i]); len(d) > 0 {
					t.Errorf("%s:%d: %s: differs in %v\n    mailcc: %s\n    real:   %s", c.name, p.Line, p.Text, d, got.Summary(), want[i].Summary())
					continue
				}
				n++
			}
			total += len(ps)
			agreed += n
			t.Logf("%s: %d of %d probes agree", c.name, n, len(ps))
		})
	}
	t.Logf("corpus/trace: %d of %d probes agree with the real MTA", agreed, total)
}

// TestTraceCorpusOracle runs the real MTA on every case (sendmail in
// address test mode, or a private Postfix) and checks that
// expected.jsonl is what it answers today (-update re-records it). A
// missing oracle fails in CI.
func TestTraceCorpusOracle(t *testing.T) {
	var sm, pf bool
	for _, c := range traceCases(t) {
		sm, pf = sm || c.sendmail, pf || !c.sendmail
	}
	if sm {
		if _, err := os.Stat(filepath.Join(testenv.SendmailBin(), "usr", "libexec", "sendmail", "sendmail")); err != nil {
			testenv.Missing(t, "sendmail-bin unpacked by make deps")
		}
		testenv.Tool(t, "m4")
	}
	if pf {
		testenv.Tool(t, "postfix")
	}
	for _, c := range traceCases(t) {
		t.Run(c.name, func(t *testing.T) {
			ps := readProbes(t, filepath.Join(c.dir, "probes.tsv"))
			start := time.Now()
			var got []probe.Result
			var err error
			oracle := "sendmail"
			if c.sendmail {
				got, _, err = smoracle.Run(c.dir, ps, smoracle.Options{
					BinDir: filepath.Join(testenv.SendmailBin(), "usr", "libexec", "sendmail")})
			} else {
				oracle = "Postfix"
				got, _, err = pforacle.Run(c.dir, ps, pforacle.Options{})
			}
			if err != nil {
				t.Fatalf("oracle: %v", err)
			}
			t.Logf("%s: %d probes through the real %s in %v", c.name, len(ps), oracle, time.Since(start).Round(time.Millisecond))
			path := filepath.Join(c.dir, "expected.jsonl")
			if *update {
				var b bytes.Buffer
				if err := probe.WriteResults(&b, got); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want := readResults(t, path)
			if len(want) != len(got) {
				t.Fatalf("the oracle answered %d probes, expected.jsonl has %d (re-record with -update)", len(got), len(want))
			}
			for i := range got {
				if d := probe.Compare(got[i], want[i]); len(d) > 0 {
					t.Errorf("%s: the real %s now answers %s, expected.jsonl says %s (re-record with -update)",
						got[i].Probe, oracle, got[i].Summary(), want[i].Summary())
				}
			}
		})
	}
}
