package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"mailcc/cfcompile"
	"mailcc/internal/safeio"
	"mailcc/m4"
	"mailcc/source"
)

type compileOptions struct {
	output     string
	cfDir      string
	root       string
	force      bool
	allowShell bool
	includes   []string
	defines    []string
	origins    string
	maxMemory  int64
	maxWork    int64
	maxOutput  int64
	nesting    int
}

func (o *compileOptions) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVarP(&o.output, "output", "o", "", "write the .cf to `FILE` (atomically; untouched if compilation fails)")
	f.StringVar(&o.cfDir, "cf-dir", "", "the sendmail cf library `DIR` (holding m4/cf.m4); default: as the .mc includes it, else "+cfcompile.DefaultCFDir)
	f.StringVar(&o.root, "root", "", "resolve absolute paths under `DIR` first (compile a copied /etc tree)")
	f.BoolVar(&o.force, "force", false, "with -o, write the .cf even when the cf library reported *** ERROR")
	f.BoolVar(&o.allowShell, "allow-shell", false, "let syscmd/esyscmd run shell commands mailcc does not recognise")
	f.StringArrayVarP(&o.includes, "include", "I", nil, "append `DIR` to the m4 include path")
	f.StringArrayVarP(&o.defines, "define", "D", nil, "define `NAME[=VALUE]` before reading the .mc")
	f.StringVar(&o.origins, "origins", "", "write, for each .cf line, the .mc call it came from, to `FILE`")
	f.Int64Var(&o.maxMemory, "max-memory", 0, "m4 memory limit in bytes (0: default)")
	f.Int64Var(&o.maxWork, "max-work", 0, "m4 expansion work limit (0: default)")
	f.Int64Var(&o.maxOutput, "max-output", 0, "m4 output limit in bytes (0: default)")
	f.IntVarP(&o.nesting, "nesting-limit", "L", 0, "m4 macro nesting limit (0: default)")
}

func newCompileCmd() *cobra.Command {
	o := &compileOptions{}
	cmd := &cobra.Command{
		Use:   "compile [flags] sendmail.mc",
		Short: "compile a sendmail.mc into sendmail.cf, as m4 with the cf library does",
		Long: `mailcc compile (or just "mailcc sendmail.mc") produces the sendmail.cf that
"m4 sendmail.mc > sendmail.cf" produces, byte for byte, with mailcc's own m4:
no m4 binary and no shell are needed.

Unlike GNU m4 it fails (exit status 1) when the cf library reports
"*** ERROR:", and with -o it then leaves the existing file as it was
unless --force is given. It also warns about typographic quotes and says
where a quote was left open.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCompile(cmd, o, args)
		},
	}
	o.register(cmd)
	return cmd
}

func runCompile(cmd *cobra.Command, o *compileOptions, args []string) error {
	if len(args) != 1 {
		return &exitError{code: 2, msg: "compile takes one .mc file"}
	}
	mc := args[0]
	opts := cfcompile.Options{
		CFDir:        o.cfDir,
		Root:         o.root,
		IncludePath:  o.includes,
		Defines:      o.defines,
		AllowShell:   o.allowShell,
		NestingLimit: o.nesting,
		MaxMemory:    o.maxMemory,
		MaxWork:      o.maxWork,
		MaxOutput:    o.maxOutput,
		TrackOrigins: o.origins != "",
		Stderr:       os.Stderr,
	}
	var w io.Writer
	var tmp *safeio.File
	var buf *bufio.Writer
	if o.output != "" {
		f, err := safeio.Create(o.output, 0o644)
		if err != nil {
			return &exitError{code: 1, msg: err.Error()}
		}
		defer f.Abort()
		tmp = f
		buf = bufio.NewWriterSize(f, 64<<10)
		w = buf
	} else {
		w = stdout()
	}
	res, err := cfcompile.Compile(mc, w, opts)
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	for _, d := range res.Extra {
		fmt.Fprintln(os.Stderr, d.Error())
	}
	if o.origins != "" {
		if err := writeOrigins(o.origins, o.output, res); err != nil {
			return &exitError{code: 1, msg: err.Error()}
		}
	}
	failed := res.Failed()
	if tmp != nil {
		if err := buf.Flush(); err != nil {
			return &exitError{code: 1, msg: fmt.Sprintf("writing %s: %v", o.output, err)}
		}
		switch {
		case failed && !o.force:
			return &exitError{code: 1, msg: fmt.Sprintf("%s not written: %s", o.output, failureReason(res))}
		default:
			if err := tmp.Commit(); err != nil {
				return &exitError{code: 1, msg: err.Error()}
			}
		}
	}
	if failed {
		return &exitError{code: 1, msg: failureReason(res)}
	}
	return nil
}

func failureReason(res *cfcompile.Result) string {
	switch {
	case len(res.CFErrors) > 0:
		n := len(res.CFErrors)
		return fmt.Sprintf("the cf library reported %d error%s (*** ERROR)", n, plural(n))
	case res.Diagnostics.HasErrors():
		n := len(res.Diagnostics.Errors())
		return fmt.Sprintf("%d error%s", n, plural(n))
	}
	return fmt.Sprintf("m4 would exit with status %d", res.M4Status)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// writeOrigins writes one line per .cf line: the line number, the
// outermost call (the .mc line) and the whole chain.
func writeOrigins(path, cfPath string, res *cfcompile.Result) error {
	var b strings.Builder
	for _, l := range res.LineOrigins() {
		outer := l.Origin.Outermost()
		pos := source.Position{}
		if outer != nil {
			pos = source.Position{Filename: outer.File, Line: outer.Line}
		}
		fmt.Fprintf(&b, "%d\t%s\t%s\n", l.Line, pos, originChain(l.Origin))
	}
	return safeio.WriteFile(path, []byte(b.String()), 0o644)
}

func originChain(o *m4.Origin) string {
	if o == nil {
		return "-"
	}
	return o.String()
}
