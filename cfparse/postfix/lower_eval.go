package postfix

import (
	"io"
	"strings"

	"mailcc/ir"
)

// env evaluates parameters as Postfix's daemons do: main.cf over the
// built-in defaults, with a master.cf service's -o overrides on top.
// config_directory is the folder read, as with postconf -c or
// MAIL_CONFIG.
type env struct {
	p   *pcf
	raw map[string]bool
}

func newEnv(dir string, m *MainCF, host *Host) *env {
	p := newPCF(PostconfOptions{ConfigDir: dir, Host: host}, io.Discard)
	p.configDir = dir
	p.main.set("config_directory", dir)
	for _, prm := range m.Params {
		p.main.set(prm.Name, prm.Value)
	}
	p.registerBuiltin()
	raw := map[string]bool{}
	for _, b := range builtinParams {
		if b.flags&paramRaw != 0 {
			raw[b.name] = true
		}
	}
	return &env{p: p, raw: raw}
}

// scope is a master.cf service's -o overrides (nil: main.cf only).
type scope map[string]Override

// get returns name's unexpanded value and whether Postfix knows it.
func (e *env) get(name string, sc scope) (value string, ok bool) {
	if o, found := sc[name]; found {
		return o.Value, true
	}
	defer func() {
		if r := recover(); r != nil {
			if _, fatal := r.(*fatalError); !fatal {
				panic(r)
			}
			value, ok = "", false
		}
	}()
	return e.p.lookup(false, false, name, nil)
}

// expand expands value as Postfix does (recursively, undefined names
// empty). A syntax error or a fatal condition (a host-dependent default
// that cannot be computed) is returned with the text expanded so far.
func (e *env) expand(value string, sc scope) (out string, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, fatal := r.(*fatalError)
			if !fatal {
				panic(r)
			}
			err = f
		}
	}()
	ex := newExpander(expRecurse, func(name string, _ bool) (string, bool) { return e.get(name, sc) })
	out, st := ex.expand(value)
	if ex.fatal != nil {
		return out, ex.fatal
	}
	if st&statusError != 0 {
		return out, &ExpandError{Value: value, Warnings: ex.warnings}
	}
	return out, nil
}

// val is a parameter's value as a daemon sees it, with where it came
// from.
type val struct {
	Name  string
	Raw   string // as written (or the default)
	Value string // expanded (Raw for parameters Postfix does not expand)
	Set   bool   // set in main.cf or by -o
	Pos   ir.Pos // of the value's first byte when Set
	// posAt maps an offset in Raw to its position (nil for defaults).
	posAt func(int) ir.Pos
}

// origin says where a value without a position comes from.
func (v val) origin() string {
	if v.Set {
		return ""
	}
	return "Postfix default " + v.Name
}

// irValue is v as an IR value.
func (v val) irValue() ir.Value {
	return ir.Value{Value: v.Value, Pos: v.Pos, Origin: v.origin()}
}

// param evaluates name in scope sc, reporting expansion problems at the
// parameter.
func (l *lowerer) param(name string, sc scope) val {
	v := val{Name: name}
	if o, ok := sc[name]; ok {
		v.Raw, v.Set = o.Value, true
		v.Pos = irPos(o.ValuePos)
		base := o.ValuePos
		v.posAt = func(i int) ir.Pos { return ir.Pos{File: base.Filename, Line: base.Line, Col: base.Column + i} }
	} else if p, ok := l.main.Lookup(name); ok {
		v.Raw, v.Set = p.Value, true
		v.Pos = irPos(p.ValuePos())
		v.posAt = func(i int) ir.Pos { return irPos(p.PosAt(i)) }
	} else {
		v.Raw, _ = l.env.get(name, sc)
	}
	if l.env.raw[name] {
		v.Value = v.Raw
		return v
	}
	out, err := l.env.expand(v.Raw, sc)
	if err != nil {
		l.expandError(v, err)
	}
	v.Value = out
	return v
}

