package regex

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// The expected values come from GNU m4 1.4.19 (its gnulib regex) in the C
// locale; a group GNU leaves open is reported unset here.
var matchTests = []struct {
	pattern, subject string
	index            int   // Index(subject, 0)
	match            []int // Search(subject, 0)
}{
	// ordinary characters and escapes
	{"b", "abc", 1, []int{1, 2}},
	{"x", "abc", -1, nil},
	{"", "abc", 0, []int{0, 0}},
	{`a\.b`, "a.b", 0, []int{0, 3}},
	{`ab\*`, "ab*", 0, []int{0, 3}},
	{`a\+b`, "a+b", 0, []int{0, 3}},
	{`a\?`, "a?", 0, []int{0, 2}},
	{"a{1}", "a{1}", 0, []int{0, 4}},
	{`a\{1\}`, "a{1}", 0, []int{0, 4}},
	{`a\{1\}`, "aaa", -1, nil},
	// . and newlines
	{"a.b", "a\nb", -1, nil},
	{"a[^x]b", "a\nb", 0, []int{0, 3}},
	{`a\Wb`, "a\nb", 0, []int{0, 3}},
	// operators with nothing to repeat are literal
	{"*a", "a*", -1, nil},
	{"*a", "*a", 0, []int{0, 2}},
	{`\(*a\)`, "xa", -1, nil},
	{`+a\|+b`, "a+b", 1, []int{1, 3}},
	// repetition
	{"a+b", "aaab", 0, []int{0, 4}},
	{"a+b", "b", -1, nil},
	{"a?b", "ab", 0, []int{0, 2}},
	{"a?b", "b", 0, []int{0, 1}},
	{"a*", "aaa", 0, []int{0, 3}},
	{"a*", "xaaa", 0, []int{0, 0}},
	// bracket expressions
	{`[\]`, `\`, 0, []int{0, 1}},
	{"[]a]*", "a]", 0, []int{0, 2}},
	{"[a-]*", "a-z", 0, []int{0, 2}},
	{"[z-a]", "zz", -1, nil},
	{"[[.a.]b]*", "ab", 0, []int{0, 2}},
	{"[[=a=]=]*", "=a", 0, []int{0, 2}},
	{"[[:alpha:]]", "a:]", 1, []int{1, 3}},
	// anchors
	{"^b", "a\nb", 2, []int{2, 3}},
	{"a$", "a\nb", 0, []int{0, 1}},
	{"\\`a", "a\nb", 0, []int{0, 1}},
	{`b\'`, "a\nb", 2, []int{2, 3}},
	{"\\`b", "a\nb", -1, nil},
	{"a^b", "ab", -1, nil},
	{"a^b", "a^b", 0, []int{0, 3}},
	{"a$b", "a$b", 0, []int{0, 3}},
	{`a$\|x`, "a$", -1, nil},
	{`\(^a\)`, "ab", 0, []int{0, 1, 0, 1}},
	{`\<bar`, "foo bar", 4, []int{4, 7}},
	{`foo\>`, "foo bar", 0, []int{0, 3}},
	{`\bbar`, "foobar", -1, nil},
	{`\Bbar`, "foobar", 3, []int{3, 6}},
	{`\w+`, "foo_bar", 0, []int{0, 7}},
	{`\s`, "a b", 1, []int{1, 2}},
	{`\S*`, "a b", 0, []int{0, 1}},
	// groups: leftmost-longest overall, GNU's preferences inside
	{`\(a\)\(b\)*`, "aa", 0, []int{0, 1, 0, 1, -1, -1}},
	{`\(a\|ab\)\(c\|bcd\)*`, "ab", 0, []int{0, 2, 0, 2, -1, -1}},
	{`\(a\|ab\)\(c\|bcd\)`, "abcd", 0, []int{0, 4, 0, 1, 1, 4}},
	{`\(a\|ab\)\(bc\|c\)`, "abc", 0, []int{0, 3, 0, 1, 1, 3}},
	{`\(\|a\)\(a*\)`, "a", 0, []int{0, 1, 0, 1, 1, 1}},
	{`\(\(x\)\(y\)\)\(z\)`, "xyz", 0, []int{0, 3, 0, 2, 0, 1, 1, 2, 2, 3}},
	{`\(\(a\)\)*`, "aaa", 0, []int{0, 3, 2, 3, 2, 3}},
	{`\(a\|b\)*`, "abab", 0, []int{0, 4, 3, 4}},
	{`\(a?\)*\(b\)`, "ab", 0, []int{0, 2, 0, 1, -1, -1}},
	{`\(a\)$\|\(a\)`, "a", 0, []int{0, 1, -1, -1, 0, 1}},
	{`\(a$\)\|\(a\)`, "a", 0, []int{0, 1, -1, -1, 0, 1}},
	// GNU's oddities
	{`\(a*\)*\(b\)`, "ab", 0, []int{0, 2, -1, -1, -1, -1}},
	{`\(a*\)*\(b\)`, "b", 0, []int{0, 1, 0, 0, -1, -1}},
	{`\(a*\)*`, "aa", 0, []int{0, 2, -1, -1}},
	{`\(^a\)+`, "aa", 0, nil},
	{`b*\B`, "ab", 2, []int{2, 2}},
	{`c*\B`, "abc", 1, []int{1, 1}},
	// back-references
	{`\(abc\)\1`, "abcabc", 0, []int{0, 6, 0, 3}},
	{`\(abc\)\1`, "abcabd", -1, nil},
	{`\(\w+\) \1`, "word word", 0, []int{0, 9, 0, 4}},
	{`\(a*\)\1`, "aaaa", 0, []int{0, 4, 0, 2}},
}

func TestMatch(t *testing.T) {
	for _, tc := range matchTests {
		re, err := Compile([]byte(tc.pattern))
		if err != nil {
			t.Errorf("Compile(%q): %v", tc.pattern, err)
			continue
		}
		s := []byte(tc.subject)
		if got, err := re.Index(s, 0); got != tc.index || err != nil {
			t.Errorf("%q on %q: Index = %d, %v; want %d", tc.pattern, tc.subject, got, err, tc.index)
		}
		if got := re.Search(s, 0); !slices.Equal(got, tc.match) {
			t.Errorf("%q on %q: Search = %v; want %v", tc.pattern, tc.subject, got, tc.match)
		}
	}
}

// Searches that start inside the subject see the bytes before the start,
// as patsubst's do.
func TestSearchFromOffset(t *testing.T) {
	tests := []struct {
		pattern, subject string
		start            int
		want             []int
	}{
		{"^b", "a\nb", 1, []int{2, 3}},
		{"^b", "ab", 1, nil},
		{"\\`b", "ab", 1, nil},
		{`\<b`, "ab", 1, nil},
		{`\<b`, "a b", 1, []int{2, 3}},
		{`\Bb`, "ab", 1, []int{1, 2}},
		{"X", "aXbXc", 2, []int{3, 4}},
		{"a*", "xaaa", 1, []int{1, 4}},
		{`c*\B`, "abc", 2, []int{3, 3}},
		{`\(a*\)\1`, "aaaa", 4, []int{4, 4, 4, 4}},
		{"a", "a", 2, nil},
		{"a", "a", -1, nil},
	}
	for _, tc := range tests {
		re := MustCompile(tc.pattern)
		if got := re.Search([]byte(tc.subject), tc.start); !slices.Equal(got, tc.want) {
			t.Errorf("%q on %q from %d: Search = %v; want %v", tc.pattern, tc.subject, tc.start, got, tc.want)
		}
	}
}

func TestNumSubexp(t *testing.T) {
	for pattern, want := range map[string]int{
		"abc": 0, `\(a\)`: 1, `\(\(a\)\)\(b\)`: 3, `\(\)`: 1, `[\(]`: 0, `\\(`: 0,
	} {
		if got := MustCompile(pattern).NumSubexp(); got != want {
			t.Errorf("NumSubexp(%q) = %d; want %d", pattern, got, want)
		}
	}
}

// The messages are GNU's, as GNU m4 prints them after "bad regular
// expression".
var errorTests = []struct {
	pattern, msg string
}{
	{"[", "Invalid regular expression"},
	{"[^", "Invalid regular expression"},
	{"a[", "Invalid regular expression"},
	{"[a", "Unmatched [, [^, [:, [., or [="},
	{"[]", "Unmatched [, [^, [:, [., or [="},
	{"[a-", "Unmatched [, [^, [:, [., or [="},
	{"[[.a", "Unmatched [, [^, [:, [., or [="},
	{"[[.", "Unmatched [, [^, [:, [., or [="},
	{"[[.abcdefghijklmnopqrstuvwxyzabcdefgh.]]", "Unmatched [, [^, [:, [., or [="},
	{"[[.ab.]]", "Invalid collation character"},
	{"[[=ab=]]", "Invalid collation character"},
	{"[[..]]", "Invalid collation character"},
	{"[[.ab.]-z]", "Invalid collation character"},
	{"[a-z-9]", "Invalid range end"},
	{"[[=a=]-z]", "Invalid range end"},
	{"[a-[=b=]]", "Invalid range end"},
	{`\(`, `Unmatched ( or \(`},
	{`\(\(a\)`, `Unmatched ( or \(`},
	{`a\|\(b`, `Unmatched ( or \(`},
	{`\)`, `Unmatched ) or \)`},
	{`a\)`, `Unmatched ) or \)`},
	{`$\)`, `Unmatched ) or \)`},
	{`\`, "Trailing backslash"},
	{`a\`, "Trailing backslash"},
	{`\(a\`, "Trailing backslash"},
	{`$\`, "Trailing backslash"},
	{`\1`, "Invalid back reference"},
	{`\(a\1\)`, "Invalid back reference"},
	{`\(a\)\|\1`, "Invalid back reference"},
	{`\(a\)\2`, "Invalid back reference"},
	{`\(\1`, "Invalid back reference"}, // found before the missing \)
}

func TestCompileErrors(t *testing.T) {
	for _, tc := range errorTests {
		_, err := Compile([]byte(tc.pattern))
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Compile(%q) = %v; want *Error %q", tc.pattern, err, tc.msg)
			continue
		}
		if e.Error() != tc.msg {
			t.Errorf("Compile(%q): %q; want %q", tc.pattern, e.Error(), tc.msg)
		}
	}
}

// Patterns that look odd but compile.
func TestCompileOK(t *testing.T) {
	for _, p := range []string{
		"", "*", "**", "+", "?", `\|`, `a\|`, `\|a`, `\(\)`, `\(\|\)`, "^*", "$", "$$", "^^",
		`\{`, "{", "}", "[]]", "[]-a]", "[--/]", "[a-]", "[[.-.]]", "[[=a=]]", "[[:alpha:]]",
		`\<*`, `\b*`, "\\`*", "a**", "a+?*", `\w\W\s\S`, `\(a\)\1*`, `\(\(a\)\)\2`,
	} {
		if _, err := Compile([]byte(p)); err != nil {
			t.Errorf("Compile(%q): %v", p, err)
		}
	}
}

// A pattern with back-references that would take too long stops with
// ErrMatchLimit instead of hanging.
func TestMatchLimit(t *testing.T) {
	re := MustCompile(`\(a\|aa\)*\1c`)
	s := []byte(strings.Repeat("a", 60))
	t0 := time.Now()
	m, err := re.SearchErr(s, 0)
	if !errors.Is(err, ErrMatchLimit) || m != nil {
		t.Fatalf("SearchErr = %v, %v; want nil, ErrMatchLimit", m, err)
	}
	if d := time.Since(t0); d > 5*time.Second {
		t.Errorf("giving up took %v", d)
	}
	if m := re.Search(s, 0); m != nil {
		t.Errorf("Search = %v; want nil", m)
	}
	if _, err := re.Index(s, 0); !errors.Is(err, ErrMatchLimit) {
		t.Errorf("Index error = %v; want ErrMatchLimit", err)
	}
}

// Without back-references matching is linear: a long subject that defeats
// backtracking matchers is quick.
func TestLinear(t *testing.T) {
	re := MustCompile(`\(a*\)*\(a\|b\)*c`)
	s := []byte(strings.Repeat("a", 20000))
	t0 := time.Now()
	if m := re.Search(s, 0); m != nil {
		t.Errorf("Search = %v; want nil", m)
	}
	if d := time.Since(t0); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}
