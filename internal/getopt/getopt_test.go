package getopt

import (
	"reflect"
	"testing"
)

var m4opts = []Option{
	{Name: "D", Short: 'D', Long: "define", Arg: Required},
	{Name: "d", Short: 'd', Long: "debug", Arg: Optional},
	{Name: "debugfile", Long: "debugfile", Arg: Optional},
	{Name: "s", Short: 's', Long: "synclines"},
	{Name: "Q", Short: 'Q', Long: "quiet"},
	{Name: "Q", Long: "silent"},
	{Name: "help", Long: "help"},
}

func TestParse(t *testing.T) {
	tests := []struct {
		args    []string
		mode    Mode
		want    []Result
		rest    []string
		wantErr string
	}{
		{args: []string{"-Dfoo=1", "-D", "bar", "-sQ", "file", "-dp"}, mode: InOrder,
			want: []Result{{"D", "foo=1", true}, {"D", "bar", true}, {"s", "", false}, {"Q", "", false}, {"", "file", true}, {"d", "p", true}}},
		{args: []string{"-d", "x"}, mode: InOrder, want: []Result{{"d", "", false}, {"", "x", true}}},
		{args: []string{"--debugfile=", "foo", "--debugfile", "-"}, mode: InOrder,
			want: []Result{{"debugfile", "", true}, {"", "foo", true}, {"debugfile", "", false}, {"", "-", true}}},
		{args: []string{"--def", "x=y", "--sil"}, mode: Permute, want: []Result{{"D", "x=y", true}, {"Q", "", false}}},
		{args: []string{"a", "-s", "--", "-b"}, mode: Permute, want: []Result{{"s", "", false}}, rest: []string{"a", "-b"}},
		{args: []string{"a", "-s"}, mode: StopAtOperand, rest: []string{"a", "-s"}},
		{args: []string{"-z"}, wantErr: "invalid option -- 'z'"},
		{args: []string{"-D"}, wantErr: "option requires an argument -- 'D'"},
		{args: []string{"--foo"}, wantErr: "unrecognized option '--foo'"},
		{args: []string{"--de"}, wantErr: "option '--de' is ambiguous; possibilities: '--define' '--debug' '--debugfile'"},
		{args: []string{"--help=x"}, wantErr: "option '--help' doesn't allow an argument"},
		{args: []string{"--define"}, wantErr: "option '--define' requires an argument"},
	}
	for _, tt := range tests {
		got, rest, err := Parse(tt.args, m4opts, tt.mode)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("%q: error %v, want %q", tt.args, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.args, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) || !reflect.DeepEqual(rest, tt.rest) {
			t.Errorf("%q: got %v %v, want %v %v", tt.args, got, rest, tt.want, tt.rest)
		}
	}
}

func TestShort(t *testing.T) {
	got := Short("C:Nt:v")
	want := []Option{{Name: "C", Short: 'C', Arg: Required}, {Name: "N", Short: 'N'}, {Name: "t", Short: 't', Arg: Required}, {Name: "v", Short: 'v'}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Short = %v", got)
	}
}
