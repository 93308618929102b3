package probe

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mailcc/internal/testenv"
)

// TestSharedSamples: every probe file of the shared oracle samples
// parses, and each probe's text, index and line agree with the
// committed oracle output; the oracle's answers compare equal to
// themselves after a JSON round trip.
func TestSharedSamples(t *testing.T) {
	shared := testenv.Shared()
	if shared == "" {
		testenv.Missing(t, "../shared (the shared oracle samples)")
	}
	dir := filepath.Join(shared, "oracle", "samples")
	pairs := map[string][]string{
		"basic.probes.tsv":  {"sm-basic.jsonl", "pf-basic.jsonl"},
		"debian.probes.tsv": {"sm-debian.live.jsonl"},
		"relay.probes.tsv":  {"sm-relay.live.jsonl"},
	}
	for pf, outs := range pairs {
		f, err := os.Open(filepath.Join(dir, pf))
		if err != nil {
			t.Fatal(err)
		}
		probes, err := Parse(f, pf)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", pf, err)
		}
		for _, out := range outs {
			g, err := os.Open(filepath.Join(dir, "expected", out))
			if err != nil {
				t.Fatal(err)
			}
			res, err := ReadResults(g)
			g.Close()
			if err != nil {
				t.Fatalf("%s: %v", out, err)
			}
			if len(res) != len(probes) {
				t.Fatalf("%s: %d results for %d probes", out, len(res), len(probes))
			}
			for i, r := range res {
				p := probes[i]
				if r.N != p.N || r.Line != p.Line || r.Probe != p.Text || r.Kind != p.Kind {
					t.Errorf("%s: result %d is for %d/%d %q, probe %d/%d %q", out, i, r.N, r.Line, r.Probe, p.N, p.Line, p.Text)
				}
				var b strings.Builder
				if err := WriteResults(&b, []Result{r}); err != nil {
					t.Fatal(err)
				}
				back, err := ReadResults(strings.NewReader(b.String()))
				if err != nil || len(back) != 1 {
					t.Fatalf("round trip: %v", err)
				}
				if d := Compare(r, back[0]); len(d) != 0 {
					t.Errorf("%s n=%d: round trip differs in %v", out, r.N, d)
				}
			}
		}
	}
}

func TestParseErrors(t *testing.T) {
	in := "connect\t10.0.0.1\n" +
		"connect\tnot-an-ip\n" +
		"rcpt\t10.0.0.1\tfrom@x\n" +
		"bogus\tx\n" +
		"mail  host.example[192.0.2.1]  <a@b>  helo=h.example\n"
	probes, err := Parse(strings.NewReader(in), "p.tsv")
	want := []string{
		"p.tsv:2:9: error: bad client address \"not-an-ip\"",
		"p.tsv:3:1: error: rcpt: want rcpt CLIENT FROM TO [AUTH_USER]",
		"p.tsv:4:1: error: unknown probe kind \"bogus\" (want connect, mail, rcpt, resolve, header_from or alias)",
	}
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("missing %q in:\n%v", w, err)
		}
	}
	if len(probes) != 2 {
		t.Fatalf("%d probes kept, want 2", len(probes))
	}
	m := probes[1]
	if m.N != 2 || m.Line != 5 || m.Client.Name != "host.example" || m.Client.Addr.String() != "192.0.2.1" ||
		m.From != "a@b" || m.HeloName() != "h.example" || m.Text != "mail host.example[192.0.2.1] <a@b> helo=h.example" {
		t.Errorf("parsed %+v", m)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("connect\t10.0.0.1\tname\nrcpt 1.2.3.4 <> <x@y> user helo=a\n")
	f.Add("mail [IPv6:2001:db8::1] a@b\nalias root\nresolve <a@b>\n")
	f.Fuzz(func(t *testing.T, s string) {
		probes, _ := Parse(strings.NewReader(s), "f")
		for _, p := range probes {
			if p.Kind == "" || p.Line == 0 {
				t.Fatalf("bad probe %+v", p)
			}
		}
	})
}
