package m4

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// builtin is one of GNU m4's builtins, or a caller-registered one.
type builtin struct {
	name string
	// gnu: a GNU extension, absent with Options.Traditional.
	gnu bool
	// macroArgs: accepts builtin tokens as arguments (define, pushdef,
	// builtin, indir).
	macroArgs bool
	// blind: recognised only when followed by '('.
	blind    bool
	fn       func(p *Processor, out *[]byte, args []arg)
	external BuiltinFunc
}

// builtinTable lists GNU m4 1.4.19's builtins (changeword excluded, as in
// Debian's build).
var builtinTable = []*builtin{
	{name: "__file__", gnu: true, fn: biFile},
	{name: "__line__", gnu: true, fn: biLine},
	{name: "__program__", gnu: true, fn: biProgram},
	{name: "builtin", gnu: true, macroArgs: true, blind: true, fn: biBuiltin},
	{name: "changecom", fn: biChangecom},
	{name: "changequote", fn: biChangequote},
	{name: "debugmode", gnu: true, fn: biDebugmode},
	{name: "debugfile", gnu: true, fn: biDebugfile},
	{name: "decr", blind: true, fn: biDecr},
	{name: "define", macroArgs: true, blind: true, fn: biDefine},
	{name: "defn", blind: true, fn: biDefn},
	{name: "divert", fn: biDivert},
	{name: "divnum", fn: biDivnum},
	{name: "dnl", fn: biDnl},
	{name: "dumpdef", fn: biDumpdef},
	{name: "errprint", blind: true, fn: biErrprint},
	{name: "esyscmd", gnu: true, blind: true, fn: biEsyscmd},
	{name: "eval", blind: true, fn: biEval},
	{name: "format", gnu: true, blind: true, fn: biFormat},
	{name: "ifdef", blind: true, fn: biIfdef},
	{name: "ifelse", blind: true, fn: biIfelse},
	{name: "include", blind: true, fn: biInclude},
	{name: "incr", blind: true, fn: biIncr},
	{name: "index", blind: true, fn: biIndex},
	{name: "indir", gnu: true, macroArgs: true, blind: true, fn: biIndir},
	{name: "len", blind: true, fn: biLen},
	{name: "m4exit", fn: biM4exit},
	{name: "m4wrap", blind: true, fn: biM4wrap},
	{name: "maketemp", blind: true, fn: biMaketemp},
	{name: "mkstemp", blind: true, fn: biMkstemp},
	{name: "patsubst", gnu: true, blind: true, fn: biPatsubst},
	{name: "popdef", blind: true, fn: biPopdef},
	{name: "pushdef", macroArgs: true, blind: true, fn: biPushdef},
	{name: "regexp", gnu: true, blind: true, fn: biRegexp},
	{name: "shift", blind: true, fn: biShift},
	{name: "sinclude", blind: true, fn: biSinclude},
	{name: "substr", blind: true, fn: biSubstr},
	{name: "syscmd", blind: true, fn: biSyscmd},
	{name: "sysval", fn: biSysval},
	{name: "traceoff", fn: biTraceoff},
	{name: "traceon", fn: biTraceon},
	{name: "translit", blind: true, fn: biTranslit},
	{name: "undefine", blind: true, fn: biUndefine},
	{name: "undivert", fn: biUndivert},
}

func (p *Processor) installBuiltins() {
	p.builtins = make(map[string]*builtin, len(builtinTable))
	for _, b := range builtinTable {
		p.builtins[b.name] = b
		if p.opts.Traditional && b.gnu {
			continue
		}
		name := b.name
		if p.opts.PrefixBuiltins {
			name = "m4_" + name
		}
		p.defineBuiltin(name, b, modeInsert)
	}
	if p.opts.Traditional {
		p.define("unix", &definition{}, modeInsert)
	} else {
		p.define("__gnu__", &definition{}, modeInsert)
		p.define("__unix__", &definition{}, modeInsert)
	}
}

