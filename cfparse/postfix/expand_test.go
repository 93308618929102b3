package postfix

import (
	"errors"
	"strings"
	"testing"
)

// testParams is the parameter set the expansion tests look names up in.
var testParams = map[string]string{
	"site":    "example.test",
	"empty":   "",
	"host":    "mx.$site",
	"level":   "3.6",
	"loop":    "$loop",
	"nine":    "9",
	"hundred": "100",
}

func testLookup(name string, _ bool) (string, bool) {
	v, ok := testParams[name]
	return v, ok
}

func TestExpand(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"$site", "example.test"},
		{"${site}", "example.test"},
		{"$(site)", "example.test"},
		{"$site.com", "example.test.com"},
		{"${site}x $(site)y", "example.testx example.testy"},
		{"$$site", "$site"},
		{"a$$", "a$"},
		{"$host", "mx.example.test"},
		{"$undefined!", "!"},
		{"${ site }", "example.test"},
		// ${name?value}, ${name:value}
		{"${site?yes}", "yes"},
		{"${empty?yes}", ""},
		{"${undefined?yes}", ""},
		{"${site:no}", ""},
		{"${empty:no}", "no"},
		{"${undefined:no}", "no"},
		{"${site?[$site]:25}", "[example.test]:25"},
		{"${site?$host}", "mx.example.test"},
		// Postfix 3.0 braced forms.
		{"${site?{ a, b }}", " a, b "},
		{"${empty:{ c }}", " c "},
		{"${site ? {yes}}", "yes"},
		{"${site?{yes}:{no}}", "yes"},
		{"${empty?{yes}:{no}}", "no"},
		{"${site?{yes} : {no}}", "yes"},
		// Relational operators.
		{"${{$site} == {example.test} ? {eq} : {ne}}", "eq"},
		{"${{$site} != {example.test} ? {ne} : {eq}}", "eq"},
		{"${{$nine} < {$hundred} ? {num} : {text}}", "num"},
		{"${{9a} < {100} ? {lt} : {ge}}", "ge"},
		{"${{10} <= {10} ? {le} : {gt}}", "le"},
		{"${{10} > {9} ? {gt} : {le}}", "gt"},
		{"${{10} >= {11} ? {ge} : {lt}}", "lt"},
		{"${{1} == {1}}", "true"},
		{"${{1} == {2}}", ""},
		{"${{ 1 } == { 1 } ? {padded}}", "padded"},
		{"${{$level} <level {3.6} ? {old} : {new}}", "new"},
		{"${{$level} <level {3.10} ? {old} : {new}}", "old"},
		{"${{3.6.2} >=level {3.6.1} ? {later} : {earlier}}", "later"},
		{"${{2} <level {3} ? {old}}", "old"},
		// Nesting.
		{"${site?${empty:{inner $site}}}", "inner example.test"},
	}
	for _, tt := range tests {
		got, err := Expand(tt.in, testLookup)
		if err != nil {
			t.Errorf("Expand(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Expand(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestExpandErrors(t *testing.T) {
	tests := []struct{ in, warning string }{
		{"${site", `truncated macro reference: "${site"`},
		{"$(site", `truncated macro reference: "$(site"`},
		{"a $", `empty macro name: "a $"`},
		{"${}", `empty macro name: "${}"`},
		{"${si te}", `attribute name syntax error at: "...si>>> te"`},
		{"${site?{yes}x}", `":" expected at: "...yes}>>>x"`},
		{"${site?{yes}:{no}x}", `unexpected input at: "...no}>>>x"`},
		{"${site?{yes}", `truncated macro reference`},
		{"${site?{yes}:{no}", `truncated macro reference`},
		{"${site?{yes}", `truncated macro reference`},
		{"${{a} = {b}}", `"==" or "!="" or "<"" or "<="" or ">="" or ">" expected at: "...a}>>>= {b}"`},
		{"${{a} ==x {b}}", `bad operator suffix at: "...==>>>x"`},
		{"${{a} == b}", `"{expression}" expected at: "...{a} ==>>> b"`},
		{"${{a} == {b} x}", `"?" or ":" expected at: "...}>>>x"`},
		{"${{a} == {b}", `truncated macro reference`},
		{"$(site?{a)", `unbalanced {} in attribute expression`},
		{"${{x} <level {3}}", `malformed compatibility level syntax: "x"`},
		{"$loop", `unreasonable macro call nesting`},
	}
	for _, tt := range tests {
		_, err := Expand(tt.in, testLookup)
		var ee *ExpandError
		if !errors.As(err, &ee) {
			t.Errorf("Expand(%q): error %v, want an *ExpandError", tt.in, err)
			continue
		}
		if !strings.Contains(strings.Join(ee.Warnings, "\n"), tt.warning) {
			t.Errorf("Expand(%q): warnings %q, want %q", tt.in, ee.Warnings, tt.warning)
		}
		if !strings.Contains(err.Error(), "cannot expand") {
			t.Errorf("Expand(%q): error %q", tt.in, err)
		}
	}
	// A number too large is fatal, as in Postfix.
	if _, err := Expand("${{99999999999999999999} < {1}}", testLookup); err == nil || !strings.Contains(err.Error(), "bad conversion") {
		t.Errorf("overflow: %v", err)
	}
}

func TestReferences(t *testing.T) {
	names, warnings := References("$a ${b} $(c) ${d?$e:x} ${f?{$g}:{$h}} ${{$i} == {$j} ? {$k} : {$l}} $$m $a")
	if got, want := strings.Join(names, " "), "a b c d e f g h i j k l"; got != want {
		t.Errorf("names %q, want %q", got, want)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings %q", warnings)
	}
	if _, warnings := References("${a"); len(warnings) != 1 {
		t.Errorf("warnings %q", warnings)
	}
}

func TestFirstBadReference(t *testing.T) {
	tests := []struct {
		in  string
		off int
		bad bool
	}{
		{"$a ${b} $(c) $$ ${d?{x}:{y}}", 0, false},
		{"ok ${a", 3, true},
		{"$a ${{x} = {y}} ${b", 3, true},
		{"$$ $", 3, true},
		{"${a?{x}} ${b?{x}y}", 9, true},
	}
	for _, tt := range tests {
		off, w := firstBadReference(tt.in)
		if (w != nil) != tt.bad || (tt.bad && off != tt.off) {
			t.Errorf("firstBadReference(%q) = %d %q, want %d bad %v", tt.in, off, w, tt.off, tt.bad)
		}
	}
}

func TestCompatLevel(t *testing.T) {
	for _, c := range []struct {
		a, b string
		less bool
	}{{"2", "3", true}, {"3.6", "3.10", true}, {"3.6.1", "3.6", false}, {"0", "1.0.0", true}} {
		x, ok1 := CompatLevel(c.a)
		y, ok2 := CompatLevel(c.b)
		if !ok1 || !ok2 || (x < y) != c.less {
			t.Errorf("%s < %s: %v (%d %d)", c.a, c.b, x < y, x, y)
		}
	}
	for _, bad := range []string{"", "x", "3.", "3.6.1.2", "-1", "3.99999"} {
		if _, ok := CompatLevel(bad); ok {
			t.Errorf("CompatLevel(%q) accepted", bad)
		}
	}
}
