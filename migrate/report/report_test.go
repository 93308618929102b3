package report_test

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"mailcc/migrate/report"
	"mailcc/runtime/probe"
)

// TestAffectMatches: the report's description of the questions an item
// affects.
func TestAffectMatches(t *testing.T) {
	a4 := netip.MustParseAddr("10.1.2.3")
	cases := []struct {
		a    report.Affect
		f    report.Facts
		want bool
	}{
		{report.Affect{Kinds: []string{"rcpt"}, Recipient: "user@"}, report.Facts{Kind: "rcpt", To: "user+x@a.example"}, true},
		{report.Affect{Kinds: []string{"rcpt"}, Recipient: "user@"}, report.Facts{Kind: "mail", To: "user@a.example"}, false},
		{report.Affect{Recipient: "@a.example"}, report.Facts{Kind: "rcpt", To: "x@sub.a.example"}, false},
		{report.Affect{Recipient: "a.example"}, report.Facts{Kind: "rcpt", To: "x@sub.a.example"}, true},
		{report.Affect{Recipient: ".a.example"}, report.Facts{Kind: "rcpt", To: "x@a.example"}, false},
		{report.Affect{Sender: "<>"}, report.Facts{Kind: "mail", From: "<>"}, true},
		{report.Affect{Client: "10.1.0.0/16"}, report.Facts{Kind: "connect", ClientAddr: a4}, true},
		{report.Affect{Client: "good.example"}, report.Facts{Kind: "connect", ClientAddr: a4, ClientName: "mx.good.example"}, true},
		{report.Affect{When: report.WhenSenderUnresolvable}, report.Facts{Kind: "mail", From: "a@nowhere.example",
			Resolves: func(d string) bool { return d == "good.example" }}, true},
		{report.Affect{When: report.WhenSenderUnresolvable}, report.Facts{Kind: "mail", From: "a@good.example",
			Resolves: func(d string) bool { return d == "good.example" }}, false},
		{report.Affect{When: report.WhenSenderUnresolvable}, report.Facts{Kind: "mail", From: "nowhere.example!a",
			Resolves: func(d string) bool { return false }}, true},
		{report.Affect{When: report.WhenSenderUnqualified}, report.Facts{Kind: "mail", From: "root"}, true},
		{report.Affect{Authenticated: true, When: "auth-mechanism-not:PLAIN LOGIN"}, report.Facts{Kind: "rcpt", Auth: true, AuthMech: "CRAM-MD5"}, true},
		{report.Affect{Authenticated: true, When: "auth-mechanism-not:PLAIN LOGIN"}, report.Facts{Kind: "rcpt", Auth: true}, false},
		{report.Affect{Kinds: []string{"header_from"}, Mailer: "local", When: report.WhenUnqualified}, report.Facts{Kind: "header_from", Address: "alice", Mailer: "local"}, true},
		{report.Affect{Kinds: []string{"header_from"}, Mailer: "local", When: report.WhenUnqualified}, report.Facts{Kind: "header_from", Address: "alice"}, false},
		{report.Affect{When: report.WhenHelo}, report.Facts{Kind: "mail", Helo: "mx.example"}, true},
		{report.Affect{When: report.WhenHelo}, report.Facts{Kind: "mail"}, false},
		{report.Affect{When: report.WhenHeloRefused}, report.Facts{Kind: "rcpt", Helo: "bad!name"}, true},
		{report.Affect{When: report.WhenHeloRefused}, report.Facts{Kind: "rcpt", Helo: "m\u00fcnchen.example"}, true},
		{report.Affect{When: report.WhenHeloRefused}, report.Facts{Kind: "rcpt", Helo: "[999.1.1.1]"}, false},
		{report.Affect{When: report.WhenHeloRefused}, report.Facts{Kind: "rcpt", Helo: "no_dots#:-"}, false},
		{report.Affect{When: report.WhenHeloRefused}, report.Facts{Kind: "rcpt"}, false},
		{report.Affect{When: "no-such-condition"}, report.Facts{Kind: "mail"}, false},
	}
	for i, c := range cases {
		if got := c.a.Matches(c.f); got != c.want {
			t.Errorf("case %d: %+v matches %+v: %v, want %v", i, c.a, c.f, got, c.want)
		}
	}
}

// TestTally: agreement, predictions and the table's marks.
func TestTally(t *testing.T) {
	item := &report.Item{Fidelity: report.Approximate}
	a := report.Tally{Name: "a"}
	for _, p := range []struct {
		diffs       []string
		items       []*report.Item
		unpredicted bool
	}{
		{nil, nil, false},
		{nil, []*report.Item{item}, false},
		{[]string{"code"}, []*report.Item{item}, false},
		{[]string{"decision"}, nil, true},
	} {
		if got := a.Add(p.diffs, p.items); got != p.unpredicted {
			t.Errorf("Add(%v, %d items) = %v, want %v", p.diffs, len(p.items), got, p.unpredicted)
		}
	}
	if a.Total != 4 || a.Agree != 2 || a.Differ != 2 || a.Predicted != 1 || a.Flagged != 1 {
		t.Errorf("tally %+v", a)
	}
	b := report.Tally{Name: "b", Total: 50, Agree: 49, Differ: 1, Predicted: 1}
	got := report.Table("x -> y", []report.Tally{b, a})
	for _, want := range []string{
		"x -> y, per case:\n",
		"a:                             2 of   4 agree ( 50.0%);  2 differ,  1 predicted  (below 98%)  (1 unpredicted)\n",
		"b:                            49 of  50 agree ( 98.0%);  1 differ,  1 predicted\n",
		"all: 51 of 54 agree (94.4%); 3 differ, 2 predicted; the report also flags 1 probes that agree",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
	if strings.Index(got, "a:") > strings.Index(got, "b:") {
		t.Errorf("cases not in name order:\n%s", got)
	}
}

// fakeT records what Check reports.
type fakeT struct{ errors, logs []string }

func (f *fakeT) Helper() {}
func (f *fakeT) Errorf(format string, a ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, a...))
}
func (f *fakeT) Logf(format string, a ...any) { f.logs = append(f.logs, fmt.Sprintf(format, a...)) }

