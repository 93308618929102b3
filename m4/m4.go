package m4

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Default limits. Each can be changed through Options; the error that
// reports a limit names the option (and the command-line flag) that
// raises it.
const (
	// DefaultNestingLimit bounds how deeply macro calls may nest while
	// their arguments are collected. GNU m4's own default is "unlimited
	// until the C stack overflows"; this is large enough for any real
	// program and small enough to stop runaway recursion quickly.
	DefaultNestingLimit = 65536
	// maxNestingLimit is the largest nesting limit honoured: deeper
	// recursion would exhaust the Go stack.
	maxNestingLimit = 1 << 18
	// DefaultMaxMemory bounds the bytes held in diversions, pending
	// (pushed back, not yet rescanned) input, collected arguments and
	// macro definitions. Compiling a sendmail.mc holds under 1 MB.
	DefaultMaxMemory = 64 << 20
	// DefaultMaxWork bounds the total work of expansion: the bytes of
	// every macro expansion plus a fixed cost per macro call. Compiling
	// generic-linux.mc costs about 135,000 units.
	DefaultMaxWork = 64 << 20
	// DefaultMaxOutput bounds the total bytes written to the output.
	DefaultMaxOutput = 1 << 30
	// workPerCall is what one macro call costs in work units, on top of
	// the bytes of its expansion.
	workPerCall = 32
)

// Options configure a Processor. The zero value is GNU m4's defaults with
// no shell access.
type Options struct {
	// ProgramName prefixes diagnostics ("m4:file:line: ...") and is the
	// value of __program__. Default "m4".
	ProgramName string
	// IncludePath lists directories searched, after the current
	// directory, by include, sinclude, undivert(file) and the files named
	// on the command line (GNU's -I and M4PATH).
	IncludePath []string
	// Open opens files for reading (include, command-line files,
	// undivert). Default: os.Open. Callers use it to resolve absolute
	// paths under another root, or to serve files from memory; a reader
	// with a Bytes() []byte method hands its content over without a copy
	// (the processor never modifies it).
	Open func(name string) (io.ReadCloser, error)
	// Stat, if set, is used with Open to refuse directories (GNU reports
	// "Is a directory"). Default: os.Stat.
	Stat func(name string) (fs.FileInfo, error)
	// Resolve, if set, renames a file before it is searched for: the new
	// name is both opened and reported (by __file__ and in messages), as
	// if the input had named it. Files this run created with maketemp or
	// mkstemp are opened where they are, without Open or Resolve.
	Resolve func(name string) string

	// Traditional suppresses GNU extensions (-G).
	Traditional bool
	// PrefixBuiltins renames every builtin to m4_NAME (-P).
	PrefixBuiltins bool
	// SyncLines emits "#line N "file"" lines (-s).
	SyncLines bool
	// Quiet suppresses warnings about builtin argument counts (-Q).
	Quiet bool
	// FatalWarnings: 1 makes warnings set a failure exit status, 2 makes
	// the first warning stop processing (-E, -E -E).
	FatalWarnings int
	// NestingLimit bounds the nesting of macro calls (-L); 0 means
	// DefaultNestingLimit.
	NestingLimit int
	// MaxMemory, MaxWork and MaxOutput are the resource limits described
	// in the package documentation; 0 means the default, negative means
	// unlimited.
	MaxMemory int64
	MaxWork   int64
	MaxOutput int64

	// Debug is the initial debug level (-d), as flags ("aeq", "V", ...).
	Debug string
	// DebugOutput receives trace and debug output; default Stderr.
	DebugOutput io.Writer
	// ArgLength truncates traced arguments (-l).
	ArgLength int

	// AllowShell lets syscmd and esyscmd run commands with /bin/sh.
	AllowShell bool
	// ShellHandler, if set, is offered every syscmd/esyscmd command first
	// (also when AllowShell is set). When it reports handled, its output
	// and status stand for the command's.
	ShellHandler func(cmd string, ctx ShellContext) (output string, status int, handled bool, err error)
	// ShellFlag names the option that allows shell commands, for the
	// error message (default "--allow-shell").
	ShellFlag string

	// Stdin is read for the file "-" (default os.Stdin).
	Stdin io.Reader
	// Stderr receives diagnostics and errprint text (default os.Stderr).
	Stderr io.Writer
	// Report, if set, is called for every diagnostic and errprint, with
	// its position.
	Report func(Report)
	// TrackOrigins records where every run of output came from.
	TrackOrigins bool
	// TempDir is where maketemp and mkstemp create files whose template
	// is relative (default: the template is used as given).
	TempDir string
	// Interactive writes output as soon as it is produced (-i) instead of
	// buffering it.
	Interactive bool
	// NoWrite forbids creating or writing files (debugfile to a file,
	// maketemp, mkstemp): they fail as if permission were denied.
	NoWrite bool
}

