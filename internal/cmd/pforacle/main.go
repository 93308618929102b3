// Command pforacle asks a real, private Postfix what it decides for a
// configuration folder and a probe file, and prints one JSON answer per
// probe (the shape of ../shared/oracle/README.md): the recording tool
// for corpus cases. It runs as root; see package pforacle.
//
//	go run ./internal/cmd/pforacle [-keep] [-hostname H] [-meta] CONFIGDIR PROBES.tsv
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"mailcc/internal/oracle/pforacle"
	"mailcc/runtime/probe"
)

func main() {
	keep := flag.Bool("keep", false, "keep the temporary folder (its name is printed on standard error)")
	hostname := flag.String("hostname", "", "the host name Postfix sees (default: CONFIGDIR/hostname, else main.cf's myhostname, else "+pforacle.DefaultHostname+")")
	meta := flag.Bool("meta", false, `print a leading {"meta": {...}} line`)
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: pforacle [-keep] [-hostname H] [-meta] CONFIGDIR PROBES.tsv\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	os.Exit(run(flag.Arg(0), flag.Arg(1), pforacle.Options{Hostname: *hostname, Keep: *keep}, *meta))
}

func run(configDir, probeFile string, opt pforacle.Options, printMeta bool) int {
	probes, err := probe.ParseFile(probeFile)
	if err != nil {
		// a probe file with errors is not recorded: the answers'
		// numbering would not be the file's
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, m, err := pforacle.RunContext(ctx, configDir, probes, opt)
	if m != nil && opt.Keep && m.Dir != "" {
		fmt.Fprintln(os.Stderr, "pforacle: kept", m.Dir)
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "pforacle: interrupted")
		return 130
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if printMeta {
		b, err := json.Marshal(map[string]any{"meta": map[string]any{
			"oracle": "postfix", "configdir": configDir, "hostname": m.Hostname, "isolated": m.Isolated,
			"dir": m.Dir, "startup_s": m.Start.Seconds(), "per_probe_ms": float64(m.PerProbe.Microseconds()) / 1000,
			"maps": m.Maps, "notes": m.Notes,
		}})
		if err != nil {
			fmt.Fprintln(os.Stderr, "pforacle:", err)
			return 1
		}
		fmt.Println(string(b))
	}
	if err := probe.WriteResults(os.Stdout, res); err != nil {
		fmt.Fprintln(os.Stderr, "pforacle:", err)
		return 1
	}
	return 0
}
