// Command bench runs mailcc's side-by-side benchmarks against the real
// tools: each case runs the real tool's command and mailcc's command as
// whole processes, several times each (alternating, after a warm-up run),
// and prints the medians side by side with their ratio and the target
// ratio of the issue that set it.
//
//	go run ./internal/cmd/bench -mailcc bin/mailcc [-runs 11] [-only NAME] [-keep]
package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
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
	target float64 // mailcc's time / the real tool's, at most (0: no target set)
	// setup prepares the inputs in dir and returns the two commands. A
	// last argument "<FILE" is the command's standard input.
	setup func(dir string) (real, ours []string, err error)
	// check, when set, runs mailcc's command once before the timed runs
	// and judges its standard output (that it did the whole work).
	check func(stdout string) error
	// memory: print both commands' peak memory (the largest maximum
	// resident set size over the runs) under the times.
	memory bool
	// ops > 0 makes it a per-operation case: both commands are timed
	// again with standard input replaced by the file baseline (the same
	// work without the operations: start-up, opening the map), and the
	// difference of the medians divided by ops is each tool's cost per
	// operation; perOpTarget is mailcc's absolute target for it.
	ops         int
	baseline    string
	perOpTarget time.Duration
	// runs overrides -runs (and skips the warm-up run) for cases whose
	// real tool takes minutes.
	runs int
	// custom, when set, is the whole case (a Go benchmark, say): it
	// prints its own line.
	custom func() error
}

var (
	mailcc = flag.String("mailcc", "bin/mailcc", "the mailcc binary")
	runs   = flag.Int("runs", 11, "timed runs of each command")
	only   = flag.String("only", "", "run only the cases whose name contains this")
	keep   = flag.Bool("keep", false, "keep each case's folder of inputs (for profiling) and say where it is")
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
		makemapCase("makemap hash: 1,000,000 entries", "hash"),
		makemapCase("makemap btree: 1,000,000 entries", "btree"),
		postmapCase("postmap hash: 1,000,000 entries", "hash"),
		postmapCase("postmap cdb: 1,000,000 entries", "cdb"),
		irStatsCase("ir --stats: 1M access + 100K aliases"),
		migrateCase("migrate --makemaps: 1M access + 100K aliases"),
		lookupCase("postmap -q -: 10,000 lookups, hash", "hash", 4*time.Microsecond),
		lookupCase("postmap -q -: 10,000 lookups, cdb", "cdb", 1300*time.Nanosecond),
		decisionsCase("trace engine: rcpt decisions/s, 1 core", 200000),
		traceProbesCase("trace --probes: 10,000 vs sendmail -bt"),
	}
	fmt.Printf("%-40s %12s %12s %8s %8s\n", "case", "real tool", "mailcc", "ratio", "target")
	failed := false
	for _, c := range cases {
		if *only != "" && !strings.Contains(c.name, *only) {
			continue
		}
		if c.custom != nil {
			if err := c.custom(); err != nil {
				fmt.Printf("%-40s %v\n", c.name, err)
				failed = true
			}
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
		if c.check != nil {
			if err = checkRun(dir, ours, c.check); err != nil {
				fmt.Printf("%-40s %v\n", c.name, err)
				failed = true
				os.RemoveAll(dir)
				continue
			}
		}
		rt, ot, err := measureN(dir, real, ours, c.runs)
		if err == nil {
			printTimes(c, rt, ot)
			if c.ops > 0 {
				err = perOp(c, dir, real, ours, rt, ot)
			}
		}
		if err == nil && c.memory {
			err = printMemory(dir, real, ours)
		}
		if *keep {
			fmt.Printf("%-40s inputs kept in %s\n", c.name, dir)
		} else {
			os.RemoveAll(dir)
		}
		if err != nil {
			fmt.Printf("%-40s %v\n", c.name, err)
			failed = true
		}
	}
	fmt.Printf("(medians of %d whole-process runs each, after one warm-up run, unless a case says otherwise)\n", *runs)
	if failed {
		os.Exit(1)
	}
}