// expandError reports an expansion problem once per parameter.
func (l *lowerer) expandError(v val, err error) {
	msg := err.Error()
	if ee, ok := err.(*ExpandError); ok && len(ee.Warnings) > 0 {
		msg = strings.Join(ee.Warnings, "; ")
	}
	l.warnOnce("expand\x00"+v.Name+"\x00"+v.Pos.String(), v.Pos, "%s: Postfix cannot expand this value: %s", v.Name, msg)
}

// bool evaluates a yes/no parameter as Postfix's get_mail_conf_bool
// does (anything but "yes" and "no" is an error; the default counts).
func (l *lowerer) bool(name string, sc scope) bool {
	v := l.param(name, sc)
	switch strings.ToLower(v.Value) {
	case "yes":
		return true
	case "no":
		return false
	}
	l.errorf(v.Pos, "%s: bad boolean value %q (yes or no)", name, v.Value)
	d, _ := l.env.get(name, nil)
	return d == "yes"
}

// item is one element of a list-valued parameter.
type item struct {
	Text   string
	Pos    ir.Pos
	Origin string
	// From names the parameter the item was written in.
	From string
}

// items splits a list-valued parameter into its elements (separated by
// white space and commas, {...} kept whole), after expansion. An element
// that is a bare reference ($name, ${name}, $(name)) is followed into
// the parameter it names, so that each element has the position of the
// text that wrote it.
func (l *lowerer) items(name string, sc scope) []item {
	return l.itemsDepth(name, sc, 0)
}

func (l *lowerer) itemsDepth(name string, sc scope, depth int) []item {
	v := l.param(name, sc)
	return l.splitItems(v, v.Raw, sc, depth)
}

func (l *lowerer) splitItems(v val, raw string, sc scope, depth int) []item {
	var out []item
	at := func(off int) (ir.Pos, string) {
		if v.posAt == nil {
			return ir.Pos{}, v.origin()
		}
		return v.posAt(off), ""
	}
	for _, t := range tokenize(raw) {
		pos, origin := at(t.off)
		if !strings.Contains(t.text, "$") || l.env.raw[v.Name] {
			out = append(out, item{Text: t.text, Pos: pos, Origin: origin, From: v.Name})
			continue
		}
		if ref, ok := bareReference(t.text); ok && depth < 20 {
			if _, known := l.env.get(ref, sc); known {
				out = append(out, l.itemsDepth(ref, sc, depth+1)...)
				continue
			}
		}
		exp, err := l.env.expand(t.text, sc)
		if err != nil {
			l.expandError(v, err)
		}
		for _, u := range tokenize(exp) {
			out = append(out, item{Text: u.text, Pos: pos, Origin: origin, From: v.Name})
		}
	}
	return out
}

// token is a list element and its offset in the text.
type listToken struct {
	text string
	off  int
}

// tokenize splits text at white space and commas, keeping {...} groups
// in one element (Postfix's mystrtokq with CHARS_COMMA_SP).
func tokenize(text string) []listToken {
	var out []listToken
	i := 0
	for {
		for i < len(text) && isListSep(rune(text[i])) {
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
			} else if level == 0 && isListSep(rune(c)) {
				break
			}
			i++
		}
		out = append(out, listToken{text[start:i], start})
	}
}

// bareReference reports whether s is exactly one $name, ${name} or
// $(name) reference, and its name.
func bareReference(s string) (string, bool) {
	if len(s) < 2 || s[0] != '$' {
		return "", false
	}
	name := s[1:]
	switch {
	case strings.HasPrefix(name, "{") && strings.HasSuffix(name, "}"):
		name = name[1 : len(name)-1]
	case strings.HasPrefix(name, "(") && strings.HasSuffix(name, ")"):
		name = name[1 : len(name)-1]
	}
	if name == "" {
		return "", false
	}
	for i := 0; i < len(name); i++ {
		if !isAlnum(name[i]) && name[i] != '_' {
			return "", false
		}
	}
	return name, true
}
