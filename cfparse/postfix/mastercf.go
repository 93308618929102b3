package postfix

import (
	"fmt"
	"path"
	"strings"

	"mailcc/source"
)

// MasterCF is a parsed master.cf: its service entries in file order.
type MasterCF struct {
	Path     string
	Services []*Service

	problems []problem
}

// Word is a piece of master.cf text and where it starts.
type Word struct {
	Text string
	Pos  source.Position
}

// The eight fields of a service entry.
const (
	FieldService = iota
	FieldType
	FieldPrivate
	FieldUnpriv
	FieldChroot
	FieldWakeup
	FieldMaxProc
	FieldCommand
	numFields
)

// fieldNames are postconf's names of the fields.
var fieldNames = [numFields]string{"service", "type", "private", "unprivileged", "chroot", "wakeup", "process_limit", "command"}

// Service is one master.cf entry.
type Service struct {
	// Fields are the eight fields as written ("-" for a default).
	Fields [numFields]Word
	// Args are the command's arguments after postconf's normalisation:
	// "-oname=value" and "-o { name = value }" become "-o" "name=value",
	// the braces around other {grouped words} go.
	Args []Word
	// Overrides are the -o name=value settings, in order.
	Overrides []Override
	// Line is the entry's first physical line.
	Line int
}

// Override is a "-o name=value" setting of a service.
type Override struct {
	Name, Value string
	Pos         source.Position // of the name
	ValuePos    source.Position
}

// Name is the service name (field 1), Type its type (field 2).
func (s *Service) Name() string { return s.Fields[FieldService].Text }

// Type is the service type: inet, unix, unix-dgram, fifo or pass.
func (s *Service) Type() string { return s.Fields[FieldType].Text }

// Command is the program name (field 8).
func (s *Service) Command() string { return s.Fields[FieldCommand].Text }

// Override returns the last -o setting of name for the service.
func (s *Service) Override(name string) (Override, bool) {
	for i := len(s.Overrides) - 1; i >= 0; i-- {
		if s.Overrides[i].Name == name {
			return s.Overrides[i], true
		}
	}
	return Override{}, false
}

// ProcessName is what the service's process calls itself: the command's
// base name.
func (s *Service) ProcessName() string { return path.Base(s.Command()) }

// ServiceName is $service_name for the service: the service name, or the
// process name when both are the same.
func (s *Service) ServiceName() string {
	if p := s.ProcessName(); p != s.Name() {
		return s.Name()
	}
	return s.ProcessName()
}

// validTypes are the service types master(8) knows.
var validTypes = map[string]bool{"unix": true, "fifo": true, "inet": true, "pass": true, "unix-dgram": true}

// token is a word of a master.cf logical line and its offset there.
type token struct {
	text string
	off  int
}

// ParseMasterCF parses the master.cf text data; path names the file in
// positions and messages. A bad entry is reported and skipped.
func ParseMasterCF(path string, data []byte) (*MasterCF, source.Diagnostics) {
	m := parseMasterCF(path, data)
	var diags source.Diagnostics
	for _, p := range m.problems {
		diags.Add(p.diagnostic())
	}
	diags.Sort()
	return m, diags
}

func parseMasterCF(path string, data []byte) *MasterCF {
	file := source.NewFileSet().AddFile(path, data)
	m := &MasterCF{Path: path}
	lines, warnings := readLogicalLines(file, data)
	wi := 0
	for _, l := range lines {
		for wi < len(warnings) && warnings[wi].line.first < l.first {
			m.problems = append(m.problems, whitespaceProblem(warnings[wi].line))
			wi++
		}
		if s := m.parseEntry(l); s != nil {
			m.Services = append(m.Services, s)
		}
	}
	for ; wi < len(warnings); wi++ {
		m.problems = append(m.problems, whitespaceProblem(warnings[wi].line))
	}
	return m
}

