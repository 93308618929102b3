// Package cfcompile turns a sendmail.mc into a sendmail.cf the way
// `m4 sendmail.mc > sendmail.cf` does with the sendmail cf macro library,
// using mailcc's own m4 engine, and reports what GNU m4 passes over in
// silence.
//
// # Syntax
//
// The input is a sendmail .mc file: m4 text that includes the cf
// library's m4/cf.m4 (Debian: include(`/usr/share/sendmail/cf/m4/cf.m4'),
// the shipped samples: include(`../m4/cf.m4')) and then calls its macros
// (OSTYPE, DOMAIN, FEATURE, define(`confX', ...), MAILER, ...). A .mc that
// does not include cf.m4 is compiled as `m4 CFDIR/m4/cf.m4 file.mc` would.
//
// # Semantics
//
// Files are found as GNU m4 finds them: relative names from the current
// directory, then the include path. With Options.CFDir, any include of a
// file named cf.m4 in an m4/ folder reads CFDIR/m4/cf.m4 instead, and the
// library locates the rest of itself from there (_CF_DIR_). With
// Options.Root, absolute paths are read under that folder first (a copy of
// a server's /etc compiles with its own /etc/mail/m4/*.m4), the cf library
// itself being taken from its real location when the copy does not hold
// it.
//
// The cf library's build-information step (cfhead.m4 runs
// `sh CFDIR/sh/makeinfo.sh CFDIR > TEMPFILE` and includes the result) is
// answered natively with the lines makeinfo.sh prints (date in the C
// locale's `date` format); no shell is started unless Options.AllowShell
// is set, and then only for commands mailcc does not recognise.
//
// # Compatibility
//
// The output is byte for byte GNU m4 1.4.19's, except for the date and the
// working directory in the "##### built by" and "##### in" lines.
// Unlike GNU m4, a compilation in which the cf library reported
// "*** ERROR:" (through errprint) fails: GNU m4 prints the message and
// exits 0, and a broken sendmail.cf gets installed.
//
// # Diagnostics
//
// Result.Diagnostics holds, with file:line:col positions: GNU m4's own
// warnings and errors; every "*** ERROR:" and "*** WARNING:" of the cf
// library, at the .mc line whose macro call led to it; typographic quotes
// (‘ ’ “ ”) where m4 only knows ` and '; a quoted string still open at the
// end of the file (where it was opened); a missing cf library (which path
// was tried, and that Debian's package is sendmail-cf).
package cfcompile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"mailcc/m4"
	"mailcc/source"
)

// DefaultCFDir is where Debian's sendmail-cf package installs the cf
// library.
const DefaultCFDir = "/usr/share/sendmail/cf"

// Options configure a compilation.
type Options struct {
	// CFDir overrides the cf library location (the folder holding
	// m4/cf.m4). Empty: follow the .mc's include, or DefaultCFDir when
	// the .mc includes no cf.m4.
	CFDir string
	// Root resolves absolute paths under this folder first.
	Root string
	// IncludePath is m4's -I.
	IncludePath []string
	// Defines are -D NAME=VALUE definitions made before the .mc is read.
	Defines []string
	// AllowShell lets unrecognised syscmd/esyscmd commands run /bin/sh.
	AllowShell bool
	// Limits, as m4.Options (0 = default).
	NestingLimit int
	MaxMemory    int64
	MaxWork      int64
	MaxOutput    int64
	// TrackOrigins records where each output byte came from.
	TrackOrigins bool
	// Stderr receives GNU m4's messages and the cf library's errprint
	// text exactly as GNU m4 prints them (nil: discarded).
	Stderr io.Writer
	// BuildInfo supplies the makeinfo.sh facts; nil: this machine's.
	BuildInfo *BuildInfo
}

