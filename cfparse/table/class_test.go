package table

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"mailcc/internal/testenv"
)

func TestParseClassFile(t *testing.T) {
	src := "a.example b.example # comment\n# full comment\n  lead.example\nx\\y.example z\n\n\tTAB.example\nc.example#d.example\n"
	for _, tt := range []struct{ format, want string }{
		{"%s", "a.example@1:1 lead.example@3:3 x\\y.example@4:1 TAB.example@6:2 c.example#d.example@7:1"},
		{"", "a.example@1:1 lead.example@3:3 x\\y.example@4:1 TAB.example@6:2 c.example#d.example@7:1"},
		{`%[^\#]`, "a.example@1:1 b.example@1:11 lead.example@3:3 x\\y.example@4:1 z@4:13 TAB.example@6:2 c.example@7:1"},
	} {
		ms, diags := ParseClassFile("f", []byte(src), tt.format)
		var got []string
		for _, m := range ms {
			got = append(got, m.Value+"@"+strings.TrimPrefix(m.Pos.String(), "f:"))
		}
		if s := strings.Join(got, " "); s != tt.want {
			t.Errorf("format %q:\n got  %s\n want %s", tt.format, s, tt.want)
		}
		if tt.format != `%[^\#]` && len(diags) != 2 {
			t.Errorf("format %q: want warnings for the words left out of lines 1 and 4, got:\n%s", tt.format, diags.Format(0))
		}
	}
	if _, diags := ParseClassFile("f", nil, "%d"); !diags.HasErrors() {
		t.Errorf("format %%d: no error")
	}
	// fgets reads at most 2047 bytes: the rest of a longer line is a
	// line of its own.
	long := strings.Repeat("x", 2047) + "tail.example\n"
	ms, _ := ParseClassFile("f", []byte(long), "%s")
	if len(ms) != 2 || ms[1].Value != "tail.example" || ms[1].Pos.Col != 2048 {
		t.Errorf("long line: %+v", ms)
	}
}

// classFiles are the class files of the corpora.
func classFiles() []string {
	var out []string
	for _, root := range corpusRoots() {
		filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
			if err == nil && info.Mode().IsRegular() {
				switch filepath.Base(path) {
				case "local-host-names", "relay-domains", "trusted-users":
					out = append(out, path)
				}
			}
			return nil
		})
	}
	sort.Strings(out)
	return out
}

// TestClassFilesAgree: the members ParseClassFile reads from each class
// file of the corpora are those the real sendmail puts in the class, as
// sendmail -bt prints it ($={Name}), with the upstream format and with
// Debian's.
func TestClassFilesAgree(t *testing.T) {
	files := classFiles()
	if len(files) == 0 {
		t.Fatal("no class files in the corpora")
	}
	agree, total := 0, 0
	for _, f := range files {
		t.Run(shortName(f), func(t *testing.T) {
			total++
			dir := testenv.ShortTempDir(t)
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, "class")
			if err := os.WriteFile(file, data, 0o644); err != nil {
				t.Fatal(err)
			}
			cf := "V10/Berkeley\nO QueueDirectory=" + dir + "\nO HelpFile=/dev/null\n" +
				"O DontBlameSendmail=ClassFileInUnsafeDirPath\nDjmx.example.test\n" +
				"F{One}" + file + "\nF{Two}" + file + " %[^\\#]\n" +
				"S0\nR$*\t$#local $: $1\nMlocal, P=/bin/true, F=lsDFMAw5:/|@q, A=true\n"
			if err := os.WriteFile(filepath.Join(dir, "test.cf"), []byte(cf), 0o644); err != nil {
				t.Fatal(err)
			}
			out := testenv.RunSendmail(t, dir, []byte("$={One}\n$={Two}\n"), "-bt", "-C", filepath.Join(dir, "test.cf"))
			// The answers are each class's words, one per line, after
			// a "> " prompt.
			_, answers, _ := strings.Cut(string(out.Stdout), "Enter <ruleset> <address>\n")
			parts := strings.Split(answers, "> ")
			if len(parts) < 3 {
				t.Fatalf("sendmail -bt said:\n%s%s", out.Stdout, out.Stderr)
			}
			ok := true
			for i, format := range []string{"", `%[^\#]`} {
				want := strings.Fields(parts[i+1])
				ms, _ := ParseClassFile(f, data, format)
				var got []string
				for _, m := range ms {
					got = append(got, m.Value)
				}
				if g, w := setOf(got), setOf(want); g != w {
					t.Errorf("format %q: ParseClassFile read\n %s\nsendmail has\n %s", format, g, w)
					ok = false
				}
			}
			if ok {
				agree++
			}
		})
	}
	t.Logf("class files: %d of %d agree with sendmail -bt (two formats each)", agree, total)
}

func setOf(words []string) string {
	seen := map[string]bool{}
	var out []string
	for _, w := range words {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}
