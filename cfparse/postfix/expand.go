package postfix

import (
	"fmt"
	"math"
	"strings"
)

// LookupFunc returns the value of a parameter for $name expansion, and
// whether it is defined. test is true when the value is only tested for
// emptiness (${name?...}, ${name:...}).
type LookupFunc func(name string, test bool) (value string, defined bool)

// expandFlags select how expand works, after Postfix's MAC_EXP_FLAG_*.
type expandFlags int

const (
	// expRecurse expands $name in the values looked up too.
	expRecurse expandFlags = 1 << iota
	// expScan only finds the names referenced, in every branch of every
	// conditional; nothing is produced.
	expScan
)

// expandStatus is what an expansion found, after MAC_PARSE_*.
type expandStatus int

const (
	// statusError: a syntax error, or nesting too deep.
	statusError expandStatus = 1 << iota
	// statusUndef: a $name had no value.
	statusUndef
)

// maxNesting is how deep $name references may nest.
const maxNesting = 100

// fatalError is an error after which Postfix's program exits.
type fatalError struct{ msg string }

func (e *fatalError) Error() string { return e.msg }

// ExpandError is a $name expansion that failed; Warnings are Postfix's
// messages about it.
type ExpandError struct {
	Value    string
	Warnings []string
}

func (e *ExpandError) Error() string {
	if len(e.Warnings) == 0 {
		return fmt.Sprintf("cannot expand %q", e.Value)
	}
	return fmt.Sprintf("cannot expand %q: %s", e.Value, strings.Join(e.Warnings, "; "))
}

// Expand expands $name, ${name}, $(name) and the conditional and
// relational forms in value, recursively, as Postfix's mac_expand() does
// for a daemon reading its parameters. A name lookup does not define
// expands to nothing. A syntax error gives an *ExpandError with Postfix's
// warnings; the text expanded up to the error is returned too.
func Expand(value string, lookup LookupFunc) (string, error) {
	e := newExpander(expRecurse, lookup)
	out, st := e.expand(value)
	if e.fatal != nil {
		return out, e.fatal
	}
	if st&statusError != 0 {
		return out, &ExpandError{Value: value, Warnings: e.warnings}
	}
	return out, nil
}

// References returns the names value refers to with $name, in every
// branch of every conditional, in order and each once, and Postfix's
// warnings about its syntax.
func References(value string) (names []string, warnings []string) {
	seen := map[string]bool{}
	e := newExpander(expScan, func(name string, test bool) (string, bool) {
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
		return "", false
	})
	e.expand(value)
	return names, e.warnings
}

// firstBadReference finds the first $ reference of value that Postfix
// cannot parse or expand (mac_parse() and mac_expand()'s syntax
// checks, in every branch of every conditional), and returns the offset
// of its '$' and Postfix's warnings about it; warnings is nil when the
// whole value is good.
func firstBadReference(value string) (off int, warnings []string) {
	for i := 0; i < len(value); i++ {
		if value[i] != '$' {
			continue
		}
		if i+1 < len(value) && value[i+1] == '$' {
			i++
			continue
		}
		end := i + 1
		if end < len(value) && (value[end] == '{' || value[end] == '(') {
			open, close := value[end], byte('}')
			if open == '(' {
				close = ')'
			}
			level := 0
			for end < len(value) {
				if value[end] == open {
					level++
				} else if value[end] == close {
					level--
				}
				end++
				if level == 0 {
					break
				}
			}
		} else {
			for end < len(value) && (isAlnum(value[end]) || value[end] == '_') {
				end++
			}
		}
		if _, w := References(value[i:end]); len(w) > 0 {
			return i, w
		}
		i = end - 1
	}
	return 0, nil
}

// expander is the state of one expansion (Postfix's MAC_EXP_CONTEXT).
type expander struct {
	flags    expandFlags
	lookup   LookupFunc
	out      strings.Builder
	status   expandStatus
	level    int
	warnings []string
	// warn, when set, gets each warning as it is made (Postfix prints
	// them at once, between other output).
	warn  func(string)
	fatal *fatalError
}

func newExpander(flags expandFlags, lookup LookupFunc) *expander {
	return &expander{flags: flags, lookup: lookup}
}

// sub returns an expander for an operand of a relational expression: a
// fresh context (nesting level and status of its own) that reports to
// the same place.
func (e *expander) sub() *expander {
	return &expander{flags: e.flags, lookup: e.lookup, warn: e.warn}
}

func (e *expander) warnf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	e.warnings = append(e.warnings, msg)
	if e.warn != nil {
		e.warn(msg)
	}
}