// ShellContext tells a ShellHandler where the command comes from and
// which files the run created with maketemp/mkstemp (so that a handler
// may write to or remove those, and nothing else).
type ShellContext struct {
	File      string
	Line      int
	TempFiles map[string]bool
	// Esyscmd is true for esyscmd (output is expanded), false for syscmd.
	Esyscmd bool
}

// ReportKind classifies a Report.
type ReportKind int

// The kinds of reports.
const (
	ReportWarning  ReportKind = iota // a warning; processing goes on
	ReportError                      // an error that sets a failure status
	ReportFatal                      // processing stopped
	ReportErrprint                   // text written by errprint
)

// Report is one diagnostic or errprint, with its position.
type Report struct {
	Kind ReportKind
	// Outer is where processing of the top-level input stood: the line
	// of the top-level file whose macro call (through expansions and
	// includes) led to this report.
	OuterFile string
	OuterLine int
	// Open is, for "end of file in argument list", the outermost call
	// whose argument list was not closed.
	Open *OpenCall
	// Msg is the message without the "m4:file:line: " prefix (for
	// errprint, the text exactly as printed).
	Msg  string
	File string
	Line int
	// Column is known for some lexical errors (an unterminated quoted
	// string: where it started); 0 otherwise.
	Column int
	// Origin is the chain of macro calls active when the report was made.
	Origin *Origin
}

// OpenCall locates a macro call.
type OpenCall struct {
	Name   string
	File   string
	Line   int
	Column int
}

// ExitError is returned by Run when processing ends with a non-zero exit
// status (GNU m4's: 1 for errors, 63 for a frozen file version mismatch,
// the m4exit argument, ...).
type ExitError struct {
	Status int
	// Msg is the fatal message, if processing stopped on one.
	Msg string
	// Write is set when the output could not be written; Msg is then the
	// system's reason (as strerror words it).
	Write bool
}

func (e *ExitError) Error() string {
	if e.Msg != "" {
		return e.Msg
	}
	return "m4: exit status " + strconv.Itoa(e.Status)
}

// Processor is one run of the macro processor: a symbol table, the
// input and wrapup stacks, and the diversions. It is not safe for
// concurrent use.
type Processor struct {
	opts    Options
	prog    string
	stderr  io.Writer
	out     *bufio.Writer
	outFile io.Writer // what out writes to

	sym      *symtab
	builtins map[string]*builtin // by real name, for builtin() and frozen files

	// input
	isp         *input // top of the input stack
	wsp         []*input
	inputChange bool
	startOfLine bool
	curFile     string
	curLine     int
	pending     *pendingString
	pend        pendingString
	freeBufs    [][]byte
	limboBufs   [][]byte
	freeBlocks  []*input
	limboBlocks []*input
	frames      []frame
	freeDefs    []*definition

	// lexical state
	lquote, rquote []byte
	bcomm, ecomm   []byte
	class          [256]uint8
	tokBuf         []byte

	// expansion
	level      int
	callID     int
	nesting    int
	retcode    int
	sysval     int
	tempFiles  map[string]bool
	warnedZero bool

	// output
	cur        int
	curDiv     *diversion
	divs       map[int]*diversion
	outLine    int // sync lines: output_current_line
	outSOL     bool
	outputSize int64

	// debugging
	tracePending []byte
	debug        int
	debugOut     io.Writer
	debugFile    *os.File
	argLength    int
	traceDepth   int

	// limits and accounting
	nestingLimit int
	maxMemory    int64
	maxWork      int64
	maxOutput    int64
	work         int64
	memory       int64

	// call sites: the home of the current call, whether a macro runs,
	// the calls whose arguments are being collected
	curHome    *input
	curCall    bool
	collecting int
	outerOpen  openCall
	callTok    token // the name token of the running macro (for columns)
	unclosed   *openCall

	// origins
	track          bool
	curOrigin      *Origin
	lastFileOrigin *Origin

	// --warn-macro-sequence
	macroSeq macroSeqMatcher
}

