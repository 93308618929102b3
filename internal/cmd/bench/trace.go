package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// traceProbesCase answers 10,000 probes of a sendmail configuration
// with 10,000 access, 10,000 virtusertable and 1,000 aliases entries:
// mailcc trace --probes against the project's sendmail oracle (GNU m4,
// makemap, sendmail -bt processes: what answering without mailcc
// costs) on the same probes. The oracle takes minutes: one timed run
// each, no warm-up.
func traceProbesCase(name string) benchCase {
	const probes = 10000
	return benchCase{name: name, runs: 1, setup: func(dir string) ([]string, []string, error) {
		oracle := filepath.Join(dir, "smoracle")
		build := exec.Command("go", "build", "-o", oracle, "./internal/cmd/smoracle")
		if out, err := build.CombinedOutput(); err != nil {
			return nil, nil, fmt.Errorf("building the oracle: %v\n%s", err, out)
		}
		cfg := filepath.Join(dir, "config")
		if err := os.MkdirAll(cfg, 0o755); err != nil {
			return nil, nil, err
		}
		files := map[string]string{
			"sendmail.mc": "include(`/usr/share/sendmail/cf/m4/cf.m4')dnl\nOSTYPE(`linux')dnl\n" +
				"define(`confDOMAIN_NAME', `mx.example.com')dnl\nFEATURE(`use_cw_file')dnl\nFEATURE(`access_db')dnl\n" +
				"FEATURE(`blocklist_recipients')dnl\nFEATURE(`virtusertable')dnl\nMAILER(`local')dnl\nMAILER(`smtp')dnl\n",
			"local-host-names": "example.com\nvirt.example\n",
			"hosts":            "192.0.2.1 good.example\n192.0.2.2 bad1.example\n",
		}
		var access, virt, aliases, ps strings.Builder
		for i := 0; i < 10000; i++ {
			switch i % 4 {
			case 0:
				fmt.Fprintf(&access, "Connect:10.%d.%d\tRELAY\n", i>>8&255, i&255)
			case 1:
				fmt.Fprintf(&access, "From:spammer%d@bad1.example\tREJECT\n", i)
			case 2:
				fmt.Fprintf(&access, "To:user%d@example.com\tERROR:5.2.1:550 Mailbox disabled\n", i)
			default:
				fmt.Fprintf(&access, "host%d.partner.example\tRELAY\n", i)
			}
			fmt.Fprintf(&virt, "user%d@virt.example\tuser%d\n", i, i%1000)
		}
		for i := 0; i < 1000; i++ {
			fmt.Fprintf(&aliases, "user%d: root\n", i)
		}
		for i := 0; i < probes; i++ {
			switch i % 8 {
			case 0:
				fmt.Fprintf(&ps, "connect\t10.%d.%d.9\n", i>>8&255, i&255)
			case 1:
				fmt.Fprintf(&ps, "mail\t192.0.2.9\tspammer%d@bad1.example\n", i)
			case 2:
				fmt.Fprintf(&ps, "rcpt\t192.0.2.9\ta@good.example\tuser%d@virt.example\n", i)
			case 3:
				fmt.Fprintf(&ps, "rcpt\t192.0.2.9\ta@good.example\tuser%d@example.com\n", i)
			case 4:
				fmt.Fprintf(&ps, "rcpt\t10.%d.%d.9\ta@good.example\tx@elsewhere.example\n", i>>8&255, i&255)
			case 5:
				fmt.Fprintf(&ps, "resolve\tuser%d@virt.example\n", i)
			case 6:
				fmt.Fprintf(&ps, "rcpt\t192.0.2.9\ta@good.example\tx%d@elsewhere.example\n", i)
			default:
				fmt.Fprintf(&ps, "mail\t192.0.2.9\tfriend%d@good.example\n", i)
			}
		}
		files["access"], files["virtusertable"], files["aliases"] = access.String(), virt.String(), aliases.String()
		for n, c := range files {
			if err := os.WriteFile(filepath.Join(cfg, n), []byte(c), 0o644); err != nil {
				return nil, nil, err
			}
		}
		if err := os.WriteFile(filepath.Join(dir, "probes.tsv"), []byte(ps.String()), 0o644); err != nil {
			return nil, nil, err
		}
		if err := os.MkdirAll(filepath.Join(dir, "root"), 0o755); err != nil {
			return nil, nil, err
		}
		return []string{oracle, "config", "probes.tsv"},
			[]string{*mailcc, "trace", "--root", "root", "--hosts", "config/hosts", "--hostname", "mx.example.com",
				"--probes", "probes.tsv", "config/sendmail.mc"}, nil
	}, check: func(out string) error {
		if n := strings.Count(out, "\n"); n != probes {
			return fmt.Errorf("mailcc trace answered %d of %d probes", n, probes)
		}
		if strings.Contains(out, `"decision":"error"`) {
			return fmt.Errorf("mailcc trace could not answer some probes")
		}
		return nil
	}}
}

// decisionsCase runs the engine's Go benchmark (whole RCPT decisions on
// one core, 100,000 access, 100,000 virtusertable and 10,000 aliases
// entries) and prints its decisions per second against the target.
func decisionsCase(name string, target float64) benchCase {
	return benchCase{name: name, custom: func() error {
		cmd := exec.Command("go", "test", "-run", "^$", "-bench", "^BenchmarkRcptDecision$", "-benchtime", "5s", "-cpu", "1", "-count", "3", "./runtime/policy")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("go test -bench: %v\n%s", err, out)
		}
		re := regexp.MustCompile(`([0-9.]+) decisions/s`)
		var rates []float64
		sc := bufio.NewScanner(strings.NewReader(string(out)))
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				if v, err := strconv.ParseFloat(m[1], 64); err == nil {
					rates = append(rates, v)
				}
			}
		}
		if len(rates) == 0 {
			return fmt.Errorf("no decisions/s in:\n%s", out)
		}
		best := medianFloat(rates)
		mark := "ok"
		if best < target {
			mark = "MISSED"
		}
		fmt.Printf("%-40s %12s %12s %8s %8s %s\n", name, "-", fmt.Sprintf("%.0f/s", best), "", fmt.Sprintf("≥%.0f", target), mark)
		return nil
	}}
}

func medianFloat(v []float64) float64 {
	sort.Float64s(v)
	return v[len(v)/2]
}
