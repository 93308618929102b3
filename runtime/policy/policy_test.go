package policy

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"mailcc/cfparse"
	"mailcc/internal/testenv"
	"mailcc/runtime/probe"
)

// passwdUsers reads this machine's passwd database: the oracles'
// sendmail -bs and Postfix consult it for local recipients.
func passwdUsers(t testing.TB) func(string) bool {
	users, err := ReadPasswd("/etc/passwd")
	if err != nil {
		t.Fatal(err)
	}
	return users
}

// sampleAgreement answers a shared oracle sample's probes and compares
// them with the real sendmail's committed answers; it returns how many
// agree and the disagreements.
func sampleAgreement(t *testing.T, dir, probes, expected, hostname string, kinds ...probe.Kind) (int, int, []string) {
	t.Helper()
	shared := testenv.Shared()
	if shared == "" {
		testenv.Missing(t, "../shared (the shared oracle samples)")
	}
	base := filepath.Join(shared, "oracle", "samples")
	target := filepath.Join(base, dir, "sendmail.mc")
	if _, err := os.Stat(target); err != nil {
		target = filepath.Join(base, dir)
	}
	// An empty root: the absolute paths the configuration names are
	// read beside it, as the oracles redirect them (and this machine's
	// /etc/aliases is not read).
	cfg, diags, err := cfparse.Load([]string{target}, cfparse.Options{Root: t.TempDir()})
	if err != nil || cfg == nil {
		t.Fatalf("%s: %v %v", dir, err, diags)
	}
	hosts := &Hosts{}
	if hf, err := os.Open(filepath.Join(base, dir, "hosts")); err == nil {
		hosts, err = ParseHosts(hf, "hosts")
		hf.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	e := New(cfg, Env{Hostname: hostname, DNS: hosts, Users: passwdUsers(t)})
	ps := readProbes(t, filepath.Join(base, probes))
	want := readResults(t, filepath.Join(base, "expected", expected))
	agree, asked := 0, 0
	var bad []string
	for i, p := range ps {
		if len(kinds) > 0 && !slices.Contains(kinds, p.Kind) {
			continue
		}
		asked++
		got := e.Answer(p)
		if d := probe.Compare(got, want[i]); len(d) == 0 {
			agree++
		} else {
			bad = append(bad, p.Text+": mailcc "+got.Summary()+"; sendmail "+want[i].Summary())
		}
	}
	return agree, asked, bad
}

func TestSharedSampleBasic(t *testing.T) {
	agree, asked, bad := sampleAgreement(t, "sm-basic", "basic.probes.tsv", "sm-basic.jsonl", "mail.example.com")
	t.Logf("sm-basic: %d of %d probes agree with sendmail", agree, asked)
	for _, b := range bad {
		t.Error(b)
	}
}

func TestSharedSampleRelay(t *testing.T) {
	agree, asked, bad := sampleAgreement(t, "sm-relay", "relay.probes.tsv", "sm-relay.live.jsonl", "gw.corp.example")
	t.Logf("sm-relay: %d of %d probes agree with sendmail", agree, asked)
	for _, b := range bad {
		t.Error(b)
	}
}

func TestSharedSampleDebian(t *testing.T) {
	agree, asked, bad := sampleAgreement(t, "sm-debian", "debian.probes.tsv", "sm-debian.live.jsonl", "mx.debian.example")
	t.Logf("sm-debian: %d of %d probes agree with sendmail", agree, asked)
	for _, b := range bad {
		t.Error(b)
	}
}

// TestSharedSamplePostfix: the Postfix migration of sm-basic, against
// the real Postfix's recorded answers.
func TestSharedSamplePostfix(t *testing.T) {
	agree, asked, bad := sampleAgreement(t, "pf-basic", "basic.probes.tsv", "pf-basic.jsonl", "mail.example.com")
	t.Logf("pf-basic: %d of %d probes agree with Postfix", agree, asked)
	for _, b := range bad {
		t.Log(b)
	}
}