// New returns a processor with the builtins and predefined macros
// installed.
func New(opts Options) *Processor {
	p := &Processor{opts: opts}
	p.prog = opts.ProgramName
	if p.prog == "" {
		p.prog = "m4"
	}
	p.stderr = opts.Stderr
	if p.stderr == nil {
		p.stderr = os.Stderr
	}
	if p.opts.Open == nil {
		p.opts.Open = func(name string) (io.ReadCloser, error) { return os.Open(name) }
		if p.opts.Stat == nil {
			p.opts.Stat = os.Stat
		}
	}
	if p.opts.Stdin == nil {
		p.opts.Stdin = os.Stdin
	}
	if p.opts.ShellFlag == "" {
		p.opts.ShellFlag = "--allow-shell"
	}
	p.nestingLimit = opts.NestingLimit
	if p.nestingLimit <= 0 {
		p.nestingLimit = DefaultNestingLimit
	}
	if p.nestingLimit > maxNestingLimit {
		p.nestingLimit = maxNestingLimit
	}
	p.maxMemory = limitOr(opts.MaxMemory, DefaultMaxMemory)
	p.maxWork = limitOr(opts.MaxWork, DefaultMaxWork)
	p.maxOutput = limitOr(opts.MaxOutput, DefaultMaxOutput)
	p.track = opts.TrackOrigins
	p.sym = newSymtab()
	p.divs = make(map[int]*diversion)
	p.lquote, p.rquote = []byte("`"), []byte("'")
	p.bcomm, p.ecomm = []byte("#"), []byte("\n")
	p.updateClasses()
	p.outLine = 0
	p.outSOL = true
	p.tempFiles = make(map[string]bool)
	p.debugOut = opts.DebugOutput
	if p.debugOut == nil {
		p.debugOut = p.stderr
	}
	p.argLength = opts.ArgLength
	if opts.Debug != "" {
		if lvl, ok := decodeDebug(opts.Debug); ok {
			p.debug = lvl
		}
	}
	p.installBuiltins()
	p.setDiversion(0)
	return p
}

func limitOr(v, def int64) int64 {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 1<<63 - 1
	}
	return v
}

// SetOutput sets where diversion 0 is written. It must be called before
// any input is processed.
func (p *Processor) SetOutput(w io.Writer) {
	p.outFile = w
	p.out = bufio.NewWriterSize(w, 64<<10)
}

// Define defines name as value, like -Dname=value.
func (p *Processor) Define(name, value string) {
	p.defineText([]byte(name), []byte(value), modeInsert)
}

// Undefine removes every definition of name, like -Uname.
func (p *Processor) Undefine(name string) { p.deleteSymbol([]byte(name), false) }

// Trace marks name for tracing when it is defined, like -tname.
func (p *Processor) Trace(name string) {
	s := p.symbolFor([]byte(name))
	s.traced = true
}

// SetSyncLines turns sync lines on, like -s (which takes effect where it
// appears among the files).
func (p *Processor) SetSyncLines() { p.opts.SyncLines = true }

// SetDebugFile redirects debug output like --debugfile: "" discards it,
// a name appends to that file. It reports whether that worked.
func (p *Processor) SetDebugFile(name *string) bool { return p.setDebugFile(name) }

// BuiltinFunc implements a builtin registered by a caller. args[0] is the
// name the macro was called by; the function appends its expansion to
// out (which is rescanned) and may use the Call methods.
type BuiltinFunc func(c *Call, args []string) string

// Call gives a registered builtin access to the processor state it may
// need.
type Call struct {
	p *Processor
}

// File and Line return the location of the macro call.
func (c *Call) File() string { return c.p.curFile }

// Line returns the line of the macro call.
func (c *Call) Line() int { return c.p.curLine }

// Column returns the column of the macro's name when it was read from a
// file, 0 otherwise.
func (c *Call) Column() int {
	if c.p.callTok.src == nil || c.p.callTok.src.kind != inFile {
		return 0
	}
	return c.p.tokenColumn(&c.p.callTok)
}

// Processor returns the processor, for builtins that define macros or
// change diversions.
func (c *Call) Processor() *Processor { return c.p }

// OuterSite returns the line of the top-level input whose macro call led
// to this one (through expansions and includes).
func (c *Call) OuterSite() (string, int) { return c.p.outermost(c.p.curFile, c.p.curLine) }

// Origin returns the chain of calls that led to this one.
func (c *Call) Origin() *Origin { return c.p.curOrigin }

