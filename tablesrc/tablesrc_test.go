package tablesrc

import (
	"fmt"
	"io"
	"strings"
	"testing"
)

// collectEntries reads every entry of a reader into "key=value" strings and the
// reported problems into "line:msg" strings.
func collectEntries(t *testing.T, next func() (Entry, error)) []string {
	t.Helper()
	var out []string
	for {
		e, err := next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d:%q=%q", e.Line, e.Key, e.Value))
	}
}

func TestMakemapReader(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   string
		opt  MakemapOptions
		want string
	}{
		{"fold and keep value", "Connect:10.0\tREJECT\nFrom:A@B.COM  ERROR:5.7.1:550 Go Away  \n", MakemapOptions{},
			`1:"connect:10.0"="REJECT" 2:"from:a@b.com"="ERROR:5.7.1:550 Go Away  "`},
		{"comments and blanks", "# c\n\nk v # not a comment\n", MakemapOptions{}, `3:"k"="v # not a comment"`},
		{"leading space, no value", " x y\nnovalue\nk v\n", MakemapOptions{},
			`[1:syntax error (leading space) 2:no RHS for LHS novalue] 3:"k"="v"`},
		{"-e", "novalue\n", MakemapOptions{AllowEmpty: true}, `1:"novalue"=""`},
		{"-N", "K v\n", MakemapOptions{InclNull: true}, `1:"k\x00"="v\x00"`},
		{"-f", "MiXed V\n", MakemapOptions{NoFold: true}, `1:"MiXed"="V"`},
		{"-t", "a b:c d\n:e\n", MakemapOptions{Sep: ':'}, `1:"a b"="c d" 2:""="e"`},
		{"-D", ";x y\n#k v\n", MakemapOptions{Comment: ';'}, `2:"#k"="v"`},
		{"non-ASCII untouched", "ÄB v\n", MakemapOptions{}, `1:"Äb"="v"`},
		{"CRLF keeps CR", "k v\r\n", MakemapOptions{}, `1:"k"="v\r"`},
		{"NUL ends the line", "k v\x00w\n", MakemapOptions{}, `[1:line too long (1024 bytes max)]`},
		{"last line", "k v", MakemapOptions{}, `1:"k"="v"`},
		{"1022 bytes fit", "k " + strings.Repeat("x", 1020) + "\n", MakemapOptions{}, `1:"k"="` + strings.Repeat("x", 1020) + `"`},
		{"1023 bytes do not", "k " + strings.Repeat("x", 1021) + "\nz y\n", MakemapOptions{},
			`[1:line too long (1024 bytes max)] 3:"z"="y"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var probs []string
			tt.opt.Report = func(e *LineError) { probs = append(probs, fmt.Sprintf("%d:%s", e.Line, e.Msg)) }
			r := NewMakemapReader(strings.NewReader(tt.in), tt.opt)
			got := collectEntries(t, r.Next)
			s := strings.Join(got, " ")
			if len(probs) > 0 {
				s = strings.TrimSpace("[" + strings.Join(probs, " ") + "] " + s)
			}
			if s != tt.want {
				t.Errorf("got  %s\nwant %s", s, tt.want)
			}
		})
	}
}

func TestPostmapReader(t *testing.T) {
	in := "k1 v1   \nk2 v2\n# comment\n\tcont\n  \nk3\n\"a b\" c\nx\\ y z\nk4: v\n\"open x\n"
	var probs []string
	r := NewPostmapReader(strings.NewReader(in), "t", PostmapOptions{Report: func(e *LineError) {
		probs = append(probs, fmt.Sprintf("%d:%s", e.Line, e.Msg))
	}})
	got := strings.Join(collectEntries(t, r.Next), " ")
	want := `1:"k1"="v1" 2:"k2"="v2\tcont" 7:"\"a b\""="c" 8:"x\\ y"="z" 9:"k4:"="v"`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	wantP := []string{"6:expected format: key whitespace value",
		`9:record is in "key: value" format; is this an alias file?`,
		`10:unbalanced '"' in '"open x' -- ignoring this line`}
	if strings.Join(probs, "|") != strings.Join(wantP, "|") {
		t.Errorf("problems %q\nwant     %q", probs, wantP)
	}
}

func TestPostaliasReader(t *testing.T) {
	in := "list: a, b,\n  c\n\"quoted name\": x\n\"Mixed\\\"Q\": d\nu@d: x\nnocolon\nprog: \"|/bin/v user\", \\\\root\nc: (comment) user\n"
	var probs []string
	r := NewPostaliasReader(strings.NewReader(in), "a", PostmapOptions{Report: func(e *LineError) {
		probs = append(probs, fmt.Sprintf("%d:%s", e.Line, e.Msg))
	}})
	got := strings.Join(collectEntries(t, r.Next), " ")
	want := `1:"list"="a, b, c" 3:"quoted name"="x" 4:"Mixed\"Q"="d" 7:"prog"="\"|/bin/v user\", \"\\\\root\"" 8:"c"="(comment) user"`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if strings.Join(probs, "|") != "5:name must be local|6:need name:value pair" {
		t.Errorf("problems %q", probs)
	}
}

func TestAliasReader(t *testing.T) {
	in := "root: admin\nlist: a, b,\n  c\nl2: x, \\\ny\n\"q n\": t\n\"M\\\"Q\": d\nu@example.com: x\nv@localhost: y\nnocolon\n# c\n  orphan\nempty:\n"
	var probs []string
	r := NewAliasReader(strings.NewReader(in), "aliases", AliasOptions{Report: func(e *LineError) {
		probs = append(probs, fmt.Sprintf("%d:%s", e.Line, e.Msg))
	}})
	got := strings.Join(collectEntries(t, r.Next), " ")
	want := `1:"root"="admin" 3:"list"="a, b,  c" 5:"l2"="x, y" 6:"\"q n\""="t" 7:"M\\\"Q"="d" 9:"v"="y"`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// "  orphan" continues the comment before it, as in sendmail.
	wantP := "8:u@example.com... cannot alias non-local names|10:missing colon|13:empty:... missing value for alias"
	if strings.Join(probs, "|") != wantP {
		t.Errorf("problems %q\nwant     %q", strings.Join(probs, "|"), wantP)
	}
}

func TestParseAliasFileOption(t *testing.T) {
	got := ParseAliasFileOption(`/etc/mail/aliases, hash:-N /etc/mail/more, btree:-f -A /x/y, text:/z`)
	want := []AliasSpec{
		{Class: "implicit", Path: "/etc/mail/aliases", InclNull: true},
		{Class: "hash", Flags: []string{"-N"}, Path: "/etc/mail/more", InclNull: true},
		{Class: "btree", Flags: []string{"-f", "-A"}, Path: "/x/y", NoFold: true, Append: true},
		{Class: "text", Path: "/z"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestFold(t *testing.T) {
	for _, tt := range []struct {
		in        string
		utf8      bool
		want      string
		wantASCII string
	}{
		{"ÄBC@Exämple.COM", true, "äbc@exämple.com", "Äbc@exämple.com"},
		{"STRASSE-Straße", true, "strasse-strasse", "strasse-straße"},
		{"ΣΊΣΥΦΟΣ", true, "σίσυφοσ", "ΣΊΣΥΦΟΣ"},
		{"\xff\xfeAB", true, "\xff\xfeab", "\xff\xfeab"},
	} {
		if got := string(FoldPostfix([]byte(tt.in), tt.utf8)); got != tt.want {
			t.Errorf("FoldPostfix(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := string(FoldASCII([]byte(tt.in))); got != tt.wantASCII {
			t.Errorf("FoldASCII(%q) = %q, want %q", tt.in, got, tt.wantASCII)
		}
	}
}

// TestOffsets: every reader says where each entry and each problem
// starts in its input.
func TestOffsets(t *testing.T) {
	offs := func(next func() (Entry, error)) (out []string) {
		for {
			e, err := next()
			if err != nil {
				return out
			}
			out = append(out, fmt.Sprintf("%d/%d", e.Off, e.ValOff))
		}
	}
	var probs []string
	report := func(e *LineError) { probs = append(probs, fmt.Sprint(e.Off)) }
	check := func(name string, got []string, want string) {
		t.Helper()
		if s := strings.Join(got, " ") + " [" + strings.Join(probs, " ") + "]"; s != want {
			t.Errorf("%s: got %s, want %s", name, s, want)
		}
		probs = nil
	}
	mm := NewMakemapReader(strings.NewReader("a 1\n#c\n bad\nkey  val\n"), MakemapOptions{Report: report})
	check("makemap", offs(mm.Next), "0/2 12/17 [7]")
	al := NewAliasReader(strings.NewReader("a: b,\n  c\n# x\nnocolon\nd: e\n"), "f", AliasOptions{Report: report})
	check("aliases", offs(al.Next), "0/-1 22/-1 [14]")
	pm := NewPostmapReader(strings.NewReader(" lead\nk v\n# c\n  more\nbad\n"), "f", PostmapOptions{Report: report})
	check("postmap", offs(pm.Next), "6/-1 [0 21]")
	pa := NewPostaliasReader(strings.NewReader("a: b\nu@d: x\n"), "f", PostmapOptions{Report: report})
	check("postalias", offs(pa.Next), "0/-1 [5]")
}

func TestPostfixAddressList(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"a, b,  c", "a|b|c"},
		{`"|/usr/bin/vacation user", \\root`, `|/usr/bin/vacation user|\root`},
		{"|/bin/prog arg", "|/bin/prog|arg"},
		{"a@x b@y", "a@x|b@y"},
		{"Some Name <user@example.com>, other", "user@example.com|other"},
		{"(comment) user, :include:/etc/list", "user|:include:/etc/list"},
		{"list: a, b;, c", "a|b|c"},
		{`"a b"@example.com`, "a b@example.com"},
		{"user@[192.0.2.1]", "user@[192.0.2.1]"},
		{"", ""},
	} {
		if got := strings.Join(PostfixAddressList(tt.in), "|"); got != tt.want {
			t.Errorf("PostfixAddressList(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