// callBuiltin runs b with args (args[0] is the name it was called by).
func (p *Processor) callBuiltin(b *builtin, args []arg, out *[]byte) {
	if b.external != nil {
		strs := make([]string, len(args))
		for i, a := range args {
			strs[i] = string(a.text)
		}
		*out = append(*out, b.external(&Call{p: p}, strs)...)
		return
	}
	b.fn(p, out, args)
}

// argText returns argument i, or "" when it was not given.
func argText(args []arg, i int) []byte {
	if i < len(args) {
		return args[i].text
	}
	return nil
}

// badArgc warns about too few or too many arguments (GNU's bad_argc) and
// reports whether there were too few. min and max count the name too; a
// value <= 0 means no bound.
func (p *Processor) badArgc(args []arg, min, max int) bool {
	n := len(args)
	if min > 0 && n < min {
		if !p.opts.Quiet {
			p.warn("Warning: too few arguments to builtin `" + string(args[0].text) + "'")
		}
		return true
	}
	if max > 0 && n > max && !p.opts.Quiet {
		p.warn("Warning: excess arguments to builtin `" + string(args[0].text) + "' ignored")
	}
	return false
}

// strtol parses like C's strtol(s, &end, 10) with a 64-bit long: it
// returns the value (clamped on overflow), the number of bytes used, and
// whether it overflowed.
func strtol(s []byte) (v int64, n int, overflow bool) {
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
	var u uint64
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		d := uint64(s[i] - '0')
		if u > (1<<63)/10 || u*10 > (1<<63)-d+boolToU(neg) {
			overflow = true
		}
		if !overflow {
			u = u*10 + d
		}
		i++
	}
	if i == start {
		return 0, 0, false
	}
	switch {
	case overflow && neg:
		v = -1 << 63
	case overflow:
		v = 1<<63 - 1
	case neg:
		v = -int64(u)
	default:
		v = int64(u)
	}
	return v, i, overflow
}

