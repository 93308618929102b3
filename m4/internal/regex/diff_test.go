package regex

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"mailcc/internal/testenv"
)

// The differential test runs GNU m4 on regexp and patsubst calls and
// compares what it prints with what this package computes.
//
// Each case is a pattern and a subject. m4 runs with -P (builtins are
// m4_regexp and so on, so no word of a subject is a macro), with the
// bytes \x01 and \x02 as quotes and comments off, in the C locale. For
// every case it evaluates
//
//	m4_regexp(subject, pattern)               -> Index
//	m4_regexp(subject, pattern, replacement)  -> Search + substitution
//	m4_patsubst(subject, pattern, replacement) -> repeated Search
//
// and m4_errprint writes a marker to stderr first, so that a "bad regular
// expression" message can be matched to its case. The replacement shows
// the whole match and every group.

const (
	qOpen  = "\x01"
	qClose = "\x02"
	mCase  = "\x03"
	mSep   = "\x04"
	mEnd   = "\x05"
)

type diffCase struct {
	subject, pattern string
}

// replacement shows the whole match (\& and its old spelling \0) and
// every group the pattern has (at most 9), and uses the escapes \\ and \q.
func replacement(nsub int) string {
	var b strings.Builder
	b.WriteString(`<\&|\0>`)
	for g := 1; g <= nsub && g <= 9; g++ {
		fmt.Fprintf(&b, `{%d:\%d}`, g, g)
	}
	b.WriteString(`\\\q`)
	return b.String()
}

// countGroups counts \( in a pattern the way the parser numbers groups,
// for a pattern m4 rejects too (the count then does not matter).
func countGroups(p string) int {
	n := 0
	for i := 0; i+1 < len(p); i++ {
		if p[i] == '\\' {
			if p[i+1] == '(' {
				n++
			}
			i++
		}
	}
	return n
}

// substitute is GNU m4's substitute(): \& and \0 are the match, \N group
// N when it ended after offset 0, \c is c.
func substitute(out *bytes.Buffer, s []byte, repl string, m []int) {
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		if c != '\\' {
			out.WriteByte(c)
			continue
		}
		i++
		if i >= len(repl) {
			return
		}
		switch c = repl[i]; {
		case c == '&' || c == '0':
			out.Write(s[m[0]:m[1]])
		case c >= '1' && c <= '9':
			g := int(c - '0')
			if 2*g+1 < len(m) && m[2*g+1] > 0 {
				out.Write(s[m[2*g]:m[2*g+1]])
			}
		default:
			out.WriteByte(c)
		}
	}
}

// patsubst is GNU m4's patsubst loop.
func patsubst(re *Regexp, s []byte, repl string) string {
	var out bytes.Buffer
	offset := 0
	for offset <= len(s) {
		m := re.Search(s, offset)
		if m == nil {
			out.Write(s[offset:])
			break
		}
		out.Write(s[offset:m[0]])
		substitute(&out, s, repl, m)
		offset = m[1]
		if m[0] == m[1] {
			if offset < len(s) {
				out.WriteByte(s[offset])
			}
			offset++
		}
	}
	return out.String()
}

// crashesM4 reports whether GNU m4 dies on regexp or patsubst with s and
// re, because GNU's matcher leaves a group open in a match starting at 2
// or later (m4 then copies a negative length).
func crashesM4(re *Regexp, s []byte) bool {
	for offset := 0; offset <= len(s); {
		m, open, err := re.search(s, offset, true)
		if m == nil || err != nil {
			return false
		}
		if open && m[0] >= 2 {
			return true
		}
		offset = m[1]
		if m[0] == m[1] {
			offset++
		}
	}
	return false
}

// m4Result is what m4 printed for one case.
type m4Result struct {
	index, regexp, patsubst string
	errMsg                  string // the text after the last ": " of the message
	crashed                 bool   // m4 died on this case
}

