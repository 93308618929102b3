// Package trapcheck holds what both migration directions' trap tests
// (corpus/traps: milters that cannot be reached, listening sockets)
// share: finding the cases, classing SMTP replies, comparing socket
// sets and finding the report items that name a difference.
package trapcheck

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"mailcc/internal/oracle/listen"
	"mailcc/internal/testenv"
	"mailcc/migrate/report"
)

// Cases are the folders of corpus/traps whose names start with prefix
// and that hold file (sendmail.mc, main.cf).
func Cases(t testing.TB, prefix, file string) (dirs []string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(testenv.Root(), "corpus", "traps", prefix+"*", file))
	for _, f := range files {
		dirs = append(dirs, filepath.Dir(f))
	}
	if len(dirs) == 0 {
		t.Fatalf("no corpus/traps/%s* cases", prefix)
	}
	return dirs
}

// SMTPClass is the class of a reply: "2xx", "4xx", "5xx", or "none"
// when there was no reply (the connection ended).
func SMTPClass(r []string) string {
	if len(r) == 0 {
		return "none"
	}
	last := r[len(r)-1]
	if last == "" || last[0] < '2' || last[0] > '5' {
		return "none"
	}
	return last[:1] + "xx"
}

// SessionAnswer is what a session's MAIL and RCPT were answered: the
// first of the two that was not a 2xx, as "STAGE CLASS" ("mail 4xx"),
// or "accept" when both were accepted. The replies are the greeting's
// then one per command of cmds.
func SessionAnswer(replies [][]string, cmds []string) string {
	for i, c := range cmds {
		stage := strings.ToLower(strings.Fields(c)[0])
		if stage != "mail" && stage != "rcpt" {
			continue
		}
		var r []string
		if i+1 < len(replies) {
			r = replies[i+1]
		}
		if cl := SMTPClass(r); cl != "2xx" {
			return stage + " " + cl
		}
	}
	return "accept"
}

// LastLines is each reply's last line, for messages.
func LastLines(replies [][]string) string {
	var out []string
	for _, r := range replies {
		if len(r) > 0 {
			out = append(out, r[len(r)-1])
		}
	}
	return strings.Join(out, " | ")
}

// NonExact returns the report items that are not exact and whose
// construct starts with one of prefixes.
func NonExact(rep *report.Report, prefixes ...string) []report.Item {
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

// DiffSockets compares the sockets of the original and the migrated
// configuration: how many both have, and those only one has.
func DiffSockets(orig, migrated []listen.Socket) (agree int, onlyOrig, onlyMigrated []listen.Socket) {
	has := func(ss []listen.Socket, s listen.Socket) bool {
		return slices.ContainsFunc(ss, func(o listen.Socket) bool { return o.Key() == s.Key() })
	}
	for _, s := range orig {
		if has(migrated, s) {
			agree++
		} else {
			onlyOrig = append(onlyOrig, s)
		}
	}
	for _, s := range migrated {
		if !has(orig, s) {
			onlyMigrated = append(onlyMigrated, s)
		}
	}
	return agree, onlyOrig, onlyMigrated
}

// NeedOracles reports the real programs both sides of a trap test need:
// sendmail, GNU m4 and the cf library, Postfix and postconf.
func NeedOracles(t testing.TB) {
	t.Helper()
	testenv.Tool(t, "sendmail")
	testenv.Tool(t, "m4")
	testenv.CFDir(t)
	testenv.Tool(t, "postfix")
	testenv.Tool(t, "postconf")
}
