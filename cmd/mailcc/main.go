// Command mailcc reads sendmail and Postfix configurations and compiles,
// migrates, explains and serves them. See the README for the commands.
//
// mailcc is a multi-call binary: invoked under the name of a tool it
// replaces (m4, makemap, newaliases, praliases, postmap, postalias) it
// behaves as that tool, with that tool's command line.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
)

// exitError carries a process exit status up to main. Its message, when
// not empty, has already been printed or is printed by main.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// multiCall maps the names mailcc answers to when it is invoked through a
// link to the subcommand that implements that tool.
var multiCall = map[string]func(args []string) int{
	"m4": func(args []string) int { return runM4(os.Args[0], os.Args[0], args, os.Stdin, stdout(), os.Stderr) },

	"makemap":    func(args []string) int { return runMakemap("makemap", args, os.Stdin, stdout(), os.Stderr) },
	"newaliases": func(args []string) int { return runNewaliases("newaliases", args, stdout(), os.Stderr) },
	"praliases":  func(args []string) int { return runPraliases("praliases", args, stdout(), os.Stderr) },
	"postmap": func(args []string) int {
		return runPostfixMap(postmapTool, "postmap", args, os.Stdin, stdout(), os.Stderr)
	},
	"postalias": func(args []string) int {
		return runPostfixMap(postaliasTool, "postalias", args, os.Stdin, stdout(), os.Stderr)
	},
	"postconf": func(args []string) int { return runPostconf("postconf", args, stdout(), os.Stderr) },
}

func main() {
	// mailcc's runs are short and their heaps small: collect less often,
	// with a soft ceiling far below the m4 engine's hard limits.
	debug.SetGCPercent(400)
	debug.SetMemoryLimit(192 << 20)
	name := strings.TrimPrefix(filepath.Base(os.Args[0]), "lt-")
	if run, ok := multiCall[name]; ok {
		os.Exit(run(os.Args[1:]))
	}
	os.Exit(execute(os.Args[1:]))
}

// execute runs the cobra command tree and turns its error into an exit
// status.
func execute(args []string) int {
	root := newRootCmd()
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(os.Stderr, "mailcc: "+ee.msg)
		}
		return ee.code
	}
	fmt.Fprintln(os.Stderr, "mailcc: "+err.Error())
	return 1
}