// Warn prints a warning in GNU's format.
func (c *Call) Warn(msg string) { c.p.warn(msg) }

// Output appends text to the current diversion as it is, without
// rescanning it; with Options.TrackOrigins its origin is this call. It
// lets a builtin produce output that must not be expanded again.
func (c *Call) Output(text string) {
	p := c.p
	if p.curDiv == nil || text == "" {
		return
	}
	if p.track {
		p.noteOrigin(p.curOrigin)
	}
	p.outputText([]byte(text))
}

// Quote returns s between the current quote delimiters.
func (c *Call) Quote(s string) string {
	return string(c.p.lquote) + s + string(c.p.rquote)
}

// Register installs a caller-implemented builtin under name, replacing
// any definition. blind builtins are recognised only when followed by '('.
func (p *Processor) Register(name string, fn BuiltinFunc, blind bool) {
	b := &builtin{name: name, blind: blind, external: fn}
	p.defineBuiltin(name, b, modeInsert)
}

// Quote returns s between the current quote delimiters.
func (p *Processor) Quote(s string) string {
	return string(p.lquote) + s + string(p.rquote)
}

// IsDefined reports whether name has a definition.
func (p *Processor) IsDefined(name string) bool {
	s := p.sym.getString(name)
	return s != nil && len(s.defs) > 0
}

// Definition returns the text of name's current definition (empty for
// builtins) and whether it has one.
func (p *Processor) Definition(name string) (string, bool) {
	s := p.sym.getString(name)
	if s == nil || len(s.defs) == 0 {
		return "", false
	}
	d := s.defs[len(s.defs)-1]
	return string(d.text), true
}

// DefinitionSite returns where name's current definition was made (the
// file and line of the define or pushdef call); ok is false when name is
// undefined or was defined by the program rather than the input.
func (p *Processor) DefinitionSite(name string) (file string, line int, ok bool) {
	s := p.sym.getString(name)
	if s == nil || len(s.defs) == 0 {
		return "", 0, false
	}
	d := s.defs[len(s.defs)-1]
	return d.file, d.line, d.file != ""
}

// Expand expands text in the processor's current state (definitions,
// quotes) and returns what it produces, as the output would receive it;
// the output and the diversions are not touched. It is meant for callers
// that run m4 code of their own after the input was read.
func (p *Processor) Expand(name, text string) (out string, err error) {
	defer p.recoverStop(&err)
	savedCur, savedDiv := p.cur, p.curDiv
	capture := &diversion{num: 1 << 30}
	p.curDiv, p.cur = capture, capture.num
	defer func() { p.cur, p.curDiv = savedCur, savedDiv }()
	p.pushFile([]byte(text), name, p.curOrigin)
	p.expandInput()
	return string(capture.buf), nil
}

// Diversion returns the text held in diversion n (n > 0) and, with
// Options.TrackOrigins, where each run of it came from (offsets relative
// to the diversion).
func (p *Processor) Diversion(n int) ([]byte, []OutputSpan) {
	d := p.divs[n]
	if d == nil || n <= 0 {
		return nil, nil
	}
	return d.buf, d.spans
}

// SetDiversion makes n the current diversion, as divert(n) does.
func (p *Processor) SetDiversion(n int) { p.setDiversion(n) }

// CurrentDiversion returns the current diversion number (divnum).
func (p *Processor) CurrentDiversion() int { return p.cur }

// ExitStatus is the status GNU m4 would exit with if processing ended
// now (1 after an error such as a missing include, 0 otherwise).
func (p *Processor) ExitStatus() int { return p.retcode }

// ProcessFile reads and expands one input file, searching the include
// path like a command-line file. "-" is standard input.
func (p *Processor) ProcessFile(name string) (err error) {
	defer p.recoverStop(&err)
	if name == "-" {
		data, rerr := io.ReadAll(p.opts.Stdin)
		if rerr != nil {
			p.errorNoLoc(fmt.Sprintf("cannot read stdin: %v", rerr))
			return nil
		}
		p.pushFile(data, "stdin", nil)
	} else {
		data, full, oerr := p.pathSearch(name)
		if oerr != nil {
			p.errorNoLoc(fmt.Sprintf("cannot open `%s': %s", name, errnoText(oerr)))
			p.retcode = 1
			return nil
		}
		p.pushFile(data, full, nil)
	}
	p.expandInput()
	return nil
}