func boolToU(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// numericArg parses a numeric argument like GNU's numeric_arg; the value
// is C's conversion of a long to int (the low 32 bits).
func (p *Processor) numericArg(name []byte, s []byte) (int, bool) {
	if len(s) == 0 {
		p.warn("empty string treated as 0 in builtin `" + string(name) + "'")
		return 0, true
	}
	v, n, overflow := strtol(s)
	if n != len(s) {
		p.warn("non-numeric argument to builtin `" + string(name) + "'")
		return 0, false
	}
	if isSpace(s[0]) {
		p.warn("leading whitespace ignored in builtin `" + string(name) + "'")
	} else if overflow {
		p.warn("numeric overflow detected in builtin `" + string(name) + "'")
	}
	return int(int32(v)), true
}

func appendInt(out *[]byte, v int) {
	*out = strconv.AppendInt(*out, int64(int32(v)), 10)
}

func (p *Processor) appendQuoted(out *[]byte, s string) {
	*out = append(*out, p.lquote...)
	*out = append(*out, s...)
	*out = append(*out, p.rquote...)
}

func biFile(p *Processor, out *[]byte, args []arg) {
	if p.badArgc(args, 1, 1) {
		return
	}
	p.appendQuoted(out, p.curFile)
}

func biLine(p *Processor, out *[]byte, args []arg) {
	if p.badArgc(args, 1, 1) {
		return
	}
	appendInt(out, p.curLine)
}

func biProgram(p *Processor, out *[]byte, args []arg) {
	if p.badArgc(args, 1, 1) {
		return
	}
	p.appendQuoted(out, p.prog)
}

func (p *Processor) invalidName(args []arg) bool {
	if len(args) > 1 && args[1].bi != nil {
		p.warn("Warning: " + string(args[0].text) + ": invalid macro name ignored")
		return true
	}
	return false
}

func biBuiltin(p *Processor, out *[]byte, args []arg) {
	if p.badArgc(args, 2, -1) || p.invalidName(args) {
		return
	}
	name := string(args[1].text)
	b := p.builtins[name]
	if b == nil {
		p.warn("undefined builtin `" + name + "'")
		return
	}
	sub := args[1:]
	if !b.macroArgs {
		sub = textOnly(sub)
	}
	p.callBuiltin(b, sub, out)
}

// textOnly turns builtin-token arguments (after the name) into empty
// text, for macros that do not accept them.
func textOnly(args []arg) []arg {
	for i := 1; i < len(args); i++ {
		if args[i].bi != nil {
			c := make([]arg, len(args))
			copy(c, args)
			for j := i; j < len(c); j++ {
				if c[j].bi != nil {
					c[j] = arg{}
				}
			}
			return c
		}
	}
	return args
}

func biIndir(p *Processor, out *[]byte, args []arg) {
	if p.badArgc(args, 2, -1) || p.invalidName(args) {
		return
	}
	name := string(args[1].text)
	d := p.lookup(name)
	if d == nil {
		p.warn("undefined macro `" + name + "'")
		return
	}
	sub := args[1:]
	if d.bi == nil || !d.bi.macroArgs {
		sub = textOnly(sub)
	}
	p.callMacro(d, sub, out)
}

func biChangecom(p *Processor, out *[]byte, args []arg) {
	if p.badArgc(args, 1, 3) {
		return
	}
	switch {
	case len(args) < 2:
		p.bcomm, p.ecomm = nil, nil
	default:
		bc := append([]byte(nil), args[1].text...)
		var ec []byte
		if len(args) >= 3 {
			ec = append([]byte(nil), args[2].text...)
		}
		if len(args) < 3 || len(bc) > 0 && len(ec) == 0 {
			ec = []byte("\n")
		}
		p.bcomm, p.ecomm = bc, ec
	}
	p.updateClasses()
}

func biChangequote(p *Processor, out *[]byte, args []arg) {
	if p.badArgc(args, 1, 3) {
		return
	}
	switch {
	case len(args) < 2:
		p.lquote, p.rquote = []byte("`"), []byte("'")
	default:
		lq := append([]byte(nil), args[1].text...)
		var rq []byte
		if len(args) >= 3 {
			rq = append([]byte(nil), args[2].text...)
		}
		if len(args) < 3 || len(lq) > 0 && len(rq) == 0 {
			rq = []byte("'")
		}
		p.lquote, p.rquote = lq, rq
	}
	p.updateClasses()
}

func biDebugmode(p *Processor, out *[]byte, args []arg) {
	if p.badArgc(args, 1, 2) {
		return
	}
	if len(args) == 1 {
		p.debug = 0
		return
	}
	// GNU's debug_decode frees its trace buffer: the trace line of this
	// very call, if it is traced, loses what was written so far.
	p.tracePending = nil
	s := string(args[1].text)
	change := byte(0)
	if s != "" && (s[0] == '+' || s[0] == '-') {
		change = s[0]
		s = s[1:]
	}
	lvl, ok := decodeDebug(s)
	if !ok {
		p.warn("Debugmode: bad debug flags: `" + string(args[1].text) + "'")
		return
	}
	switch change {
	case 0:
		p.debug = lvl
	case '+':
		p.debug |= lvl
	case '-':
		p.debug &^= lvl
	}
}

func biDebugfile(p *Processor, out *[]byte, args []arg) {
	if p.badArgc(args, 1, 2) {
		return
	}
	if len(args) == 1 {
		p.setDebugFile(nil)
		return
	}
	name := string(args[1].text)
	if !p.setDebugFile(&name) {
		err := os.ErrPermission
		if !p.opts.NoWrite {
			err = openErr(name)
		}
		p.warn("cannot set debug file `" + name + "': " + errnoText(err))
	}
}

func openErr(name string) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o666)
	if err == nil {
		f.Close()
	}
	return err
}

func biIncr(p *Processor, out *[]byte, args []arg) { incrDecr(p, out, args, 1) }
func biDecr(p *Processor, out *[]byte, args []arg) { incrDecr(p, out, args, -1) }

func incrDecr(p *Processor, out *[]byte, args []arg, delta int32) {
	if p.badArgc(args, 2, 2) {
		return
	}
	v, ok := p.numericArg(args[0].text, args[1].text)
	if !ok {
		return
	}
	appendInt(out, int(int32(v)+delta))
}