// splitBraced splits text at white space, keeping {...} groups (with
// their braces) inside one word, as Postfix's argv_splitq() does.
func splitBraced(text string) []token {
	var out []token
	i := 0
	for {
		for i < len(text) && isMasterBlank(text[i]) {
			i++
		}
		if i >= len(text) {
			return out
		}
		start, level := i, 0
		for i < len(text) {
			c := text[i]
			if c == '{' {
				level++
			} else if level > 0 && c == '}' {
				level--
			} else if level == 0 && isMasterBlank(c) {
				break
			}
			i++
		}
		out = append(out, token{text: text[start:i], off: start})
	}
}

// isMasterBlank is master.cf's field separator set.
func isMasterBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// warnf records a warning about an argument; Postfix's message names
// "master.cf" (in native) but not the file's path.
func (m *MasterCF) warnf(pos source.Position, msg, native string) {
	m.problems = append(m.problems, problem{sev: source.Warning, pos: pos, msg: msg, native: native, line: -1})
}

// houseWarnf records a warning of mailcc's own about an argument that
// postconf passes over silently.
func (m *MasterCF) houseWarnf(pos source.Position, msg string) {
	m.problems = append(m.problems, problem{sev: source.Warning, pos: pos, msg: msg, houseOnly: true})
}

// parseEntry parses one service entry.
func (m *MasterCF) parseEntry(l *logicalLine) *Service {
	text := string(cString(l.text))
	toks := splitBraced(text)
	if len(toks) < numFields {
		at := len(text)
		if len(toks) > 0 {
			at = toks[len(toks)-1].off + len(toks[len(toks)-1].text)
		}
		m.problems = append(m.problems, problem{
			sev:    source.Error,
			pos:    l.position(at),
			msg:    fmt.Sprintf("a service entry needs 8 fields, this one has %d", len(toks)),
			native: "bad field count",
			line:   l.first,
		})
		return nil
	}
	s := &Service{Line: l.first}
	for i := 0; i < numFields; i++ {
		s.Fields[i] = Word{Text: toks[i].text, Pos: l.position(toks[i].off)}
	}
	if err := checkFields(s, l, text); err != nil {
		m.problems = append(m.problems, *err)
		return nil
	}
	m.normalizeArgs(s, l, toks[numFields:])
	return s
}

// checkFields checks the fields as postconf does.
func checkFields(s *Service, l *logicalLine, raw string) *problem {
	bad := func(field int, what string) *problem {
		w := s.Fields[field]
		return &problem{
			sev:    source.Error,
			pos:    w.Pos,
			msg:    fmt.Sprintf("invalid %s field %q%s", fieldNames[field], w.Text, what),
			native: fmt.Sprintf("invalid %s field \"%s\" in \"%s\"", fieldNames[field], w.Text, strings.ReplaceAll(raw, "\n", " ")),
			line:   -1,
		}
	}
	if !validTypes[s.Type()] {
		return bad(FieldType, " (want inet, unix, unix-dgram, fifo or pass)")
	}
	for f := FieldPrivate; f <= FieldChroot; f++ {
		if t := s.Fields[f].Text; len(t) != 1 || strings.IndexByte("yn-", t[0]) < 0 {
			return bad(f, " (want y, n or -)")
		}
	}
	w := s.Fields[FieldWakeup].Text
	n := len(w)
	if n > 0 && w[n-1] == '?' {
		n--
	}
	digits := 0
	for digits < len(w) && w[digits] >= '0' && w[digits] <= '9' {
		digits++
	}
	if !(w[0] == '-' && n == 1) && digits != n {
		return bad(FieldWakeup, " (want a number of seconds, optionally followed by ?, or -)")
	}
	p := s.Fields[FieldMaxProc].Text
	if p != "-" && strings.TrimLeft(p, "0123456789") != "" {
		return bad(FieldMaxProc, " (want a number or -)")
	}
	return nil
}