// errorf reports a syntax error.
func (e *expander) errorf(format string, args ...any) expandStatus {
	e.warnf(format, args...)
	e.status |= statusError
	return e.status
}

// expand runs the expansion of pattern and returns the result and the
// status.
func (e *expander) expand(pattern string) (string, expandStatus) {
	st := e.parse(pattern)
	if e.fatal != nil {
		st |= statusError
	}
	return e.out.String(), st
}

// parse splits text into literal text and $ references and hands each
// to callback, as Postfix's mac_parse() does: $$ is a literal $, $name
// runs over letters, digits and '_', ${...} and $(...) run to the
// matching close bracket (counting only brackets of their own kind).
func (e *expander) parse(value string) expandStatus {
	var st expandStatus
	var lit []byte
	i := 0
	for i < len(value) {
		c := value[i]
		switch {
		case c != '$':
			lit = append(lit, c)
			i++
			continue
		case i+1 < len(value) && value[i+1] == '$':
			lit = append(lit, '$')
			i += 2
			continue
		}
		if len(lit) > 0 {
			st |= e.callback(false, string(lit))
			lit = lit[:0]
		}
		i++
		var name string
		if i < len(value) && (value[i] == '{' || value[i] == '(') {
			open := value[i]
			close := byte('}')
			if open == '(' {
				close = ')'
			}
			i++
			level, j := 1, i
			for level > 0 {
				if j >= len(value) {
					e.warnf("truncated macro reference: \"%s\"", value)
					return st | statusError
				}
				if value[j] == open {
					level++
				}
				if value[j] == close {
					level--
				}
				j++
			}
			name = value[i : j-1]
			i = j
			// Postfix stops at the first bracketed reference after
			// an error (a plain $name does not stop it).
			if st&statusError != 0 {
				return st
			}
		} else {
			j := i
			for j < len(value) && (isAlnum(value[j]) || value[j] == '_') {
				j++
			}
			name = value[i:j]
			i = j
		}
		if name == "" {
			e.warnf("empty macro name: \"%s\"", value)
			return st | statusError
		}
		st |= e.callback(true, name)
	}
	if len(lit) > 0 && st&statusError == 0 {
		st |= e.callback(false, string(lit))
	}
	return st
}

// spanSpace counts the white space (Postfix's CHARS_SPACE) at the start
// of s.
func spanSpace(s string) int {
	n := 0
	for n < len(s) && (s[n] == ' ' || s[n] == '\t' || s[n] == '\r' || s[n] == '\n') {
		n++
	}
	return n
}

// findCurly skips white space before a '{' and reports whether there is
// one; rest starts at the '{' when there is.
func findCurly(s string) (rest string, ok bool) {
	n := spanSpace(s)
	if n < len(s) && s[n] == '{' {
		return s[n:], true
	}
	return s, false
}

// curlyPayload takes s starting with '{', and returns the text inside
// the balanced braces and what follows them, white space skipped.
func (e *expander) curlyPayload(s string) (payload, rest string, ok bool) {
	level := 1
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '{':
			level++
		case '}':
			level--
			if level <= 0 {
				rest = s[i+1:]
				return s[1:i], rest[spanSpace(rest):], true
			}
		}
	}
	e.errorf("unbalanced {} in attribute expression: \"%s\"", s)
	return "", "", false
}

// truncate is C's "%.Ns".
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// relational operators.
const (
	opNone = iota
	opEQ
	opNE
	opLT
	opLE
	opGE
	opGT
)

var opNames = map[string]int{"==": opEQ, "!=": opNE, "<": opLT, "<=": opLE, ">=": opGE, ">": opGT}

// opAnyText is what Postfix's diagnostics list as the valid operators
// (the doubled quotes are Postfix's own).
const opAnyText = `"==" or "!="" or "<"" or "<="" or ">="" or ">"`

