package pforacle

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailcc/internal/testenv"
	"mailcc/runtime/probe"
)

// needPostfix skips (fails in CI) when the private instance cannot run.
func needPostfix(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"postfix", "postconf", "postmap", "postalias"} {
		testenv.Tool(t, tool)
	}
	if os.Geteuid() != 0 {
		testenv.Missing(t, "root (a private Postfix instance must be started as root)")
	}
}

// runOracle is Run, reporting missing namespaces like a missing tool.
func runOracle(t *testing.T, dir string, probes []probe.Probe, opt Options) ([]probe.Result, *Meta) {
	t.Helper()
	res, meta, err := Run(dir, probes, opt)
	if errors.Is(err, ErrNoNamespace) {
		testenv.Missing(t, "unshare(CLONE_NEWUTS|CLONE_NEWNET) (root or CAP_SYS_ADMIN)")
	}
	if err != nil {
		t.Fatal(err)
	}
	return res, meta
}

func readProbes(t *testing.T, path string) []probe.Probe {
	t.Helper()
	probes, err := probe.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return probes
}

// TestSharedBasic: on the shared pf-basic sample every answer agrees
// with the shell oracle's committed output.
func TestSharedBasic(t *testing.T) {
	t.Parallel()
	shared := testenv.Shared()
	if shared == "" {
		testenv.Missing(t, "../shared (the shared oracle samples)")
	}
	needPostfix(t)
	samples := filepath.Join(shared, "oracle", "samples")
	probes := readProbes(t, filepath.Join(samples, "basic.probes.tsv"))
	want, err := probe.ReadResultsFile(filepath.Join(samples, "expected", "pf-basic.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != len(probes) {
		t.Fatalf("%d expected answers for %d probes", len(want), len(probes))
	}

	t0 := time.Now()
	got, meta := runOracle(t, filepath.Join(samples, "pf-basic"), probes, Options{})
	elapsed := time.Since(t0)
	if !meta.Isolated {
		t.Errorf("not isolated: %v", meta.Notes)
	}
	if len(got) != len(probes) {
		t.Fatalf("%d answers for %d probes", len(got), len(probes))
	}
	agree := 0
	for i := range want {
		if d := probe.Compare(want[i], got[i]); len(d) > 0 {
			t.Errorf("n=%d %s: differs in %v\n  want %s\n  got  %s", want[i].N, want[i].Probe, d, want[i].Summary(), got[i].Summary())
			continue
		}
		agree++
	}
	t.Logf("pf-basic: %d of %d agree, %.1f s (start %.1f s, %.1f ms per probe)",
		agree, len(want), elapsed.Seconds(), meta.Start.Seconds(), float64(meta.PerProbe.Microseconds())/1000)
	if meta.Dir != "" {
		t.Errorf("Meta.Dir = %q without Keep", meta.Dir)
	}
}

// TestBrokenSmtpd: with an empty main.cf (compatibility level 0, no
// relay restriction) Postfix's smtpd dies at start-up and the master
// throttles it; the session probes answer "error" at once (the shell
// oracle waits 30 s for each), the routing and alias probes still
// answer, and the hostname comes from the configuration folder.
func TestBrokenSmtpd(t *testing.T) {
	t.Parallel()
	needPostfix(t)
	dir := t.TempDir()
	testenv.PostfixDir(t, dir, "")
	if err := os.WriteFile(filepath.Join(dir, "hostname"), []byte("mx.broken.test other words\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	in := "connect\t10.0.0.5\t-\n" +
		"mail\t10.0.0.5\ta@b.example\n" +
		"rcpt\t10.0.0.5\ta@b.example\tc@d.example\n" +
		"rcpt\t127.0.0.1\ta@b.example\tc@d.example\n" +
		"resolve\troot\n" +
		"resolve\tx@y.example\n" +
		"header_from\talice\n" +
		"alias\troot\n"
	probes, err := probe.Parse(strings.NewReader(in), "broken.tsv")
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	got, meta := runOracle(t, dir, probes, Options{Keep: true})
	elapsed := time.Since(t0)
	if meta.Dir == "" {
		t.Fatal("Keep: no Meta.Dir")
	}
	if _, err := os.Stat(filepath.Join(meta.Dir, "etc", "main.cf")); err != nil {
		t.Errorf("Keep: %v", err)
	}
	os.RemoveAll(meta.Dir)
	if meta.Hostname != "mx.broken.test" {
		t.Errorf("hostname %q", meta.Hostname)
	}
	want := []probe.Result{
		{Decision: probe.Error}, {Decision: probe.Error}, {Decision: probe.Error}, {Decision: probe.Error},
		{Decision: probe.Accept, Mailer: "local", Host: "mx.broken.test", User: "root@mx.broken.test"},
		{Decision: probe.Accept, Mailer: "smtp", Host: "y.example", User: "x@y.example"},
		{Decision: probe.Accept, Header: "alice@mx.broken.test", Envelope: "alice@mx.broken.test"},
		{Decision: probe.NotFound},
	}
	for i := range want {
		w, g := want[i], got[i]
		w.N, w.Line, w.Kind, w.Probe = probes[i].N, probes[i].Line, probes[i].Kind, probes[i].Text
		if d := probe.Compare(w, g); len(d) > 0 {
			t.Errorf("%s: differs in %v: %s", w.Probe, d, g.Summary())
		}
		if g.Decision == probe.Error && !strings.Contains(g.Text, "specify at least one working instance") {
			t.Errorf("%s: text %q does not give smtpd's fatal error", w.Probe, g.Text)
		}
	}
	t.Logf("broken smtpd: %.1f s", elapsed.Seconds())
	if elapsed > 20*time.Second {
		t.Errorf("took %v", elapsed)
	}
}

func TestRedirectPaths(t *testing.T) {
	in := "a = hash:/etc/postfix/access, /etc/aliases\n" +
		"b = hash:/etc/aliases.db /etc/aliasesx /usr/etc/postfix/x x/etc/postfix/y\n" +
		"/etc/postfix/aliases"
	want := "a = hash:/T/etc/access, /T/etc/aliases\n" +
		"b = hash:/T/etc/aliases.db /etc/aliasesx /usr/etc/postfix/x x/etc/postfix/y\n" +
		"/T/etc/aliases"
	got, n := redirectPaths(in, "/T/etc")
	if got != want || n != 4 {
		t.Errorf("got %d:\n%s\nwant 4:\n%s", n, got, want)
	}
}

func TestMaster(t *testing.T) {
	text := "# comment\n" +
		"smtp      inet  n       -       y       -       -       smtpd\n" +
		"  -o smtpd_client_restrictions=permit_mynetworks,reject\n" +
		"  -osmtpd_helo_required=yes -o { smtpd_sender_restrictions = reject_non_fqdn_sender }\n" +
		"submission inet n       -       y       -       -       smtpd\n" +
		"cleanup   unix  n       -       y       -       0       cleanup\n" +
		"maildrop  unix  -       n       n       -       -       pipe\n" +
		"  flags=DRXhu user=vmail argv=/usr/bin/maildrop -d ${recipient}\n"
	e := parseMaster(text)
	if len(e) != 4 || len(e[0].cont) != 2 {
		t.Fatalf("entries %+v", e)
	}
	o := oOptions(e[0].args()[1:])
	want := []string{"smtpd_client_restrictions=permit_mynetworks,reject", "smtpd_helo_required=yes",
		"{ smtpd_sender_restrictions = reject_non_fqdn_sender }"}
	if strings.Join(o, "|") != strings.Join(want, "|") {
		t.Errorf("-o: %q", o)
	}
}

func TestSessionHelpers(t *testing.T) {
	p := probe.Probe{Kind: probe.Rcpt, Client: probe.Client{Addr: netip.MustParseAddr("2001:db8::1")}, Auth: "a+b=c d"}
	if got, want := xclientCommand(&p), "XCLIENT ADDR=IPv6:2001:db8::1 NAME=[UNAVAILABLE] REVERSE_NAME=[UNAVAILABLE] HELO=[2001:db8::1] LOGIN=a+2Bb+3Dc+20d"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	dec, code, dsn, text := replyFields(reply{"550", []string{"550-5.7.1 first", "550 5.7.1 second"}})
	if dec != probe.Reject || code != "550" || dsn != "5.7.1" || text != "first 5.7.1 second" {
		t.Errorf("replyFields: %s %s %s %q", dec, code, dsn, text)
	}
	if v, ok := headerValue("Received: x\nFROM: A\n  <a@b>\nTo: c\nFrom: other", "From"); !ok || v != "A <a@b>" || bareAddress(v) != "a@b" {
		t.Errorf("headerValue: %q %v", v, ok)
	}
}
