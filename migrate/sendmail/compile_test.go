package sendmail_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"mailcc/cfparse"
	"mailcc/internal/testenv"
	"mailcc/migrate/postfix"
	"mailcc/migrate/sendmail"
)

// postfixConfigs lists the Postfix configurations to migrate: the
// pf-* cases of corpus/trace, corpus/postfix and, when it is there, the
// shared corpus.
func postfixConfigs(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, c := range traceCases(t, "pf-") {
		out["trace/"+c.name] = c.dir
	}
	for _, c := range corpusCases(t, "traps", "pf-") {
		out["traps/"+c.name] = c.dir
	}
	pats := []string{filepath.Join(testenv.Root(), "corpus", "postfix", "*", "main.cf")}
	if sh := testenv.Shared(); sh != "" {
		pats = append(pats, filepath.Join(sh, "corpus", "postfix", "*", "main.cf"))
	}
	for i, pat := range pats {
		m, _ := filepath.Glob(pat)
		for _, f := range m {
			dir := filepath.Dir(f)
			out[[]string{"postfix/", "shared/"}[i]+filepath.Base(dir)] = dir
		}
	}
	return out
}

// compile runs GNU m4 on the emitted .mc as an admin does (the .mc
// includes cf.m4 itself) and returns sendmail.cf; m4's failure or a
// "*** ERROR" of the cf library fails the test.
func compile(t *testing.T, dir string) []byte {
	t.Helper()
	m4 := testenv.Tool(t, "m4")
	testenv.CFDir(t)
	cmd := exec.Command(m4, filepath.Join(dir, "sendmail.mc"))
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil || strings.Contains(stderr.String(), "*** ERROR") || strings.Contains(stdout.String(), "*** ERROR") {
		mc, _ := os.ReadFile(filepath.Join(dir, "sendmail.mc"))
		t.Fatalf("m4 sendmail.mc: %v\n%s\n--- sendmail.mc:\n%s", err, stderr.String(), mc)
	}
	if !bytes.Contains(stdout.Bytes(), []byte("\nV10/")) {
		t.Fatalf("m4 wrote no sendmail.cf (no V line):\n%s", stderr.String())
	}
	return stdout.Bytes()
}

