package smoracle

import (
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"mailcc/internal/testenv"
	"mailcc/runtime/probe"
)

// options finds the real tools, or reports them missing.
func options(t *testing.T) Options {
	t.Helper()
	m4 := testenv.Tool(t, "m4")
	cfdir := testenv.CFDir(t)
	bin := testenv.SendmailPrograms(t)
	return Options{BinDir: bin, CFDir: cfdir, M4: m4}
}

// samples returns ../shared/oracle/samples.
func samples(t *testing.T) string {
	t.Helper()
	shared := testenv.Shared()
	if shared == "" {
		testenv.Missing(t, "../shared (the oracle samples)")
	}
	return filepath.Join(shared, "oracle", "samples")
}

// run is Run, reporting missing namespaces as a missing oracle.
func run(t *testing.T, dir string, probes []probe.Probe, opt Options) ([]probe.Result, *Meta) {
	t.Helper()
	res, meta, err := Run(dir, probes, opt)
	if errors.Is(err, errUnisolated) {
		testenv.Missing(t, "private namespaces for sendmail (run as root)")
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

// TestSamples runs the harness on the prototype's three samples and
// compares every answer with the prototype's committed output
// (sm-oracle; the .live files also hold the real daemon's answers, which
// agreed with these). Besides probe.Compare's rules, every field a
// Result holds must be identical (texts and verdicts too).
func TestSamples(t *testing.T) {
	opt := options(t)
	dir := samples(t)
	hostBefore, _ := os.Hostname()
	for _, tc := range []struct {
		name, probes, expected, hostname string
	}{
		// the host name comes from confDOMAIN_NAME, CONFIGDIR/hostname,
		// confDOMAIN_NAME
		{"sm-basic", "basic.probes.tsv", "sm-basic.jsonl", "mail.example.com"},
		{"sm-debian", "debian.probes.tsv", "sm-debian.live.jsonl", "mx.debian.example"},
		{"sm-relay", "relay.probes.tsv", "sm-relay.live.jsonl", "gw.corp.example"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			probes := readProbes(t, filepath.Join(dir, tc.probes))
			want, err := probe.ReadResultsFile(filepath.Join(dir, "expected", tc.expected))
			if err != nil {
				t.Fatal(err)
			}
			if len(want) != len(probes) || len(want) == 0 {
				t.Fatalf("%d probes, %d expected answers", len(probes), len(want))
			}

			start := time.Now()
			got, meta := run(t, filepath.Join(dir, tc.name), probes, opt)
			elapsed := time.Since(start)
			if len(got) != len(probes) {
				t.Fatalf("%d answers to %d probes", len(got), len(probes))
			}
			agree, identical := 0, 0
			for i := range want {
				w, g := want[i], got[i]
				if d := probe.Compare(w, g); len(d) > 0 {
					t.Errorf("probe %d (line %d) %q: %s differ\n  prototype: %s\n  harness:   %s",
						w.N, w.Line, w.Probe, strings.Join(d, ", "), w.Summary(), g.Summary())
					continue
				}
				agree++
				if d := fieldDiffs(w, g); len(d) > 0 {
					t.Errorf("probe %d %q: %s differ\n  prototype: %+v\n  harness:   %+v",
						w.N, w.Probe, strings.Join(d, ", "), w, withoutTrace(g))
					continue
				}
				identical++
			}
			t.Logf("%s: %d of %d agree (%d identical in every field), %.1f s (build %.2f s, %.1f ms per probe, %d workers)",
				tc.name, agree, len(want), identical, elapsed.Seconds(), meta.Build.Seconds(),
				float64(meta.PerProbe.Microseconds())/1000, meta.Workers)

			// the run was isolated under the chosen host name, with lo up
			if !meta.Isolated || meta.Hostname != tc.hostname || meta.MacroJ != tc.hostname {
				t.Errorf("isolated %v, host name %q, $j %q; want isolated, %q", meta.Isolated,
					meta.Hostname, meta.MacroJ, tc.hostname)
			}
			for _, w := range []string{tc.hostname, "[127.0.0.1]", "localhost"} {
				if !slices.Contains(meta.ClassW, w) {
					t.Errorf("$=w %v lacks %s", meta.ClassW, w)
				}
			}
			if len(meta.Maps) == 0 || !strings.HasPrefix(meta.Maps[0], "access=hash access") {
				t.Errorf("maps built: %v, want the access map first", meta.Maps)
			}
			if _, err := os.Stat(meta.Dir); !os.IsNotExist(err) {
				t.Errorf("temporary folder %s not removed (%v)", meta.Dir, err)
			}
		})
	}
	if h, _ := os.Hostname(); h != hostBefore {
		t.Errorf("the machine's host name changed from %q to %q", hostBefore, h)
	}
}

// fieldDiffs names the fields of a Result (other than the trace) that
// differ.
func fieldDiffs(a, b probe.Result) []string {
	var d []string
	for _, f := range []struct {
		name string
		x, y string
	}{
		{"n", strconv.Itoa(a.N), strconv.Itoa(b.N)}, {"line", strconv.Itoa(a.Line), strconv.Itoa(b.Line)},
		{"decision", a.Decision, b.Decision}, {"code", a.Code, b.Code}, {"dsn", a.DSN, b.DSN},
		{"text", a.Text, b.Text}, {"stage", a.Stage, b.Stage}, {"verdict", a.Verdict, b.Verdict},
		{"mailer", a.Mailer, b.Mailer}, {"host", string(a.Host), string(b.Host)},
		{"user", string(a.User), string(b.User)}, {"header", a.Header, b.Header},
		{"envelope", a.Envelope, b.Envelope}, {"alias", strings.Join(a.Alias, ","), strings.Join(b.Alias, ",")},
	} {
		if f.x != f.y {
			d = append(d, f.name)
		}
	}
	return d
}

func withoutTrace(r probe.Result) probe.Result { r.Trace = nil; return r }

// TestKeepHostname: the Hostname option wins over CONFIGDIR/hostname,
// and Keep leaves the folder with the edited .cf and the hosts file.
func TestKeepHostname(t *testing.T) {
	opt := options(t)
	opt.Keep, opt.Hostname, opt.Workers = true, "other.oracle.test", 1
	probes, err := probe.Parse(strings.NewReader("resolve\tsomeone@other.example\nalias\tpostmaster\n"), "inline")
	if err != nil {
		t.Fatal(err)
	}
	// sm-debian's .mc sets no confDOMAIN_NAME: $j is the host name
	got, meta := run(t, filepath.Join(samples(t), "sm-debian"), probes, opt)
	defer os.RemoveAll(meta.Dir)
	if meta.MacroJ != "other.oracle.test" || !slices.Contains(meta.ClassW, "other.oracle.test") ||
		slices.Contains(meta.ClassW, "mx.debian.example") {
		t.Errorf("$j %q, $=w %v: want other.oracle.test", meta.MacroJ, meta.ClassW)
	}
	if r := got[0]; r.Decision != probe.Accept || r.Mailer != "esmtp" || r.User != "someone@other.example" {
		t.Errorf("resolve: %s", r.Summary())
	}
	// the one-level expansion from praliases, the full one from -bv
	if r := got[1]; r.Decision != probe.Accept || !slices.Equal(r.Alias, []string{"root"}) ||
		len(r.Trace) != 1 || r.Trace[0].What != "sendmail -bv admin@other.example" {
		t.Errorf("alias postmaster: %+v", r)
	}
	cf, err := os.ReadFile(filepath.Join(meta.Dir, "sendmail.cf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"O QueueDirectory=" + meta.Dir + "/mqueue\n",
		"O HostsFile=" + meta.Dir + "/oracle.hosts\n",
		"O DontBlameSendmail=TrustStickyBit",
		"\nSoracle_relay\n",
	} {
		if !strings.Contains(string(cf), want) {
			t.Errorf("sendmail.cf lacks %q", want)
		}
	}
	if strings.Contains(string(cf), "\nO QueueDirectory=/var") || strings.Contains(string(cf), "/etc/mail/") {
		t.Errorf("sendmail.cf still points outside %s", meta.Dir)
	}
	hosts, err := os.ReadFile(filepath.Join(meta.Dir, "oracle.hosts"))
	if err != nil || !strings.Contains(string(hosts), "127.0.1.1\tother.oracle.test\n") {
		t.Errorf("oracle.hosts: %q (%v)", hosts, err)
	}
}

func TestTokens(t *testing.T) {
	tk := newTokens(defaultOperators)
	for _, c := range []struct{ in, norm string }{
		{`$# esmtp $@ a . b $: u < @ a . b . >`, `$#esmtp $@a.b $:u<@a.b.>`},
		{`$# error $@ 5 . 7 . 1 $: "550 Access denied"`, `$#error $@5.7.1 $:"550 Access denied"`},
		{`$# error $: 550 "Go away"`, `$#error $:550"Go away"`},
		{`< 1 > $| FALSE`, `<1> $|FALSE`},
		{`first last < @ a . b >`, `first last<@a.b>`},
		{``, ``},
	} {
		if got := tk.norm(c.in); got != c.norm {
			t.Errorf("norm(%q) = %q, want %q", c.in, got, c.norm)
		}
	}
	tr, ok := tk.triple(`$# error $@ nouser $: "No such" user`)
	if !ok || tr != (triple{"error", "nouser", `"No such"user`}) {
		t.Errorf("triple: %+v %v", tr, ok)
	}
	if _, ok := tk.triple(`OK`); ok {
		t.Error("OK parsed as a triple")
	}
}

func TestErrorReply(t *testing.T) {
	for _, c := range []struct {
		host, user      string
		soft            bool
		code, dsn, text string
	}{
		{"5.7.1", `"550 Access denied"`, false, "550", "5.7.1", "Access denied"},
		{"", `550"Go away"`, false, "553", "5.3.0", "550Go away"},
		{"nouser", "No such user", false, "553", "5.3.0", "No such user"},
		{"", `"550 5.2.1 Mailbox disabled"`, false, "550", "5.2.1", "Mailbox disabled"},
		{"", `"451 try later"`, false, "451", "4.0.0", "try later"},
		{"5.7.1", `"550 Access denied"`, true, "450", "4.7.1", "Access denied"},
	} {
		code, dsn, text := errorReply(c.host, c.user, c.soft)
		if code != c.code || dsn != c.dsn || text != c.text {
			t.Errorf("errorReply(%q, %q, %v) = %s %s %q, want %s %s %q", c.host, c.user, c.soft,
				code, dsn, text, c.code, c.dsn, c.text)
		}
	}
}

// BenchmarkNamespace measures what isolation costs per Run: a worker
// thread's unshare, host name and lo, and its end.
func BenchmarkNamespace(b *testing.B) {
	for b.Loop() {
		sb, err := newSandbox("bench.oracle.test", 1, false)
		if errors.Is(err, errUnisolated) {
			testenv.Missing(b, "private namespaces for sendmail (run as root)")
		}
		if err != nil {
			b.Fatal(err)
		}
		sb.do(func() {})
		sb.close()
	}
}

// TestMailerPorts: the SMTP mailers of a sendmail.cf compiled by GNU m4
// from the cf library that connect to a port of their own.
func TestMailerPorts(t *testing.T) {
	m4 := testenv.Tool(t, "m4")
	cfdir := testenv.CFDir(t)
	mc := "include(`" + cfdir + "/m4/cf.m4')dnl\nOSTYPE(`linux')dnl\n" +
		"define(`RELAY_MAILER_ARGS', `TCP $h 587')dnl\ndefine(`ESMTP_MAILER_ARGS', `TCP $h 25')dnl\n" +
		"define(`SMTP8_MAILER_ARGS', `IPC $h 2525')dnl\nMAILER(`local')dnl\nMAILER(`smtp')dnl\n"
	cmd := exec.Command(m4)
	cmd.Stdin = strings.NewReader(mc)
	cf, err := cmd.Output()
	if err != nil {
		t.Fatalf("m4: %v", err)
	}
	got := mailerPorts(cf)
	want := map[string]string{"relay": "587", "smtp8": "2525"}
	if !maps.Equal(got, want) {
		t.Errorf("mailer ports %v, want %v", got, want)
	}
}

// TestFoldAliasNames: praliases finds no alias for a name asked with
// capitals (the database holds the names folded); FoldAliasNames asks
// it as sendmail's own alias lookup does, and finds it.
func TestFoldAliasNames(t *testing.T) {
	dir := t.TempDir()
	mc := "OSTYPE(`linux')dnl\ndefine(`confDOMAIN_NAME', `mx.example.com')dnl\n" +
		"define(`ALIAS_FILE', `/etc/mail/aliases')dnl\nMAILER(`local')dnl\nMAILER(`smtp')dnl\n"
	for name, text := range map[string]string{"sendmail.mc": mc, "aliases": "Mixed-Case: root\npostmaster: root\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	probes, err := probe.Parse(strings.NewReader("alias\tMIXED-CASE\n"), "inline")
	if err != nil {
		t.Fatal(err)
	}
	opt := options(t)
	opt.Workers = 1
	asGiven, _ := run(t, dir, probes, opt)
	opt.FoldAliasNames = true
	folded, _ := run(t, dir, probes, opt)
	if r := asGiven[0]; r.Decision != probe.NotFound {
		t.Errorf("praliases MIXED-CASE: %s, want notfound", r.Summary())
	}
	if r := folded[0]; r.Decision != probe.Accept || !slices.Equal(r.Alias, []string{"root"}) {
		t.Errorf("folded MIXED-CASE: %s, want accept [root]", r.Summary())
	}
}
