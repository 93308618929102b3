package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"runtime/debug"
	"sort"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"mailcc/cfparse"
	"mailcc/ir"
)

type irOptions struct {
	from       string
	json       bool
	stats      bool
	root       string
	skipTables bool
}

func newIRCmd() *cobra.Command {
	o := &irOptions{}
	cmd := &cobra.Command{
		Use:   "ir [flags] DIR | FILE...",
		Short: "print the typed IR a sendmail or Postfix configuration lowers into",
		Long: `mailcc ir reads a configuration and prints the intermediate representation
mailcc works from, as YAML (--json: JSON): identity, local domains, relay
permissions, the SMTP policy checks per stage, address rewriting, routing,
listeners, mailers, milters, typed options, classes, tables with their
entries, and what mailcc keeps without modelling it. Every node says where
it came from (file:line:col) or which default it is.

DIR is a folder like /etc/mail (holding sendmail.mc) or /etc/postfix
(holding main.cf); FILE is a .mc, or main.cf and master.cf. The sendmail
cf library does not need to be installed: mailcc implements its macros.

Problems found are printed on standard error as file:line:col: messages;
the exit status is 1 when there are errors (the IR is printed anyway).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runIR(o, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.from, "from", "", "the configuration's MTA: sendmail or postfix (default: detect)")
	f.BoolVar(&o.json, "json", false, "print JSON instead of YAML")
	f.BoolVar(&o.stats, "stats", false, "print counts (tables, entries, checks, ...), the time taken and peak memory instead of the IR")
	f.StringVar(&o.root, "root", "", "read the absolute paths the configuration names under `DIR` (a copied /etc tree)")
	f.BoolVar(&o.skipTables, "no-tables", false, "do not read the tables' text sources (declarations only)")
	return cmd
}

func runIR(o *irOptions, args []string) error {
	start := time.Now()
	// The IR of a large table is a large live heap (about 330 bytes an
	// entry): under main's 192 MB soft limit the collector would run
	// back to back while it loads. GOGC alone paces it here.
	debug.SetMemoryLimit(math.MaxInt64)
	if o.from != "" && o.from != string(ir.Sendmail) && o.from != string(ir.Postfix) {
		return &exitError{code: 2, msg: fmt.Sprintf("--from %s: must be sendmail or postfix", o.from)}
	}
	cfg, diags, err := cfparse.Load(args, cfparse.Options{From: ir.Dialect(o.from), Root: o.root, SkipTables: o.skipTables})
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	for _, d := range diags {
		fmt.Fprintln(os.Stderr, d.Error())
	}
	w := bufio.NewWriterSize(stdout(), 64<<10)
	switch {
	case o.stats:
		writeStats(w, cfg, len(diags.Errors()), len(diags)-len(diags.Errors()), time.Since(start))
	case o.json:
		err = ir.EncodeJSON(w, cfg)
	default:
		err = ir.Encode(w, cfg)
	}
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		return &exitError{code: 1, msg: "writing the IR: " + err.Error()}
	}
	if n := len(diags.Errors()); n > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d error%s", n, plural(n))}
	}
	return nil
}

// writeStats prints what the IR holds, in counts.
func writeStats(w io.Writer, cfg *ir.Config, errors, warnings int, took time.Duration) {
	entries := 0
	for _, t := range cfg.Tables {
		entries += len(t.Entries)
	}
	members := 0
	for _, c := range cfg.Classes {
		members += len(c.Members)
	}
	checks := 0
	for _, s := range cfg.Policy.Stages {
		checks += len(s.Checks)
	}
	fmt.Fprintf(w, "dialect\t%s\n", cfg.Dialect)
	fmt.Fprintf(w, "sources\t%d\n", len(cfg.Sources))
	fmt.Fprintf(w, "tables\t%d\n", len(cfg.Tables))
	fmt.Fprintf(w, "entries\t%d\n", entries)
	names := make([]string, 0, len(cfg.Tables))
	for _, t := range cfg.Tables {
		if t.Loaded {
			names = append(names, fmt.Sprintf("entries:%s\t%d", t.Name, len(t.Entries)))
		}
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintln(w, n)
	}
	fmt.Fprintf(w, "classes\t%d\n", len(cfg.Classes))
	fmt.Fprintf(w, "class_members\t%d\n", members)
	fmt.Fprintf(w, "local_domains\t%d\n", len(cfg.LocalDomains))
	fmt.Fprintf(w, "policy_stages\t%d\n", len(cfg.Policy.Stages))
	fmt.Fprintf(w, "policy_checks\t%d\n", checks)
	fmt.Fprintf(w, "rewrite_stages\t%d\n", len(cfg.Rewrite.Stages))
	fmt.Fprintf(w, "listeners\t%d\n", len(cfg.Listeners))
	fmt.Fprintf(w, "mailers\t%d\n", len(cfg.Mailers))
	fmt.Fprintf(w, "milters\t%d\n", len(cfg.Milters))
	fmt.Fprintf(w, "options\t%d\n", len(cfg.Options))
	fmt.Fprintf(w, "opaque\t%d\n", len(cfg.Opaque))
	fmt.Fprintf(w, "errors\t%d\n", errors)
	fmt.Fprintf(w, "warnings\t%d\n", warnings)
	fmt.Fprintf(w, "seconds\t%.3f\n", took.Seconds())
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		fmt.Fprintf(w, "peak_memory_kb\t%d\n", ru.Maxrss)
	}
}