// relational parses and evaluates "{left} op {right}" at the start of s
// and returns the result as a parameter value would be ("true" or ""),
// and what follows.
func (e *expander) relational(s string) (val string, rest string, ok bool) {
	left, cp, ok := e.curlyPayload(s)
	if !ok {
		return "", "", false
	}
	opLen := 0
	for opLen < len(cp) && strings.IndexByte("<>!=?+-*/~&|%", cp[opLen]) >= 0 {
		opLen++
	}
	opText := cp[:opLen]
	op := opNames[opText]
	if op == opNone {
		e.errorf("%s expected at: \"...%s}>>>%s\"", opAnyText, left, truncate(cp, 20))
		return "", "", false
	}
	opPos := cp
	cp = cp[opLen:]
	compat := false
	if len(cp) > 0 && isAlnum(cp[0]) {
		n := 1
		for n < len(cp) && isAlnum(cp[n]) {
			n++
		}
		suffix := cp[:n]
		cp = cp[n:]
		if suffix != "level" {
			e.errorf("bad operator suffix at: \"...%s>>>%s\"", opText, suffix)
			return "", "", false
		}
		compat = true
	}
	cp, found := findCurly(cp)
	if !found {
		e.errorf("\"{expression}\" expected at: \"...{%s} %s>>>%s\"", left, opPos[:opLen], truncate(cp, 20))
		return "", "", false
	}
	right, cp, ok := e.curlyPayload(cp)
	if !ok {
		return "", "", false
	}
	l := e.sub()
	lv, lst := l.expand(left)
	e.status |= lst
	r := e.sub()
	rv, rst := r.expand(right)
	e.status |= rst
	if l.fatal != nil {
		e.fatal = l.fatal
	} else if r.fatal != nil {
		e.fatal = r.fatal
	}
	e.warnings = append(e.warnings, l.warnings...)
	e.warnings = append(e.warnings, r.warnings...)
	var result bool
	if e.flags&expScan == 0 && e.fatal == nil {
		var good bool
		if compat {
			result, good = e.compareLevels(lv, op, rv)
		} else {
			result, good = e.compare(lv, op, rv)
		}
		if !good {
			e.status |= statusError
		}
	}
	if e.status&statusError != 0 {
		return "", "", false
	}
	if result {
		return "true", cp, true
	}
	return "", cp, true
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// compare is Postfix's built-in relational operators: numeric when both
// sides are all digits, else byte-wise.
func (e *expander) compare(left string, op int, right string) (bool, bool) {
	var delta int
	if allDigits(left) && allDigits(right) {
		a, okA := atol(left)
		b, okB := atol(right)
		if !okA || !okB {
			bad := left
			if okA {
				bad = right
			}
			e.fatal = &fatalError{msg: "mac_exp_eval: bad conversion: " + bad}
			return false, false
		}
		switch {
		case a < b:
			delta = -1
		case a > b:
			delta = 1
		}
	} else {
		delta = strings.Compare(left, right)
	}
	return relop(delta, op), true
}

// compareLevels is the "level" operators: compatibility levels compared
// as major.minor.patch.
func (e *expander) compareLevels(left string, op int, right string) (bool, bool) {
	a, ok := e.compatLevel(left)
	if !ok {
		return false, false
	}
	b, ok := e.compatLevel(right)
	if !ok {
		return false, false
	}
	delta := 0
	switch {
	case a < b:
		delta = -1
	case a > b:
		delta = 1
	}
	return relop(delta, op), true
}

func relop(delta, op int) bool {
	switch op {
	case opEQ:
		return delta == 0
	case opNE:
		return delta != 0
	case opLT:
		return delta < 0
	case opLE:
		return delta <= 0
	case opGE:
		return delta >= 0
	default:
		return delta > 0
	}
}

// atol converts a string of digits; false on overflow.
func atol(s string) (int64, bool) {
	v, _, ok := strtol(s)
	return v, ok && v >= 0
}

// strtol is C's strtol(s, &end, 10): leading white space, an optional
// sign, digits. It returns the value, how many bytes were used (0 when
// there is no number) and false on overflow (the value is then clamped).
func strtol(s string) (int64, int, bool) {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	const limit = uint64(1) << 63
	var v uint64
	over := false
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		d := uint64(s[i] - '0')
		if !over {
			if v > limit/10 || v*10 > limit-d {
				over = true
			} else {
				v = v*10 + d
			}
		}
		i++
	}
	if i == start {
		return 0, 0, true
	}
	if over || (!neg && v > math.MaxInt64) {
		if neg {
			return math.MinInt64, i, false
		}
		return math.MaxInt64, i, false
	}
	if neg && v == limit {
		return math.MinInt64, i, true
	}
	if neg {
		return -int64(v), i, true
	}
	return int64(v), i, true
}

// The compatibility level encoding: major, minor and patch in one
// number, 10 bits each for minor and patch.
const (
	compatPatchBits  = 10
	compatMinorBits  = 10
	compatMinorMax   = 1<<compatMinorBits - 1
	compatPatchMax   = 1<<compatPatchBits - 1
	compatMajorShift = compatPatchBits + compatMinorBits
)