// buildTables builds every emitted table with the real makemap (-C
// the compiled .cf, as makemap reads its options there); the aliases
// are built as newaliases stores them (with the trailing NUL, split at
// the colon). makemap must exit 0 without a word.
func buildTables(t *testing.T, dir string, res *sendmail.Result, cf []byte) {
	t.Helper()
	makemap := testenv.Tool(t, "makemap")
	cfPath := filepath.Join(dir, "sendmail.cf")
	if err := os.WriteFile(cfPath, cf, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Files {
		if f.Map == "" {
			continue
		}
		args := []string{"-C", cfPath}
		if f.Alias {
			args = append(args, "-N", "-t", ":")
		}
		args = append(args, f.Map, filepath.Join(dir, f.Name))
		r := testenv.Run(t, dir, f.Data, makemap, args...)
		// sendmail's safe-file check warns about the temporary folder
		// the test runs in, not about the table
		stderr := worldWritable.ReplaceAllString(string(r.Stderr), "")
		if r.Code != 0 || stderr != "" {
			t.Errorf("makemap %s %s: exit %d\n%s", strings.Join(args, " "), f.Name, r.Code, stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, f.Name+".db")); err != nil {
			t.Errorf("makemap wrote no %s.db: %v", f.Name, err)
		}
	}
}

var worldWritable = regexp.MustCompile(`(?m)^WARNING: World writable directory /tmp\n`)

// TestCompile: every Postfix configuration of the corpora migrates to a
// .mc that GNU m4 and the cf library compile without an error, and
// whose tables the real makemap (and sendmail -bi) build.
func TestCompile(t *testing.T) {
	testenv.Tool(t, "m4")
	testenv.Tool(t, "makemap")
	cfgs := postfixConfigs(t)
	compiled := 0
	for name, dir := range cfgs {
		t.Run(name, func(t *testing.T) {
			cfg, diags, err := cfparse.Load([]string{dir}, cfparse.Options{Root: t.TempDir()})
			if err != nil {
				t.Fatalf("loading: %v", err)
			}
			if errs := diags.Errors(); len(errs) > 0 {
				t.Logf("loaded with errors (migrated anyway): %v", errs)
			}
			res := migrate(t, cfg, sendmail.Options{Provenance: len(name)%2 == 0})
			out := t.TempDir()
			writeFiles(t, out, res)
			cf := compile(t, out)
			buildTables(t, out, res, cf)
			if !t.Failed() {
				compiled++
			}
		})
	}
	t.Logf("m4 compiles and makemap builds %d of %d migrated Postfix configurations", compiled, len(cfgs))
}

// TestCompileRoundTrip: the sendmail cases written back compile too.
func TestCompileRoundTrip(t *testing.T) {
	for _, c := range traceCases(t, "sm-") {
		t.Run(c.name, func(t *testing.T) {
			res := migrate(t, load(t, filepath.Join(c.dir, "sendmail.mc")), sendmail.Options{})
			out := t.TempDir()
			writeFiles(t, out, res)
			cf := compile(t, out)
			buildTables(t, out, res, cf)
		})
	}
}

// TestDeterministic: migrating twice gives the same files, each starting
// with the marker the Postfix direction uses; the report is consistent.
func TestDeterministic(t *testing.T) {
	if "# "+sendmail.MarkerText != postfix.Marker {
		t.Fatalf("marker %q is not the Postfix direction's %q", "# "+sendmail.MarkerText, postfix.Marker)
	}
	dirs := postfixConfigs(t)
	for _, c := range traceCases(t, "sm-") {
		dirs["trace/"+c.name] = filepath.Join(c.dir, "sendmail.mc")
	}
	for name, dir := range dirs {
		cfg, _, err := cfparse.Load([]string{dir}, cfparse.Options{Root: t.TempDir()})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		a := migrate(t, cfg, sendmail.Options{Provenance: true})
		b := migrate(t, cfg, sendmail.Options{Provenance: true})
		if len(a.Files) != len(b.Files) {
			t.Fatalf("%s: %d files, then %d", name, len(a.Files), len(b.Files))
		}
		for i := range a.Files {
			if a.Files[i].Name != b.Files[i].Name || !bytes.Equal(a.Files[i].Data, b.Files[i].Data) {
				t.Errorf("%s: %s differs between two runs", name, a.Files[i].Name)
			}
			if !sendmail.HasMarker(a.Files[i].Data) {
				t.Errorf("%s: %s does not start with the marker", name, a.Files[i].Name)
			}
		}
		for _, it := range a.Report.Items {
			switch it.Fidelity {
			case sendmail.Approximate:
				if it.Differs == "" {
					t.Errorf("%s: approximate %q says nothing about what differs", name, it.Construct)
				}
			case sendmail.NotExpressible:
				if it.Why == "" || it.Action == "" {
					t.Errorf("%s: not expressible %q lacks why or what to do", name, it.Construct)
				}
			}
		}
	}
}

// TestM4Words: the rules mailcc writes reach sendmail.cf as written,
// even where a word of them names an m4 macro (cf.m4 turns m4's
// comments off, so a rule's # comment is expanded too): here a domain
// whose first label is dnl, which would delete the rest of the rule, a
// regexp table's result at such a domain, and a reply text with an
// apostrophe (and another with a backquote) in a rule.
func TestM4Words(t *testing.T) {
	dir := t.TempDir()
	mainCF := "myhostname = mx.dnl.example\nmydomain = dnl.example\nmyorigin = dnl.example\n" +
		"mydestination = $myhostname, dnl.example\n" +
		"smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination\n" +
		"virtual_alias_domains = virt.example\nvirtual_alias_maps = regexp:/etc/postfix/virtual.re\n"
	mainCF += "smtpd_sender_restrictions = check_sender_access hash:/etc/postfix/sender_access\n" +
		"smtpd_null_access_lookup_key = MAILER-DAEMON\n"
	senders := "bounce@example.net 550 5.7.1 We don't take mail from dnl.example\n" +
		"tick@example.net 550 5.7.1 No `ticks here\n" +
		"MAILER-DAEMON 550 5.7.1 We don't take bounces for dnl.example\n"
	for name, text := range map[string]string{"main.cf": mainCF, "virtual.re": "/^admin@virt\\.example$/ root@dnl.example\n", "sender_access": senders} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, diags, err := cfparse.Load([]string{dir}, cfparse.Options{Root: t.TempDir()})
	if err != nil || len(diags.Errors()) > 0 {
		t.Fatalf("loading: %v %v", err, diags.Errors())
	}
	res := migrate(t, cfg, sendmail.Options{})
	out := t.TempDir()
	writeFiles(t, out, res)
	cf := string(compile(t, out))
	for _, rule := range []string{
		"R<PfQ> $+\t\t$: $1 < @ dnl . example . >",
		"R<PfO> $+\t\t$: $1 < @ dnl . example . >",
		"Kpfre1 regex -aroot@dnl.example ^admin@virt\\.example$",
		// a reply text with an apostrophe: its m4 quotes do not pair up
		"R<>\t\t\t$#error $@ 5.7.1 $: \"550 We don't take bounces for dnl.example\"",
	} {
		if !strings.Contains(cf, "\n"+rule+"\n") {
			t.Errorf("sendmail.cf lacks the rule %q", rule)
		}
	}
	if strings.Contains(cf, "# of a client without a name says 550, whatever \"") {
		t.Errorf("a comment's macro name (confRELAY_MSG) was expanded")
	}
}