// runM4 evaluates all cases, restarting m4 after a case that kills it
// (GNU m4 dies with "memory exhausted" on a group GNU's matcher leaves
// open in a match that does not start at offset 0).
func runM4(t *testing.T, m4 string, cases []diffCase) []m4Result {
	t.Helper()
	res := make([]m4Result, len(cases))
	for next := 0; next < len(cases); {
		var in bytes.Buffer
		in.WriteString("m4_changequote(" + qOpen + "," + qClose + ")m4_changecom()m4_dnl\n")
		for i := next; i < len(cases); i++ {
			c := cases[i]
			subj := qOpen + c.subject + qClose
			pat := qOpen + c.pattern + qClose
			repl := qOpen + replacement(countGroups(c.pattern)) + qClose
			fmt.Fprintf(&in, "m4_errprint(%s@@%d@@\n%s)m4_dnl\n", qOpen, i, qClose)
			fmt.Fprintf(&in, "%s%d%sm4_regexp(%s,%s)%sm4_regexp(%s,%s,%s)%sm4_patsubst(%s,%s,%s)%s\n",
				mCase, i, mCase, subj, pat, mSep, subj, pat, repl, mSep, subj, pat, "["+repl+"]", mEnd)
		}
		cmd := exec.Command(m4, "-P")
		cmd.Env = []string{"LC_ALL=C", "PATH=" + os.Getenv("PATH")}
		cmd.Stdin = &in
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		runErr := cmd.Run()

		done := next
		for _, chunk := range strings.Split(stdout.String(), mCase)[1:] {
			// chunks alternate: case number, then what m4 printed
			if n, err := strconv.Atoi(chunk); err == nil {
				done = n
				continue
			}
			body, complete := strings.CutSuffix(strings.TrimSuffix(chunk, "\n"), mEnd)
			if !complete {
				break
			}
			parts := strings.Split(body, mSep)
			if len(parts) != 3 {
				t.Fatalf("case %d: cannot parse m4 output %q", done, chunk)
			}
			res[done].index, res[done].regexp, res[done].patsubst = parts[0], parts[1], parts[2]
			done++
		}
		last := parseStderr(stderr.String(), res)
		if runErr == nil {
			if done != len(cases) {
				t.Fatalf("m4 stopped after case %d of %d without an error", done, len(cases))
			}
			break
		}
		// m4 died in the last case it started: note it and go on after it.
		if last < next || done > last {
			t.Fatalf("m4 failed outside a case: %v\n%s", runErr, stderr.String())
		}
		res[last].crashed = true
		next = last + 1
	}
	return res
}

// parseStderr assigns each "bad regular expression" message to the case
// whose marker precedes it, and returns the last case started. A message
// ends with the pattern in quotes, a colon and GNU's text, and may span
// lines when the pattern has newlines.
func parseStderr(stderr string, res []m4Result) int {
	cur := -1
	chunks := strings.Split(stderr, "@@")
	for i := 1; i+1 < len(chunks); i += 2 {
		n, err := strconv.Atoi(chunks[i])
		if err != nil {
			continue
		}
		cur = n
		msgs := strings.TrimSuffix(chunks[i+1], "\n")
		if !strings.Contains(msgs, "bad regular expression") {
			continue
		}
		last := msgs[strings.LastIndex(msgs, "\n")+1:]
		if j := strings.LastIndex(last, ": "); j >= 0 {
			res[cur].errMsg = last[j+2:]
		}
	}
	return cur
}