// CompatLevel parses a compatibility level ("0", "2", "3.6", "3.6.1")
// into a number that compares as the levels do.
func CompatLevel(s string) (int64, bool) {
	var e expander
	return e.compatLevel(s)
}

func (e *expander) compatLevel(s string) (int64, bool) {
	goodMajor := func(m int64) bool { return m >= 0 && m <= math.MaxInt64>>compatMajorShift }
	rest := s
	major, n, ok := strtol(rest)
	if n > 0 && (n == len(rest) || rest[n] == '.') && ok && goodMajor(major) {
		res := major << compatMajorShift
		if n == len(rest) {
			return res, true
		}
		rest = rest[n+1:]
		minor, n, ok := strtol(rest)
		if n > 0 && (n == len(rest) || rest[n] == '.') && ok && minor >= 0 && minor <= compatMinorMax {
			res |= minor << compatPatchBits
			if n == len(rest) {
				return res, true
			}
			rest = rest[n+1:]
			patch, n, ok := strtol(rest)
			if n > 0 && n == len(rest) && ok && patch >= 0 && patch <= compatPatchMax {
				return res | patch, true
			}
		}
	}
	e.warnf("malformed compatibility level syntax: \"%s\"", s)
	return -1, false
}

// callback handles one piece that parse found: literal text or the
// inside of a $ reference (Postfix's mac_expand_callback()).
func (e *expander) callback(expr bool, buf string) expandStatus {
	old := e.level
	e.level++
	if old > maxNesting {
		e.errorf("unreasonable macro call nesting: \"%s\"", buf)
	}
	if e.status&statusError != 0 || e.fatal != nil {
		return e.status | statusError
	}
	if !expr {
		if e.flags&expScan == 0 {
			e.out.WriteString(buf)
		}
		e.level--
		return e.status
	}

	var lookup string
	var defined bool
	var ch byte
	cp := buf
	if rest, ok := findCurly(cp); ok {
		val, rest, ok := e.relational(rest)
		if !ok {
			return e.status | statusError
		}
		lookup, defined = val, e.flags&expScan == 0
		cp = rest
		if len(cp) > 0 {
			ch = cp[0]
			if ch != '?' && ch != ':' {
				return e.errorf("\"?\" or \":\" expected at: \"...}>>>%s\"", truncate(cp, 20))
			}
			cp = cp[1:]
		}
	} else {
		start := spanSpace(cp)
		i := start
		test := false
		for {
			n := spanSpace(cp[i:])
			if i+n == len(cp) {
				break
			}
			if c := cp[i+n]; c == '?' || c == ':' {
				ch = c
				test = true
				break
			}
			if c := cp[i]; !isAlnum(c) && c != '_' {
				return e.errorf("attribute name syntax error at: \"...%s>>>%s\"", cp[:i], truncate(cp[i:], 20))
			}
			i++
		}
		name := cp[start:i]
		if test {
			cp = cp[i+spanSpace(cp[i:])+1:]
		} else {
			cp = ""
		}
		lookup, defined = e.lookup(name, test)
	}

	switch ch {
	case '?', ':':
		if ch == '?' {
			var ifTrue string
			if rest, ok := findCurly(cp); ok {
				var good bool
				ifTrue, cp, good = e.curlyPayload(rest)
				if !good {
					return e.status
				}
			} else {
				ifTrue, cp = cp, ""
			}
			if (defined && lookup != "") || e.flags&expScan != 0 {
				e.status |= e.parse(ifTrue)
			}
			if cp == "" {
				break
			}
			if cp[0] != ':' {
				return e.errorf("\":\" expected at: \"...%s}>>>%s\"", ifTrue, truncate(cp, 20))
			}
			cp = cp[1:]
		}
		var ifFalse string
		if rest, ok := findCurly(cp); ok {
			var good bool
			ifFalse, cp, good = e.curlyPayload(rest)
			if !good {
				return e.status
			}
		} else {
			ifFalse, cp = cp, ""
		}
		if !defined || lookup == "" || e.flags&expScan != 0 {
			e.status |= e.parse(ifFalse)
		}
		if cp != "" {
			return e.errorf("unexpected input at: \"...%s}>>>%s\"", ifFalse, truncate(cp, 20))
		}
	default:
		switch {
		case !defined:
			e.status |= statusUndef
		case lookup == "" || e.flags&expScan != 0:
		case e.flags&expRecurse != 0:
			e.status |= e.parse(lookup)
		default:
			e.out.WriteString(lookup)
		}
	}
	if e.fatal != nil {
		e.status |= statusError
	}
	e.level--
	return e.status
}
