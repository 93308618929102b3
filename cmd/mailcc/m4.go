package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"mailcc/internal/getopt"
	"mailcc/m4"
)

func newM4Cmd() *cobra.Command {
	return &cobra.Command{
		Use:   "m4 [OPTION]... [FILE]...",
		Short: "a GNU m4 1.4.19 compatible macro processor (no shell unless --allow-shell)",
		Long: `mailcc m4 processes macros like GNU m4 1.4.19, with GNU m4's options and
messages (run "mailcc m4 --help"). Linked or copied under the name m4, the
mailcc binary behaves as this command.

It differs from GNU m4 in that syscmd and esyscmd start no shell unless
--allow-shell is given, and in its resource limits (see --help).`,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if code := runM4("m4", "mailcc m4", args, os.Stdin, stdout(), os.Stderr); code != 0 {
				return &exitError{code: code}
			}
			return nil
		},
	}
}

// m4Options are GNU m4's options; the long ones in the order of GNU's
// long_options table, which the "ambiguous" message follows.
var m4Options = []getopt.Option{
	{Name: "l", Short: 'l', Long: "arglength", Arg: getopt.Required},
	{Name: "d", Short: 'd', Long: "debug", Arg: getopt.Optional},
	{Name: "D", Short: 'D', Long: "define", Arg: getopt.Required},
	{Name: "o", Short: 'o', Long: "error-output", Arg: getopt.Required},
	{Name: "E", Short: 'E', Long: "fatal-warnings"},
	{Name: "F", Short: 'F', Long: "freeze-state", Arg: getopt.Required},
	{Name: "g", Short: 'g', Long: "gnu"},
	{Name: "H", Short: 'H', Long: "hashsize", Arg: getopt.Required},
	{Name: "I", Short: 'I', Long: "include", Arg: getopt.Required},
	{Name: "i", Short: 'i', Long: "interactive"},
	{Name: "L", Short: 'L', Long: "nesting-limit", Arg: getopt.Required},
	{Name: "P", Short: 'P', Long: "prefix-builtins"},
	{Name: "Q", Short: 'Q', Long: "quiet"},
	{Name: "R", Short: 'R', Long: "reload-state", Arg: getopt.Required},
	{Name: "Q", Long: "silent"},
	{Name: "s", Short: 's', Long: "synclines"},
	{Name: "t", Short: 't', Long: "trace", Arg: getopt.Required},
	{Name: "G", Short: 'G', Long: "traditional"},
	{Name: "U", Short: 'U', Long: "undefine", Arg: getopt.Required},
	{Name: "debugfile", Long: "debugfile", Arg: getopt.Optional},
	{Name: "diversions", Long: "diversions", Arg: getopt.Required},
	{Name: "warn-macro-sequence", Long: "warn-macro-sequence", Arg: getopt.Optional},
	{Name: "help", Long: "help"},
	{Name: "version", Long: "version"},
	// short-only ones
	{Name: "B", Short: 'B', Arg: getopt.Required},
	{Name: "S", Short: 'S', Arg: getopt.Required},
	{Name: "T", Short: 'T', Arg: getopt.Required},
	{Name: "N", Short: 'N', Arg: getopt.Required},
	{Name: "e", Short: 'e'},
	// mailcc's own
	{Name: "allow-shell", Long: "allow-shell"},
	{Name: "max-memory", Long: "max-memory", Arg: getopt.Required},
	{Name: "max-work", Long: "max-work", Arg: getopt.Required},
	{Name: "max-output", Long: "max-output", Arg: getopt.Required},
}

