package sendmail

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"mailcc/ir"
	"mailcc/m4"
	"mailcc/source"
)

// LibraryVersion is the version of sendmail's cf library whose macros
// mailcc implements (the DZ macro of a generated sendmail.cf).
const LibraryVersion = "8.17.1.9"

// libFile names the text mailcc's own library code is read from, in
// origins and positions (it is never a file).
const libFile = "<cf library>"

// Options configure ParseMC.
type Options struct {
	// Root: absolute paths the .mc names (include files) are read under
	// this folder.
	Root string
	// IncludePath is m4's -I: where include and sinclude search after
	// the .mc's own folder.
	IncludePath []string
	// SkipTables: Load and Lower do not read the text sources of the
	// maps nor the class files (the IR then has the declarations only).
	SkipTables bool
	// MaxMemory and MaxWork limit the m4 run as m4.Options does (0: the
	// defaults).
	MaxMemory, MaxWork int64
}

// MC is a sendmail.mc as the cf library understands it.
type MC struct {
	Path string
	// Lines are the declarations the sendmail.cf generated from the .mc
	// holds (K, C, F, D, O, M, X, Q and T lines, and the rule sets and
	// rules the .mc wrote itself), in the order the .cf holds them, each
	// with the position of the .mc line that led to it, or the origin of
	// a library default.
	Lines []Line
	// Calls are the cf macros called, in order, including those the
	// library's OSTYPE, DOMAIN and FEATURE files call themselves (Via
	// says which).
	Calls []Call
	// Opaque are things kept verbatim: the .mc's own rules, hacks.
	Opaque []ir.Opaque
	// LibraryPos is the .mc line that loads the cf library (its include
	// of cf.m4; the first line when it has none): diagnostics about the
	// library's defaults point there.
	LibraryPos ir.Pos
	// Includes are the files the .mc included (not the cf library's).
	Includes []string
	// Vars are the cf variables (conf*, SMART_HOST, MASQUERADE_NAME,
	// ...) defined when the .mc ends, with their expanded values.
	Vars map[string]Var

	p *m4.Processor
}

// Call is a call of a cf macro.
type Call struct {
	Name string
	Args []string
	Pos  ir.Pos
	// Via names the library macro that made the call ("OSTYPE(linux)"),
	// empty when the .mc itself made it.
	Via string
}

// Var is a cf variable's value when the .mc ends.
type Var struct {
	Value string
	// Raw is the definition as stored (before expansion).
	Raw string
	Pos ir.Pos
	// Origin says which library macro defined it ("cf library default",
	// "OSTYPE(debian)"); empty when the .mc did.
	Origin string
}

// Defined reports whether the m4 macro name is defined at the end of the
// .mc (the cf library's flags: _ACCESS_TABLE_, _DELAY_CHECKS_, ...).
func (mc *MC) Defined(name string) bool { return mc.p != nil && mc.p.IsDefined(name) }

// Value returns the expansion of the macro name at the end of the .mc,
// and whether it is defined.
func (mc *MC) Value(name string) (string, bool) {
	if !mc.Defined(name) {
		return "", false
	}
	if v, ok := mc.Vars[name]; ok {
		return v.Value, true
	}
	out, err := mc.p.Expand(libFile, name)
	if err != nil {
		return "", false
	}
	return out, true
}

// Feature returns the arguments of the first call of FEATURE(name), and
// whether there was one.
func (mc *MC) Feature(name string) ([]string, *Call) {
	for i := range mc.Calls {
		c := &mc.Calls[i]
		if c.Name == "FEATURE" && len(c.Args) > 0 && c.Args[0] == name {
			return c.Args[1:], c
		}
	}
	return nil, nil
}

// lib is one run of the emulated cf library over a .mc.
type lib struct {
	p     *m4.Processor
	mc    *MC
	opts  Options
	dir   string
	diags source.Diagnostics

	loaded   bool
	divStack []int
	// labels names the library macro calls, by the origin of the call,
	// so that text they produced can say where it came from.
	labels map[*m4.Origin]*callInfo
	// libDefs remembers the definitions the library code made.
	libDefs map[string]libDef
	// lists built by DAEMON_OPTIONS, CLIENT_OPTIONS, MAIL_FILTER and
	// QUEUE_GROUP, with the calls' positions
	dpo, cpo, filters, qgroups []genLine
	// atEnd: the .mc has been read; the library's proto.m4 part runs
	atEnd bool
	// out is what the .mc wrote to the output (diversion 0)
	out bytes.Buffer
	// openRules: the last opaque item is a rule set rules may be added to
	openRules bool
	// fileLines caches the lines of files, for columns
	fileLines map[string][]string
}