func biDefine(p *Processor, out *[]byte, args []arg)  { p.defineMacro(args, modeInsert) }
func biPushdef(p *Processor, out *[]byte, args []arg) { p.defineMacro(args, modePushdef) }

func (p *Processor) defineMacro(args []arg, mode defineMode) {
	if p.badArgc(args, 2, 3) || p.invalidName(args) {
		return
	}
	name := args[1].text
	if len(args) == 2 {
		p.defineText(name, nil, mode)
		return
	}
	if b := args[2].bi; b != nil {
		p.defineBuiltin(string(name), b, mode)
		return
	}
	p.defineText(name, args[2].text, mode)
}

func biUndefine(p *Processor, out *[]byte, args []arg) {
	if p.badArgc(args, 2, -1) {
		return
	}
	for _, a := range args[1:] {
		p.deleteSymbol(a.text, false)
	}
}

func biPopdef(p *Processor, out *[]byte, args []arg) {
	if p.badArgc(args, 2, -1) {
		return
	}
	for _, a := range args[1:] {
		p.deleteSymbol(a.text, true)
	}
}

func biDefn(p *Processor, out *[]byte, args []arg) {
	if p.badArgc(args, 2, -1) {
		return
	}
	for _, a := range args[1:] {
		name := string(a.text)
		d := p.lookup(name)
		if d == nil {
			continue
		}
		if d.bi == nil {
			*out = append(*out, p.lquote...)
			*out = append(*out, d.text...)
			*out = append(*out, p.rquote...)
			continue
		}
		if len(args) != 2 {
			p.warn("Warning: cannot concatenate builtin `" + name + "'")
			continue
		}
		p.pushMacro(d.bi)
	}
}

func biIfdef(p *Processor, out *[]byte, args []arg) {
	if p.badArgc(args, 3, 4) {
		return
	}
	if p.lookup(string(args[1].text)) != nil {
		*out = append(*out, args[2].text...)
	} else if len(args) >= 4 {
		*out = append(*out, args[3].text...)
	}
}

func biIfelse(p *Processor, out *[]byte, args []arg) {
	if len(args) == 2 {
		return
	}
	if p.badArgc(args, 4, -1) {
		return
	}
	// GNU checks (argc + 2) % 3 against a maximum of 1 to warn about a
	// dangling argument.
	if (len(args)+2)%3 > 1 && !p.opts.Quiet {
		p.warn("Warning: excess arguments to builtin `" + string(args[0].text) + "' ignored")
	}
	a := args[1:]
	for {
		if bytes.Equal(a[0].text, a[1].text) {
			*out = append(*out, a[2].text...)
			return
		}
		switch len(a) {
		case 3:
			return
		case 4, 5:
			*out = append(*out, a[3].text...)
			return
		}
		a = a[3:]
	}
}

func biDumpdef(p *Processor, out *[]byte, args []arg) {
	var syms []*symbol
	if len(args) == 1 {
		for _, s := range p.sym.all() {
			if len(s.defs) > 0 {
				syms = append(syms, s)
			}
		}
	} else {
		for _, a := range args[1:] {
			s := p.sym.get(a.text)
			if s != nil && len(s.defs) > 0 {
				syms = append(syms, s)
			} else {
				p.warn("undefined macro `" + string(a.text) + "'")
			}
		}
	}
	sort.SliceStable(syms, func(i, j int) bool { return syms[i].name < syms[j].name })
	for _, s := range syms {
		d := s.defs[len(s.defs)-1]
		b := []byte(s.name + ":\t")
		switch {
		case d.bi != nil:
			b = append(b, '<')
			b = append(b, d.bi.name...)
			b = append(b, '>')
		case p.debug&debugQuote != 0:
			b = append(b, p.lquote...)
			b = append(b, d.text...)
			b = append(b, p.rquote...)
		default:
			b = append(b, d.text...)
		}
		b = append(b, '\n')
		p.debugPrint(b)
	}
}

func biDivert(p *Processor, out *[]byte, args []arg) {
	if p.badArgc(args, 1, 2) {
		return
	}
	n := 0
	if len(args) >= 2 {
		v, ok := p.numericArg(args[0].text, args[1].text)
		if !ok {
			return
		}
		n = v
	}
	p.setDiversion(n)
}

