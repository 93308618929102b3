// Package getopt parses command lines the way glibc's getopt_long does,
// for the tools mailcc stands in for (m4, makemap, postmap, ...), whose
// users and scripts rely on those exact rules and messages:
//
//   - short options cluster (-dp), an option's argument may be attached
//     (-Ifoo) or, when required, the next word (-I foo); an optional
//     argument must be attached;
//   - long options take --name=value or, when the argument is required,
//     --name value, and may be abbreviated to any unambiguous prefix;
//   - "--" ends the options;
//   - in order mode (GNU's leading '-' in the option string) operands are
//     returned in place, as options with Name "" — m4 needs this because
//     -D and the files it reads take effect in command-line order;
//     otherwise parsing stops at the first operand (POSIX mode) or
//     operands are collected (permute mode).
//
// Diagnostics have glibc's wording ("invalid option -- 'z'", "option
// requires an argument -- 'I'", "unrecognized option '--foo'", "option
// '--de' is ambiguous; possibilities: ...").
package getopt

import (
	"fmt"
	"strings"
)

// ArgKind says whether an option takes an argument.
type ArgKind int

// The argument kinds.
const (
	NoArg ArgKind = iota
	Required
	Optional
)

// Option describes one option. Short is 0 for a long-only option; Long is
// "" for a short-only one. Name identifies the option in the results.
type Option struct {
	Name  string
	Short byte
	Long  string
	Arg   ArgKind
}

// Mode says what happens to operands (arguments that are not options).
type Mode int

// The modes.
const (
	// Permute collects operands and goes on parsing options after them
	// (GNU's default).
	Permute Mode = iota
	// InOrder returns operands in place as results with Name "".
	InOrder
	// StopAtOperand stops at the first operand (POSIX, '+' prefix).
	StopAtOperand
)

// Result is one parsed option (or, in InOrder mode, an operand).
type Result struct {
	Name   string
	Value  string
	HasArg bool
}

// Error is a command-line error with glibc's message text.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

// Parse parses args (without the program name) against opts. It returns
// the options in order and the remaining operands.
func Parse(args []string, opts []Option, mode Mode) ([]Result, []string, error) {
	var res []Result
	var operands []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			rest := args[i+1:]
			if mode == InOrder {
				for _, r := range rest {
					res = append(res, Result{Value: r, HasArg: true})
				}
				return res, nil, nil
			}
			return res, append(operands, rest...), nil
		case strings.HasPrefix(a, "--"):
			r, used, err := parseLong(a[2:], args[i+1:], opts)
			if err != nil {
				return res, operands, err
			}
			i += used
			res = append(res, r)
		case len(a) > 1 && a[0] == '-':
			for j := 1; j < len(a); j++ {
				c := a[j]
				o := findShort(opts, c)
				if o == nil {
					return res, operands, &Error{fmt.Sprintf("invalid option -- '%c'", c)}
				}
				switch o.Arg {
				case NoArg:
					res = append(res, Result{Name: o.Name})
					continue
				case Optional:
					if j+1 < len(a) {
						res = append(res, Result{Name: o.Name, Value: a[j+1:], HasArg: true})
					} else {
						res = append(res, Result{Name: o.Name})
					}
				case Required:
					switch {
					case j+1 < len(a):
						res = append(res, Result{Name: o.Name, Value: a[j+1:], HasArg: true})
					case i+1 < len(args):
						i++
						res = append(res, Result{Name: o.Name, Value: args[i], HasArg: true})
					default:
						return res, operands, &Error{fmt.Sprintf("option requires an argument -- '%c'", c)}
					}
				}
				break
			}
		default:
			switch mode {
			case InOrder:
				res = append(res, Result{Value: a, HasArg: true})
			case StopAtOperand:
				return res, append(operands, args[i:]...), nil
			default:
				operands = append(operands, a)
			}
		}
	}
	return res, operands, nil
}

func findShort(opts []Option, c byte) *Option {
	for i := range opts {
		if opts[i].Short == c && c != 0 {
			return &opts[i]
		}
	}
	return nil
}

// parseLong parses "name[=value]" (the text after "--"); rest are the
// following words, for a required argument. It returns how many of them
// it used.
func parseLong(text string, rest []string, opts []Option) (Result, int, error) {
	name, value, hasValue := strings.Cut(text, "=")
	var exact *Option
	var matches []*Option
	for i := range opts {
		o := &opts[i]
		if o.Long == "" || !strings.HasPrefix(o.Long, name) {
			continue
		}
		if o.Long == name {
			exact = o
			break
		}
		dup := false
		for _, m := range matches {
			// several spellings of one option (--quiet/--silent) are not
			// ambiguous with each other
			if m.Name == o.Name && m.Arg == o.Arg {
				dup = true
			}
		}
		if !dup {
			matches = append(matches, o)
		}
	}
	o := exact
	if o == nil {
		switch len(matches) {
		case 0:
			return Result{}, 0, &Error{fmt.Sprintf("unrecognized option '--%s'", name)}
		case 1:
			o = matches[0]
		default:
			var b strings.Builder
			fmt.Fprintf(&b, "option '--%s' is ambiguous; possibilities:", name)
			for _, m := range matches {
				fmt.Fprintf(&b, " '--%s'", m.Long)
			}
			return Result{}, 0, &Error{b.String()}
		}
	}
	switch o.Arg {
	case NoArg:
		if hasValue {
			return Result{}, 0, &Error{fmt.Sprintf("option '--%s' doesn't allow an argument", o.Long)}
		}
		return Result{Name: o.Name}, 0, nil
	case Optional:
		return Result{Name: o.Name, Value: value, HasArg: hasValue}, 0, nil
	}
	if hasValue {
		return Result{Name: o.Name, Value: value, HasArg: true}, 0, nil
	}
	if len(rest) == 0 {
		return Result{}, 0, &Error{fmt.Sprintf("option '--%s' requires an argument", o.Long)}
	}
	return Result{Name: o.Name, Value: rest[0], HasArg: true}, 1, nil
}

// Short returns the options of a C getopt option string such as
// "C:D:Nc:dv" (a letter followed by ':' takes an argument), each named by
// its letter.
func Short(spec string) []Option {
	var opts []Option
	for i := 0; i < len(spec); i++ {
		c := spec[i]
		if c == ':' || c == '+' || c == '-' {
			continue
		}
		o := Option{Name: string(c), Short: c}
		if i+1 < len(spec) && spec[i+1] == ':' {
			o.Arg = Required
		}
		opts = append(opts, o)
	}
	return opts
}