// handCases are edge cases of syntax and semantics.
var handCases = []diffCase{
	// anchors and newlines
	{"a\nb", "^b"}, {"a\nb", "a$"}, {"a\nb", "a.b"}, {"a\nb", "a[^x]b"},
	{"a\nb\nc", "^"}, {"a\nb\nc", "$"}, {"a\nb", "\\`b"}, {"a\nb", "a\\'"},
	{"ab", "a\\|^b"}, {"ab", "a^b"}, {"a^b", "a^b"}, {"a$b", "a$b"},
	{"a$", "a$\\|x"}, {"x$", "\\(x$\\)"}, {"^a", "\\(^a\\)"}, {"^a", "x*^a"},
	{"ab\nab", "b$"}, {"ab\nab", "^a"}, {"\n", "^$"}, {"\n\n", "^$"},
	{"", "^"}, {"", "$"}, {"", ""}, {"abc", ""}, {"abc", "x*"},
	{"*a", "*a"}, {"a*", "\\(*a\\)"}, {"a|*b", "a\\|*b"}, {"**", "^*"},
	{"a+", "+a"}, {"?", "?"}, {"a?b", "a\\?b"}, {"a+b", "a\\+b"},
	{"a{2}", "a{2}"}, {"a{2}", "a\\{2\\}"}, {"aa", "a\\{2\\}"},
	// brackets
	{"a[[:alpha:]]", "[[:alpha:]]"}, {"a:", "[[:alpha:]]"}, {"a:]", "[[:alpha:]]"},
	{"]a", "[]a]"}, {"b-", "[a-]"}, {"-", "[--/]"}, {"z-", "[a-z-]"},
	{"\\", "[\\]"}, {"\\n", "[\\n]"}, {"^", "[x^]"}, {"a", "[^]a]"},
	{"q", "[z-a]"}, {"a", "[[.a.]]"}, {"=", "[[=a=]=]"}, {"a", "[[=a=]]"},
	{"b", "[[.a.]-c]"}, {".", "[[.].]]"}, {"x", "[a--]"},
	{"a\nb", "[^a]"}, {"a\nb", "\\W"}, {"a b", "\\s"}, {"a b", "\\S+"},
	// syntax errors
	{"x", "["}, {"x", "[^"}, {"x", "[a"}, {"x", "\\("}, {"x", "\\)"},
	{"x", "a\\)"}, {"x", "\\"}, {"x", "a\\"}, {"x", "\\1"}, {"x", "\\(a\\1\\)"},
	{"x", "\\(a\\)\\|\\1"}, {"x", "[a-z-9]"}, {"x", "[[.ab.]]"}, {"x", "[[=ab=]]"},
	{"x", "[[.a"}, {"x", "[[=a=]-z]"}, {"x", "[a-[=b=]]"}, {"x", "[[..]]"},
	{"x", "\\(\\(a\\)"}, {"x", "$\\"}, {"x", "[[.abcdefghijklmnopqrstuvwxyzabcdefgh.]]"},
	// groups and preferences
	{"a", "\\(a\\)\\|a"}, {"abc", "\\(a\\|ab\\)\\(bc\\|c\\)"}, {"a", "\\(\\|a\\)\\(a*\\)"},
	{"b", "\\(\\(a*\\)*\\)"}, {"aa", "\\(a*\\)*"}, {"b", "\\(a*\\)*\\(b\\)"},
	{"ab", "\\(a*\\)*\\(b\\)"}, {"aab", "\\(a\\|b\\)*\\(b\\)"}, {"ab", "\\(a?\\)*\\(b\\)"},
	{"a", "\\(a\\)$\\|\\(a\\)"}, {"a", "\\(a\\)\\|\\(a\\)$"}, {"a", "\\(a$\\)\\|\\(a\\)"},
	{"a b", "\\(a\\)\\>\\|\\(a\\)"}, {"aa", "\\(^a\\)+"}, {"aa", "\\(^a\\)*"},
	{"ab", "\\(a\\|^b\\)+"}, {"a\nb", "\\(a\n\\|^b\\)+"}, {"aa", "\\(a$\\)+"},
	{"a a", "\\(\\<a \\)+"}, {"aa", "\\(\\<a\\)+"}, {"abab", "\\(ab\\)*"},
	{"abab", "\\(a\\|b\\)*"}, {"aaa", "\\(a\\)\\(a\\)*"}, {"xyz", "\\(\\(x\\)\\(y\\)\\)\\(z\\)"},
	{"aaa", "\\(\\(a\\)\\)*"}, {"abcd", "\\(a\\(b\\)\\|c\\)*d"}, {"foo bar", "\\(\\w+\\) \\(\\w+\\)"},
	{"GNUs not Unix", "\\<[a-z]\\w+"}, {"GNUs not Unix", "\\bU"}, {"GNUs not Unix", "\\Bn"},
	{"aaa", "a*\\(a\\)"}, {"aaa", "\\(a*\\)\\(a*\\)"}, {"abb", "a\\(b*\\)\\(b\\)"},
	// back-references
	{"aa", "\\(a\\)\\1"}, {"abab", "\\(ab\\)\\1"}, {"abcabc", "\\(.*\\)\\1"},
	{"aaaa", "\\(a*\\)\\1"}, {"xaax", "\\(a\\)\\1"}, {"abba", "\\(a\\)\\(b\\)\\2\\1"},
	{"aab", "\\(a*\\)\\1b"}, {"ab", "\\(a\\|b\\)\\1"}, {"abcb", "\\(b\\|c\\)\\1"},
	{"word word", "\\(\\w+\\) \\1"}, {"aa", "\\(\\(a\\)\\)\\2"},
	// patsubst with empty matches and context
	{"abc", "b*"}, {"a b", "\\b"}, {"a b", "\\B"}, {"ab", "\\<"}, {"ab ba", "\\>"},
	{"aXbX", "X"}, {"hello world", "o"}, {"x\ny\n", "$"},
	{"dnl and define", "[a-z]+"},
}

// gen produces random patterns and subjects over a small alphabet, so
// that matches are frequent.
type gen struct{ r *rand.Rand }

var subjectBytes = []byte("ab ab_\n-.x")

func (g gen) subject() string {
	n := g.r.IntN(9)
	b := make([]byte, n)
	for i := range b {
		b[i] = subjectBytes[g.r.IntN(len(subjectBytes))]
	}
	return string(b)
}

// pattern builds a well-formed pattern most of the time.
func (g gen) pattern(depth int, groups *int, closed *[]int) string {
	var b strings.Builder
	nalt := 1
	if g.r.IntN(4) == 0 {
		nalt = 2
	}
	for a := 0; a < nalt; a++ {
		if a > 0 {
			b.WriteString(`\|`)
		}
		n := 1 + g.r.IntN(3)
		for i := 0; i < n; i++ {
			b.WriteString(g.piece(depth, groups, closed))
		}
	}
	return b.String()
}