// ProcessString reads and expands text as if it were a file named name.
func (p *Processor) ProcessString(name, text string) (err error) {
	defer p.recoverStop(&err)
	p.pushFile([]byte(text), name, nil)
	p.expandInput()
	return nil
}

// Finish reads the wrapped-up text (m4wrap), then appends every diversion
// to the output in numeric order and flushes it. It returns an
// *ExitError when the exit status is not 0.
func (p *Processor) Finish() (err error) {
	defer p.recoverStop(&err)
	for p.popWrapup() {
		p.expandInput()
	}
	p.setDebugFile(nil)
	p.setDiversion(0)
	p.undivertAll()
	if ferr := p.flush(); ferr != nil {
		return ferr
	}
	if p.retcode != 0 {
		return &ExitError{Status: p.retcode}
	}
	return nil
}

// FinishFrozen is Finish for -F: the state is written to w instead of
// the diversions being output.
func (p *Processor) FinishFrozen(w io.Writer) (err error) {
	defer p.recoverStop(&err)
	for p.popWrapup() {
		p.expandInput()
	}
	p.setDebugFile(nil)
	p.freeze(w)
	if ferr := p.flush(); ferr != nil {
		return ferr
	}
	if p.retcode != 0 {
		return &ExitError{Status: p.retcode}
	}
	return nil
}

// Flush writes buffered output.
func (p *Processor) flush() error {
	if p.out == nil {
		return nil
	}
	if err := p.out.Flush(); err != nil {
		return &ExitError{Status: 1, Msg: errnoText(err), Write: true}
	}
	return nil
}

// stop is the panic value that unwinds processing: a fatal error or
// m4exit.
type stop struct {
	status int
	msg    string
}

func (p *Processor) recoverStop(errp *error) {
	r := recover()
	if r == nil {
		return
	}
	s, ok := r.(stop)
	if !ok {
		panic(r)
	}
	p.flush()
	*errp = &ExitError{Status: s.status, Msg: s.msg}
}

// Stopped reports whether err means processing ended (fatal error or
// m4exit), and with which status.
func Stopped(err error) (int, bool) {
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Status, true
	}
	return 0, false
}

// pathSearch finds and reads a file like GNU's m4_path_search: as given,
// then (unless absolute, or in traditional mode) under each include
// directory. It returns the content and the name to report.
func (p *Processor) pathSearch(name string) ([]byte, string, error) {
	if name == "" {
		return nil, "", fs.ErrNotExist
	}
	if p.tempFiles[name] {
		data, err := os.ReadFile(p.tempPath(name))
		return data, name, err
	}
	if p.opts.Resolve != nil {
		name = p.opts.Resolve(name)
	}
	data, err := p.readFile(name)
	if err == nil {
		return data, name, nil
	}
	if filepath.IsAbs(name) || p.opts.Traditional {
		return nil, "", err
	}
	first := err
	for _, dir := range p.opts.IncludePath {
		if dir == "" {
			dir = "."
		}
		full := dir + "/" + name
		if strings.HasSuffix(dir, "/") {
			full = dir + name
		}
		if d, err := p.readFile(full); err == nil {
			if p.debug&debugPath != 0 {
				p.debugMessage(fmt.Sprintf("path search for `%s' found `%s'", name, full))
			}
			return d, full, nil
		}
	}
	return nil, "", first
}

func (p *Processor) readFile(name string) ([]byte, error) {
	if p.opts.Stat != nil {
		if st, err := p.opts.Stat(name); err == nil && st != nil && st.IsDir() {
			return nil, errIsDir
		}
	}
	f, err := p.opts.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if b, ok := f.(interface{ Bytes() []byte }); ok {
		// content held by the caller (never modified by the processor)
		return b.Bytes(), nil
	}
	data, err := io.ReadAll(f)
	if err != nil {
		if strings.Contains(err.Error(), "is a directory") {
			return nil, errIsDir
		}
		return nil, err
	}
	return data, nil
}

var errIsDir = errors.New("Is a directory")

// errnoText renders an I/O error as C's strerror would.
func errnoText(err error) string {
	switch {
	case errors.Is(err, errIsDir):
		return "Is a directory"
	case errors.Is(err, fs.ErrNotExist):
		return "No such file or directory"
	case errors.Is(err, fs.ErrPermission):
		return "Permission denied"
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		s := pe.Err.Error()
		if s != "" {
			return strings.ToUpper(s[:1]) + s[1:]
		}
	}
	return err.Error()
}
