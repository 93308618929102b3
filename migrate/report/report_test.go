package report_test

import (
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