func (g gen) piece(depth int, groups *int, closed *[]int) string {
	var atom string
	switch k := g.r.IntN(20); {
	case k < 6:
		atom = string("ab_ \n-x"[g.r.IntN(7)])
	case k < 7:
		atom = "."
	case k < 9:
		atom = []string{"[ab]", "[^a]", "[a-b]", "[^\n]", "[]a]", "[-a]", "[_x-]", "[^ab_]"}[g.r.IntN(8)]
	case k < 10:
		atom = []string{`\w`, `\W`, `\s`, `\S`, `\.`, `\*`}[g.r.IntN(6)]
	case k < 13:
		return []string{"^", "$", "\\`", `\'`, `\<`, `\>`, `\b`, `\B`}[g.r.IntN(8)]
	case k < 17 && depth < 3:
		*groups++
		me := *groups
		atom = `\(` + g.pattern(depth+1, groups, closed) + `\)`
		*closed = append(*closed, me)
	case k < 18 && len(*closed) > 0:
		atom = `\` + strconv.Itoa((*closed)[g.r.IntN(len(*closed))])
	default:
		atom = string("abx"[g.r.IntN(3)])
	}
	switch g.r.IntN(8) {
	case 0, 1:
		atom += "*"
	case 2:
		atom += "+"
	case 3:
		atom += "?"
	}
	return atom
}

// soup is a random sequence of syntax fragments, often invalid.
func (g gen) soup() string {
	frags := []string{`\(`, `\)`, `\|`, "*", "+", "?", "^", "$", "[", "]", "-", "a", "b",
		`\`, `\1`, `\2`, "[.", ".]", "[=", "=]", ".", `\{`, "{", "[^", `\<`, `\'`}
	n := 1 + g.r.IntN(6)
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(frags[g.r.IntN(len(frags))])
	}
	return b.String()
}

func generatedCases(n int) []diffCase {
	g := gen{rand.New(rand.NewPCG(1, 1994))}
	var cases []diffCase
	for len(cases) < n {
		var p string
		if g.r.IntN(8) == 0 {
			p = g.soup()
		} else {
			var groups int
			var closed []int
			p = g.pattern(0, &groups, &closed)
		}
		for k := 0; k < 3; k++ {
			cases = append(cases, diffCase{g.subject(), p})
		}
	}
	return cases
}

func TestDifferentialM4(t *testing.T) {
	m4 := testenv.Tool(t, "m4")
	n := 4000
	if v, err := strconv.Atoi(os.Getenv("REGEX_DIFF_CASES")); err == nil {
		n = v // more cases on demand, for exploration
	}
	cases := append(append([]diffCase(nil), handCases...), generatedCases(n)...)
	res := runM4(t, m4, cases)
	agree, crashed, failed := 0, 0, 0
	for i, c := range cases {
		r := res[i]
		if r.crashed {
			// GNU m4 dies when a group GNU's matcher left open is
			// substituted for a match starting at offset 2 or later.
			crashed++
			if re, err := Compile([]byte(c.pattern)); err != nil || !crashesM4(re, []byte(c.subject)) {
				t.Errorf("case %d: pattern %q subject %q: m4 died, unexpectedly", i, c.pattern, c.subject)
			}
			continue
		}
		var problems []string
		re, err := Compile([]byte(c.pattern))
		if err != nil || r.errMsg != "" {
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != r.errMsg {
				problems = append(problems, fmt.Sprintf("error: m4 %q, we %q", r.errMsg, got))
			}
		} else {
			s := []byte(c.subject)
			if crashesM4(re, s) {
				problems = append(problems, "m4 should have died")
			}
			idx, err := re.Index(s, 0)
			if err != nil {
				problems = append(problems, "Index: "+err.Error())
			}
			if want := r.index; want != strconv.Itoa(idx) {
				problems = append(problems, fmt.Sprintf("regexp: m4 %q, we %d", want, idx))
			}
			repl := replacement(countGroups(c.pattern))
			var got bytes.Buffer
			if m := re.Search(s, 0); m != nil {
				substitute(&got, s, repl, m)
			}
			if got.String() != r.regexp {
				problems = append(problems, fmt.Sprintf("regexp+repl: m4 %q, we %q (%v)", r.regexp, got.String(), re.Search(s, 0)))
			}
			if ps := patsubst(re, s, "["+repl+"]"); ps != r.patsubst {
				problems = append(problems, fmt.Sprintf("patsubst: m4 %q, we %q", r.patsubst, ps))
			}
		}
		if len(problems) > 0 {
			failed++
			if failed <= 40 {
				t.Errorf("case %d: pattern %q subject %q:\n\t%s", i, c.pattern, c.subject, strings.Join(problems, "\n\t"))
			}
			continue
		}
		agree++
	}
	t.Logf("%d cases: %d agree with m4, %d differ, %d skipped because m4 crashed", len(cases), agree, failed, crashed)
}
