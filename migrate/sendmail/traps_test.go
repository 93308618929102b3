package sendmail_test

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"mailcc/internal/oracle/listen"
	"mailcc/internal/oracle/pforacle"
	"mailcc/internal/oracle/smoracle"
	"mailcc/migrate/internal/irfacts"
	"mailcc/migrate/internal/trapcheck"
	"mailcc/migrate/sendmail"
)

// trapCases are the Postfix cases of corpus/traps whose names start
// with prefix.
func trapCases(t *testing.T, prefix string) []traceCase {
	t.Helper()
	var out []traceCase
	for _, dir := range trapcheck.Cases(t, prefix, "main.cf") {
		out = append(out, traceCase{filepath.Base(dir), dir})
	}
	return out
}

// TestTrapMilterFailure (mapping.md §4 trap 19, Postfix → sendmail):
// for each corpus/traps/pf-milter-* case (smtpd_milters on loopback
// ports nothing listens on, with milter_default_action or a per-milter
// default_action), an SMTP session with the real Postfix smtpd on the
// case and one with the real sendmail (sendmail -bs, which initialises
// the milters) on the migrated configuration must answer MAIL and RCPT
// with the same class (accepted, 4xx or 5xx, at the same command), and
// give greetings of the same class, or the report must have a
// non-exact item for smtpd_milters.
func TestTrapMilterFailure(t *testing.T) {
	trapcheck.NeedOracles(t)
	var agree, differ, named int
	for _, c := range trapCases(t, "pf-milter-") {
		t.Run(c.name, func(t *testing.T) {
			host := "mx.trap.test"
			cmds := []string{"EHLO client.trap.test", "MAIL FROM:<>", "RCPT TO:<postmaster@" + host + ">"}
			pfReplies, meta, err := pforacle.Session(c.dir, cmds, pforacle.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if meta.Hostname != host {
				t.Fatalf("Postfix ran as %s, not %s", meta.Hostname, host)
			}
			res := migrate(t, load(t, c.dir), sendmail.Options{})
			dir := t.TempDir()
			writeFiles(t, dir, res)
			smReplies, smMeta, err := smoracle.Session(dir, cmds, smoracle.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if smMeta.Hostname != host {
				t.Fatalf("sendmail ran as %s, not %s", smMeta.Hostname, host)
			}
			t.Logf("postfix:  %s", trapcheck.LastLines(pfReplies))
			t.Logf("sendmail: %s", trapcheck.LastLines(smReplies))
			items := trapcheck.NonExact(&res.Report.Report, "smtpd_milters")
			for _, cmp := range []struct{ what, pf, sm string }{
				{"greeting", trapcheck.SMTPClass(pfReplies[0]), trapcheck.SMTPClass(smReplies[0])},
				{"MAIL/RCPT", trapcheck.SessionAnswer(pfReplies, cmds), trapcheck.SessionAnswer(smReplies, cmds)},
			} {
				if cmp.pf == cmp.sm {
					agree++
					continue
				}
				differ++
				if len(items) == 0 {
					t.Errorf("%s: Postfix %s, sendmail %s, and the report has no non-exact smtpd_milters item", cmp.what, cmp.pf, cmp.sm)
					continue
				}
				named++
				t.Logf("%s: Postfix %s, sendmail %s: named by %q (%s)", cmp.what, cmp.pf, cmp.sm, items[0].Construct, items[0].Differs)
			}
		})
	}
	t.Logf("milter failure: %d comparisons agree, %d differ (%d named by the report)", agree, differ, named)
}

// TestTrapListeners (mapping.md §4 trap 20, Postfix → sendmail): for
// each corpus/traps/pf-listen-* case the real Postfix master on the case
// and the real sendmail daemon (sendmail -bD) on the migrated
// configuration run in private network namespaces with only lo, and the
// TCP sockets each listens on are compared (family, address, port; an
// IPv6 socket on :: that also takes IPv4 counts for both families).
// Every socket only one of them has must be named by a non-exact report
// item of a master.cf service on that port, or of inet_interfaces or
// inet_protocols.
func TestTrapListeners(t *testing.T) {
	trapcheck.NeedOracles(t)
	var agree, differ, named int
	for _, c := range trapCases(t, "pf-listen-") {
		t.Run(c.name, func(t *testing.T) {
			pfSocks, _, err := pforacle.Listeners(c.dir, pforacle.Options{})
			if err != nil {
				t.Fatal(err)
			}
			cfg := load(t, c.dir)
			res := migrate(t, cfg, sendmail.Options{})
			dir := t.TempDir()
			writeFiles(t, dir, res)
			smSocks, _, err := smoracle.Listeners(dir, smoracle.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("postfix:  %v", pfSocks)
			t.Logf("sendmail: %v", smSocks)
			if len(pfSocks) == 0 {
				t.Fatal("the Postfix master listens on nothing")
			}
			// the services of the source, by port
			ports := map[string][]string{}
			for _, l := range cfg.Listeners {
				p := irfacts.PortNumber(strings.ToLower(l.Port))
				ports[p] = append(ports[p], "master.cf: "+l.Name+" inet")
			}
			check := func(s listen.Socket, where string) {
				prefixes := append([]string{"inet_interfaces", "inet_protocols"}, ports[strconv.Itoa(s.Port)]...)
				items := trapcheck.NonExact(&res.Report.Report, prefixes...)
				if len(items) == 0 {
					t.Errorf("%s listens only in %s, and the report has no non-exact item for a service on port %d, inet_interfaces or inet_protocols", s, where, s.Port)
					return
				}
				named++
				t.Logf("%s only in %s: named by %q (%s)", s, where, items[0].Construct, items[0].Differs)
			}
			same, onlyPF, onlySM := trapcheck.DiffSockets(pfSocks, smSocks)
			agree += same
			differ += len(onlyPF) + len(onlySM)
			for _, s := range onlyPF {
				check(s, "Postfix")
			}
			for _, s := range onlySM {
				check(s, "sendmail")
			}
		})
	}
	t.Logf("listeners: %d sockets agree, %d differ (%d named by the report)", agree, differ, named)
}