// callInfo describes a library macro call.
type callInfo struct {
	label  string
	pos    ir.Pos
	parent *callInfo
}

// origin describes where a call came from, for Origin fields:
// "FEATURE(local_procmail) from OSTYPE(linux)".
func (ci *callInfo) origin() string {
	if ci == nil {
		return ""
	}
	s := ci.label
	for p := ci.parent; p != nil; p = p.parent {
		s += " from " + p.label
	}
	return s
}

type libDef struct {
	text   string
	file   string
	line   int
	origin string
	pos    ir.Pos
}

// genLine is a line the library generates, with where it came from.
type genLine struct {
	text   string
	pos    ir.Pos
	origin string
}

// ParseMC reads a sendmail.mc the way `m4 cf.m4 sendmail.mc` does, with
// mailcc's own implementation of the cf library's macros instead of the
// library's files, and returns what the generated sendmail.cf would
// declare. data is the .mc's text (nil: read path).
func ParseMC(path string, data []byte, opts Options) (*MC, source.Diagnostics) {
	l := &lib{
		mc:      &MC{Path: path, Vars: map[string]Var{}},
		opts:    opts,
		dir:     filepath.Dir(path),
		labels:  map[*m4.Origin]*callInfo{},
		libDefs: map[string]libDef{},
	}
	if data == nil {
		var err error
		data, err = os.ReadFile(path) // the .mc named is read where it is; --root is for the paths it names
		if err != nil {
			l.diags.Errorf(source.Position{Filename: path}, "cannot read the .mc: %v", unwrapPathError(err))
			return l.mc, l.diags
		}
	}
	l.fileLines = map[string][]string{path: strings.Split(string(data), "\n")}
	l.p = m4.New(m4.Options{
		ProgramName:  "m4",
		IncludePath:  append([]string{l.dir}, opts.IncludePath...),
		Open:         l.open,
		Stat:         l.stat,
		Stdin:        bytes.NewReader(nil),
		Stderr:       io.Discard,
		Report:       l.report,
		TrackOrigins: true,
		NoWrite:      true,
		MaxMemory:    opts.MaxMemory,
		MaxWork:      opts.MaxWork,
		// the .mc's own output is read back before the end
		Interactive: true,
	})
	l.mc.p = l.p
	l.p.SetOutput(&l.out)
	l.p.Register("__mailcc_cf_m4", l.cfM4, false)
	run := func() error {
		if !bytes.Contains(data, []byte("cf.m4")) {
			// compiled as `m4 cf.m4 sendmail.mc`
			if err := l.p.ProcessString(libFile, "__mailcc_cf_m4`'dnl\n"); err != nil {
				return err
			}
		}
		if err := l.p.ProcessString(path, string(data)); err != nil {
			return err
		}
		if l.loaded {
			l.atEnd = true
			l.proto()
		} else {
			l.diags.Errorf(source.Position{Filename: path, Line: 1, Column: 1}, "the .mc does not use the sendmail cf library (no include of cf.m4 took effect)")
		}
		return l.p.Finish()
	}
	if err := run(); err != nil {
		if _, ok := m4.Stopped(err); !ok {
			if _, ok := err.(*m4.ExitError); !ok {
				l.diags.Errorf(source.Position{Filename: path}, "%v", err)
			}
		}
	}
	l.diags.Sort()
	l.diags.RemoveMultiples()
	return l.mc, l.diags
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// resolve maps a path the .mc names to the file to read: absolute paths
// under Root, relative ones from the .mc's folder.
func (l *lib) resolve(name string) string {
	if filepath.IsAbs(name) {
		if l.opts.Root != "" {
			return filepath.Join(l.opts.Root, name)
		}
		return name
	}
	return name
}

// libraryFile reports whether name is a file of the cf library that
// mailcc implements itself, and the text that stands for it.
func (l *lib) libraryFile(name string) (string, bool) {
	clean := filepath.ToSlash(filepath.Clean(name))
	base := filepath.Base(clean)
	parent := filepath.Base(filepath.Dir(clean))
	switch {
	case parent == "m4" && base == "cf.m4":
		return "__mailcc_cf_m4`'dnl\n", true
	case parent == "m4" && (base == "cfhead.m4" || base == "proto.m4" || base == "version.m4"):
		return "", true
	case parent == "debian" && base == "autoconf.m4":
		return "__mailcc_debian_autoconf`'dnl\n", true
	}
	return "", false
}

type memFile struct{ *bytes.Reader }

func (memFile) Close() error { return nil }

func (l *lib) open(name string) (io.ReadCloser, error) {
	if text, ok := l.libraryFile(name); ok {
		return memFile{bytes.NewReader([]byte(text))}, nil
	}
	f, err := os.Open(l.resolve(name))
	if err == nil && name != l.mc.Path {
		l.mc.Includes = append(l.mc.Includes, name)
	}
	return f, err
}

func (l *lib) stat(name string) (fs.FileInfo, error) {
	if _, ok := l.libraryFile(name); ok {
		return nil, nil
	}
	return os.Stat(l.resolve(name))
}

// report turns the engine's reports into diagnostics.
func (l *lib) report(r m4.Report) {
	pos := source.Position{Filename: r.File, Line: r.Line, Column: r.Column}
	if r.File == libFile || r.File == "" {
		pos = l.userPos(r.Origin)
	}
	if pos.Column == 0 && pos.Line > 0 {
		pos.Column = l.columnOf(pos.Filename, pos.Line, "")
	}
	switch r.Kind {
	case m4.ReportWarning:
		if strings.HasPrefix(r.Msg, "cannot open `") {
			// GNU m4 prints this as a warning but fails (exit status 1)
			if c := l.columnOf(pos.Filename, pos.Line, "include"); c > 0 {
				pos.Column = c
			}
			l.diags.Errorf(pos, "include: %s", r.Msg)
			return
		}
		l.diags.Warningf(pos, "%s", r.Msg)
	case m4.ReportError, m4.ReportFatal:
		msg := r.Msg
		switch msg {
		case "ERROR: end of file in string":
			msg = "quoted string opened here is not closed by the end of the file (a ' is missing, or a typographic quote was used)"
		case "ERROR: end of file in argument list":
			msg = "macro call's argument list is not closed by the end of the file (a ) is missing)"
			if o := r.Open; o != nil {
				pos = source.Position{Filename: o.File, Line: o.Line, Column: o.Column}
				msg = "the argument list of " + o.Name + " opened here is not closed by the end of the file (a ) or a ' is missing)"
			}
		}
		l.diags.Errorf(pos, "%s", msg)
	case m4.ReportErrprint:
		text := strings.TrimSpace(r.Msg)
		if strings.Contains(text, "*** ERROR") {
			l.diags.Errorf(pos, "%s", strings.Join(strings.Fields(strings.TrimPrefix(text, "*** ")), " "))
		}
	}
}

// userPos is the position in the .mc (or a file it includes) an origin
// leads to.
func (l *lib) userPos(o *m4.Origin) source.Position {
	p := l.originPos(o)
	return source.Position{Filename: p.File, Line: p.Line, Column: p.Col}
}

// originPos finds the innermost place in a real file along an origin
// chain.
func (l *lib) originPos(o *m4.Origin) ir.Pos {
	for ; o != nil; o = o.Parent {
		if ci := l.labels[o]; ci != nil {
			return ci.pos
		}
		if o.File != "" && o.File != libFile && o.Line > 0 {
			return ir.Pos{File: o.File, Line: o.Line, Col: l.columnOf(o.File, o.Line, "")}
		}
	}
	return ir.Pos{File: l.mc.Path}
}

// callOf is the library call (if any) an origin chain passes through.
func (l *lib) callOf(o *m4.Origin) *callInfo {
	for ; o != nil; o = o.Parent {
		if ci := l.labels[o]; ci != nil {
			return ci
		}
	}
	return nil
}

// posOf is the position of a macro call.
func (l *lib) posOf(c *m4.Call) ir.Pos {
	if c.File() == libFile || c.File() == "" {
		if o := c.Origin(); o != nil {
			return l.originPos(o.Parent)
		}
		return ir.Pos{File: l.mc.Path}
	}
	return ir.Pos{File: c.File(), Line: c.Line(), Col: c.Column()}
}

// enter records a library macro call: its label, position and the call
// it was made from.
func (l *lib) enter(c *m4.Call, name string, args []string) *callInfo {
	label := name
	if len(args) > 1 {
		label += "(" + args[1] + ")"
	}
	var parent *callInfo
	if o := c.Origin(); o != nil {
		parent = l.callOf(o.Parent)
	}
	ci := &callInfo{label: label, pos: l.posOf(c), parent: parent}
	if ci.pos.Col == 0 && ci.pos.Line > 0 {
		// a call the library made: the column of the .mc's call
		if parent != nil && parent.pos.File == ci.pos.File && parent.pos.Line == ci.pos.Line {
			ci.pos.Col = parent.pos.Col
		} else {
			ci.pos.Col = l.columnOf(ci.pos.File, ci.pos.Line, name)
		}
	}
	if o := c.Origin(); o != nil {
		l.labels[o] = ci
	}
	call := Call{Name: name, Pos: ci.pos}
	if len(args) > 1 {
		call.Args = append([]string(nil), args[1:]...)
		for len(call.Args) > 0 && call.Args[len(call.Args)-1] == "" && name != "FEATURE" {
			call.Args = call.Args[:len(call.Args)-1]
		}
	}
	if parent != nil {
		call.Via = parent.origin()
	}
	l.mc.Calls = append(l.mc.Calls, call)
	return ci
}

// current is the library call the processor is inside, if any.
func (l *lib) current(c *m4.Call) *callInfo {
	if c == nil {
		return nil
	}
	return l.callOf(c.Origin())
}

// warnf and errorf report at the .mc line that led to the call.
func (l *lib) warnf(c *m4.Call, format string, args ...any) {
	p := l.posOf(c)
	if ci := l.current(c); ci != nil {
		p = ci.pos
	}
	l.diags.Warningf(source.Position{Filename: p.File, Line: p.Line, Column: p.Col}, format, args...)
}

func (l *lib) errorf(c *m4.Call, format string, args ...any) {
	p := l.posOf(c)
	if ci := l.current(c); ci != nil {
		p = ci.pos
	}
	l.diags.Errorf(source.Position{Filename: p.File, Line: p.Line, Column: p.Col}, format, args...)
}

// def defines a macro. Inside a library macro (OSTYPE, FEATURE, ...)
// the definition is remembered as the library's, with the call that
// made it; otherwise it is the .mc's own.
func (l *lib) def(c *m4.Call, name, value string) {
	l.p.Define(name, value)
	ci := l.current(c)
	if ci == nil {
		delete(l.libDefs, name)
		return
	}
	d := libDef{text: value, origin: ci.origin(), pos: ci.pos}
	d.file, d.line, _ = l.p.DefinitionSite(name)
	l.libDefs[name] = d
}

// defIfNot is the library's _DEFIFNOT.
func (l *lib) defIfNot(c *m4.Call, name, value string) {
	if !l.p.IsDefined(name) {
		l.def(c, name, value)
	}
}

func (l *lib) undef(name string) { l.p.Undefine(name) }

func (l *lib) defined(name string) bool { return l.p.IsDefined(name) }

// defn is m4's defn: a macro's text as stored.
func (l *lib) defn(name string) string {
	t, _ := l.p.Definition(name)
	return t
}

// expand expands m4 text in the library's context; only valid once the
// .mc has been read (the engine would otherwise read on into the .mc).
func (l *lib) expand(text string) string {
	if !l.atEnd {
		panic("sendmail: expand while the .mc is being read")
	}
	out, err := l.p.Expand(libFile, text)
	if err != nil {
		return ""
	}
	return out
}

// q quotes text with the current quotes (the library's ` and ').
func q(c *m4.Call, s string) string { return c.Quote(s) }

// pushDivert and popDivert are the library's PUSHDIVERT and POPDIVERT.
func (l *lib) pushDivert(n int) {
	l.divStack = append(l.divStack, l.p.CurrentDiversion())
	l.p.SetDiversion(n)
}

func (l *lib) popDivert() {
	if n := len(l.divStack); n > 0 {
		l.p.SetDiversion(l.divStack[n-1])
		l.divStack = l.divStack[:n-1]
	}
}

// output writes text into diversion div as the library's macros do,
// attributed to the call.
func (l *lib) output(c *m4.Call, div int, text string) {
	cur := l.p.CurrentDiversion()
	l.p.SetDiversion(div)
	c.Output(text)
	l.p.SetDiversion(cur)
}

// cfM4 stands for the cf library's m4/cf.m4 and cfhead.m4: it installs
// the library's macros and defaults, once.
func (l *lib) cfM4(c *m4.Call, args []string) string {
	if l.p.IsDefined("OSTYPE") || l.loaded {
		return ""
	}
	l.loaded = true
	l.mc.LibraryPos = ir.Pos{File: l.mc.Path, Line: 1, Col: 1}
	if f, line := c.OuterSite(); f == l.mc.Path && line > 0 {
		l.mc.LibraryPos = ir.Pos{File: f, Line: line, Col: l.columnOf(f, line, "include")}
	}
	if !l.p.IsDefined("_CF_DIR_") {
		dir := "../"
		if f := c.File(); f != libFile && strings.HasSuffix(f, "m4/cf.m4") {
			dir = strings.TrimSuffix(f, "m4/cf.m4")
		}
		l.p.Define("_CF_DIR_", dir)
	}
	l.installMacros()
	l.installDefaults(c)
	l.p.SetDiversion(0)
	// cfhead.m4's settings: no comments, format and hpux are not macros
	return "changecom()undefine(" + q(c, "format") + ")undefine(" + q(c, "hpux") + ")"
}
