package postfix_test

import (
	"path/filepath"
	"testing"

	"mailcc/internal/oracle/pforacle"
	"mailcc/internal/oracle/smoracle"
	"mailcc/migrate/internal/trapcheck"
	"mailcc/migrate/postfix"
)

// The semantic traps that address test mode cannot show (mapping.md §4,
// traps 19 and 20), proven with the real programs on the cases of
// corpus/traps: an SMTP session with milters that cannot be reached,
// and the sockets the daemons listen on.

// trapCases are the sendmail cases of corpus/traps whose names start
// with prefix.
func trapCases(t *testing.T, prefix string) []smCase {
	t.Helper()
	var out []smCase
	for _, dir := range trapcheck.Cases(t, prefix, "sendmail.mc") {
		out = append(out, smCase{filepath.Base(dir), dir})
	}
	return out
}

// sessions runs cmds in an SMTP session with the real sendmail on the
// configuration in smDir (sendmail -bs) and with the real Postfix smtpd
// on res, the migrated configuration, and returns both replies.
func sessions(t *testing.T, smDir string, res *postfix.Result, cmds []string) (sm, pf [][]string, meta *pforacle.Meta) {
	t.Helper()
	sm, _, err := smoracle.Session(smDir, cmds, smoracle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFiles(t, dir, res)
	oracleLimit <- struct{}{}
	pf, meta, err = pforacle.Session(dir, cmds, pforacle.Options{})
	<-oracleLimit
	if err != nil {
		t.Fatal(err)
	}
	return sm, pf, meta
}

// TestTrapMilterFailure (trap 19): for each corpus/traps/sm-milter-*
// case (an INPUT_MAIL_FILTER on a loopback port nothing listens on,
// with no F=, F=T or F=R), an SMTP session with the real sendmail
// (sendmail -bs, which initialises the milters) and one with the real
// Postfix smtpd on the migrated configuration must answer MAIL and RCPT
// with the same class (accepted, 4xx or 5xx, at the same command), or
// the report must have a non-exact item for the INPUT_MAIL_FILTER. The
// greetings are compared the same way.
func TestTrapMilterFailure(t *testing.T) {
	trapcheck.NeedOracles(t)
	var agree, differ, named int
	for _, c := range trapCases(t, "sm-milter-") {
		t.Run(c.name, func(t *testing.T) {
			res := migrateCase(t, c, postfix.Options{})
			host := "mx.trap.test"
			cmds := []string{"EHLO client.trap.test", "MAIL FROM:<>", "RCPT TO:<postmaster@" + host + ">"}
			smReplies, pfReplies, meta := sessions(t, c.dir, res, cmds)
			if meta.Hostname != host {
				t.Fatalf("Postfix ran as %s, not %s", meta.Hostname, host)
			}
			t.Logf("sendmail: %s", trapcheck.LastLines(smReplies))
			t.Logf("postfix:  %s", trapcheck.LastLines(pfReplies))
			items := trapcheck.NonExact(res.Report, "INPUT_MAIL_FILTER(")
			for _, cmp := range []struct{ what, sm, pf string }{
				{"greeting", trapcheck.SMTPClass(smReplies[0]), trapcheck.SMTPClass(pfReplies[0])},
				{"MAIL/RCPT", trapcheck.SessionAnswer(smReplies, cmds), trapcheck.SessionAnswer(pfReplies, cmds)},
			} {
				if cmp.sm == cmp.pf {
					agree++
					continue
				}
				differ++
				if len(items) == 0 {
					t.Errorf("%s: sendmail %s, Postfix %s, and the report has no non-exact INPUT_MAIL_FILTER item", cmp.what, cmp.sm, cmp.pf)
					continue
				}
				named++
				t.Logf("%s: sendmail %s, Postfix %s: named by %q (%s)", cmp.what, cmp.sm, cmp.pf, items[0].Construct, items[0].Differs)
			}
		})
	}
	t.Logf("milter failure: %d comparisons agree, %d differ (%d named by the report)", agree, differ, named)
}
