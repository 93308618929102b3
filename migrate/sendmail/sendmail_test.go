package sendmail_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"mailcc/cfparse"
	"mailcc/internal/testenv"
	"mailcc/ir"
	"mailcc/migrate/report"
	"mailcc/migrate/sendmail"
)

// traceCase is a folder of corpus/trace.
type traceCase struct{ name, dir string }

// traceCases lists corpus/trace's cases whose name starts with prefix.
func traceCases(t *testing.T, prefix string) []traceCase {
	t.Helper()
	return corpusCases(t, "trace", prefix)
}

// corpusCases lists the cases of corpus/SUB whose name starts with
// prefix.
func corpusCases(t *testing.T, sub, prefix string) []traceCase {
	t.Helper()
	root := filepath.Join(testenv.Root(), "corpus", sub)
	ents, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var out []traceCase
	for _, e := range ents {
		if e.IsDir() && strings.HasPrefix(e.Name(), prefix) {
			out = append(out, traceCase{e.Name(), filepath.Join(root, e.Name())})
		}
	}
	if len(out) == 0 {
		t.Fatalf("no %s* cases in %s", prefix, root)
	}
	return out
}

// load lowers a configuration (a .mc or a main.cf folder) with an empty
// root, so that its tables are read beside it.
func load(t *testing.T, path string) *ir.Config {
	t.Helper()
	cfg, diags, err := cfparse.Load([]string{path}, cfparse.Options{Root: t.TempDir()})
	if err != nil {
		t.Fatalf("loading %s: %v", path, err)
	}
	if errs := diags.Errors(); len(errs) > 0 {
		t.Fatalf("loading %s: %v", path, errs)
	}
	return cfg
}

// writeFiles writes a migration's files into dir.
func writeFiles(t *testing.T, dir string, res *sendmail.Result) {
	t.Helper()
	for _, f := range res.Files {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func migrate(t *testing.T, cfg *ir.Config, opt sendmail.Options) *sendmail.Result {
	t.Helper()
	res, err := sendmail.Migrate(cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// irOpts compare two IRs as configurations: positions, the origins of
// defaults and the list of files read (whose folder differs) aside.
var irOpts = cmp.Options{
	cmpopts.IgnoreTypes(ir.Pos{}),
	cmpopts.IgnoreFields(ir.Config{}, "Sources"),
	cmpopts.EquateEmpty(),
}

// TestRoundTrip: every sendmail case of corpus/trace and corpus/traps,
// lowered, written back as a .mc with its tables and lowered again,
// gives the same IR.
// The fields that differ are logged per case; a case that differs must
// have a report item that is not exact.
func TestRoundTrip(t *testing.T) {
	cases := append(traceCases(t, "sm-"), corpusCases(t, "traps", "sm-")...)
	equal := 0
	var differ []string
	for _, c := range cases {
		ir1 := load(t, filepath.Join(c.dir, "sendmail.mc"))
		res := migrate(t, ir1, sendmail.Options{Provenance: true})
		dir := t.TempDir()
		writeFiles(t, dir, res)
		ir2 := load(t, filepath.Join(dir, "sendmail.mc"))
		fields := diffFields(ir1, ir2)
		if len(fields) == 0 {
			equal++
			continue
		}
		differ = append(differ, c.name+": "+strings.Join(fields, ", "))
		if res.Report.AllExact() {
			t.Errorf("%s: the IR differs after the round trip in %v, and the report says everything is exact:\n%s",
				c.name, fields, cmp.Diff(ir1, ir2, irOpts))
		}
	}
	t.Logf("round trip equal on %d of %d sendmail cases", equal, len(cases))
	for _, d := range differ {
		t.Logf("  differs: %s", d)
	}
}

// diffFields names the top-level IR fields (Tables by name) that differ.
func diffFields(a, b *ir.Config) []string { return testenv.IRFieldDiffs(a, b, irOpts) }

// TestParametersReported: a main.cf parameter the migration does not
// carry over is named by the report (not translated); installation
// settings have nothing to migrate; parameters the migration reads
// through the IR are not reported as untranslated.
func TestParametersReported(t *testing.T) {
	dir := t.TempDir()
	mainCF := "compatibility_level = 3.6\ncommand_directory = /usr/sbin\nmyhostname = mx.example.com\n" +
		"relayhost = [smart.example.net]\nsmtp_tcp_port = 587\nmailbox_size_limit = 0\nsoft_bounce = yes\n" +
		"smtpd_tls_cert_file = /etc/ssl/mail.pem\nsmtpd_tls_key_file = /etc/ssl/mail.key\nsmtpd_tls_security_level = may\ndelay_warning_time = 4\n" +
		"disable_vrfy_command = yes\nsmtp_dns_support_level = dnssec\nmailbox_command = procmail -a \"$EXTENSION\"\n" +
		"smtpd_recipient_restrictions =\n    permit_mynetworks,\n    reject_unauth_destination\n" +
		"smtpd_helo_restrictions = reject_invalid_helo_hostname\ninvalid_hostname_reject_code = 550\n"
	if err := os.WriteFile(filepath.Join(dir, "main.cf"), []byte(mainCF), 0o644); err != nil {
		t.Fatal(err)
	}
	res := migrate(t, load(t, dir), sendmail.Options{})
	got := map[string]report.Fidelity{}
	untranslated := map[string]bool{}
	for _, it := range res.Report.Items {
		name, _, _ := strings.Cut(it.Construct, " ")
		if strings.HasPrefix(it.Pos, filepath.Join(dir, "main.cf")+":") {
			got[name] = it.Fidelity
		}
		if strings.Contains(it.Why, "does not translate the parameter") {
			untranslated[name] = true
		}
	}
	for name, want := range map[string]report.Fidelity{"compatibility_level": report.Exact, "command_directory": report.Exact,
		"smtp_tcp_port": report.NotExpressible, "smtp_dns_support_level": report.NotExpressible, "mailbox_size_limit": report.Exact,
		"soft_bounce": report.Exact, "disable_vrfy_command": report.Approximate, "mailbox_command": report.Exact,
		"smtpd_tls_cert_file": report.Exact, "smtpd_tls_security_level": report.Exact, "delay_warning_time": report.Exact} {
		if got[name] != want {
			t.Errorf("%s: %q, want %q", name, got[name], want)
		}
	}
	for _, name := range []string{"relayhost", "smtpd_recipient_restrictions", "myhostname", "invalid_hostname_reject_code"} {
		if untranslated[name] {
			t.Errorf("%s is reported as not translated", name)
		}
	}
	// the options written; delay_warning_time's unit is hours
	var mc string
	for _, f := range res.Files {
		if f.Name == "sendmail.mc" {
			mc = string(f.Data)
		}
	}
	for _, want := range []string{"define(`confSOFT_BOUNCE', `True')", "define(`confSERVER_CERT', `/etc/ssl/mail.pem')",
		"define(`confSERVER_KEY', `/etc/ssl/mail.key')", "define(`confTO_QUEUEWARN', `14400s')",
		"define(`confPRIVACY_FLAGS', `authwarnings,novrfy')", "FEATURE(`local_procmail', `/usr/bin/procmail', `procmail -a $h -d $u')"} {
		if !strings.Contains(mc, want) {
			t.Errorf("sendmail.mc lacks %s:\n%s", want, mc)
		}
	}
}
