package sendmail_test

import (
	"os"
	"path/filepath"
	"testing"

	"mailcc/internal/oracle/pforacle"
	"mailcc/internal/oracle/smoracle"
	"mailcc/migrate/internal/trapcheck"
	"mailcc/migrate/sendmail"
)

// TestTrapSTARTTLS (Postfix → sendmail): whether the server offers
// STARTTLS. Postfix's smtpd does at smtpd_tls_security_level may with a
// certificate and key; sendmail once its server certificate and key and
// a CA file and directory are set and exist (the migration names the
// system's CA file and directory when main.cf names none). For main.cf
// files with a certificate (made here, self-signed) at level may, with
// and without a CA, one at level none and one without a certificate,
// the EHLO reply of the real Postfix smtpd on the case and of the real
// sendmail (sendmail -bs) on the migrated configuration must agree, or
// the report must name the difference.
func TestTrapSTARTTLS(t *testing.T) {
	trapcheck.NeedOracles(t)
	host := "mx.trap.test"
	for _, c := range []struct {
		name, level string
		cert, ca    bool
	}{{"may-with-ca", "may", true, true}, {"may", "may", true, false}, {"none", "none", true, true}, {"no-certificate", "", false, false}} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			mainCF := "compatibility_level = 3.6\nmyhostname = " + host + "\nmydestination = $myhostname, localhost\n"
			if c.cert {
				cert, key := trapcheck.WriteCert(t, dir, host)
				mainCF += "smtpd_tls_cert_file = " + cert + "\nsmtpd_tls_key_file = " + key + "\n"
				if c.ca {
					mainCF += "smtpd_tls_CAfile = " + cert + "\nsmtpd_tls_CApath = " + dir + "\n"
				}
			}
			if c.level != "" {
				mainCF += "smtpd_tls_security_level = " + c.level + "\n"
			}
			if err := os.WriteFile(filepath.Join(dir, "main.cf"), []byte(mainCF), 0o644); err != nil {
				t.Fatal(err)
			}
			cmds := []string{"EHLO client.trap.test"}
			pfReplies, _, err := pforacle.Session(dir, cmds, pforacle.Options{})
			if err != nil {
				t.Fatal(err)
			}
			res := migrate(t, load(t, dir), sendmail.Options{})
			out := t.TempDir()
			writeFiles(t, out, res)
			smReplies, _, err := smoracle.Session(out, cmds, smoracle.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(smReplies) < 2 || len(pfReplies) < 2 {
				t.Fatalf("no EHLO reply: Postfix %q, sendmail %q", pfReplies, smReplies)
			}
			pf, sm := trapcheck.OffersSTARTTLS(pfReplies[1]), trapcheck.OffersSTARTTLS(smReplies[1])
			t.Logf("STARTTLS offered: Postfix %v, sendmail %v", pf, sm)
			if c.level == "may" && !pf {
				t.Fatalf("Postfix offers no STARTTLS at level may with a certificate, so the case shows nothing: %q", pfReplies[1])
			}
			if pf != sm {
				if items := trapcheck.NonExact(&res.Report.Report, "smtpd_tls_", "STARTTLS"); len(items) == 0 {
					t.Errorf("STARTTLS offered: Postfix %v, sendmail %v, and the report says nothing", pf, sm)
				}
			}
		})
	}
}
