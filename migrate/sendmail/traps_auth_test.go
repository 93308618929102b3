package sendmail_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"mailcc/migrate/internal/trapcheck"
	"mailcc/migrate/report"
	"mailcc/migrate/sendmail"
)

// TestTrapClientAuth: for each corpus/traps/pf-authinfo* case, the
// credentials the real postmap finds for each server of servers.tsv in
// the case's smtp_sasl_password_maps (in the order of Postfix's smtp
// client: host name, then next hop), and those the real sendmail's
// authinfo ruleset gives on the migrated configuration, must be the
// same, or the report must have a non-exact item for the entry Postfix
// used (or, when Postfix has none, for the entry sendmail's came from).
func TestTrapClientAuth(t *testing.T) {
	trapcheck.NeedOracles(t)
	var agree, differ, named int
	for _, c := range trapCases(t, "pf-authinfo") {
		t.Run(c.name, func(t *testing.T) {
			servers := trapcheck.Servers(t, c.dir)
			pf := trapcheck.PostfixCredentials(t, c.dir, servers)
			res := migrate(t, load(t, c.dir), sendmail.Options{})
			dir := t.TempDir()
			writeFiles(t, dir, res)
			sm := trapcheck.SendmailCredentials(t, dir, servers)
			for i, s := range servers {
				t.Logf("%s: Postfix %s, sendmail %s", s.Name, pf[i], sm[i])
				if pf[i].String() == sm[i].String() {
					agree++
					continue
				}
				differ++
				used := pf[i]
				if !used.Found {
					used = sm[i]
				}
				if it, ok := saslEntryItem(t, &res.Report.Report, c.dir, used.AuthID+":"+used.Password); ok {
					named++
					t.Logf("%s (servers.tsv:%d): predicted by %s: %s", s.Name, s.Line, it.Pos, it.Differs)
					continue
				}
				t.Errorf("%s (servers.tsv:%d): Postfix %s, sendmail %s, and no report item names the entry", s.Name, s.Line, pf[i], sm[i])
			}
		})
	}
	t.Logf("client credentials: %d of %d servers agree; %d differ, %d predicted by the report", agree, agree+differ, differ, named)
}

// saslEntryItem finds the non-exact report item of the line of the
// case's sasl_passwd whose value is value.
func saslEntryItem(t *testing.T, rep *report.Report, dir, value string) (report.Item, bool) {
	data, err := os.ReadFile(filepath.Join(dir, "sasl_passwd"))
	if err != nil {
		t.Fatal(err)
	}
	for n, ln := range strings.Split(string(data), "\n") {
		f := strings.Fields(ln)
		if len(f) < 2 || strings.Join(f[1:], " ") != value {
			continue
		}
		for _, it := range rep.Items {
			if it.Fidelity != report.Exact && strings.HasSuffix(it.Pos, "sasl_passwd:"+strconv.Itoa(n+1)+":1") {
				return it, true
			}
		}
	}
	return report.Item{}, false
}
