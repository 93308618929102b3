package sendmail

import "testing"

// TestRegexpTemplate: the results of regexp: table entries that a
// sendmail regex map can return (one substring, then literal text), and
// the ones it cannot.
func TestRegexpTemplate(t *testing.T) {
	for _, c := range []struct {
		in    string
		group int
		rest  string
		ok    bool
	}{
		{"root", -1, "root", true},
		{"$1@lists.example", 1, "@lists.example", true},
		{"${1}@remote.example", 1, "@remote.example", true},
		{"$1", 1, "", true},
		{"a$$b", -1, "a$b", true},
		{"x$1@y", 0, "", false},   // text before the substring
		{"$1.$2@z", 0, "", false}, // two substrings
		{"${1@z", 0, "", false},   // unclosed brace
		{"$10@z", 0, "", false},   // no tenth substring
		{"", -1, "", false},       // nothing
	} {
		g, r, ok := regexpTemplate(c.in)
		if ok != c.ok || ok && (g != c.group || r != c.rest) {
			t.Errorf("regexpTemplate(%q) = %d, %q, %v; want %d, %q, %v", c.in, g, r, ok, c.group, c.rest, c.ok)
		}
	}
}
