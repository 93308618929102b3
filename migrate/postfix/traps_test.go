package postfix_test

import (
	"path/filepath"
	"strings"
	"testing"

	"mailcc/internal/oracle/pforacle"
	"mailcc/internal/oracle/smoracle"
	"mailcc/internal/testenv"
	"mailcc/migrate/postfix"
	"mailcc/migrate/report"
)

// The semantic traps that address test mode cannot show (mapping.md §4,
// traps 19 and 20), proven with the real programs on the cases of
// corpus/traps: an SMTP session with milters that cannot be reached,
// and the sockets the daemons listen on.

// trapCases are the sendmail cases of corpus/traps whose names start
// with prefix.
func trapCases(t *testing.T, prefix string) []smCase {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join(testenv.Root(), "corpus", "traps", prefix+"*", "sendmail.mc"))
	var out []smCase
	for _, mc := range dirs {
		dir := filepath.Dir(mc)
		out = append(out, smCase{filepath.Base(dir), dir})
	}
	if len(out) == 0 {
		t.Fatalf("no corpus/traps/%s* cases", prefix)
	}
	return out
}

// needOracles reports the real programs both sides need.
func needOracles(t *testing.T) {
	t.Helper()
	testenv.Tool(t, "sendmail")
	testenv.Tool(t, "m4")
	testenv.CFDir(t)
	testenv.Tool(t, "postfix")
	testenv.Tool(t, "postconf")
}

// smtpClass is the class of a reply: "2xx", "4xx", "5xx", or "none"
// when there was no reply (the connection ended).
func smtpClass(r []string) string {
	if len(r) == 0 {
		return "none"
	}
	last := r[len(r)-1]
	if last == "" || last[0] < '2' || last[0] > '5' {
		return "none"
	}
	return last[:1] + "xx"
}

// sessionAnswer is what a session's MAIL and RCPT were answered: the
// first of the two that was not a 2xx, as "STAGE CLASS" ("mail 4xx"),
// or "accept" when both were accepted. The replies are the greeting's
// then one per command of cmds.
func sessionAnswer(replies [][]string, cmds []string) string {
	for i, c := range cmds {
		stage := strings.ToLower(strings.Fields(c)[0])
		if stage != "mail" && stage != "rcpt" {
			continue
		}
		var r []string
		if i+1 < len(replies) {
			r = replies[i+1]
		}
		if cl := smtpClass(r); cl != "2xx" {
			return stage + " " + cl
		}
	}
	return "accept"
}

// lastLines is each reply's last line, for messages.
func lastLines(replies [][]string) string {
	var out []string
	for _, r := range replies {
		if len(r) > 0 {
			out = append(out, r[len(r)-1])
		}
	}
	return strings.Join(out, " | ")
}

// nonExact returns the report items that are not exact and whose
// construct starts with one of prefixes.
func nonExact(rep *report.Report, prefixes ...string) []report.Item {
	var out []report.Item
	for _, it := range rep.Items {
		if it.Fidelity == report.Exact {
			continue
		}
		for _, p := range prefixes {
			if strings.HasPrefix(it.Construct, p) {
				out = append(out, it)
				break
			}
		}
	}
	return out
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
	needOracles(t)
	var agree, differ, named int
	for _, c := range trapCases(t, "sm-milter-") {
		t.Run(c.name, func(t *testing.T) {
			res := migrateCase(t, c, postfix.Options{})
			host := "mx.trap.test"
			cmds := []string{"EHLO client.trap.test", "MAIL FROM:<>", "RCPT TO:<postmaster@" + host + ">"}
			smReplies, _, err := smoracle.Session(c.dir, cmds, smoracle.Options{})
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			writeFiles(t, dir, res)
			oracleLimit <- struct{}{}
			pfReplies, meta, err := pforacle.Session(dir, cmds, pforacle.Options{})
			<-oracleLimit
			if err != nil {
				t.Fatal(err)
			}
			if meta.Hostname != host {
				t.Fatalf("Postfix ran as %s, not %s", meta.Hostname, host)
			}
			t.Logf("sendmail: %s", lastLines(smReplies))
			t.Logf("postfix:  %s", lastLines(pfReplies))
			items := nonExact(res.Report, "INPUT_MAIL_FILTER(")
			for _, cmp := range []struct{ what, sm, pf string }{
				{"greeting", smtpClass(smReplies[0]), smtpClass(pfReplies[0])},
				{"MAIL/RCPT", sessionAnswer(smReplies, cmds), sessionAnswer(pfReplies, cmds)},
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
