// Command smoracle asks the real sendmail what it decides for a
// configuration folder and a probe file, and prints one JSON object per
// probe (probe.WriteResults): a recording tool for corpus cases. See
// package mailcc/internal/oracle/smoracle.
//
//	go run ./internal/cmd/smoracle [-keep] [-meta] [-hostname H] CONFIGDIR PROBES.tsv
//
// -meta prints a leading {"meta": {...}} object (probe.ReadResults skips
// it). The tools are found as smoracle.Options describes; -bindir and
// -cfdir override.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"mailcc/internal/oracle/smoracle"
	"mailcc/runtime/probe"
)

func main() {
	var opt smoracle.Options
	flag.BoolVar(&opt.Keep, "keep", false, "keep the temporary folder and say where it is")
	meta := flag.Bool("meta", false, `print a leading {"meta": {...}} object`)
	flag.StringVar(&opt.Hostname, "hostname", "", "the host name sendmail runs under (default: CONFIGDIR/hostname, else confDOMAIN_NAME, else mx.oracle.test)")
	flag.StringVar(&opt.BinDir, "bindir", "", "folder holding sendmail, makemap and praliases (default: "+smoracle.DefaultBinDir()+")")
	flag.StringVar(&opt.CFDir, "cfdir", "", "the sendmail cf library (default: /usr/share/sendmail/cf)")
	flag.IntVar(&opt.Workers, "j", 0, "probes run at once (default: the number of CPUs, at most 8)")
	flag.BoolVar(&opt.AllowUnisolated, "unisolated", os.Getenv("ORACLE_ALLOW_UNISOLATED") == "1",
		"run in this machine's namespaces when private ones cannot be made")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: smoracle [-keep] [-meta] [-hostname H] CONFIGDIR PROBES.tsv\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	probes, err := probe.ParseFile(flag.Arg(1))
	if err != nil {
		fatal(err) // a recording must not silently leave probes out
	}
	results, m, err := smoracle.Run(flag.Arg(0), probes, opt)
	if err != nil {
		if m != nil && opt.Keep && m.Dir != "" {
			fmt.Fprintf(os.Stderr, "smoracle: kept %s\n", m.Dir)
		}
		fatal(err)
	}
	w := bufio.NewWriter(os.Stdout)
	if *meta {
		type metaJSON struct {
			Oracle     string   `json:"oracle"`
			ConfigDir  string   `json:"configdir"`
			Notes      []string `json:"notes"`
			Isolated   bool     `json:"isolated"`
			Hostname   string   `json:"hostname"`
			M4Warnings []string `json:"m4_warnings,omitempty"`
			Maps       []string `json:"maps"`
			Newaliases string   `json:"newaliases,omitempty"`
			MacroJ     string   `json:"macro_j"`
			ClassW     []string `json:"class_w"`
			MacroM     string   `json:"macro_m"`
			BuildS     float64  `json:"build_s"`
			PerProbeMS float64  `json:"per_probe_ms"`
			ElapsedS   float64  `json:"elapsed_s"`
			Workers    int      `json:"workers"`
			TmpDir     string   `json:"tmpdir,omitempty"`
		}
		mj := metaJSON{"sendmail", flag.Arg(0), m.Notes, m.Isolated, m.Hostname, m.M4Warnings,
			m.Maps, m.Newaliases, m.MacroJ, m.ClassW, m.MacroM,
			m.Build.Seconds(), float64(m.PerProbe.Microseconds()) / 1000, m.Total.Seconds(), m.Workers, ""}
		if opt.Keep {
			mj.TmpDir = m.Dir
		}
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(map[string]any{"meta": mj}); err != nil {
			fatal(err)
		}
	}
	if err := probe.WriteResults(w, results); err != nil {
		fatal(err)
	}
	if err := w.Flush(); err != nil {
		fatal(err)
	}
	if opt.Keep {
		fmt.Fprintf(os.Stderr, "smoracle: kept %s\n", m.Dir)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "smoracle:", err)
	os.Exit(1)
}
