package sendmail

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"mailcc/cfparse/table"
	"mailcc/ir"
	"mailcc/source"
)

// Load reads a sendmail.mc (data, or the file when data is nil), the
// files it includes and the tables and class files it names, and lowers
// them into an ir.Config.
func Load(path string, data []byte, opts Options) (*ir.Config, source.Diagnostics) {
	mc, diags := ParseMC(path, data, opts)
	cfg, more := Lower(mc, opts)
	diags = append(diags, more...)
	diags.Sort()
	diags.RemoveMultiples()
	return cfg, diags
}

// lowerer holds the state of one Lower.
type lowerer struct {
	mc    *MC
	opts  Options
	cfg   *ir.Config
	diags source.Diagnostics
	// classes by name, in the order first seen
	classes map[string]*ir.Class
	// macros are the D lines, by macro name (the last one counts)
	macros map[string]Line
	// options are the O lines, by name (the last one counts)
	options map[string]Line
	sources map[string]bool
}

// Lower turns what ParseMC found into an ir.Config: the declarations of
// the .cf (maps, classes, macros, options, mailers, filters) and what the
// cf library's features mean (policy checks, relaying, rewriting,
// routing). The text sources of the maps and the class files are read
// unless Options.SkipTables is set.
func Lower(mc *MC, opts Options) (*ir.Config, source.Diagnostics) {
	lw := &lowerer{
		mc:      mc,
		opts:    opts,
		cfg:     &ir.Config{Dialect: ir.Sendmail},
		classes: map[string]*ir.Class{},
		macros:  map[string]Line{},
		options: map[string]Line{},
		sources: map[string]bool{},
	}
	lw.source(mc.Path, "sendmail.mc", "")
	for _, inc := range mc.Includes {
		lw.source(inc, "include", "")
	}
	for _, l := range mc.Lines {
		lw.declaration(l)
	}
	lw.aliasTables()
	lw.finishClasses()
	lw.identity()
	lw.relay()
	lw.policy()
	lw.rewrite()
	lw.routing()
	lw.opaque()
	if !opts.SkipTables {
		lw.loadTables()
	}
	return lw.cfg, lw.diags
}

func (lw *lowerer) source(path, role, note string) {
	key := role + "\x00" + path
	if lw.sources[key] {
		return
	}
	lw.sources[key] = true
	lw.cfg.Sources = append(lw.cfg.Sources, ir.Source{Path: path, Role: role, Note: note})
}

func posOf(p ir.Pos) source.Position {
	return source.Position{Filename: p.File, Line: p.Line, Column: p.Col}
}

// defaultPos is where a diagnostic about something without a position
// (a cf library default) points: the .mc line that loads the library.
func (lw *lowerer) defaultPos(p ir.Pos) ir.Pos {
	switch {
	case p.IsValid():
		return p
	case lw.mc.LibraryPos.IsValid():
		return lw.mc.LibraryPos
	}
	return ir.Pos{File: lw.mc.Path}
}

func (lw *lowerer) warnf(p ir.Pos, format string, args ...any) {
	p = lw.defaultPos(p)
	lw.diags.Warningf(posOf(p), format, args...)
}

func (lw *lowerer) errorf(p ir.Pos, format string, args ...any) {
	p = lw.defaultPos(p)
	lw.diags.Errorf(posOf(p), format, args...)
}

// cfName writes a macro or class name as a .cf does: one letter, or
// {long}.
func cfName(name string) string {
	if len(name) == 1 {
		return name
	}
	return "{" + name + "}"
}

// declaration lowers one .cf line.
func (lw *lowerer) declaration(l Line) {
	switch l.Kind {
	case 'K':
		lw.mapDecl(l)
	case 'C':
		lw.classWords(l.Name, strings.Fields(l.Value), l)
	case 'T':
		lw.classWords("t", strings.Fields(l.Value), l)
	case 'F':
		lw.classFile(l)
	case 'D':
		lw.macros[l.Name] = l
		lw.cfg.Options = append(lw.cfg.Options, ir.Option{Name: "$" + cfName(l.Name), Raw: l.Value, Type: ir.TypeString, Pos: l.Pos, Origin: l.Origin})
	case 'O':
		switch l.Name {
		case "DaemonPortOptions":
			lw.listener(l)
		case "ClientPortOptions":
			lw.clientOptions(l)
		default:
			lw.options[l.Name] = l
			lw.option(l)
		}
	case 'M':
		lw.mailerDecl(l)
	case 'X':
		lw.milter(l)
	case 'Q':
		lw.cfg.Opaque = append(lw.cfg.Opaque, ir.Opaque{Kind: "QUEUE_GROUP", Name: l.Name, Text: l.Value, Pos: l.Pos,
			Why: "queue groups are kept as written: mailcc does not model sendmail's queues"})
	}
}

