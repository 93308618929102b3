package m4

import (
	"strconv"
)

// Diagnostics follow GNU m4 (which uses gnulib's error_at_line): the
// output is flushed first, then "PROGRAM:FILE:LINE: MESSAGE" is printed
// when a line is known and "PROGRAM: MESSAGE" otherwise.

func itoa(n int) string { return strconv.Itoa(n) }

// diag prints and reports one diagnostic.
func (p *Processor) diag(kind ReportKind, file string, line, col int, msg string) {
	if p.out != nil {
		p.out.Flush()
	}
	var b []byte
	b = append(b, p.prog...)
	if line != 0 {
		b = append(b, ':')
		b = append(b, file...)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(line), 10)
		b = append(b, ": "...)
	} else {
		b = append(b, ": "...)
	}
	b = append(b, msg...)
	b = append(b, '\n')
	p.stderr.Write(b)
	if p.opts.Report != nil {
		if line == 0 {
			file = ""
		}
		r := Report{Kind: kind, Msg: msg, File: file, Line: line, Column: col, Origin: p.curOrigin}
		r.OuterFile, r.OuterLine = p.outermost(file, line)
		if p.unclosed != nil {
			oc := p.unclosed
			r.Open = &OpenCall{Name: oc.name, File: oc.file, Line: oc.line, Column: p.tokenColumn(&token{src: oc.src, off: oc.off})}
			p.unclosed = nil
		}
		p.opts.Report(r)
	}
}

// outermost climbs from a position in the current call's home file to
// the top-level input, through the includes.
func (p *Processor) outermost(file string, line int) (string, int) {
	h := p.curHome
	if !p.curCall {
		h = homeOf(p.isp, nil)
	}
	for h != nil && h.incFile != "" {
		file, line, h = h.incFile, h.incLine, h.incHome
	}
	return file, line
}

// warn is GNU's M4ERROR((warning_status, 0, ...)) at the current
// location: a warning that -E makes an error and -E -E fatal.
func (p *Processor) warn(msg string) { p.warnAt(p.curFile, p.curLine, msg) }

func (p *Processor) warnAt(file string, line int, msg string) {
	p.diag(ReportWarning, file, line, 0, msg)
	p.afterWarning()
}

func (p *Processor) afterWarning() {
	if p.opts.FatalWarnings >= 2 {
		panic(stop{status: 1})
	}
	if p.opts.FatalWarnings >= 1 && p.retcode == 0 {
		p.retcode = 1
	}
}

// errorMsg is a diagnostic that always sets a failure exit status
// (GNU's error with retcode = EXIT_FAILURE).
func (p *Processor) errorMsg(msg string) {
	p.diag(ReportError, p.curFile, p.curLine, 0, msg)
	p.afterWarning()
	p.retcode = 1
}

// errorNoLoc is a diagnostic printed without a location ("m4: msg"),
// for command-line level errors.
func (p *Processor) errorNoLoc(msg string) {
	p.diag(ReportError, "", 0, 0, msg)
}

// fatal stops processing with exit status 1 (GNU's m4_failure).
func (p *Processor) fatal(msg string) { p.fatalAt(p.curFile, p.curLine, 0, msg) }

func (p *Processor) fatalAt(file string, line, col int, msg string) {
	p.diag(ReportFatal, file, line, col, msg)
	panic(stop{status: 1, msg: msg})
}

// chargeMemory accounts for bytes held in diversions, pending input and
// definitions.
func (p *Processor) chargeMemory(n int64) {
	p.memory += n
	if n > 0 && p.memory > p.maxMemory {
		p.limitExceeded("memory", p.maxMemory, "bytes held in diversions, pending input and definitions", "--max-memory")
	}
}

// chargeWork accounts for the work of one macro call.
func (p *Processor) chargeWork(n int64) {
	p.work += n
	if p.work > p.maxWork {
		p.limitExceeded("expansion work", p.maxWork, workUnits, "--max-work")
	}
}

// workUnits says what the work limit counts.
const workUnits = "bytes expanded, plus 32 per macro call and 256 per m4wrap"

// budget is how many more bytes one expansion or argument may grow by
// before a limit is exceeded.
func (p *Processor) budget() int64 {
	m := p.maxMemory - p.memory
	if w := p.maxWork - p.work; w < m {
		return w
	}
	return m
}

// checkSize stops processing before an expansion or argument of n bytes
// is built, when that would exceed the memory or work limit.
func (p *Processor) checkSize(n int) {
	if int64(n) <= p.budget() {
		return
	}
	if p.maxMemory-p.memory <= p.maxWork-p.work {
		p.limitExceeded("memory", p.maxMemory, "bytes held in diversions, pending input and definitions", "--max-memory")
	}
	p.limitExceeded("expansion work", p.maxWork, workUnits, "--max-work")
}

func (p *Processor) limitExceeded(what string, limit int64, unit, flag string) {
	p.fatal(what + " limit of " + strconv.FormatInt(limit, 10) + " exceeded (" + unit +
		"); raise it with " + flag + "=N if the input is legitimate")
}
