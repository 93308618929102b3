// Command bench runs mailcc's side-by-side benchmarks against the real
// tools: each case runs the real tool's command and mailcc's command as
// whole processes, several times each (alternating, after a warm-up run),
// and prints the medians side by side with their ratio and the target
// ratio of the issue that set it.
//
//	go run ./internal/cmd/bench -mailcc bin/mailcc [-runs 11] [-only NAME]
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// A benchCase is one comparison.
type benchCase struct {
	name   string
	target float64 // mailcc's time / the real tool's, at most
	// setup prepares the inputs in dir and returns the two commands.
	setup func(dir string) (real, ours []string, err error)
}

var (
	mailcc = flag.String("mailcc", "bin/mailcc", "the mailcc binary")
	runs   = flag.Int("runs", 11, "timed runs of each command")
	only   = flag.String("only", "", "run only the cases whose name contains this")
)

const cfDir = "/usr/share/sendmail/cf"

func main() {
	flag.Parse()
	bin, err := filepath.Abs(*mailcc)
	if err != nil {
		fatal(err)
	}
	*mailcc = bin
	cases := []benchCase{
		mcCase("m4: generic-linux.mc", 0),
		mcCase("m4: generic-linux.mc + 2,000 lines", 2000),
		mcCase("m4: generic-linux.mc + 32,000 lines", 32000),
	}
	fmt.Printf("%-40s %12s %12s %8s %8s\n", "case", "real tool", "mailcc", "ratio", "target")
	failed := false
	for _, c := range cases {
		if *only != "" && !strings.Contains(c.name, *only) {
			continue
		}
		dir, err := os.MkdirTemp("", "mailcc-bench-")
		if err != nil {
			fatal(err)
		}
		real, ours, err := c.setup(dir)
		if err != nil {
			fmt.Printf("%-40s setup failed: %v\n", c.name, err)
			failed = true
			os.RemoveAll(dir)
			continue
		}
		rt, ot, err := measure(dir, real, ours)
		os.RemoveAll(dir)
		if err != nil {
			fmt.Printf("%-40s %v\n", c.name, err)
			failed = true
			continue
		}
		ratio := float64(ot) / float64(rt)
		mark := "ok"
		if ratio > c.target {
			mark = "MISSED"
		}
		fmt.Printf("%-40s %12s %12s %7.2fx %7.2fx %s\n", c.name, fmtDur(rt), fmtDur(ot), ratio, c.target, mark)
	}
	fmt.Printf("(medians of %d whole-process runs each, after one warm-up run)\n", *runs)
	if failed {
		os.Exit(1)
	}
}

// mcCase compiles generic-linux.mc with extra lines of typical .mc
// content inserted before its MAILER lines (see extraLines).
func mcCase(name string, extra int) benchCase {
	return benchCase{name: name, target: 0.5, setup: func(dir string) ([]string, []string, error) {
		base, err := os.ReadFile(filepath.Join(cfDir, "cf", "generic-linux.mc"))
		if err != nil {
			return nil, nil, fmt.Errorf("the sendmail cf library is needed (make deps): %w", err)
		}
		head, tail, ok := strings.Cut(string(base), "MAILER(local)dnl")
		if !ok {
			return nil, nil, fmt.Errorf("generic-linux.mc has no MAILER(local) line")
		}
		mc := filepath.Join(dir, "bench.mc")
		text := head + extraLines(extra) + "MAILER(local)dnl" + tail
		if err := os.WriteFile(mc, []byte(text), 0o644); err != nil {
			return nil, nil, err
		}
		cf := filepath.Join(cfDir, "m4", "cf.m4")
		return []string{"m4", cf, mc}, []string{*mailcc, mc}, nil
	}}
}

// extraLines returns n lines of what .mc files are made of, in turn: a
// comment, a define, LOCAL_DOMAIN, EXPOSED_USER, MASQUERADE_DOMAIN,
// RELAY_DOMAIN, a FEATURE and a raw LOCAL_CONFIG line.
func extraLines(n int) string {
	var b strings.Builder
	if n > 0 {
		b.WriteString("LOCAL_CONFIG\n")
		n--
	}
	for i := 0; i < n; i++ {
		switch i % 8 {
		case 0:
			fmt.Fprintf(&b, "dnl # extra line %d: a comment an admin left\n", i)
		case 1:
			fmt.Fprintf(&b, "define(`confX_%d', `value %d')dnl\n", i, i)
		case 2:
			fmt.Fprintf(&b, "LOCAL_DOMAIN(`host%d.example.com')dnl\n", i)
		case 3:
			fmt.Fprintf(&b, "EXPOSED_USER(`user%d')dnl\n", i)
		case 4:
			fmt.Fprintf(&b, "MASQUERADE_DOMAIN(`dept%d.example.com')dnl\n", i)
		case 5:
			fmt.Fprintf(&b, "RELAY_DOMAIN(`partner%d.example.net')dnl\n", i)
		case 6:
			b.WriteString("FEATURE(`use_cw_file')dnl\n")
		default:
			fmt.Fprintf(&b, "Cwvirtual%d.example.org\n", i)
		}
	}
	return b.String()
}

// measure runs both commands, alternating, and returns their medians.
func measure(dir string, real, ours []string) (time.Duration, time.Duration, error) {
	run := func(argv []string) (time.Duration, error) {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Dir = dir
		cmd.Stdout = io.Discard
		var stderr strings.Builder
		cmd.Stderr = &stderr
		start := time.Now()
		err := cmd.Run()
		d := time.Since(start)
		if err != nil {
			return 0, fmt.Errorf("%s: %v\n%s", strings.Join(argv, " "), err, stderr.String())
		}
		return d, nil
	}
	var rt, ot []time.Duration
	for i := 0; i <= *runs; i++ {
		a, err := run(real)
		if err != nil {
			return 0, 0, err
		}
		b, err := run(ours)
		if err != nil {
			return 0, 0, err
		}
		if i > 0 { // the first run warms the caches
			rt, ot = append(rt, a), append(ot, b)
		}
	}
	return median(rt), median(ot), nil
}

func median(d []time.Duration) time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[len(d)/2]
}

func fmtDur(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}