func biDivnum(p *Processor, out *[]byte, args []arg) {
	if p.badArgc(args, 1, 1) {
		return
	}
	appendInt(out, p.cur)
}

func biUndivert(p *Processor, out *[]byte, args []arg) {
	if len(args) == 1 {
		p.undivertAll()
		return
	}
	for _, a := range args[1:] {
		v, n, _ := strtol(a.text)
		// GNU: a number is anything strtol consumes entirely, the empty
		// string (diversion 0) included, unless it starts with a blank
		if n == len(a.text) && (n == 0 || !isSpace(a.text[0])) {
			p.insertDiversion(int(int32(v)))
			continue
		}
		if p.opts.Traditional {
			p.warn("non-numeric argument to builtin `" + string(args[0].text) + "'")
			continue
		}
		data, _, err := p.pathSearch(string(a.text))
		if err != nil {
			p.warn("cannot undivert `" + string(a.text) + "': " + errnoText(err))
			continue
		}
		if p.curDiv != nil {
			p.outputText(data)
			p.outLine = -1
		}
	}
}

func biDnl(p *Processor, out *[]byte, args []arg) {
	if p.badArgc(args, 1, 1) {
		return
	}
	p.skipLine()
}

func biShift(p *Processor, out *[]byte, args []arg) {
	if p.badArgc(args, 2, -1) {
		return
	}
	p.dumpArgs(out, args[1:], ",", true)
}

func biErrprint(p *Processor, out *[]byte, args []arg) {
	if p.badArgc(args, 2, -1) {
		return
	}
	var b []byte
	p.dumpArgs(&b, args, " ", false)
	if p.out != nil {
		p.out.Flush()
	}
	p.stderr.Write(b)
	if p.opts.Report != nil {
		r := Report{Kind: ReportErrprint, Msg: string(b), File: p.curFile, Line: p.curLine, Origin: p.curOrigin}
		r.OuterFile, r.OuterLine = p.outermost(p.curFile, p.curLine)
		p.opts.Report(r)
	}
}

func (p *Processor) include(args []arg, silent bool) {
	if p.badArgc(args, 2, 2) {
		return
	}
	name := string(args[1].text)
	data, full, err := p.pathSearch(name)
	if err != nil {
		if !silent {
			p.warn("cannot open `" + name + "': " + errnoText(err))
			p.retcode = 1
		}
		return
	}
	p.pushFile(data, full, p.curOrigin)
}

func biInclude(p *Processor, out *[]byte, args []arg)  { p.include(args, false) }
func biSinclude(p *Processor, out *[]byte, args []arg) { p.include(args, true) }

func biLen(p *Processor, out *[]byte, args []arg) {
	if p.badArgc(args, 2, 2) {
		return
	}
	appendInt(out, len(args[1].text))
}

func biIndex(p *Processor, out *[]byte, args []arg) {
	if p.badArgc(args, 3, 3) {
		if len(args) == 2 {
			appendInt(out, 0)
		}
		return
	}
	appendInt(out, bytes.Index(args[1].text, args[2].text))
}

func biSubstr(p *Processor, out *[]byte, args []arg) {
	if p.badArgc(args, 3, 4) {
		if len(args) == 2 {
			*out = append(*out, args[1].text...)
		}
		return
	}
	s := args[1].text
	avail := len(s)
	length := avail
	start, ok := p.numericArg(args[0].text, args[2].text)
	if !ok {
		return
	}
	if len(args) >= 4 {
		if length, ok = p.numericArg(args[0].text, args[3].text); !ok {
			return
		}
	}
	if start < 0 || length <= 0 || start >= avail {
		return
	}
	if start+length > avail || start+length < start {
		length = avail - start
	}
	*out = append(*out, s[start:start+length]...)
}