// option adds a typed option, replacing an earlier setting of the same
// option (the last O line counts in sendmail).
func (lw *lowerer) option(l Line) {
	def, known := optionByName[l.Name]
	o := ir.Option{Name: l.Name, Raw: l.Value, Type: ir.TypeString, Pos: l.Pos, Origin: l.Origin}
	if known {
		o.Source, o.Type = def.Var, def.Type
		lw.typeValue(&o, def)
	}
	for i := range lw.cfg.Options {
		if lw.cfg.Options[i].Name == o.Name {
			lw.cfg.Options = append(lw.cfg.Options[:i], lw.cfg.Options[i+1:]...)
			break
		}
	}
	lw.cfg.Options = append(lw.cfg.Options, o)
}

// typeValue fills an option's typed value the way sendmail reads it.
func (lw *lowerer) typeValue(o *ir.Option, def optDef) {
	v := strings.TrimSpace(o.Raw)
	switch def.Type {
	case ir.TypeInt, ir.TypeSize:
		n, ok := atol(v)
		if !ok && v != "" {
			lw.warnf(o.Pos, "option %s=%s: sendmail reads only the leading number (%d)", o.Name, v, n)
		}
		o.Int = n
	case ir.TypeDuration:
		secs, err := convtime(v, def.Unit)
		if err != "" {
			lw.warnf(o.Pos, "option %s=%s: %s", o.Name, v, err)
		}
		o.Seconds = secs
	case ir.TypeBool:
		o.Bool = atobool(v)
	case ir.TypeList:
		o.List = splitList(v)
	}
}

// atol is C's atol: leading blanks, a sign, digits; ok is false when
// anything else follows.
func atol(s string) (int64, bool) {
	s = strings.TrimLeft(s, " \t")
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	n, _ := strconv.ParseInt(s[:j], 10, 64)
	return n, j == len(s) && j > i
}

// atobool is sendmail's atobool: an empty value and t/T/y/Y are true.
func atobool(s string) bool {
	if s == "" {
		return true
	}
	switch s[0] {
	case 't', 'T', 'y', 'Y':
		return true
	}
	return false
}

// convtime is sendmail's convtime: numbers with units (s, m, h, d, w),
// summed; a number without a unit takes the default unit.
func convtime(s string, unit byte) (int64, string) {
	if unit == 0 {
		unit = 's'
	}
	mult := map[byte]int64{'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800}
	var total int64
	bad := ""
	for s != "" {
		neg := false
		if s[0] == '-' {
			neg, s = true, s[1:]
		}
		j := 0
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		n, _ := strconv.ParseInt(s[:j], 10, 64)
		s = s[j:]
		u := unit
		if s != "" {
			u = s[0]
			s = s[1:]
		}
		m, ok := mult[u]
		if !ok {
			bad = "invalid time unit `" + string(u) + "' (sendmail takes it as seconds)"
			m = 1
		}
		if neg {
			n = -n
		}
		total += n * m
	}
	return total, bad
}

// splitList splits a list option at commas and blanks.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
}

// fileMapTypes are the map classes whose data is a file makemap builds
// from a text source.
var fileMapTypes = map[string]bool{"hash": true, "btree": true, "dbm": true, "cdb": true, "implicit": true}

// mapKinds says what the cf library's maps are for.
var mapKinds = map[string]ir.TableKind{
	"access":      ir.AccessTable,
	"virtuser":    ir.VirtualTable,
	"generics":    ir.GenericTable,
	"mailertable": ir.TransportTable,
	"domaintable": ir.DomainTable,
	"authinfo":    ir.AuthInfoTable,
}

// parseMapSpec splits a K line's value: the map class, its flags and the
// file (for file-based classes).
func parseMapSpec(spec string) ir.Backend {
	f := strings.Fields(spec)
	b := ir.Backend{Spec: spec}
	if len(f) == 0 {
		return b
	}
	b.Type = f[0]
	if !fileMapTypes[b.Type] {
		return b
	}
	for _, w := range f[1:] {
		if strings.HasPrefix(w, "-") && b.Path == "" {
			b.Flags = append(b.Flags, w)
			switch w[:min(2, len(w))] {
			case "-o":
				b.Optional = true
			case "-f":
				b.KeepCase = true
			case "-N":
				b.NUL = "always"
			case "-O":
				b.NUL = "never"
			}
			continue
		}
		if b.Path == "" {
			b.Path = w
		}
	}
	b.Source = strings.TrimSuffix(b.Path, ".db")
	if b.Type == "cdb" {
		b.Source = strings.TrimSuffix(b.Path, ".cdb")
	}
	return b
}