// Result is a compilation's outcome.
type Result struct {
	// Diagnostics, sorted by position: everything found, including what
	// GNU m4 itself printed (its warnings, the cf library's errprint).
	Diagnostics source.Diagnostics
	// Extra are the diagnostics GNU m4 does not print (typographic
	// quotes, where an unclosed quote started, a missing cf library).
	Extra source.Diagnostics
	// CFErrors are the "*** ERROR:" messages of the cf library.
	CFErrors []string
	// M4Status is the exit status GNU m4 would have had.
	M4Status int
	// Origins maps output offsets to where the text came from (with
	// Options.TrackOrigins).
	Origins []m4.OutputSpan
	// Size is the number of bytes written.
	Size int64
	// lineStarts are the offsets where output lines start (with
	// TrackOrigins).
	lineStarts []int64
}

// LineOrigin says where one line of the output came from.
type LineOrigin struct {
	Line   int // 1-based line of the .cf
	Origin *m4.Origin
}

// LineOrigins returns, for each output line, the origin of its first
// byte (Options.TrackOrigins must have been set).
func (r *Result) LineOrigins() []LineOrigin {
	out := make([]LineOrigin, 0, len(r.lineStarts))
	j := 0
	for i, off := range r.lineStarts {
		for j+1 < len(r.Origins) && r.Origins[j+1].Offset <= off {
			j++
		}
		var o *m4.Origin
		if j < len(r.Origins) && r.Origins[j].Offset <= off {
			o = r.Origins[j].Origin
		}
		out = append(out, LineOrigin{Line: i + 1, Origin: o})
	}
	return out
}

// Failed reports whether the compilation must not be installed: GNU m4
// failed, the cf library reported an error, or mailcc found an error.
func (r *Result) Failed() bool {
	return r.M4Status != 0 || len(r.CFErrors) > 0 || r.Diagnostics.HasErrors()
}

// Compile compiles the .mc file at path, writing the .cf to w.
func Compile(path string, w io.Writer, opts Options) (*Result, error) {
	mc, err := os.ReadFile(opts.resolve(path))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return CompileSource(path, mc, w, opts)
}

// CompileSource compiles .mc text read from path.
func CompileSource(path string, mc []byte, w io.Writer, opts Options) (*Result, error) {
	c := &compiler{opts: opts, path: path, res: &Result{}}
	c.checkQuotes(mc)
	counter := &countingWriter{w: w, lines: opts.TrackOrigins}
	stderr := opts.Stderr
	if stderr == nil {
		stderr = io.Discard
	}
	info := opts.BuildInfo
	if info == nil {
		info = LocalBuildInfo()
	}
	mo := m4.Options{
		ProgramName:  "m4",
		IncludePath:  opts.IncludePath,
		Open:         c.open,
		Stat:         c.stat,
		Resolve:      c.rename,
		AllowShell:   opts.AllowShell,
		ShellHandler: makeinfoHandler(info, c),
		ShellFlag:    "--allow-shell",
		Stdin:        bytes.NewReader(nil),
		Stderr:       stderr,
		Report:       c.report,
		TrackOrigins: opts.TrackOrigins,
		NestingLimit: opts.NestingLimit,
		MaxMemory:    opts.MaxMemory,
		MaxWork:      opts.MaxWork,
		MaxOutput:    opts.MaxOutput,
	}
	p := m4.New(mo)
	p.SetOutput(counter)
	for _, d := range opts.Defines {
		name, value, _ := strings.Cut(d, "=")
		p.Define(name, value)
	}
	run := func() error {
		if !bytes.Contains(mc, []byte("cf.m4")) {
			dir := opts.CFDir
			if dir == "" {
				dir = DefaultCFDir
			}
			cf := filepath.Join(dir, "m4", "cf.m4")
			if _, err := c.stat(cf); err != nil {
				c.missingLibrary(cf, source.Position{Filename: path})
				return nil
			}
			if err := p.ProcessFile(cf); err != nil {
				return err
			}
		}
		if err := p.ProcessString(path, string(mc)); err != nil {
			return err
		}
		return p.Finish()
	}
	err := run()
	c.res.Size = counter.n
	c.res.lineStarts = counter.starts
	if err != nil {
		st, ok := m4.Stopped(err)
		if !ok {
			return c.res, err
		}
		c.res.M4Status = st
	}
	if c.res.M4Status == 0 {
		c.res.M4Status = p.ExitStatus()
	}
	if opts.TrackOrigins {
		c.res.Origins = p.Origins()
	}
	c.res.Diagnostics.Sort()
	c.res.Extra.Sort()
	return c.res, nil
}

