package report

import (
	"fmt"
	"sort"
	"strings"
)

// Tally counts, for one case of an equivalence test, how often the real
// target MTA on the migrated configuration agrees with the real source
// MTA on the original, and how many of the disagreements the report
// predicted (and how many agreeing probes it flags all the same).
type Tally struct {
	Name                                     string
	Total, Agree, Differ, Predicted, Flagged int
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
