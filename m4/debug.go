package m4

import (
	"io"
	"os"
	"strconv"
)

// Debug flags, as GNU m4's -d option and debugmode builtin spell them.
const (
	debugArgs      = 1 << iota // a: show actual arguments
	debugExpansion             // e: show expansion
	debugQuote                 // q: quote values
	debugTraceAll              // t: trace every macro call
	debugLine                  // l: say the input line
	debugFile                  // f: say the input file
	debugPath                  // p: show path searches
	debugCall                  // c: show before collect, after collect, after call
	debugInput                 // i: show changes of input file
	debugCallID                // x: add a unique call id

	debugVerbose = 1023 // V: all of the above
	debugDefault = debugArgs | debugExpansion | debugQuote
)

// decodeDebug parses debug flags; "" means the default "aeq".
func decodeDebug(s string) (int, bool) {
	if s == "" {
		return debugDefault, true
	}
	lvl := 0
	for _, c := range s {
		switch c {
		case 'a':
			lvl |= debugArgs
		case 'e':
			lvl |= debugExpansion
		case 'q':
			lvl |= debugQuote
		case 't':
			lvl |= debugTraceAll
		case 'l':
			lvl |= debugLine
		case 'f':
			lvl |= debugFile
		case 'p':
			lvl |= debugPath
		case 'c':
			lvl |= debugCall
		case 'i':
			lvl |= debugInput
		case 'x':
			lvl |= debugCallID
		case 'V':
			lvl |= debugVerbose
		default:
			return 0, false
		}
	}
	return lvl, true
}

// setDebugFile redirects debug output: nil = standard error, "" =
// discard, else append to the named file.
func (p *Processor) setDebugFile(name *string) bool {
	var w io.Writer
	var f *os.File
	switch {
	case name == nil:
		w = p.stderr
	case *name == "":
		w = nil
	default:
		if p.opts.NoWrite {
			return false
		}
		var err error
		f, err = os.OpenFile(*name, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o666)
		if err != nil {
			return false
		}
		w = f
		// GNU m4 writes debug output to stdout itself when the file is
		// the same as standard output.
		if sameFile(f, os.Stdout) {
			f.Close()
			f = nil
			w = stdoutWriter{p}
		}
	}
	if p.debugFile != nil {
		p.debugFile.Close()
	}
	p.debugFile = f
	p.debugOut = w
	return true
}

// stdoutWriter writes debug output through the output buffer when the
// debug file is standard output, so both stay in order.
type stdoutWriter struct{ p *Processor }

func (s stdoutWriter) Write(b []byte) (int, error) {
	if s.p.out != nil {
		return s.p.out.Write(b)
	}
	return os.Stdout.Write(b)
}

func sameFile(a, b *os.File) bool {
	sa, err1 := a.Stat()
	sb, err2 := b.Stat()
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// debugPrint writes raw debug text.
func (p *Processor) debugPrint(b []byte) {
	if p.debugOut == nil {
		return
	}
	if p.out != nil {
		p.out.Flush()
	}
	p.debugOut.Write(b)
}

// debugMessage writes "m4debug: [file:][line:] msg".
func (p *Processor) debugMessage(msg string) {
	if p.debugOut == nil {
		return
	}
	b := []byte("m4debug:")
	if p.curLine != 0 {
		if p.debug&debugFile != 0 {
			b = append(b, p.curFile...)
			b = append(b, ':')
		}
		if p.debug&debugLine != 0 {
			b = strconv.AppendInt(b, int64(p.curLine), 10)
			b = append(b, ':')
		}
	}
	b = append(b, ' ')
	b = append(b, msg...)
	b = append(b, '\n')
	p.debugPrint(b)
}

func (p *Processor) traceHeader(b []byte, id int) []byte {
	b = append(b, "m4trace:"...)
	if p.curLine != 0 {
		if p.debug&debugFile != 0 {
			b = append(b, p.curFile...)
			b = append(b, ':')
		}
		if p.debug&debugLine != 0 {
			b = strconv.AppendInt(b, int64(p.curLine), 10)
			b = append(b, ':')
		}
	}
	b = append(b, " -"...)
	b = strconv.AppendInt(b, int64(p.level), 10)
	b = append(b, "- "...)
	if p.debug&debugCallID != 0 {
		b = append(b, "id "...)
		b = strconv.AppendInt(b, int64(id), 10)
		b = append(b, ": "...)
	}
	return b
}

// traceArg appends a traced value, quoted with q and truncated to -l.
func (p *Processor) traceArg(b []byte, s []byte) []byte {
	if p.debug&debugQuote != 0 {
		b = append(b, p.lquote...)
	}
	if p.argLength > 0 && len(s) > p.argLength {
		b = append(b, s[:p.argLength]...)
		b = append(b, "..."...)
	} else {
		b = append(b, s...)
	}
	if p.debug&debugQuote != 0 {
		b = append(b, p.rquote...)
	}
	return b
}

func (p *Processor) tracePrePre(name string, id int) {
	b := p.traceHeader(nil, id)
	b = append(b, name...)
	b = append(b, " ...\n"...)
	p.debugPrint(b)
}

func (p *Processor) tracePre(name string, id int, args []arg) {
	b := p.traceHeader(nil, id)
	b = append(b, name...)
	if len(args) > 1 && p.debug&debugArgs != 0 {
		b = append(b, '(')
		for i := 1; i < len(args); i++ {
			if i != 1 {
				b = append(b, ", "...)
			}
			if args[i].bi != nil {
				b = append(b, '<')
				b = append(b, args[i].bi.name...)
				b = append(b, '>')
			} else {
				b = p.traceArg(b, args[i].text)
			}
		}
		b = append(b, ')')
	}
	if p.debug&debugCall != 0 {
		b = append(b, " -> ???\n"...)
		p.debugPrint(b)
		return
	}
	p.tracePending = b
}

func (p *Processor) tracePost(name string, id int, argc int, expanded []byte) {
	var b []byte
	if p.debug&debugCall != 0 {
		b = p.traceHeader(nil, id)
		b = append(b, name...)
		if argc > 1 {
			b = append(b, "(...)"...)
		}
	} else {
		b = p.tracePending
	}
	p.tracePending = nil
	if expanded != nil && p.debug&debugExpansion != 0 {
		b = append(b, " -> "...)
		b = p.traceArg(b, expanded)
	}
	b = append(b, '\n')
	p.debugPrint(b)
}