// expandRanges expands a-z style ranges in a translit argument.
func expandRanges(s []byte) []byte {
	var out []byte
	var from byte
	for i := 0; i < len(s); i++ {
		if s[i] == '-' && i > 0 {
			if i+1 >= len(s) {
				out = append(out, '-')
				break
			}
			to := s[i+1]
			if from <= to {
				for c := int(from) + 1; c <= int(to); c++ {
					out = append(out, byte(c))
				}
			} else {
				for c := int(from) - 1; c >= int(to); c-- {
					out = append(out, byte(c))
				}
			}
			i++
			from = to
			continue
		}
		out = append(out, s[i])
		from = s[i]
	}
	return out
}

func biTranslit(p *Processor, out *[]byte, args []arg) {
	data := argText(args, 1)
	from := argText(args, 2)
	if p.badArgc(args, 3, 4) || len(data) == 0 || len(from) == 0 {
		if len(args) >= 2 {
			*out = append(*out, data...)
		}
		return
	}
	to := argText(args, 3)
	if bytes.IndexByte(to, '-') >= 0 {
		to = expandRanges(to)
	}
	if len(from) >= 3 && bytes.IndexByte(from, '-') >= 0 {
		from = expandRanges(from)
	}
	var mapped [256]int16
	var found [256]bool
	ti := 0
	for _, c := range from {
		if !found[c] {
			found[c] = true
			if ti < len(to) {
				mapped[c] = int16(to[ti])
			} else {
				mapped[c] = -1
			}
		}
		if ti < len(to) {
			ti++
		}
	}
	for _, c := range data {
		switch {
		case !found[c]:
			*out = append(*out, c)
		case mapped[c] >= 0:
			*out = append(*out, byte(mapped[c]))
		}
	}
}

func biM4exit(p *Processor, out *[]byte, args []arg) {
	p.badArgc(args, 1, 2)
	code := 0
	if len(args) >= 2 {
		v, ok := p.numericArg(args[0].text, args[1].text)
		if !ok {
			code = 1
		} else {
			code = v
		}
	}
	if code < 0 || code > 255 {
		p.warn("exit status out of range: `" + strconv.Itoa(code) + "'")
		code = 1
	}
	p.setDebugFile(nil)
	if code == 0 && p.retcode != 0 {
		code = p.retcode
	}
	panic(stop{status: code})
}

func biM4wrap(p *Processor, out *[]byte, args []arg) {
	if p.badArgc(args, 2, -1) {
		return
	}
	var b []byte
	if p.opts.Traditional {
		b = append(b, args[1].text...)
	} else {
		p.dumpArgs(&b, args, " ", false)
	}
	p.pushWrapup(b)
}

// mkstemp creates a file from a template whose trailing X's (at least
// six, added if missing) are replaced by random characters.
func (p *Processor) mkstemp(out *[]byte, me string, pattern []byte) {
	i := 0
	for i < 6 && i < len(pattern) && pattern[len(pattern)-i-1] == 'X' {
		i++
	}
	name := append(append([]byte(nil), pattern...), strings.Repeat("X", 6-i)...)
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var err error = os.ErrPermission
	for try := 0; try < 100 && !p.opts.NoWrite; try++ {
		var rnd [6]byte
		rand.Read(rnd[:])
		for k := 0; k < 6; k++ {
			name[len(name)-6+k] = letters[int(rnd[k])%len(letters)]
		}
		var f *os.File
		f, err = os.OpenFile(p.tempPath(string(name)), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			f.Close()
			p.tempFiles[string(name)] = true
			p.appendQuoted(out, string(name))
			return
		}
		if !os.IsExist(err) {
			break
		}
	}
	p.diag(ReportError, p.curFile, p.curLine, 0, me+": cannot create tempfile `"+string(pattern)+"': "+errnoText(err))
	if p.opts.FatalWarnings >= 1 && p.retcode == 0 {
		p.retcode = 1
	}
}

func (p *Processor) tempPath(name string) string {
	if p.opts.TempDir != "" && !filepath.IsAbs(name) {
		return filepath.Join(p.opts.TempDir, name)
	}
	return name
}

func biMkstemp(p *Processor, out *[]byte, args []arg) {
	if p.badArgc(args, 2, 2) {
		return
	}
	p.mkstemp(out, string(args[0].text), args[1].text)
}

