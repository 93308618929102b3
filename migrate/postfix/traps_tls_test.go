package postfix_test

import (
	"os"
	"path/filepath"
	"testing"

	"mailcc/migrate/internal/trapcheck"
	"mailcc/migrate/postfix"
)

// TestTrapSTARTTLS: whether the server offers STARTTLS. sendmail does
// once its server certificate and key and a CA file and directory are
// set and exist (confSERVER_CERT, confSERVER_KEY, confCACERT,
// confCACERT_PATH; sendmail -bs initialises the server's TLS as the
// daemon does), Postfix at smtpd_tls_security_level may. For a
// configuration with all of them (a certificate made here,
// self-signed), one without the CA and one without a certificate, the
// EHLO reply of the real sendmail on the original and of the real
// Postfix smtpd on the migrated configuration must agree, or the report
// must name the difference.
func TestTrapSTARTTLS(t *testing.T) {
	trapcheck.NeedOracles(t)
	host := "mx.trap.test"
	for _, c := range []struct {
		name         string
		withCert, CA bool
	}{{"certificate", true, true}, {"certificate-without-ca", true, false}, {"no-certificate", false, false}} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			mc := "include(`/usr/share/sendmail/cf/m4/cf.m4')dnl\nOSTYPE(`linux')dnl\ndefine(`confDOMAIN_NAME', `" + host + "')dnl\n"
			if c.withCert {
				cert, key := trapcheck.WriteCert(t, dir, host)
				mc += "define(`confSERVER_CERT', `" + cert + "')dnl\ndefine(`confSERVER_KEY', `" + key + "')dnl\n"
				if c.CA {
					// sendmail makes its server's TLS context only when
					// a CA file and directory exist too (tls.h)
					mc += "define(`confCACERT', `" + cert + "')dnl\ndefine(`confCACERT_PATH', `" + dir + "')dnl\n"
				}
			}
			mc += "MAILER(`local')dnl\nMAILER(`smtp')dnl\n"
			for name, text := range map[string]string{"sendmail.mc": mc, "aliases": "postmaster: root\n"} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			res := migrateCase(t, smCase{c.name, dir}, postfix.Options{})
			smReplies, pfReplies, _ := sessions(t, dir, res, []string{"EHLO client.trap.test"})
			if len(smReplies) < 2 || len(pfReplies) < 2 {
				t.Fatalf("no EHLO reply: sendmail %q, Postfix %q", smReplies, pfReplies)
			}
			sm, pf := trapcheck.OffersSTARTTLS(smReplies[1]), trapcheck.OffersSTARTTLS(pfReplies[1])
			t.Logf("STARTTLS offered: sendmail %v, Postfix %v", sm, pf)
			if c.withCert && c.CA && !sm {
				t.Fatalf("sendmail offers no STARTTLS with a certificate and a CA, so the case shows nothing: %q", smReplies[1])
			}
			if sm != pf {
				if items := trapcheck.NonExact(res.Report, "STARTTLS"); len(items) == 0 {
					t.Errorf("STARTTLS offered: sendmail %v, Postfix %v, and the report says nothing", sm, pf)
				}
			}
		})
	}
}
