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
	"time"
)

func normRegs(f []string) []int {
	var v []int
	for _, x := range f {
		n, _ := strconv.Atoi(x)
		v = append(v, n)
	}
	for i := 0; i+1 < len(v); i += 2 {
		if v[i] < 0 || v[i+1] < v[i] {
			v[i], v[i+1] = -1, -1
		}
	}
	return v
}

func ourLine(p, s string) string {
	re, err := Compile([]byte(p))
	if err != nil {
		return "E " + err.Error()
	}
	b := []byte(s)
	var out strings.Builder
	idx, err := re.Index(b, 0)
	if err != nil {
		return "LIMIT"
	}
	fmt.Fprintf(&out, "I %d M", idx)
	if m := re.Search(b, 0); m != nil {
		for _, x := range m {
			fmt.Fprintf(&out, " %d", x)
		}
	} else {
		out.WriteString(" -1")
	}
	out.WriteString(" P")
	for off := 0; off <= len(b); {
		m := re.Search(b, off)
		if m == nil {
			out.WriteString(" -1")
			break
		}
		out.WriteString(" ;")
		for _, x := range m {
			fmt.Fprintf(&out, " %d", x)
		}
		off = m[1]
		if m[0] == m[1] {
			off++
		}
	}
	return out.String()
}

func normTheirs(line string) string {
	if strings.HasPrefix(line, "E ") {
		return line
	}
	// I n M regs P ; regs ; regs -1
	iM := strings.Index(line, " M")
	iP := strings.Index(line, " P")
	head := line[:iM]
	mf := strings.Fields(line[iM+2 : iP])
	var out strings.Builder
	out.WriteString(head + " M")
	for _, x := range normRegs(mf) {
		fmt.Fprintf(&out, " %d", x)
	}
	out.WriteString(" P")
	for _, part := range strings.Split(line[iP+2:], ";") {
		f := strings.Fields(part)
		if len(f) == 0 {
			continue
		}
		if len(f) == 1 {
			out.WriteString(" " + f[0])
			continue
		}
		out.WriteString(" ;")
		for _, x := range normRegs(f) {
			fmt.Fprintf(&out, " %d", x)
		}
	}
	return out.String()
}

func TestExplore(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("EXPLORE"))
	if n == 0 {
		t.Skip()
	}
	seed, _ := strconv.Atoi(os.Getenv("SEED"))
	g := gen{rand.New(rand.NewPCG(uint64(seed), 7))}
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
	var lines []string
	for len(lines) < len(cases) {
		var in bytes.Buffer
		for _, c := range cases[len(lines):] {
			in.WriteString(c.pattern + "\x1f" + c.subject + "\x1e")
		}
		cmd := exec.Command("/tmp/rx/c/h")
		cmd.Stdin = &in
		out, err := cmd.Output()
		got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
		if len(out) == 0 {
			got = nil
		}
		lines = append(lines, got...)
		if err != nil {
			t.Logf("oracle crashed on %q %q", cases[len(lines)].pattern, cases[len(lines)].subject)
			lines = append(lines, "CRASH")
		}
	}
	bad, badBR := 0, 0
	for i, c := range cases {
		if lines[i] == "CRASH" {
			continue
		}
		want := normTheirs(lines[i])
		got := ourLine(c.pattern, c.subject)
		if got != want {
			re, _ := Compile([]byte(c.pattern))
			if re != nil && re.nbackref > 0 {
				badBR++
				if os.Getenv("SHOWBR") == "" {
					continue
				}
			}
			bad++
			if bad <= 30 {
				t.Errorf("%q %q\n  want %s\n  got  %s", c.pattern, c.subject, want, got)
			}
		}
	}
	t.Logf("%d cases, %d differ (+%d with backrefs)", len(cases), bad, badBR)
}

func TestExploreTiming(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("EXPLORE"))
	if n == 0 {
		t.Skip()
	}
	seed, _ := strconv.Atoi(os.Getenv("SEED"))
	g := gen{rand.New(rand.NewPCG(uint64(seed), 7))}
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
	type slow struct {
		d time.Duration
		c diffCase
		r string
	}
	var worst []slow
	for _, c := range cases {
		t0 := time.Now()
		r := ourLine(c.pattern, c.subject)
		d := time.Since(t0)
		if d > 20*time.Millisecond {
			worst = append(worst, slow{d, c, r})
		}
	}
	for _, w := range worst {
		t.Logf("%v %q %q %s", w.d, w.c.pattern, w.c.subject, w.r)
	}
}