func biMaketemp(p *Processor, out *[]byte, args []arg) {
	if p.badArgc(args, 2, 2) {
		return
	}
	if !p.opts.Traditional {
		p.mkstemp(out, string(args[0].text), args[1].text)
		return
	}
	// POSIX: replace trailing X's with the process id.
	p.warn("recommend using mkstemp instead")
	s := args[1].text
	i := len(s)
	for i > 1 && s[i-1] == 'X' {
		i--
	}
	*out = append(*out, s[:i]...)
	pid := strconv.Itoa(os.Getpid())
	nx := len(s) - i
	if len(pid) > nx {
		*out = append(*out, pid[len(pid)-nx:]...)
	} else {
		for k := 0; k < nx-len(pid); k++ {
			*out = append(*out, '0')
		}
		*out = append(*out, pid...)
	}
}

func biTraceon(p *Processor, out *[]byte, args []arg) {
	if len(args) == 1 {
		for _, s := range p.sym.all() {
			s.traced = true
		}
		return
	}
	for _, a := range args[1:] {
		p.Trace(string(a.text))
	}
}

func biTraceoff(p *Processor, out *[]byte, args []arg) {
	if len(args) == 1 {
		for _, s := range p.sym.all() {
			s.traced = false
			if len(s.defs) == 0 {
				p.sym.remove(s)
			}
		}
		return
	}
	for _, a := range args[1:] {
		name := string(a.text)
		if s := p.sym.getString(name); s != nil {
			s.traced = false
			if len(s.defs) == 0 {
				p.sym.remove(s)
			}
		}
	}
}

func biSysval(p *Processor, out *[]byte, args []arg) {
	appendInt(out, p.sysval)
}

func biSyscmd(p *Processor, out *[]byte, args []arg) {
	cmd := argText(args, 1)
	if p.badArgc(args, 2, 2) || len(cmd) == 0 {
		p.sysval = 0
		return
	}
	p.shell(string(args[0].text), string(cmd), nil)
}

func biEsyscmd(p *Processor, out *[]byte, args []arg) {
	cmd := argText(args, 1)
	if p.badArgc(args, 2, 2) || len(cmd) == 0 {
		p.sysval = 0
		return
	}
	p.shell(string(args[0].text), string(cmd), out)
}

func biEval(p *Processor, out *[]byte, args []arg) {
	if p.badArgc(args, 2, 4) {
		return
	}
	radix := 10
	if r := argText(args, 2); len(r) > 0 {
		v, ok := p.numericArg(args[0].text, r)
		if !ok {
			return
		}
		radix = v
	}
	if radix < 1 || radix > 36 {
		p.warn(fmt.Sprintf("radix %d in builtin `%s' out of range", radix, args[0].text))
		return
	}
	min := 1
	if len(args) >= 4 {
		v, ok := p.numericArg(args[0].text, args[3].text)
		if !ok {
			return
		}
		min = v
	}
	if min < 0 {
		p.warn("negative width to builtin `" + string(args[0].text) + "'")
		return
	}
	var value int32
	if len(args[1].text) == 0 {
		p.warn("empty string treated as 0 in builtin `" + string(args[0].text) + "'")
	} else {
		v, failed := p.evaluate(args[1].text)
		if failed {
			return
		}
		value = v
	}
	if radix == 1 {
		p.checkSize(len(*out) + min + int(uint32(value)))
		if value < 0 {
			*out = append(*out, '-')
			value = -value
		}
		for k := int64(min) - int64(value); k > 0; k-- {
			*out = append(*out, '0')
		}
		for k := int64(0); k < int64(uint32(value)); k++ {
			*out = append(*out, '1')
		}
		return
	}
	s := strconv.FormatInt(int64(value), radix)
	p.checkSize(len(*out) + min + len(s))
	if s[0] == '-' {
		*out = append(*out, '-')
		s = s[1:]
	}
	for k := min - len(s); k > 0; k-- {
		*out = append(*out, '0')
	}
	*out = append(*out, s...)
}

func biFormat(p *Processor, out *[]byte, args []arg) {
	if p.badArgc(args, 2, -1) {
		return
	}
	p.format(out, args[1:])
}