// runM4 is the m4 command: prog prefixes diagnostics (GNU uses argv[0]),
// usageName is what --help shows.
func runM4(prog, usageName string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	res, _, err := getopt.Parse(args, m4Options, getopt.InOrder)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %s\nTry `%s --help' for more information.\n", prog, err, usageName)
		return 1
	}
	opts := m4.Options{ProgramName: prog, Stdin: stdin, Stderr: stderr}
	// MAILCC_ALLOW_SHELL=1 in the environment is --allow-shell for this
	// process and the m4 processes its commands start (GNU m4's test
	// suite runs m4 from syscmd).
	if os.Getenv("MAILCC_ALLOW_SHELL") == "1" {
		opts.AllowShell = true
	}
	var deferred []getopt.Result
	var frozenIn, frozenOut, debugFile, macroSeq string
	var haveDebugFile bool
	for _, r := range res {
		switch r.Name {
		case "help":
			m4Usage(stdout, usageName)
			return 0
		case "version":
			fmt.Fprintf(stdout, "m4 (mailcc) %s\nA macro processor compatible with GNU M4 1.4.19, part of mailcc.\nIt starts no shell unless --allow-shell is given.\n", version)
			return 0
		case "B", "S", "T":
			fmt.Fprintf(stderr, "%s: warning: `m4 -%s' may be removed in a future release\n", prog, r.Name)
		case "N", "diversions":
			flag := "-N"
			if r.Name == "diversions" {
				flag = "--diversions"
			}
			fmt.Fprintf(stderr, "%s: warning: `m4 %s' is deprecated\n", prog, flag)
		case "", "D", "U", "s", "t", "debugfile":
			deferred = append(deferred, r)
		case "E":
			opts.FatalWarnings++
		case "F":
			frozenOut = r.Value
		case "G":
			opts.Traditional = true
		case "g":
			opts.Traditional = false
		case "H":
		case "I":
			opts.IncludePath = append(opts.IncludePath, r.Value)
		case "L":
			n, _ := strconv.Atoi(strings.TrimSpace(r.Value))
			opts.NestingLimit = n
		case "P":
			opts.PrefixBuiltins = true
		case "Q":
			opts.Quiet = true
		case "R":
			frozenIn = r.Value
		case "d":
			if r.Value != "" {
				opts.Debug = r.Value
			} else {
				opts.Debug = "aeq"
			}
			if _, ok := decodeM4Debug(opts.Debug); !ok {
				fmt.Fprintf(stderr, "%s: bad debug flags: `%s'\n", prog, r.Value)
				opts.Debug = ""
			}
		case "e":
			fmt.Fprintf(stderr, "%s: warning: `m4 -e' is deprecated, use `-i' instead\n", prog)
			opts.Interactive = true
		case "i":
			opts.Interactive = true
		case "l":
			n, _ := strconv.Atoi(r.Value)
			if n < 0 {
				n = 0
			}
			opts.ArgLength = n
		case "o":
			debugFile, haveDebugFile = r.Value, true
		case "warn-macro-sequence":
			if r.HasArg {
				macroSeq = r.Value
			} else {
				macroSeq = m4.DefaultMacroSequence
			}
		case "allow-shell":
			opts.AllowShell = true
		case "max-memory", "max-work", "max-output":
			n, perr := strconv.ParseInt(r.Value, 10, 64)
			if perr != nil {
				fmt.Fprintf(stderr, "%s: invalid --%s value `%s'\n", prog, r.Name, r.Value)
				return 1
			}
			switch r.Name {
			case "max-memory":
				opts.MaxMemory = n
			case "max-work":
				opts.MaxWork = n
			default:
				opts.MaxOutput = n
			}
		}
	}
	if !opts.Traditional {
		if env := os.Getenv("M4PATH"); env != "" {
			opts.IncludePath = append(opts.IncludePath, strings.Split(env, ":")...)
		}
	}
	if opts.Traditional {
		// GNU ignores -I in traditional mode
		opts.IncludePath = nil
	}
	if opts.Interactive {
		// GNU m4 -i ignores interrupts
		signal.Ignore(os.Interrupt)
	}
	p := m4.New(opts)
	p.SetOutput(stdout)
	if haveDebugFile && !p.SetDebugFile(&debugFile) {
		fmt.Fprintf(stderr, "%s: cannot set debug file `%s': %s\n", prog, debugFile, "No such file or directory")
	}
	if macroSeq != "" {
		if err := p.SetMacroSequence(macroSeq); err != nil {
			fmt.Fprintf(stderr, "%s: --warn-macro-sequence: bad regular expression `%s': %s\n", prog, macroSeq, err)
			return 1
		}
	}
	status := func(err error) (int, bool) {
		if err == nil {
			return 0, false
		}
		var ee *m4.ExitError
		if errors.As(err, &ee) {
			if ee.Write {
				fmt.Fprintf(stderr, "%s: write error: %s\n", prog, ee.Msg)
			}
			return ee.Status, true
		}
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
		return 1, true
	}
	if frozenIn != "" {
		if st, stop := status(p.Reload(frozenIn)); stop {
			return st
		}
	}
	seenFile := false
	for _, r := range deferred {
		switch r.Name {
		case "D":
			name, value, _ := strings.Cut(r.Value, "=")
			p.Define(name, value)
		case "U":
			p.Undefine(r.Value)
		case "t":
			p.Trace(r.Value)
		case "s":
			p.SetSyncLines()
		case "debugfile":
			var name *string
			if r.HasArg {
				v := r.Value
				name = &v
			}
			if !p.SetDebugFile(name) {
				fmt.Fprintf(stderr, "%s: cannot set debug file `%s': %s\n", prog, r.Value, "No such file or directory")
			}
		case "":
			seenFile = true
			if st, stop := status(p.ProcessFile(r.Value)); stop {
				return st
			}
		}
	}
	if !seenFile {
		if st, stop := status(p.ProcessFile("-")); stop {
			return st
		}
	}
	if frozenOut != "" {
		f, err := os.Create(frozenOut)
		if err != nil {
			fmt.Fprintf(stderr, "%s: cannot open `%s': %s\n", prog, frozenOut, m4ErrnoText(err))
			return 1
		}
		defer f.Close()
		st, _ := status(p.FinishFrozen(f))
		return st
	}
	st, _ := status(p.Finish())
	return st
}