func printTimes(c benchCase, rt, ot time.Duration) {
	ratio := float64(ot) / float64(rt)
	if c.runs > 0 {
		fmt.Printf("%-40s %12s %12s %s (%d timed run(s), no warm-up)\n", c.name, fmtDur(rt), fmtDur(ot), fmtRatio(ratio), c.runs)
		return
	}
	if c.target == 0 {
		fmt.Printf("%-40s %12s %12s %8s %8s\n", c.name, fmtDur(rt), fmtDur(ot), fmtRatio(ratio), "-")
		return
	}
	mark := "ok"
	if ratio > c.target {
		mark = "MISSED"
	}
	fmt.Printf("%-40s %12s %12s %7.2fx %7.2fx %s\n", c.name, fmtDur(rt), fmtDur(ot), ratio, c.target, mark)
}

// printMemory runs both commands once more under GNU time and prints
// their peak memory (maximum resident set size). Not the rusage of the
// timed runs: on Linux a child's maximum RSS starts at its parent's
// high-water mark (exec records the mm it replaces), and this process
// holds the generated inputs; GNU time forks from a process of about
// 1 MB.
func printMemory(dir string, real, ours []string) error {
	rm, err := peakRSS(dir, real)
	if err != nil {
		return err
	}
	om, err := peakRSS(dir, ours)
	if err != nil {
		return err
	}
	fmt.Printf("%-40s %12s %12s\n", "  peak memory (max RSS)", fmtMem(rm), fmtMem(om))
	return nil
}

// peakRSS is argv's maximum resident set size in KiB, measured by GNU
// time (Debian package time).
func peakRSS(dir string, argv []string) (int64, error) {
	out := filepath.Join(dir, ".maxrss")
	wrapped := append([]string{"/usr/bin/time", "-f", "%M", "-o", out}, argv...)
	if _, err := run(dir, wrapped, io.Discard); err != nil {
		return 0, err
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return 0, err
	}
	var kb int64
	if _, err := fmt.Sscan(string(data), &kb); err != nil {
		return 0, fmt.Errorf("GNU time wrote %q: %v", data, err)
	}
	return kb, nil
}

// perOp times both commands again on the case's baseline input and
// prints each tool's cost per operation.
func perOp(c benchCase, dir string, real, ours []string, rt, ot time.Duration) error {
	rb, ob, err := measure(dir, withStdin(real, c.baseline), withStdin(ours, c.baseline))
	if err != nil {
		return err
	}
	rop := (rt - rb) / time.Duration(c.ops)
	oop := (ot - ob) / time.Duration(c.ops)
	mark := "ok"
	if oop > c.perOpTarget {
		mark = "MISSED"
	}
	fmt.Printf("%-40s %12s %12s %8s %7s  %s\n", fmt.Sprintf("  per operation (%d ops)", c.ops),
		fmtMicro(rop), fmtMicro(oop), "", fmtMicro(c.perOpTarget), mark)
	fmt.Printf("%-40s %12s %12s\n", "  baseline (start-up, open, one op)", fmtDur(rb), fmtDur(ob))
	return nil
}

