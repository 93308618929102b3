package postfix_test

import (
	"strconv"
	"strings"
	"testing"

	"mailcc/internal/oracle/listen"
	"mailcc/internal/oracle/pforacle"
	"mailcc/internal/oracle/smoracle"
	"mailcc/migrate/internal/irfacts"
	"mailcc/migrate/internal/trapcheck"
	"mailcc/migrate/postfix"
)

// TestTrapListeners (trap 20): for each corpus/traps/sm-listen-* case
// the real sendmail daemon (sendmail -bD) on the case and the real
// Postfix master on the migrated configuration run in private network
// namespaces with only lo, and the TCP sockets each listens on are
// compared (family, address, port; an IPv6 socket on :: that also takes
// IPv4 counts for both families). Every socket only one of them has
// must be named by a non-exact report item for a daemon on that port.
func TestTrapListeners(t *testing.T) {
	trapcheck.NeedOracles(t)
	var agree, differ, named int
	for _, c := range trapCases(t, "sm-listen-") {
		t.Run(c.name, func(t *testing.T) {
			res := migrateCase(t, c, postfix.Options{})
			smSocks, _, err := smoracle.Listeners(c.dir, smoracle.Options{})
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			writeFiles(t, dir, res)
			oracleLimit <- struct{}{}
			pfSocks, _, err := pforacle.Listeners(dir, pforacle.Options{})
			<-oracleLimit
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("sendmail: %v", smSocks)
			t.Logf("postfix:  %v", pfSocks)
			if len(smSocks) == 0 {
				t.Fatal("the sendmail daemon listens on nothing")
			}
			// the daemons of the source, by port
			ports := map[string][]string{}
			for _, l := range loadSendmailCase(t, c).Listeners {
				p := irfacts.PortNumber(strings.ToLower(l.Port))
				construct := "DAEMON_OPTIONS(" + l.Spec + ")" // as the migration names it
				if l.Spec == "" {
					construct = "daemon " + l.Name
				}
				ports[p] = append(ports[p], construct)
			}
			check := func(s listen.Socket, where string) {
				p := strconv.Itoa(s.Port)
				items := trapcheck.NonExact(res.Report, ports[p]...)
				if len(ports[p]) == 0 {
					items = nil
				}
				if len(items) == 0 {
					t.Errorf("%s listens only in %s, and the report has no non-exact item for a daemon on port %d", s, where, s.Port)
					return
				}
				named++
				t.Logf("%s only in %s: named by %q (%s)", s, where, items[0].Construct, items[0].Differs)
			}
			same, onlySM, onlyPF := trapcheck.DiffSockets(smSocks, pfSocks)
			agree += same
			differ += len(onlySM) + len(onlyPF)
			for _, s := range onlySM {
				check(s, "sendmail")
			}
			for _, s := range onlyPF {
				check(s, "Postfix")
			}
		})
	}
	t.Logf("listeners: %d sockets agree, %d differ (%d named by the report)", agree, differ, named)
}
