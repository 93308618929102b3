package source

import (
	"errors"
	"strings"
	"testing"
)

func TestPositions(t *testing.T) {
	fs := NewFileSet()
	a := fs.AddFile("a.mc", []byte("one\ntwo\n\nfour"))
	b := fs.AddFile("b.cf", []byte("x"))
	tests := []struct {
		p    Pos
		want string
	}{
		{a.Pos(0), "a.mc:1:1"},
		{a.Pos(2), "a.mc:1:3"},
		{a.Pos(4), "a.mc:2:1"},
		{a.Pos(8), "a.mc:3:1"},
		{a.Pos(9), "a.mc:4:1"},
		{a.Pos(13), "a.mc:4:5"}, // end of file
		{b.Pos(0), "b.cf:1:1"},
		{NoPos, "-"},
	}
	for _, tt := range tests {
		if got := fs.Position(tt.p).String(); got != tt.want {
			t.Errorf("Position(%d) = %s, want %s", tt.p, got, tt.want)
		}
	}
	if fs.File(b.Pos(0)) != b || fs.File(NoPos) != nil {
		t.Error("File() does not find the file of a position")
	}
	if got := a.LineStart(3); got != a.Pos(8) {
		t.Errorf("LineStart(3) = %d, want %d", got, a.Pos(8))
	}
}

func TestDiagnostics(t *testing.T) {
	var l Diagnostics
	l.Warningf(Position{Filename: "b", Line: 2, Column: 1}, "late %s", "warning")
	l.Errorf(Position{Filename: "a", Line: 9, Column: 4}, "second on the line")
	l.Errorf(Position{Filename: "a", Line: 9, Column: 1}, "first on the line")
	l.Errorf(Position{Filename: "a", Line: 3, Column: 7}, "early")
	if l.Err() == nil || !l.HasErrors() {
		t.Fatal("errors not reported")
	}
	l.RemoveMultiples()
	want := "a:3:7: error: early\na:9:1: error: first on the line\nb:2:1: warning: late warning"
	if got := l.Error(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	var only Diagnostics
	only.Warningf(Position{Filename: "x", Line: 1}, "just a warning")
	if only.Err() != nil {
		t.Error("warnings alone are an error")
	}
	var many Diagnostics
	for i := 0; i < 15; i++ {
		many.Errorf(Position{Filename: "f", Line: i + 1}, "e%d", i)
	}
	if s := many.Error(); !strings.HasSuffix(s, "(and 5 more)") {
		t.Errorf("no cap at %d: %s", DefaultLimit, s)
	}
	d := Errorf(Position{Filename: "f", Line: 1, Column: 2}, "top")
	d.Notes = append(d.Notes, NoteLine{Pos: Position{Filename: "g", Line: 3}, Msg: "from here"})
	if got := d.Error(); got != "f:1:2: error: top\n\tg:3: note: from here" {
		t.Errorf("note: %q", got)
	}
	var target *Diagnostic
	if !errors.As(l.Err(), &target) || target.Msg != "early" {
		t.Error("errors.As does not reach the diagnostics")
	}
}