// TestCheck: an unpredicted disagreement and an unanswered probe are
// errors; a predicted one is only logged (verbose).
func TestCheck(t *testing.T) {
	probes := []probe.Probe{
		{Kind: probe.Mail, From: "a@x.example"},
		{Kind: probe.Mail, From: "b@y.example"},
		{Kind: probe.Mail, From: "c@z.example"},
	}
	res := func(n int, d string) probe.Result {
		return probe.Result{N: n, Kind: probe.Mail, Probe: "mail " + strconv.Itoa(n), Decision: d}
	}
	want := []probe.Result{res(1, probe.Accept), res(2, probe.Accept), res(3, probe.Accept)}
	got := []probe.Result{res(1, probe.Accept), res(2, probe.Reject), res(3, probe.Error)}
	item := &report.Item{Fidelity: report.Approximate, Construct: "y"}
	predicts := func(f report.Facts) []*report.Item {
		if f.From == "b@y.example" {
			return []*report.Item{item}
		}
		return nil
	}
	var ft fakeT
	tl := report.Check(&ft, "case", "sendmail", "postfix", probes, want, got, predicts, nil, true)
	if tl.Agree != 1 || tl.Differ != 2 || tl.Predicted != 1 {
		t.Errorf("tally %+v", tl)
	}
	if len(ft.errors) != 2 || !strings.Contains(ft.errors[0], "could not answer") || !strings.Contains(ft.errors[1], "not predicted") {
		t.Errorf("errors %q", ft.errors)
	}
	if len(ft.logs) != 1 || !strings.Contains(ft.logs[0], "predicted n=2") {
		t.Errorf("logs %q", ft.logs)
	}
}

// entries is a table of report.Entries for TestAddEntries: entry i is
// in files[i], exact unless it is in notExact.
type entries struct {
	files    []string
	notExact map[int]bool
	asked    map[int]int // how often Item was asked for each entry
}

func (e *entries) Len() int          { return len(e.files) }
func (e *entries) Exact(i int) bool  { return !e.notExact[i] }
func (e *entries) File(i int) string { return e.files[i] }
func (e *entries) Item(i int) report.Item {
	e.asked[i]++
	it := report.Item{Construct: "entry access key" + strconv.Itoa(i), Pos: e.files[i] + ":" + strconv.Itoa(i+1), Fidelity: report.Exact}
	if e.notExact[i] {
		it.Fidelity, it.Differs = report.Approximate, "differs"
	}
	return it
}

// TestAddEntries: a table's exact entries are counted, not made, until
// All (or the JSON encoding) lists them in their place, between the
// items added before and after the table.
func TestAddEntries(t *testing.T) {
	e := &entries{files: []string{"access", "access", "access", "more", "access"},
		notExact: map[int]bool{1: true, 3: true}, asked: map[int]int{}}
	r := &report.Report{From: "sendmail", To: "postfix"}
	r.Items = append(r.Items, report.Item{Construct: "before", Fidelity: report.Exact})
	r.AddEntries(e)
	r.Items = append(r.Items, report.Item{Construct: "after", Fidelity: report.NotExpressible, Why: "w", Action: "a"})
	if len(r.Items) != 4 || r.Items[1].Construct != "entry access key1" || r.Items[2].Construct != "entry access key3" {
		t.Errorf("Items: %+v", r.Items)
	}
	if want := map[int]int{1: 1, 3: 1}; fmt.Sprint(e.asked) != fmt.Sprint(want) {
		t.Errorf("items made by AddEntries: %v, want %v", e.asked, want)
	}
	if n := r.Len(); n != 7 {
		t.Errorf("Len %d, want 7", n)
	}
	if ex, ap, no := r.Summary(); ex != 4 || ap != 2 || no != 1 {
		t.Errorf("Summary %d %d %d, want 4 2 1", ex, ap, no)
	}
	var got []string
	for _, it := range r.All() {
		got = append(got, it.Construct)
	}
	want := []string{"before", "entry access key0", "entry access key1", "entry access key2", "entry access key3", "entry access key4", "after"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("All: %q\nwant %q", got, want)
	}
	var js strings.Builder
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back report.Report
	if err := json.Unmarshal([]byte(js.String()), &back); err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for _, it := range back.Items {
		got = append(got, it.Construct)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || back.From != "sendmail" {
		t.Errorf("JSON: %q from %q\nwant %q", got, back.From, want)
	}
	var text strings.Builder
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"access: exact: 3 entries\n", "more:4: approximate: entry access key3\n",
		"7 constructs: 4 exact, 2 approximate, 1 not expressible\n"} {
		if !strings.Contains(text.String(), line) {
			t.Errorf("text lacks %q:\n%s", line, text.String())
		}
	}
	if strings.Contains(text.String(), "more: exact") {
		t.Errorf("text counts an exact entry in more:\n%s", text.String())
	}
}