// mapDecl lowers a K line.
func (lw *lowerer) mapDecl(l Line) {
	t := &ir.Table{Name: l.Name, Kind: ir.OtherTable, Backend: parseMapSpec(l.Value), Pos: l.Pos, Origin: l.Origin}
	if k, ok := mapKinds[l.Name]; ok {
		t.Kind = k
	}
	for i, old := range lw.cfg.Tables {
		if old.Name == t.Name {
			// sendmail takes the last definition of a map name
			lw.warnf(l.Pos, "map %s is declared again (the earlier declaration at %s is replaced)", t.Name, old.Pos)
			lw.cfg.Tables = append(lw.cfg.Tables[:i], lw.cfg.Tables[i+1:]...)
			break
		}
	}
	lw.cfg.Tables = append(lw.cfg.Tables, t)
}

// class returns the class named name, creating it.
func (lw *lowerer) class(name string) *ir.Class {
	if c := lw.classes[name]; c != nil {
		return c
	}
	lw.cfg.Classes = append(lw.cfg.Classes, ir.Class{Name: name})
	// the slice may have moved: rebuild the index
	for i := range lw.cfg.Classes {
		lw.classes[lw.cfg.Classes[i].Name] = &lw.cfg.Classes[i]
	}
	return lw.classes[name]
}

// classWords adds the words of a C (or T) line.
func (lw *lowerer) classWords(name string, words []string, l Line) {
	c := lw.class(name)
	for _, w := range words {
		c.Members = append(c.Members, ir.ClassMember{Value: w, Pos: l.Pos, Origin: l.Origin})
	}
}

// parseClassFile splits an F line's value: "-o path format", "|program",
// "key@mapclass:spec".
func parseClassFile(v string) ir.ClassFile {
	var cf ir.ClassFile
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "-o") {
		cf.Optional = true
		v = strings.TrimSpace(v[2:])
	}
	if strings.HasPrefix(v, "|") {
		cf.Program = true
		cf.Path = strings.TrimSpace(v[1:])
		return cf
	}
	path, format, _ := strings.Cut(v, " ")
	cf.Path = path
	cf.Format = strings.TrimSpace(format)
	return cf
}

// classFile lowers an F line; the file is read later.
func (lw *lowerer) classFile(l Line) {
	cf := parseClassFile(l.Value)
	cf.Pos = l.Pos
	c := lw.class(l.Name)
	c.Files = append(c.Files, cf)
}

// finishClasses reads the class files and expands $={class} words.
func (lw *lowerer) finishClasses() {
	for ci := range lw.cfg.Classes {
		c := &lw.cfg.Classes[ci]
		var members []ir.ClassMember
		for _, m := range c.Members {
			if strings.HasPrefix(m.Value, "$={") && strings.HasSuffix(m.Value, "}") {
				// CR$={VirtHost}: the members the other class has at this point
				if other := lw.classes[m.Value[3:len(m.Value)-1]]; other != nil && other != c {
					for _, om := range other.Members {
						om.Origin = "class " + other.Name + " (" + m.Value + ")"
						if om.Pos.IsValid() == false {
							om.Pos = m.Pos
						}
						members = append(members, om)
					}
				}
				continue
			}
			members = append(members, m)
		}
		c.Members = members
		if lw.opts.SkipTables {
			continue
		}
		for fi := range c.Files {
			f := &c.Files[fi]
			if f.Program || strings.Contains(f.Path, "@") {
				continue
			}
			data, where, note := lw.readFile(f.Path)
			if data == nil {
				switch {
				case f.Optional:
				default:
					lw.errorf(f.Pos, "class %s: cannot open %s: %s (sendmail reports this when it starts)", c.Name, f.Path, note)
				}
				continue
			}
			lw.source(where, "class:"+c.Name, note)
			f.Read = true
			format := f.Format
			if format == "" {
				format = "%s"
			}
			words, d := table.ParseClassFile(where, data, format)
			lw.diags = append(lw.diags, d...)
			for _, w := range words {
				w.From = f.Path
				c.Members = append(c.Members, w)
			}
		}
	}
}

// readFile reads a file the configuration names: under Root when set,
// else where it is; a file under /etc/mail that does not exist falls
// back to the file of that name beside the .mc (note says so). data is
// nil when neither exists; note then says why.
func (lw *lowerer) readFile(path string) (data []byte, where, note string) {
	try := path
	if lw.opts.Root != "" && filepath.IsAbs(path) {
		try = filepath.Join(lw.opts.Root, path)
	}
	data, err := os.ReadFile(try)
	if err == nil {
		return data, try, ""
	}
	first := err
	beside := filepath.Join(filepath.Dir(lw.mc.Path), filepath.Base(path))
	settings := "/etc/mail/"
	if v, ok := lw.mc.Vars["MAIL_SETTINGS_DIR"]; ok && v.Value != "" {
		settings = v.Value
	}
	if beside != try && (strings.HasPrefix(path, "/etc/mail/") || strings.HasPrefix(path, settings)) {
		if d, err := os.ReadFile(beside); err == nil {
			return d, beside, path + " does not exist; read " + beside + " beside the .mc instead"
		}
	}
	return nil, "", unwrapPathError(first).Error()
}
