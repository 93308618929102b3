package policy

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	cftable "mailcc/cfparse/table"
	"mailcc/internal/testenv"
	"mailcc/ir"
)

// patternTables are regexp and cidr tables with the keys to ask them.
var patternTables = []struct {
	typ, src string
	keys     []string
}{
	{"regexp", "# plus addresses, fixed names, a rejection, subdomains\n" +
		"/^([^+@]+)\\+[^@]*@example\\.org$/\t${1}@example.com\n" +
		"/^(postmaster|hostmaster|webmaster)@/\tpostmaster@example.com\n" +
		"/^noreply@/\tREJECT this address receives no mail\n" +
		"/^(.*)@[^.]+\\.hosting\\.example$/\t$1@hosting.example\n" +
		"if /@tonk\\.example$/\n" +
		"!/^sales@/\tnot-sales\n" +
		"/^sales@/i\tcase-sensitive sales\n" +
		"endif\n" +
		"/^Upper@CASE\\.example$/i\tcase sensitive hit\n" +
		"/^(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)@x$/\t$10 ${1}0 $$ $9\n" +
		"/^empty@/\n" +
		"  # a comment line inside does not continue\n" +
		"/^cont@/\tfirst\n  second\n",
		[]string{"joe+lists@example.org", "JOE+x@Example.ORG", "joe@example.org", "postmaster@anything", "Webmaster@x.y",
			"noreply@example.com", "bob@www.hosting.example", "bob@hosting.example", "x@tonk.example", "sales@tonk.example",
			"SALES@tonk.example", "upper@case.example", "Upper@CASE.example", "abcdefghij@x", "empty@x", "cont@x", "nothing"}},
	{"cidr", "# networks\n192.0.2.0/24\tOK\n!198.51.100.0/24\tnot-in-net\n2001:db8::/32\tREJECT v6\n" +
		"if 203.0.113.0/24\n203.0.113.7\texact\nendif\n10.0.0.1\tone\n",
		[]string{"192.0.2.9", "198.51.100.4", "203.0.113.7", "203.0.113.8", "2001:db8::1", "2001:db9::1", "10.0.0.1", "10.0.0.2", "not-an-ip"}},
}

// TestPatternTablesAgainstPostmap: mailcc's evaluation of regexp and
// cidr tables answers every key as the real postmap -q does.
func TestPatternTablesAgainstPostmap(t *testing.T) {
	postmap := testenv.Tool(t, "postmap")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.cf"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	asked, agreed := 0, 0
	for _, c := range patternTables {
		path := filepath.Join(dir, "t."+c.typ)
		if err := os.WriteFile(path, []byte(c.src), 0o644); err != nil {
			t.Fatal(err)
		}
		entries, _ := cftable.ParsePatterns(c.typ, path, []byte(c.src))
		tb := newTable(&ir.Table{Name: c.typ + ":" + path, Backend: ir.Backend{Type: c.typ}, Entries: entries, Loaded: true})
		for _, k := range c.keys {
			cmd := exec.Command(postmap, "-c", dir, "-q", k, c.typ+":"+path)
			var out bytes.Buffer
			cmd.Stdout = &out
			err := cmd.Run()
			want, found := strings.TrimSuffix(out.String(), "\n"), err == nil
			got := ""
			en := tb.get(k)
			if en != nil {
				got = en.Value
			}
			asked++
			if found != (en != nil) || got != want {
				t.Errorf("%s %q: mailcc %q (found %v), postmap %q (found %v)", c.typ, k, got, en != nil, want, found)
				continue
			}
			agreed++
		}
	}
	t.Logf("%d of %d pattern table lookups agree with postmap -q", agreed, asked)
}