// normalizeArgs turns the command's arguments into postconf's normal
// form and collects the -o settings.
func (m *MasterCF) normalizeArgs(s *Service, l *logicalLine, toks []token) {
	args := make([]token, len(toks))
	copy(args, toks)
	i := 0
	for ; i < len(args); i++ {
		arg := args[i].text
		if arg == "" || arg[0] != '-' || arg == "--" {
			break
		}
		// "-vo x" is "-v" "-o x".
		for j := 2; j < len(arg); j++ {
			if arg[j] == 'o' {
				rest := token{text: "-" + arg[j:], off: args[i].off + j - 1}
				args = append(args[:i+1], append([]token{rest}, args[i+1:]...)...)
				args[i].text = arg[:j]
				arg = arg[:j]
				break
			}
		}
		if len(arg) < 2 || arg[1] != 'o' {
			continue
		}
		extract := false
		if len(arg) > 2 {
			val := token{text: arg[2:], off: args[i].off + 2}
			args[i].text = arg[:2]
			args = append(args[:i+1], append([]token{val}, args[i+1:]...)...)
			i++
			extract = args[i].text[0] == '{'
		} else if i+1 < len(args) {
			i++
			extract = args[i].text != "" && args[i].text[0] == '{'
		}
		if extract {
			args[i] = m.extractBraced(l, args[i])
			if args[i-1].text[1] == 'o' {
				args[i] = m.normalizeNameValue(l, args[i])
			}
		}
	}
	for ; i < len(args); i++ {
		if args[i].text != "" && args[i].text[0] == '{' {
			args[i] = m.extractBraced(l, args[i])
		}
	}
	for _, a := range args {
		s.Args = append(s.Args, Word{Text: a.text, Pos: l.position(a.off)})
	}
	s.Overrides = m.daemonOverrides(l, toks)
	if !sameOverrides(s.Overrides, postconfOverrides(args)) && len(toks) > 0 {
		m.houseWarnf(l.position(toks[0].off), "postconf(1) reads this entry's -o settings differently "+
			"from the daemon (it splits an option word at each 'o'); mailcc takes them as the daemon does")
	}

}

// daemonOptsWithValue are the options of Postfix's daemons (their
// getopt() string "cdDi:lm:n:o:s:St:uvVz") that take a value.
const daemonOptsWithValue = "imnost"

// daemonOverrides returns the -o settings of a service as its daemon's
// getopt() finds them in the arguments: "-o name=value", "-oname=value",
// "-vo name=value", and "-o { name = value }" as master(8) passes it.
// A -o without a name=value argument is warned about.
func (m *MasterCF) daemonOverrides(l *logicalLine, toks []token) []Override {
	var out []Override
	for i := 0; i < len(toks); {
		a := toks[i].text
		if len(a) < 2 || a[0] != '-' || a == "--" {
			break
		}
		opt := toks[i]
		i++
		for j := 1; j < len(a); j++ {
			c := a[j]
			if strings.IndexByte(daemonOptsWithValue, c) < 0 {
				continue
			}
			var v token
			switch {
			case j+1 < len(a):
				v = token{text: a[j+1:], off: opt.off + j + 1}
			case i < len(toks):
				v = toks[i]
				i++
			default:
				if c == 'o' {
					m.houseWarnf(l.position(opt.off+j-1), "-o needs a name=value argument")
				}
				j = len(a)
				continue
			}
			if c == 'o' {
				braced := strings.HasPrefix(v.text, "{")
				if braced {
					v = braceInner(v)
				}
				name, value, nameOff, valueOff, ok := splitNameValueString(v.text)
				if ok {
					out = append(out, Override{
						Name:     name,
						Value:    value,
						Pos:      l.position(v.off + nameOff),
						ValuePos: l.position(v.off + valueOff),
					})
				} else if !braced {
					m.houseWarnf(l.position(v.off), fmt.Sprintf("expected name=value after -o, not %q", v.text))
				}
			}
			break
		}
	}
	return out
}

// postconfOverrides returns the -o settings postconf finds in the
// normalised arguments.
func postconfOverrides(args []token) []Override {
	var out []Override
	for j := 0; j < len(args); j++ {
		a := args[j].text
		if a == "" || a[0] != '-' || a == "--" {
			break
		}
		if len(a) < 2 || a[1] != 'o' || j+1 >= len(args) {
			continue
		}
		j++
		if name, value, _, _, ok := splitNameValueString(args[j].text); ok {
			out = append(out, Override{Name: name, Value: value})
		}
	}
	return out
}

