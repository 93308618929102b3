package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"mailcc/cfparse/postfix"
)

func newPostconfCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "postconf [-dfhHnx] [-c config_dir] [-o name=value] [name...]",
		Short: "print Postfix main.cf parameters like postconf",
		Long: `mailcc postconf prints Postfix parameters as Postfix 3.7's postconf does:
"name = value" lines sorted by name, all known parameters with their
values (main.cf's or the built-in default), -n only those main.cf sets,
-d the built-in defaults, -x with $name expanded, with postconf's warnings
(unused or undefined parameters, overridden settings) and exit statuses.
It reads main.cf and master.cf from -c, $MAIL_CONFIG or /etc/postfix, and
works without Postfix installed: the defaults are built in, the
host-dependent ones (myhostname, mydomain, mynetworks) computed as
Postfix computes them. Linked or copied under the name postconf, the
mailcc binary behaves as this command.

Not supported: editing (-e, -X, -#), master.cf listings (-M, -F, -P) and
the other listings (-a, -A, -b, -l, -m, -t, -T).`,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if code := runPostconf("postconf", args, stdout(), os.Stderr); code != 0 {
				return &exitError{code: code}
			}
			return nil
		},
	}
}

const postconfUsage = "usage: %s [-a (server SASL types)] [-A (client SASL types)] [-b (bounce templates)] [-c config_dir] [-c param_class] [-d (parameter defaults)] [-e (edit configuration)] [-f (fold lines)] [-F (master.cf fields)] [-h (no names)] [-H (no values)] [-l (lock types)] [-m (map types)] [-M (master.cf)] [-n (non-default parameters)] [-o name=value (override parameter value)] [-p (main.cf, default)] [-P (master.cf parameters)] [-t (bounce templates)] [-T compile-version|run-version|public-key-algorithms] [-v (verbose)] [-x (expand parameter values)] [-X (exclude)] [-# (comment-out)] [name...]"

// runPostconf is Postfix's postconf for main.cf parameters.
func runPostconf(prog string, args []string, stdout, stderr io.Writer) int {
	fatal := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "%s: fatal: %s\n", prog, fmt.Sprintf(format, a...))
		return 1
	}
	opts, rest, ok := toolGetopt(prog, args, "aAbc:C:deEfFhHlmMno:pPtT:vxX#", false, stderr)
	if !ok {
		return fatal(postconfUsage, prog)
	}
	o := postfix.PostconfOptions{Prog: prog, Names: rest}
	for _, op := range opts {
		switch op.c {
		case 'c':
			o.ConfigDir = op.arg
		case 'd':
			o.Defaults = true
		case 'n':
			o.NonDefault = true
		case 'x':
			o.Expand = true
		case 'h':
			o.HideName = true
		case 'H':
			o.HideValue = true
		case 'f':
			o.Fold = true
		case 'o':
			o.Overrides = append(o.Overrides, op.arg)
		case 'p', 'v':
		default:
			return fatal("-%c is not supported by mailcc %s", op.c, prog)
		}
	}
	return postfix.Postconf(o, stdout, stderr)
}
