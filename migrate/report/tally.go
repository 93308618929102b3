package report

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"

	"mailcc/runtime/hosts"
	"mailcc/runtime/probe"
)

// ReadCase reads a trace case's probes (probes.tsv), the source MTA's
// recorded answers (expected.jsonl, one per probe) and the names its
// oracles resolve (hosts, nil when the case has none), which the
// report's conditions are judged by.
func ReadCase(dir string) ([]probe.Probe, []probe.Result, *hosts.Hosts, error) {
	probes, err := probe.ParseFile(filepath.Join(dir, "probes.tsv"))
	if err != nil {
		return nil, nil, nil, err
	}
	want, err := probe.ReadResultsFile(filepath.Join(dir, "expected.jsonl"))
	if err != nil {
		return nil, nil, nil, err
	}
	if len(want) != len(probes) {
		return nil, nil, nil, fmt.Errorf("%s: %d expected answers for %d probes", dir, len(want), len(probes))
	}
	h, err := hosts.ParseFile(filepath.Join(dir, "hosts"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil, err
	}
	return probes, want, h, nil
}

// Tally counts, for one case of an equivalence test, how often the real
// target MTA on the migrated configuration agrees with the real source
// MTA on the original, and how many of the disagreements the report
// predicted (and how many agreeing probes it flags all the same).
type Tally struct {
	Name                                     string
	Total, Agree, Differ, Predicted, Flagged int
	// Trace counts the probes on which mailcc's own decision engine,
	// run on the migrated configuration, answers as the real target MTA
	// did (set by the caller).
	Trace int
}

// Add counts one probe: diffs are the fields in which the two answers
// differ (none: they agree), predicted the report's items for the probe.
// It says whether this is a disagreement the report did not predict.
func (t *Tally) Add(diffs []string, predicted []*Item) (unpredicted bool) {
	t.Total++
	switch {
	case len(diffs) == 0:
		t.Agree++
		if len(predicted) > 0 {
			t.Flagged++
		}
	case len(predicted) > 0:
		t.Differ++
		t.Predicted++
	default:
		t.Differ++
		return true
	}
	return false
}

// Table formats tallies, by case name, one line each with the 98%
// target marked, then the totals.
func Table(title string, ts []Tally) string {
	ts = append([]Tally(nil), ts...)
	sort.Slice(ts, func(i, j int) bool { return ts[i].Name < ts[j].Name })
	var all Tally
	var b strings.Builder
	b.WriteString(title + ", per case:\n")
	pct := func(a, n int) float64 { return 100 * float64(a) / float64(max(n, 1)) }
	for _, t := range ts {
		all.Total += t.Total
		all.Agree += t.Agree
		all.Differ += t.Differ
		all.Predicted += t.Predicted
		all.Flagged += t.Flagged
		mark := ""
		if float64(t.Agree) < 0.98*float64(t.Total) {
			mark = "  (below 98%)"
		}
		if t.Predicted < t.Differ {
			mark += fmt.Sprintf("  (%d unpredicted)", t.Differ-t.Predicted)
		}
		fmt.Fprintf(&b, "%-28s %3d of %3d agree (%5.1f%%); %2d differ, %2d predicted%s\n",
			t.Name+":", t.Agree, t.Total, pct(t.Agree, t.Total), t.Differ, t.Predicted, mark)
	}
	fmt.Fprintf(&b, "all: %d of %d agree (%.1f%%); %d differ, %d predicted; the report also flags %d probes that agree",
		all.Agree, all.Total, pct(all.Agree, all.Total), all.Differ, all.Predicted, all.Flagged)
	return b.String()
}

// FactsOf describes a probe for Predicts; names resolve through h (nil:
// none does).
func FactsOf(p probe.Probe, h *hosts.Hosts) Facts {
	f := Facts{
		Kind: string(p.Kind), ClientAddr: p.Client.Addr, ClientName: p.Client.Name,
		Auth: p.Auth != "", AuthMech: p.AuthType, From: p.From, To: p.To, Address: p.Address, Name: p.Name,
		Mailer: p.Mailer, Helo: p.Helo,
	}
	if (p.Kind == probe.Mail || p.Kind == probe.Rcpt) && p.From == "" {
		f.From = "<>"
	}
	if h != nil {
		f.Resolves = h.Exists
		f.Canonical = h.Canonical
	}
	return f
}

// Difference is a probe the two MTAs answer differently: the fields
// that differ (probe.Compare) and the report's items that predicted it
// (none: it was not predicted).
type Difference struct {
	Want, Got probe.Result
	Fields    []string
	By        []*Item
}

// Compare tallies the source MTA's answers (want) against the target's
// (got) for probes of one case, with the report's predictions (predicts,
// asked with FactsOf(probe, h)), and returns the differences.
func Compare(name string, probes []probe.Probe, want, got []probe.Result, predicts func(Facts) []*Item, h *hosts.Hosts) (Tally, []Difference) {
	t := Tally{Name: name}
	var diffs []Difference
	for i := range want {
		items := predicts(FactsOf(probes[i], h))
		d := probe.Compare(want[i], got[i])
		t.Add(d, items)
		if len(d) > 0 {
			diffs = append(diffs, Difference{want[i], got[i], d, items})
		}
	}
	return t, diffs
}

// ViaPorts reads sendmail's answers to resolve probes as Postfix states
// a route: sendmail gives a port to a mailer, not to a next hop, so a
// route through an SMTP mailer that connects to a port of its own
// (ports, by mailer name: smoracle's Meta.MailerPorts) is an SMTP route
// to host:port, as Postfix's next hop "[host]:port" says. The mailer's
// name is kept in Verdict.
func ViaPorts(rs []probe.Result, ports map[string]string) {
	for i := range rs {
		r := &rs[i]
		port, ok := ports[r.Mailer]
		if r.Kind != probe.Resolve || r.Decision != probe.Accept || !ok || r.Host == "" {
			continue
		}
		r.Verdict = strings.TrimSpace(r.Verdict + " mailer " + r.Mailer + " (port " + port + ")")
		r.Mailer = "esmtp"
		r.Host += probe.Str(":" + port)
	}
}

// TB is what Check needs of a *testing.T.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Logf(format string, args ...any)
}

// Check is Compare for an equivalence test: an answer the target's
// oracle could not give, and a disagreement the report did not predict,
// are errors; with verbose the predicted ones are logged with the item
// that predicted them. src and dst name the two MTAs in the messages.
func Check(t TB, name, src, dst string, probes []probe.Probe, want, got []probe.Result, predicts func(Facts) []*Item, h *hosts.Hosts, verbose bool) Tally {
	t.Helper()
	for i := range got {
		if got[i].Decision == probe.Error {
			t.Errorf("n=%d %s: the oracle could not answer: %s", want[i].N, want[i].Probe, got[i].Text)
		}
	}
	tl, diffs := Compare(name, probes, want, got, predicts, h)
	for _, d := range diffs {
		// every disagreement must have been named by the report before
		// the probes ran
		if len(d.By) == 0 {
			t.Errorf("not predicted by the report: n=%d %s: differs in %v\n      %-8s %s\n      %-8s %s",
				d.Want.N, d.Want.Probe, d.Fields, src, d.Want.Summary(), dst, d.Got.Summary())
		} else if verbose {
			t.Logf("predicted n=%d %s: differs in %v\n  %-8s %s\n  %-8s %s\n  by %s: %s", d.Want.N, d.Want.Probe, d.Fields,
				src, d.Want.Summary(), dst, d.Got.Summary(), d.By[0].Pos, d.By[0].Construct)
		}
	}
	return tl
}