// sameOverrides compares the names and values of two lists.
func sameOverrides(a, b []Override) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Value != b[i].Value {
			return false
		}
	}
	return true
}

// braceInner is the text inside "{ ... }" with the white space around
// it removed, without warnings (extractBraced reports the problems).
func braceInner(t token) token {
	text := t.text
	level, end := 0, len(text)
	for i := 0; i < len(text); i++ {
		if text[i] == '{' {
			level++
		} else if text[i] == '}' {
			level--
			if level == 0 {
				end = i
				break
			}
		}
	}
	inner := text[1:end]
	lead := 0
	for lead < len(inner) && isSpace(inner[lead]) {
		lead++
	}
	e := len(inner)
	for e > lead && isSpace(inner[e-1]) {
		e--
	}
	return token{text: inner[lead:e], off: t.off + 1 + lead}
}

// extractBraced takes the text inside "{ ... }", white space around it
// removed, as Postfix's extpar() does; a missing or misplaced '}' is
// warned about and the text is taken anyway.
func (m *MasterCF) extractBraced(l *logicalLine, t token) token {
	text := t.text
	level, end := 0, -1
	for i := 0; i < len(text); i++ {
		if text[i] == '{' {
			level++
		} else if text[i] == '}' {
			level--
			if level == 0 {
				end = i
				break
			}
		}
	}
	var inner string
	off := t.off + 1
	switch {
	case end < 0:
		m.warnf(l.position(t.off), "missing '}'", fmt.Sprintf("master.cf: missing '}' in \"%s\"", text))
		inner = text[1:]
	default:
		if end+1 < len(text) {
			m.warnf(l.position(t.off+end+1), "text after '}'", fmt.Sprintf("master.cf: syntax error after '}' in \"%s\"", text))
		}
		inner = text[1:end]
	}
	lead := 0
	for lead < len(inner) && isSpace(inner[lead]) {
		lead++
	}
	e := len(inner)
	for e > lead && isSpace(inner[e-1]) {
		e--
	}
	return token{text: inner[lead:e], off: off + lead}
}

// normalizeNameValue turns " name = value " into "name=value".
func (m *MasterCF) normalizeNameValue(l *logicalLine, t token) token {
	name, value, nameOff, _, ok := splitNameValueString(t.text)
	if !ok {
		_, native := nameValueError(t.text)
		m.warnf(l.position(t.off), "expected name=value after -o", fmt.Sprintf("master.cf: %s: \"%s\"", native, t.text))
		return t
	}
	return token{text: name + "=" + value, off: t.off + nameOff}
}

// nameValueError says why text is not name=value (split_nameval()'s
// messages).
func nameValueError(text string) (bool, string) {
	np := 0
	for np < len(text) && isSpace(text[np]) {
		np++
	}
	if np == len(text) || text[np] == '=' {
		return false, "missing attribute name"
	}
	return false, "missing '=' after attribute name"
}

// splitNameValueString is split_nameval() on a string: it returns the
// name and value and their offsets.
func splitNameValueString(s string) (name, value string, nameOff, valueOff int, ok bool) {
	np := 0
	for np < len(s) && isSpace(s[np]) {
		np++
	}
	if np == len(s) || s[np] == '=' {
		return "", "", 0, 0, false
	}
	ep := np
	for ep < len(s) && !isSpace(s[ep]) && s[ep] != '=' {
		ep++
	}
	cp := ep
	for cp < len(s) && isSpace(s[cp]) {
		cp++
	}
	if cp == len(s) || s[cp] != '=' {
		return "", "", 0, 0, false
	}
	vp := cp + 1
	for vp < len(s) && isSpace(s[vp]) {
		vp++
	}
	ve := len(s)
	for ve > vp && isSpace(s[ve-1]) {
		ve--
	}
	return s[np:ep], s[vp:ve], np, vp, true
}
