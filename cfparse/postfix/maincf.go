package postfix

import (
	"fmt"
	"strings"

	"mailcc/source"
)

// MainCF is a parsed main.cf: its parameter assignments in file order.
type MainCF struct {
	// Path is the file's name as given to ParseMainCF.
	Path string
	// Params holds every assignment in file order, a parameter set twice
	// included; Lookup gives the one that counts (the last).
	Params []*Param

	last     map[string]*Param
	problems []problem
}

// Param is one "name = value" assignment.
type Param struct {
	Name string
	// Value is the value as Postfix stores it: continuation lines joined
	// (their leading white space kept), white space around it removed,
	// not expanded.
	Value string
	// Line is the number of the assignment's first physical line.
	Line int

	line     *logicalLine
	nameOff  int // offsets of the name and the value in line.text
	valueOff int
}

// NamePos is the position of the parameter's name.
func (p *Param) NamePos() source.Position {
	if p == nil || p.line == nil {
		return source.Position{}
	}
	return p.line.position(p.nameOff)
}

// ValuePos is the position of the value's first byte (of the end of the
// line when the value is empty).
func (p *Param) ValuePos() source.Position { return p.PosAt(0) }

// PosAt is the position of the value's byte i: values that continue over
// several physical lines map each byte back to its own line and column.
func (p *Param) PosAt(i int) source.Position {
	if p == nil || p.line == nil {
		return source.Position{}
	}
	if i < 0 {
		i = 0
	}
	if i > len(p.Value) {
		i = len(p.Value)
	}
	return p.line.position(p.valueOff + i)
}

// problem is something main.cf or master.cf parsing reports, with the
// wording of the house style (Msg) and of Postfix (native).
type problem struct {
	sev    source.Severity
	pos    source.Position
	msg    string
	native string // Postfix's message, after "path, line N: " or "path: "
	line   int    // the line Postfix names, 0 when it names none
	// houseOnly: mailcc's own finding, about something Postfix's
	// postconf accepts silently (postconf prints nothing for it).
	houseOnly bool
}

func (p problem) diagnostic() *source.Diagnostic {
	return &source.Diagnostic{Pos: p.pos, Severity: p.sev, Msg: p.msg}
}

// Lookup returns the assignment of name that counts (the last one), and
// whether there is one.
func (m *MainCF) Lookup(name string) (*Param, bool) {
	p, ok := m.last[name]
	return p, ok
}

// Get returns the value of name as set in main.cf, and whether it is set.
func (m *MainCF) Get(name string) (string, bool) {
	if p, ok := m.last[name]; ok {
		return p.Value, true
	}
	return "", false
}

// Names returns the names set in main.cf, each once, in the order of
// their first assignment.
func (m *MainCF) Names() []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range m.Params {
		if !seen[p.Name] {
			seen[p.Name] = true
			out = append(out, p.Name)
		}
	}
	return out
}

// ParseMainCF parses the main.cf text data; path names the file in
// positions and messages. It never stops at a bad line: each one is
// reported and skipped. Warnings say what Postfix warns about (a
// parameter set twice, text with nothing to continue).
func ParseMainCF(path string, data []byte) (*MainCF, source.Diagnostics) {
	m, _ := parseMainCF(path, data, nil)
	var diags source.Diagnostics
	for _, p := range m.problems {
		diags.Add(p.diagnostic())
	}
	diags.Sort()
	return m, diags
}

// parseMainCF parses main.cf; preset holds assignments made before the
// file is read (postconf -c sets config_directory so), which a setting
// in the file overrides with a warning like any other.
func parseMainCF(path string, data []byte, preset map[string]string) (*MainCF, *source.File) {
	file := source.NewFileSet().AddFile(path, data)
	m := &MainCF{Path: path, last: map[string]*Param{}}
	lines, warnings := readLogicalLines(file, data)
	wi := 0
	flushWarnings := func(before int) {
		for wi < len(warnings) && (before < 0 || warnings[wi].line.first < before) {
			m.problems = append(m.problems, whitespaceProblem(warnings[wi].line))
			wi++
		}
	}
	for _, l := range lines {
		flushWarnings(l.first)
		p, prob := splitNameValue(l)
		if prob != nil {
			m.problems = append(m.problems, *prob)
			continue
		}
		old, had := "", false
		if q, ok := m.last[p.Name]; ok {
			old, had = q.Value, true
		} else if v, ok := preset[p.Name]; ok {
			old, had = v, true
		}
		if had && old != p.Value {
			m.problems = append(m.problems, problem{
				sev:    source.Warning,
				pos:    p.NamePos(),
				msg:    fmt.Sprintf("%s overrides an earlier setting (%q)", p.Name, old),
				native: fmt.Sprintf("overriding earlier entry: %s=%s", p.Name, old),
				line:   p.Line,
			})
		}
		m.Params = append(m.Params, p)
		m.last[p.Name] = p
		if prob := checkName(p); prob != nil {
			m.problems = append(m.problems, *prob)
		}
		if prob := checkExpansion(p); prob != nil {
			m.problems = append(m.problems, *prob)
		}
	}
	flushWarnings(-1)
	return m, file
}

