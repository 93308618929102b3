package postfix

import (
	"strings"
	"testing"

	"mailcc/source"
)

// diagLines formats diagnostics one per line, for comparisons.
func diagLines(diags source.Diagnostics) []string {
	var out []string
	for _, d := range diags {
		out = append(out, d.Error())
	}
	return out
}

// checkDiags compares diagnostics with want: each want line is
// "file:line:col: severity: " followed by a substring of the message.
func checkDiags(t *testing.T, diags source.Diagnostics, want []string) {
	t.Helper()
	got := diagLines(diags)
	if len(got) != len(want) {
		t.Errorf("got %d diagnostics, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
		return
	}
	for i := range want {
		prefix, sub, _ := strings.Cut(want[i], "|")
		if !strings.HasPrefix(got[i], prefix) || !strings.Contains(got[i][len(prefix):], sub) {
			t.Errorf("diagnostic %d: got %q, want %q ... %q", i, got[i], prefix, sub)
		}
	}
}

func TestParseMainCFValues(t *testing.T) {
	tests := []struct {
		name, in string
		want     map[string]string
	}{
		{"plain", "a = b\n", map[string]string{"a": "b"}},
		{"no spaces", "a=b", map[string]string{"a": "b"}},
		{"blanks around", "a \t=\t b c \t\n", map[string]string{"a": "b c"}},
		{"empty value", "a =\n", map[string]string{"a": ""}},
		{"equals in value", "a = b=c\n", map[string]string{"a": "b=c"}},
		{"hash in value", "a = b # c\n", map[string]string{"a": "b # c"}},
		{"continuation keeps white space", "a = b,\n    c\n\td\n", map[string]string{"a": "b,    c\td"}},
		{"comment inside continuation", "a = b\n# x\n  c\n", map[string]string{"a": "b  c"}},
		{"indented comment inside continuation", "a = b\n   # x\n  c\n", map[string]string{"a": "b  c"}},
		{"blank line inside continuation", "a = b\n\n  c\n", map[string]string{"a": "b  c"}},
		{"last wins", "a = 1\nb = 2\na = 3\n", map[string]string{"a": "3", "b": "2"}},
		{"crlf", "a = b\r\nc = d\r\n", map[string]string{"a": "b", "c": "d"}},
		{"nul cuts", "a = b\x00c\n", map[string]string{"a": "b"}},
		{"no final newline", "a = b\n  c", map[string]string{"a": "b  c"}},
		{"dollar kept", "a = $b ${c}\n", map[string]string{"a": "$b ${c}"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, diags := ParseMainCF("main.cf", []byte(tt.in))
			if diags.HasErrors() {
				t.Errorf("errors: %s", diags.Format(0))
			}
			for name, want := range tt.want {
				if got, ok := m.Get(name); !ok || got != want {
					t.Errorf("%s = %q (set %v), want %q", name, got, ok, want)
				}
			}
			if len(m.Names()) != len(tt.want) {
				t.Errorf("names %q, want %d", m.Names(), len(tt.want))
			}
		})
	}
}

func TestParseMainCFPositions(t *testing.T) {
	in := "# comment\n" +
		"myhostname = mx.example.com\n" +
		"mydestination = $myhostname,\n" +
		"# between\n" +
		"\tlocalhost,\n" +
		"    example.com\n" +
		"  relayhost=x\n" // indented: continues mydestination
	m, diags := ParseMainCF("etc/main.cf", []byte(in))
	if len(diags) != 0 {
		t.Fatalf("diagnostics: %s", diags.Format(0))
	}
	p, ok := m.Lookup("myhostname")
	if !ok {
		t.Fatal("myhostname not set")
	}
	if got := p.NamePos().String(); got != "etc/main.cf:2:1" {
		t.Errorf("name at %s", got)
	}
	if got := p.ValuePos().String(); got != "etc/main.cf:2:14" {
		t.Errorf("value at %s", got)
	}
	if p.Line != 2 {
		t.Errorf("line %d", p.Line)
	}
	d, _ := m.Lookup("mydestination")
	if d.Line != 3 {
		t.Errorf("mydestination line %d", d.Line)
	}
	for _, c := range []struct {
		text string
		pos  string
	}{
		{"$myhostname", "etc/main.cf:3:17"},
		{"localhost", "etc/main.cf:5:2"},
		{"example.com", "etc/main.cf:6:5"},
		{"relayhost", "etc/main.cf:7:3"},
	} {
		i := strings.Index(d.Value, c.text)
		if i < 0 {
			t.Errorf("%q not in %q", c.text, d.Value)
			continue
		}
		if got := d.PosAt(i).String(); got != c.pos {
			t.Errorf("%q at %s, want %s", c.text, got, c.pos)
		}
	}
	// The end of the value is just after its last byte.
	if got := d.PosAt(len(d.Value)).String(); got != "etc/main.cf:7:14" {
		t.Errorf("end at %s", got)
	}
	var nilParam *Param
	if nilParam.NamePos().IsValid() || nilParam.PosAt(3).IsValid() {
		t.Error("a nil Param has a position")
	}
}

func TestParseMainCFDiagnostics(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
		params   []string // names set, in order
	}{
		{
			name:   "leading white space at the top",
			in:     "  lead = x\na = 1\n",
			want:   []string{"main.cf:1:1: warning: |continues nothing"},
			params: []string{"a"},
		},
		{
			name:   "no equals sign, and going on",
			in:     "a = 1\nnoequals here\nb = 2\n",
			want:   []string{`main.cf:2:10: error: |expected '=' after parameter name "noequals"`},
			params: []string{"a", "b"},
		},
		{
			name:   "no name",
			in:     "= value\nb = 2\n  \t= x\n",
			want:   []string{"main.cf:1:1: error: |missing parameter name"},
			params: []string{"b"},
		},
		{
			name:   "no name after a continuation",
			in:     "a = 1\nb\n  = 2\n",
			want:   []string{},
			params: []string{"a", "b"},
		},
		{
			name: "several errors, each reported",
			in:   "a\nb = 1\nc d = 2\n=\ne = 3\n",
			want: []string{
				"main.cf:1:2: error: |expected '='",
				"main.cf:3:3: error: |expected '=' after parameter name \"c\"",
				"main.cf:4:1: error: |missing parameter name",
			},
			params: []string{"b", "e"},
		},
		{
			name:   "set twice",
			in:     "a = 1\na = 1\na = 2\n",
			want:   []string{`main.cf:3:1: warning: |a overrides an earlier setting ("1")`},
			params: []string{"a", "a", "a"},
		},
		{
			name:   "bad name",
			in:     "my-name = 1\n",
			want:   []string{`main.cf:1:3: warning: |parameter name "my-name" holds '-'`},
			params: []string{"my-name"},
		},
		{
			name:   "unclosed brace in a built-in parameter",
			in:     "myorigin = a ${mydomain\n",
			want:   []string{`main.cf:1:14: error: |myorigin: cannot expand the value: truncated macro reference`},
			params: []string{"myorigin"},
		},
		{
			name:   "unclosed brace in a parameter of one's own",
			in:     "mine = $a $(b\n",
			want:   []string{`main.cf:1:11: warning: |mine: cannot expand the value: truncated macro reference`},
			params: []string{"mine"},
		},
		{
			name:   "bad expression on a continuation line",
			in:     "relay_domains = a,\n  ${{x} = {y}?{a}}\n",
			want:   []string{`main.cf:2:3: error: |expected at`},
			params: []string{"relay_domains"},
		},
		{
			name:   "empty name",
			in:     "smtpd_banner = $ x\n",
			want:   []string{`main.cf:1:16: error: |empty macro name`},
			params: []string{"smtpd_banner"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, diags := ParseMainCF("main.cf", []byte(tt.in))
			checkDiags(t, diags, tt.want)
			var names []string
			for _, p := range m.Params {
				names = append(names, p.Name)
			}
			if strings.Join(names, " ") != strings.Join(tt.params, " ") {
				t.Errorf("params %q, want %q", names, tt.params)
			}
		})
	}
}

func TestParseMainCFEmpty(t *testing.T) {
	for _, in := range []string{"", "\n", "# only a comment\n", "   \n\t\n", "  # indented comment\n"} {
		m, diags := ParseMainCF("main.cf", []byte(in))
		if len(m.Params) != 0 || len(diags) != 0 {
			t.Errorf("%q: %d params, diagnostics %s", in, len(m.Params), diags.Format(0))
		}
	}
}
