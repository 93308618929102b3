package postfix_test

import (
	"path/filepath"
	"strings"
	"testing"

	"mailcc/migrate/internal/trapcheck"
	"mailcc/migrate/postfix"
	"mailcc/migrate/report"
)

// TestTrapClientAuth: for each corpus/traps/sm-authinfo-* case, the
// credentials the real sendmail's authinfo ruleset gives each server of
// servers.tsv, and those the real postmap finds in the migrated
// smtp_sasl_password_maps in the order of Postfix's smtp client (host
// name, then next hop), must be the same, or the report must have a
// non-exact item for the entry sendmail used (or, when sendmail has
// none, for an entry Postfix used).
func TestTrapClientAuth(t *testing.T) {
	trapcheck.NeedOracles(t)
	var agree, differ, named int
	for _, c := range trapCases(t, "sm-authinfo-") {
		t.Run(c.name, func(t *testing.T) {
			servers := trapcheck.Servers(t, c.dir)
			res := migrateCase(t, c, postfix.Options{})
			dir := t.TempDir()
			writeFiles(t, dir, res)
			sm := trapcheck.SendmailCredentials(t, c.dir, servers)
			pf := trapcheck.PostfixCredentials(t, dir, servers)
			for i, s := range servers {
				t.Logf("%s: sendmail %s [%s], Postfix %s", s.Name, sm[i], sm[i].Raw, pf[i])
				if sm[i] == pf[i] || sm[i].Found == pf[i].Found && sm[i].String() == pf[i].String() {
					agree++
					continue
				}
				differ++
				raw := sm[i].Raw
				if !sm[i].Found {
					raw = pf[i].Raw
				}
				if it, ok := entryItem(res.Report, c.dir, raw); ok {
					named++
					t.Logf("%s (servers.tsv:%d): sendmail %s, Postfix %s: predicted by %s: %s", s.Name, s.Line, sm[i], pf[i], it.Pos, it.Differs)
					continue
				}
				t.Errorf("%s (servers.tsv:%d): sendmail %s, Postfix %s, and no report item names the entry", s.Name, s.Line, sm[i], pf[i])
			}
		})
	}
	t.Logf("client credentials: %d of %d servers agree; %d differ, %d predicted by the report", agree, agree+differ, differ, named)
}

// entryItem finds the non-exact report item of the table entry whose
// value (or user:password) is in raw: the entry of the case's authinfo
// or access source whose value's words all occur in raw.
func entryItem(rep *report.Report, dir, raw string) (report.Item, bool) {
	for _, it := range rep.Items {
		if it.Fidelity == report.Exact || !strings.HasPrefix(it.Construct, "entry ") {
			continue
		}
		file := it.Pos
		if i := strings.IndexByte(file, ':'); i > 0 {
			file = file[:i]
		}
		switch filepath.Base(file) {
		case "authinfo", "access":
		default:
			continue
		}
		fields := strings.Fields(it.Construct)[2:]
		all := len(fields) > 0
		for _, f := range fields {
			f = strings.Trim(f, `"`)
			if len(f) > 2 && (f[1] == ':' || f[1] == '=') {
				f = f[2:]
			}
			if !strings.Contains(raw, f) {
				all = false
			}
		}
		if all {
			return it, true
		}
	}
	return report.Item{}, false
}