// withStdin replaces argv's standard input ("<FILE" last).
func withStdin(argv []string, file string) []string {
	out := append([]string(nil), argv...)
	if n := len(out); n > 0 && strings.HasPrefix(out[n-1], "<") {
		out[n-1] = "<" + file
	}
	return out
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
func measure(dir string, real, ours []string) (rt, ot time.Duration, err error) {
	return measureN(dir, real, ours, 0)
}

// measureN is measure with n timed runs and no warm-up (n > 0), or
// -runs after a warm-up run (n == 0).
func measureN(dir string, real, ours []string, n int) (rt, ot time.Duration, err error) {
	var rts, ots []time.Duration
	first, last := 0, *runs
	if n > 0 {
		first, last = 1, n
	}
	for i := first; i <= last; i++ {
		a, err := run(dir, real, io.Discard)
		if err != nil {
			return 0, 0, err
		}
		b, err := run(dir, ours, io.Discard)
		if err != nil {
			return 0, 0, err
		}
		if i > 0 { // the first run warms the caches
			rts, ots = append(rts, a), append(ots, b)
		}
	}
	return median(rts), median(ots), nil
}

// checkRun runs argv once in dir and judges its standard output.
func checkRun(dir string, argv []string, check func(string) error) error {
	var out strings.Builder
	if _, err := run(dir, argv, &out); err != nil {
		return err
	}
	return check(out.String())
}

// run times one whole-process run of argv in dir, writing its standard
// output to stdout; a last argument "<FILE" is its standard input.
func run(dir string, argv []string, stdout io.Writer) (time.Duration, error) {
	var stdin io.Reader
	if n := len(argv); n > 0 && strings.HasPrefix(argv[n-1], "<") {
		f, err := os.Open(filepath.Join(dir, argv[n-1][1:]))
		if err != nil {
			return 0, err
		}
		defer f.Close()
		stdin, argv = f, argv[:n-1]
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Stdin = stdin
	cmd.Stdout = stdout
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

// accessSource writes a 1,000,000-line access map source: client
// addresses and networks, IPv6 prefixes, domains, senders and
// recipients, in mixed case.
func accessSource(path string) error {
	var b strings.Builder
	for i := 0; i < 1000000; i++ {
		switch i % 6 {
		case 0:
			fmt.Fprintf(&b, "Connect:10.%d.%d.%d\tRELAY\n", i>>16&255, i>>8&255, i&255)
		case 1:
			fmt.Fprintf(&b, "Connect:IPv6:2001:db8:%x:%x\tREJECT\n", i>>16, i&0xffff)
		case 2:
			fmt.Fprintf(&b, "From:Spammer%d@Bad%d.Example\tERROR:5.7.1:550 Go away\n", i, i%977)
		case 3:
			fmt.Fprintf(&b, "To:user%d@Customer%d.Example.COM\tOK\n", i, i%1013)
		case 4:
			fmt.Fprintf(&b, "host%d.partner%d.example\tRELAY\n", i, i%331)
		default:
			fmt.Fprintf(&b, "Spam:friend%d@Example.org\tFRIEND\n", i)
		}
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// makemapCase builds a map with the real makemap (sendmail-bin, unpacked
// by make deps) and with mailcc makemap.
func makemapCase(name, typ string) benchCase {
	return benchCase{name: name, setup: func(dir string) ([]string, []string, error) {
		makemap := filepath.Join(cache(), "sendmail-bin", "usr", "sbin", "makemap")
		if _, err := os.Stat(makemap); err != nil {
			return nil, nil, fmt.Errorf("sendmail's makemap is needed (make deps): %w", err)
		}
		if err := accessSource(filepath.Join(dir, "access")); err != nil {
			return nil, nil, err
		}
		// as root makemap reads a sendmail.cf for TrustedUser: an empty one
		if err := os.WriteFile(filepath.Join(dir, "empty.cf"), nil, 0o644); err != nil {
			return nil, nil, err
		}
		return []string{makemap, "-C", "empty.cf", typ, "real", "<access"},
			[]string{*mailcc, "makemap", "-C", "empty.cf", typ, "ours", "<access"}, nil
	}}
}

// postmapCase builds a table with Postfix's postmap and mailcc postmap,
// each with an empty configuration directory.
func postmapCase(name, typ string) benchCase {
	return benchCase{name: name, setup: func(dir string) ([]string, []string, error) {
		if _, err := exec.LookPath("postmap"); err != nil {
			return nil, nil, fmt.Errorf("Postfix's postmap is needed (make deps): %w", err)
		}
		src := filepath.Join(dir, "access")
		if err := accessSource(src); err != nil {
			return nil, nil, err
		}
		if err := os.Link(src, filepath.Join(dir, "access2")); err != nil {
			return nil, nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, "main.cf"), nil, 0o644); err != nil {
			return nil, nil, err
		}
		return []string{"postmap", "-c", dir, typ + ":access"},
			[]string{*mailcc, "postmap", "-c", dir, typ + ":access2"}, nil
	}}
}

// lookupCase looks up 10,000 random keys of a 1,000,000-entry table
// (one in ten absent, keys in the source's mixed case) in one process:
// Postfix's "postmap -q -" and mailcc's, both on the file the real
// postmap built. Lookups cost time beyond start-up and opening the
// table; the baseline run with one key measures those.
func lookupCase(name, typ string, target time.Duration) benchCase {
	const n = 10000
	var want int
	return benchCase{name: name, memory: true, ops: n - 1, baseline: "onekey", perOpTarget: target,
		setup: func(dir string) ([]string, []string, error) {
			if _, err := exec.LookPath("postmap"); err != nil {
				return nil, nil, fmt.Errorf("Postfix's postmap is needed (make deps): %w", err)
			}
			src := filepath.Join(dir, "access")
			if err := accessSource(src); err != nil {
				return nil, nil, err
			}
			if err := os.WriteFile(filepath.Join(dir, "main.cf"), nil, 0o644); err != nil {
				return nil, nil, err
			}
			cmd := exec.Command("postmap", "-c", dir, typ+":access")
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				return nil, nil, fmt.Errorf("postmap %s:access: %v\n%s", typ, err, out)
			}
			data, err := os.ReadFile(src)
			if err != nil {
				return nil, nil, err
			}
			lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
			rng := rand.New(rand.NewPCG(1, 2))
			var keys strings.Builder
			want = 0
			for i := 0; i < n; i++ {
				if i%10 == 9 {
					fmt.Fprintf(&keys, "absent%d.example\n", rng.IntN(1<<30))
					continue
				}
				key, _, _ := strings.Cut(lines[rng.IntN(len(lines))], "\t")
				fmt.Fprintln(&keys, key)
				want++
			}
			if err := os.WriteFile(filepath.Join(dir, "keys"), []byte(keys.String()), 0o644); err != nil {
				return nil, nil, err
			}
			// postmap -q - exits 1 when it found nothing: the baseline
			// is one present key.
			first, _, _ := strings.Cut(lines[0], "\t")
			if err := os.WriteFile(filepath.Join(dir, "onekey"), []byte(first+"\n"), 0o644); err != nil {
				return nil, nil, err
			}
			return []string{"postmap", "-c", dir, "-q", "-", typ + ":access", "<keys"},
				[]string{*mailcc, "postmap", "-c", dir, "-q", "-", typ + ":access", "<keys"}, nil
		},
		check: func(stdout string) error {
			if got := strings.Count(stdout, "\n"); got != want {
				return fmt.Errorf("mailcc found %d of the %d present keys", got, want)
			}
			return nil
		},
	}
}

func cache() string {
	c := os.Getenv("CACHE")
	if c == "" {
		c = ".cache"
	}
	if abs, err := filepath.Abs(c); err == nil {
		return abs
	}
	return c
}

func median(d []time.Duration) time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[len(d)/2]
}

func fmtDur(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000)
}

// fmtRatio prints a ratio; one far below 0.01 also as "1/N".
func fmtRatio(r float64) string {
	if r < 0.01 && r > 0 {
		return fmt.Sprintf("%.5fx (1/%.0f)", r, 1/r)
	}
	return fmt.Sprintf("%7.2fx", r)
}

func fmtMicro(d time.Duration) string {
	return fmt.Sprintf("%.2f µs", float64(d.Nanoseconds())/1000)
}

func fmtMem(kb int64) string {
	if kb == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f MB", float64(kb)/1024)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}
