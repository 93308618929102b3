package m4

import (
	"bytes"
	"strconv"
)

// The regexp and patsubst builtins, and --warn-macro-sequence, use GNU
// Emacs regular expression syntax (see package m4/internal/regex).

// compiledRegex is what the builtins need of a compiled expression.
type compiledRegex interface {
	// SearchErr returns the offsets of the leftmost-longest match at or
	// after start (whole match and groups; -1 for an unset group), nil if
	// none; an error when the matcher gave up (back-references).
	SearchErr(s []byte, start int) ([]int, error)
	// Index is where the match starts, without computing groups (-1).
	Index(s []byte, start int) (int, error)
	NumSubexp() int
}

// substitute appends repl to out with \& (or \0) replaced by the whole
// match and \1..\9 by groups (GNU's substitute).
func (p *Processor) substitute(out *[]byte, victim, repl []byte, regs []int) {
	for {
		i := bytes.IndexByte(repl, '\\')
		if i < 0 {
			*out = append(*out, repl...)
			return
		}
		*out = append(*out, repl[:i]...)
		repl = repl[i+1:]
		if len(repl) == 0 {
			p.warn("Warning: trailing \\ ignored in replacement")
			return
		}
		ch := repl[0]
		switch {
		case ch == '0' || ch == '&':
			if ch == '0' && !p.warnedZero {
				p.warn("Warning: \\0 will disappear, use \\& instead in replacements")
				p.warnedZero = true
			}
			*out = append(*out, victim[regs[0]:regs[1]]...)
		case ch >= '1' && ch <= '9':
			n := int(ch - '0')
			if len(regs)/2-1 < n {
				p.warn("Warning: sub-expression " + strconv.Itoa(n) + " not present")
			} else if regs[2*n+1] > 0 {
				*out = append(*out, victim[regs[2*n]:regs[2*n+1]]...)
			}
		default:
			*out = append(*out, ch)
		}
		repl = repl[1:]
	}
}

func biRegexp(p *Processor, out *[]byte, args []arg) {
	if p.badArgc(args, 3, 4) {
		if len(args) == 2 {
			appendInt(out, 0)
		}
		return
	}
	victim, pattern := args[1].text, args[2].text
	re, err := compileRegex(pattern)
	if err != nil {
		p.warn("bad regular expression: `" + string(pattern) + "': " + err.Error())
		return
	}
	if len(args) == 3 {
		i, err := re.Index(victim, 0)
		if err != nil {
			p.warn("error matching regular expression `" + string(pattern) + "'")
			return
		}
		appendInt(out, i)
		return
	}
	regs, err := re.SearchErr(victim, 0)
	if err != nil {
		p.warn("error matching regular expression `" + string(pattern) + "'")
		return
	}
	if regs != nil {
		p.substitute(out, victim, args[3].text, regs)
	}
}

func biPatsubst(p *Processor, out *[]byte, args []arg) {
	if p.badArgc(args, 3, 4) {
		if len(args) == 2 {
			*out = append(*out, args[1].text...)
		}
		return
	}
	pattern := args[2].text
	re, err := compileRegex(pattern)
	if err != nil {
		p.warn("bad regular expression `" + string(pattern) + "': " + err.Error())
		return
	}
	victim := args[1].text
	repl := argText(args, 3)
	offset := 0
	for offset <= len(victim) {
		regs, err := re.SearchErr(victim, offset)
		if err != nil {
			p.warn("error matching regular expression `" + string(pattern) + "'")
			break
		}
		if regs == nil {
			if offset < len(victim) {
				*out = append(*out, victim[offset:]...)
			}
			break
		}
		if regs[0] > offset {
			*out = append(*out, victim[offset:regs[0]]...)
		}
		p.substitute(out, victim, repl, regs)
		p.checkSize(len(*out))
		offset = regs[1]
		if regs[0] == regs[1] {
			if offset < len(victim) {
				*out = append(*out, victim[offset])
			}
			offset++
		}
	}
}

// macroSeqMatcher implements --warn-macro-sequence.
type macroSeqMatcher compiledRegex

// DefaultMacroSequence is the expression --warn-macro-sequence uses when
// given no argument: $ followed by { or by two or more digits.
const DefaultMacroSequence = `\$\({[^}]*}\|[0-9][0-9]+\)`

// SetMacroSequence makes every later definition be checked against
// expr (--warn-macro-sequence); "" turns the check off.
func (p *Processor) SetMacroSequence(expr string) error {
	if expr == "" {
		p.macroSeq = nil
		return nil
	}
	re, err := compileRegex([]byte(expr))
	if err != nil {
		return err
	}
	p.macroSeq = re
	return nil
}

func (p *Processor) checkMacroSequence(name string, text []byte) {
	off := 0
	for off <= len(text) {
		regs, err := p.macroSeq.SearchErr(text, off)
		if err != nil {
			p.warn("error checking --warn-macro-sequence for macro `" + name + "'")
			return
		}
		if regs == nil {
			return
		}
		if regs[0] == regs[1] {
			off = regs[1] + 1
			continue
		}
		off = regs[1]
		p.warn("Warning: definition of `" + name + "' contains sequence `" + string(text[regs[0]:regs[1]]) + "'")
	}
}