// checkName warns about a parameter name that no $name can refer to:
// Postfix takes any name, but $name stops at the first byte that is not
// a letter, a digit or '_', so such a setting can only be unused.
func checkName(p *Param) *problem {
	for i := 0; i < len(p.Name); i++ {
		if c := p.Name[i]; !isAlnum(c) && c != '_' {
			return &problem{
				sev:       source.Warning,
				pos:       p.line.position(p.nameOff + i),
				msg:       fmt.Sprintf("parameter name %q holds %q: only letters, digits and '_' can be referred to as $name", p.Name, c),
				houseOnly: true,
			}
		}
	}
	return nil
}

// builtinNames is the set of Postfix's built-in parameters.
var builtinNames = func() map[string]bool {
	m := make(map[string]bool, len(builtinParams))
	for _, b := range builtinParams {
		m[b.name] = true
	}
	return m
}()

// checkExpansion reports a value whose $name syntax Postfix cannot
// expand, at the '$' of the first bad reference. It is an error for a
// built-in parameter (every program that reads it stops there) and a
// warning for others (Postfix stops only when a value uses them).
func checkExpansion(p *Param) *problem {
	off, warnings := firstBadReference(p.Value)
	if warnings == nil {
		return nil
	}
	sev := source.Warning
	if builtinNames[p.Name] {
		sev = source.Error
	}
	return &problem{
		sev:       sev,
		pos:       p.PosAt(off),
		msg:       fmt.Sprintf("%s: cannot expand the value: %s", p.Name, strings.Join(warnings, "; ")),
		houseOnly: true,
	}
}

// whitespaceProblem is readllines()'s warning about text that starts
// with white space with nothing before it to continue.
func whitespaceProblem(l *logicalLine) problem {
	text := cString(l.text)
	shown, more := text, ""
	if len(shown) > 30 {
		shown, more = shown[:30], "..."
	}
	return problem{
		sev:    source.Warning,
		pos:    l.position(0),
		msg:    "indented text continues nothing before it and is ignored",
		native: fmt.Sprintf("logical line must not start with whitespace: \"%s%s\"", shown, more),
	}
}

// splitNameValue splits a logical line into name and value as Postfix's
// split_nameval() does: blanks before the name, around '=' and at the
// end go; the name runs to the first blank or '='.
func splitNameValue(l *logicalLine) (*Param, *problem) {
	b := cString(l.text)
	np := 0
	for np < len(b) && isSpace(b[np]) {
		np++
	}
	bad := func(at int, msg, native string) (*Param, *problem) {
		return nil, &problem{
			sev:    source.Error,
			pos:    l.position(at),
			msg:    msg,
			native: fmt.Sprintf("%s: \"%s\"", native, b),
			line:   l.first,
		}
	}
	if np == len(b) || b[np] == '=' {
		return bad(np, "missing parameter name before '='", "missing attribute name")
	}
	ep := np
	for ep < len(b) && !isSpace(b[ep]) && b[ep] != '=' {
		ep++
	}
	cp := ep
	for cp < len(b) && isSpace(b[cp]) {
		cp++
	}
	if cp == len(b) || b[cp] != '=' {
		return bad(cp, fmt.Sprintf("expected '=' after parameter name %q", b[np:ep]), "missing '=' after attribute name")
	}
	vp := cp + 1
	for vp < len(b) && isSpace(b[vp]) {
		vp++
	}
	ve := len(b)
	for ve > vp && isSpace(b[ve-1]) {
		ve--
	}
	return &Param{
		Name:     string(b[np:ep]),
		Value:    string(b[vp:ve]),
		Line:     l.first,
		line:     l,
		nameOff:  np,
		valueOff: vp,
	}, nil
}