type compiler struct {
	opts Options
	path string
	res  *Result
	// cfTried is the cf.m4 path a failed include asked for.
	cfTried string
	// files caches what was read: the cf library does not change while
	// a .mc compiles, and a FEATURE file may be included many times. A
	// file mailcc writes (the build-information temporary file) is
	// dropped from the cache.
	files map[string][]byte
}

type countingWriter struct {
	w      io.Writer
	n      int64
	lines  bool
	starts []int64
	midway bool // the last byte written was not a newline
}

func (c *countingWriter) Write(b []byte) (int, error) {
	if c.lines {
		for i, ch := range b {
			if !c.midway {
				c.starts = append(c.starts, c.n+int64(i))
				c.midway = true
			}
			if ch == '\n' {
				c.midway = false
			}
		}
	}
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// isCFM4 reports whether name is the cf library's entry point.
func isCFM4(name string) bool {
	return filepath.Base(name) == "cf.m4" && filepath.Base(filepath.Dir(name)) == "m4"
}

// resolve maps a path m4 asked for to the file to read.
func (o *Options) resolve(name string) string {
	if o.Root != "" && filepath.IsAbs(name) {
		rooted := filepath.Join(o.Root, name)
		if _, err := os.Stat(rooted); err == nil {
			return rooted
		}
		// the cf library is usually not part of a copied /etc tree
		if o.inLibrary(name) {
			return name
		}
		return rooted
	}
	return name
}

// inLibrary reports whether an absolute path lies in the cf library.
func (o *Options) inLibrary(name string) bool {
	dir := o.CFDir
	if dir == "" {
		dir = DefaultCFDir
	}
	dir, _ = filepath.Abs(dir)
	rel, err := filepath.Rel(dir, name)
	return err == nil && !strings.HasPrefix(rel, "..")
}

// rename points an include of cf.m4 at --cf-dir: m4 then sees (and
// __file__ reports) the library's real place, from which cf.m4 finds
// the rest of the library.
func (c *compiler) rename(name string) string {
	if c.opts.CFDir != "" && isCFM4(name) {
		return filepath.Join(c.opts.CFDir, "m4", "cf.m4")
	}
	return name
}

// redirect maps a name m4 opens to the file to read (under --root).
func (c *compiler) redirect(name string) string {
	return c.opts.resolve(c.rename(name))
}

func (c *compiler) open(name string) (io.ReadCloser, error) {
	path := c.redirect(name)
	if data, ok := c.files[path]; ok {
		return cachedFile(data), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if isCFM4(name) {
			c.cfTried = path
		}
		return nil, err
	}
	if c.files == nil {
		c.files = make(map[string][]byte)
	}
	c.files[path] = data
	return cachedFile(data), nil
}

// cachedFile hands a cached file's bytes to the m4 engine without a copy.
type cachedFile []byte

func (f cachedFile) Read([]byte) (int, error) { return 0, io.EOF }
func (f cachedFile) Close() error             { return nil }
func (f cachedFile) Bytes() []byte            { return f }

func (c *compiler) stat(name string) (fs.FileInfo, error) {
	path := c.redirect(name)
	if _, ok := c.files[path]; ok {
		// a cached file was a regular file when it was read
		return nil, nil
	}
	return os.Stat(path)
}

func (c *compiler) openWrite(name string) (io.WriteCloser, error) {
	delete(c.files, c.redirect(name))
	return os.OpenFile(name, os.O_WRONLY|os.O_TRUNC, 0o600)
}

func (c *compiler) stderr() io.Writer {
	if c.opts.Stderr == nil {
		return io.Discard
	}
	return c.opts.Stderr
}

// report turns the engine's reports into diagnostics.
func (c *compiler) report(r m4.Report) {
	pos := source.Position{Filename: r.File, Line: r.Line, Column: r.Column}
	switch r.Kind {
	case m4.ReportErrprint:
		c.errprint(r, pos)
	case m4.ReportWarning:
		if c.cfTried != "" && strings.HasPrefix(r.Msg, "cannot open `") {
			c.missingLibrary(c.cfTried, pos)
			c.cfTried = ""
			return
		}
		c.res.Diagnostics.Add(withOrigin(source.Warningf(pos, "%s", r.Msg), r.Origin))
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
		d := withOrigin(source.Errorf(pos, "%s", msg), r.Origin)
		c.res.Diagnostics.Add(d)
		if msg != r.Msg {
			c.res.Extra.Add(d)
		}
	}
}

func (c *compiler) missingLibrary(tried string, pos source.Position) {
	d := source.Errorf(pos, "the sendmail cf library is not at %s: install Debian's package sendmail-cf, or give its location with --cf-dir", tried)
	c.res.Diagnostics.Add(d)
	c.res.Extra.Add(d)
	if c.res.M4Status == 0 {
		c.res.M4Status = 1
	}
}

// errprint records the cf library's *** ERROR and *** WARNING messages.
// They are attributed to the outermost call, which is the .mc line that
// led to them.
func (c *compiler) errprint(r m4.Report, pos source.Position) {
	text := strings.TrimSpace(r.Msg)
	if r.OuterLine != 0 {
		pos = source.Position{Filename: r.OuterFile, Line: r.OuterLine}
	}
	switch {
	case strings.Contains(text, "*** ERROR:"):
		c.res.CFErrors = append(c.res.CFErrors, text)
		c.res.Diagnostics.Add(withOrigin(source.Errorf(pos, "cf library: %s", cleanErr(text)), r.Origin))
	case strings.Contains(text, "WARNING:"):
		c.res.Diagnostics.Add(withOrigin(source.Warningf(pos, "cf library: %s", cleanErr(text)), r.Origin))
	}
}

func cleanErr(s string) string {
	s = strings.TrimPrefix(s, "*** ")
	return strings.Join(strings.Fields(s), " ")
}

// withOrigin adds the chain of macro calls as notes.
func withOrigin(d *source.Diagnostic, o *m4.Origin) *source.Diagnostic {
	for ; o != nil; o = o.Parent {
		if o.Macro == "" {
			continue
		}
		d.Notes = append(d.Notes, source.NoteLine{
			Pos: source.Position{Filename: o.File, Line: o.Line},
			Msg: "in the expansion of " + o.Macro,
		})
	}
	return d
}

// checkQuotes reports typographic quotes in the .mc: m4 does not know
// them, so `define(‘confX’, ‘v’)` silently defines nothing useful. Text
// after dnl on a line is a comment and is not checked.
func (c *compiler) checkQuotes(mc []byte) {
	line := 1
	for len(mc) > 0 {
		end := bytes.IndexByte(mc, '\n')
		text := mc
		if end >= 0 {
			text = mc[:end]
		}
		check := text
		if i := indexDnl(check); i >= 0 {
			check = check[:i]
		}
		for i := 0; i < len(check); {
			r, size := utf8.DecodeRune(check[i:])
			switch r {
			case '‘', '’', '“', '”':
				meant := "`"
				if r == '’' || r == '”' {
					meant = "'"
				}
				d := source.Warningf(source.Position{Filename: c.path, Line: line, Column: i + 1},
					"typographic quote %c (U+%04X): m4 quotes only with ` and ', so this text is not quoted (did you mean %s?)", r, r, meant)
				c.res.Diagnostics.Add(d)
				c.res.Extra.Add(d)
			}
			i += size
		}
		if end < 0 {
			break
		}
		mc = mc[end+1:]
		line++
	}
}

// indexDnl finds a dnl that starts a word.
func indexDnl(b []byte) int {
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte("dnl"))
		if j < 0 {
			return -1
		}
		j += i
		if j == 0 || !isWordChar(b[j-1]) {
			if j+3 >= len(b) || !isWordChar(b[j+3]) {
				return j
			}
		}
		i = j + 3
	}
}

func isWordChar(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// ErrFailed is returned by WriteFile when the compilation failed and the
// target was left as it was.
var ErrFailed = errors.New("compilation failed")