func decodeM4Debug(s string) (int, bool) {
	for _, c := range s {
		if !strings.ContainsRune("aeqtlfpcixV", c) {
			return 0, false
		}
	}
	return 0, true
}

func m4ErrnoText(err error) string {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "No such file or directory"
	case errors.Is(err, os.ErrPermission):
		return "Permission denied"
	}
	return err.Error()
}

func m4Usage(w io.Writer, name string) {
	fmt.Fprintf(w, `Usage: %s [OPTION]... [FILE]...
Process macros in FILEs.  If no FILE or if FILE is `+"`-'"+`, standard input
is read.

Mandatory or optional arguments to long options are mandatory or optional
for short options too.

Operation modes:
      --help                   display this help and exit
      --version                output version information and exit
  -E, --fatal-warnings         once: warnings become errors, twice: stop
                                 execution at first error
  -i, --interactive            unbuffer output, ignore interrupts
  -P, --prefix-builtins        force a `+"`m4_'"+` prefix to all builtins
  -Q, --quiet, --silent        suppress some warnings for builtins
      --warn-macro-sequence[=REGEXP]
                               warn if macro definition matches REGEXP,
                                 default %s

Preprocessor features:
  -D, --define=NAME[=VALUE]    define NAME as having VALUE, or empty
  -I, --include=DIRECTORY      append DIRECTORY to include path
  -s, --synclines              generate `+"`#line NUM \"FILE\"'"+` lines
  -U, --undefine=NAME          undefine NAME

Limits control:
  -g, --gnu                    override -G to re-enable GNU extensions
  -G, --traditional            suppress all GNU extensions
  -H, --hashsize=PRIME         accepted and ignored
  -L, --nesting-limit=NUMBER   change nesting limit, 0 for the default [%d]
      --max-memory=BYTES       bytes held in diversions, pending input and
                                 definitions [%d]
      --max-work=UNITS         bytes expanded plus 32 per macro call [%d]
      --max-output=BYTES       bytes of output [%d]

Frozen state files:
  -F, --freeze-state=FILE      produce a frozen state on FILE at end
  -R, --reload-state=FILE      reload a frozen state from FILE at start

Debugging:
  -d, --debug[=FLAGS]          set debug level (no FLAGS implies `+"`aeq'"+`)
      --debugfile[=FILE]       redirect debug and trace output to FILE
                                 (default stderr, discard if empty string)
  -l, --arglength=NUM          restrict macro tracing size
  -t, --trace=NAME             trace NAME when it is defined

FLAGS is any of:
  a   show actual arguments
  c   show before collect, after collect and after call
  e   show expansion
  f   say current input file name
  i   show changes in input files
  l   say current input line number
  p   show results of path searches
  q   quote values as necessary, with a or e flag
  t   trace for all macro calls, not only traceon'ed
  x   add a unique macro call id, useful with c flag
  V   shorthand for all of the above flags

Shell access (mailcc):
      --allow-shell            let syscmd and esyscmd run /bin/sh commands;
                                 without it they are refused with an error

If defined, the environment variable `+"`M4PATH'"+` is a colon-separated list
of directories included after any specified by `+"`-I'"+`.

Exit status is 0 for success, 1 for failure, 63 for frozen file version
mismatch, or whatever value was passed to the m4exit macro.
`, name, m4.DefaultMacroSequence, m4.DefaultNestingLimit, m4.DefaultMaxMemory, m4.DefaultMaxWork, m4.DefaultMaxOutput)
}
