package postfix

import (
	"fmt"
	"path"
	"reflect"
	"sort"
	"strings"

	"mailcc/ir"
	"mailcc/migrate/internal/emit"
)

// fromPostfix writes a Postfix configuration back from its IR: main.cf
// with every parameter the original set, as written; master.cf with
// the SMTP listeners and delivery agents the IR holds (when the
// original had none, Postfix's default written out); and the text source of every table whose
// entries the IR holds, under the file name main.cf gives it.
func fromPostfix(cfg *ir.Config, opt Options) (*Result, error) {
	rep := &Report{From: string(ir.Postfix), To: string(ir.Postfix)}
	add := func(it Item) { rep.Items = append(rep.Items, it) }
	exact := func(construct string, pos ir.Pos, origin, target string) {
		add(Item{Construct: construct, Pos: pos.String(), Origin: origin, Fidelity: Exact, Target: target})
	}
	none := func(construct string, pos ir.Pos, why, action string) {
		add(Item{Construct: construct, Pos: pos.String(), Fidelity: NotExpressible, Why: why, Action: action})
	}
	var files []File

	// main.cf: the parameters as written, in the original's order
	var mc strings.Builder
	mc.WriteString(Marker + " postfix-to-postfix\n")
	mc.WriteString(emit.Comment("#", "Written back by mailcc from the IR of a Postfix configuration: every parameter the original main.cf set, as written."))
	for _, o := range cfg.Options {
		if strings.ContainsAny(o.Raw, "\n\r") {
			none(o.Name, o.Pos, "its value holds a line break, which main.cf cannot hold", "set the parameter by hand")
			continue
		}
		if opt.Provenance {
			if s := emit.Pos(o.Pos); s != "" {
				mc.WriteString("# from " + s + "\n")
			}
		}
		mc.WriteString(o.Name + " = " + o.Raw + "\n")
		exact(o.Name+" = "+o.Raw, o.Pos, o.Origin, "main.cf: "+o.Name)
	}
	files = append(files, File{Name: "main.cf", Data: []byte(mc.String())})

	// master.cf: without one, Postfix's default (which the IR holds, the
	// origins of its services saying so) is written out
	data, err := masterFromIR(cfg, exact, none)
	if err != nil {
		return nil, fmt.Errorf("migrate postfix-to-postfix: %w", err)
	}
	files = append(files, File{Name: "master.cf", Data: data})

	// the tables' text sources
	written := map[string]string{} // file name -> source path
	for _, t := range cfg.Tables {
		b := t.Backend
		if b.Source == "" {
			continue
		}
		if !t.Loaded {
			none("table "+t.Name, t.Pos, "its text source "+b.Source+" was not read: the IR holds no entries", "copy "+b.Source+" by hand")
			continue
		}
		name := path.Base(b.Source)
		if prev, ok := written[name]; ok {
			if prev != b.Source {
				none("table "+t.Name, t.Pos, "its source "+b.Source+" has the same file name as "+prev+", written already", "copy "+b.Source+" by hand")
			}
			continue
		}
		if name == "main.cf" || name == "master.cf" || name == "." || name == "/" {
			none("table "+t.Name, t.Pos, "its source "+b.Source+" has a file name the configuration itself uses", "copy "+b.Source+" by hand")
			continue
		}
		written[name] = b.Source
		typ := b.Type
		alias := t.Kind == ir.AliasTable && !patternTypes[typ]
		files = append(files, File{Name: name, Data: renderEntries(t, alias, opt.Provenance), Map: typ, Alias: alias})
		exact("table "+t.Name, t.Pos, t.Origin, name+fmt.Sprintf(" (%d entries)", len(t.Entries)))
	}

	// what the IR keeps opaque
	for _, o := range cfg.Opaque {
		construct := o.Kind
		if o.Name != "" {
			construct += " " + o.Name
		}
		none(construct, o.Pos, "mailcc keeps it opaque: "+o.Why, "check it by hand")
	}
	// files read that are neither main.cf, master.cf nor a table source
	tableSrc := map[string]bool{}
	for _, t := range cfg.Tables {
		if t.Backend.Source != "" {
			tableSrc[path.Base(t.Backend.Source)] = true
		}
	}
	for _, s := range cfg.Sources {
		if s.Role == "main.cf" || s.Role == "master.cf" || tableSrc[path.Base(s.Path)] {
			continue
		}
		name := path.Base(s.Path)
		if strings.HasPrefix(s.Role, "list:") && !tableSrc[name] && name != "main.cf" && name != "master.cf" && written[name] == "" {
			if words := listWords(cfg, s.Path); len(words) > 0 {
				written[name] = s.Path
				files = append(files, File{Name: name, Data: []byte(Marker + " postfix-to-postfix\n" + strings.Join(words, "\n") + "\n")})
				exact(s.Role+" "+s.Path, ir.Pos{File: s.Path}, "", name+fmt.Sprintf(" (%d patterns)", len(words)))
				continue
			}
		}
		none(s.Role+" "+s.Path, ir.Pos{File: s.Path}, "the IR does not keep this file's text", "copy "+s.Path+" by hand")
	}

	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	return &Result{Files: files, Report: rep}, nil
}

// listWords are the patterns the IR holds from a /file list of main.cf
// (domains and networks whose position is in the file), in the order
// of the file.
func listWords(cfg *ir.Config, file string) []string {
	type word struct {
		pos  ir.Pos
		text string
	}
	var words []word
	seen := map[ir.Pos]bool{}
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Slice, reflect.Array:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i))
			}
		case reflect.Struct:
			var w word
			switch x := v.Interface().(type) {
			case ir.DomainMatch:
				w.pos, w.text = x.Pos, x.Domain
				if x.Table != "" {
					w.text = x.Table
				} else if x.OnlySubdomains {
					w.text = "." + x.Domain
				}
				if x.Negated {
					w.text = "!" + w.text
				}
			case ir.Network:
				w.pos, w.text = x.Pos, x.Source
				if w.text == "" {
					w.text = x.CIDR
				}
				if x.Negated && !strings.HasPrefix(w.text, "!") {
					w.text = "!" + w.text
				}
			default:
				for i := 0; i < v.NumField(); i++ {
					if v.Type().Field(i).IsExported() {
						walk(v.Field(i))
					}
				}
				return
			}
			if w.pos.File == file && !seen[w.pos] {
				seen[w.pos] = true
				words = append(words, w)
			}
		}
	}
	walk(reflect.ValueOf(cfg).Elem())
	sort.SliceStable(words, func(i, j int) bool {
		a, b := words[i].pos, words[j].pos
		return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
	})
	var out []string
	for _, w := range words {
		out = append(out, w.text)
	}
	return out
}

// patternTypes are table types read as rules in file order.
var patternTypes = map[string]bool{"regexp": true, "pcre": true, "cidr": true}

// renderEntries writes a table's entries back in source form: "key
// value" (postmap), "key: value" (postalias), "pattern result" (regexp,
// pcre, cidr; "if" and "endif" lines as they are).
func renderEntries(t *ir.Table, alias, provenance bool) []byte {
	var b strings.Builder
	b.WriteString(Marker + " postfix-to-postfix\n")
	for _, e := range t.Entries {
		if provenance {
			if s := emit.Pos(e.Pos); s != "" {
				b.WriteString("# from " + s + "\n")
			}
		}
		key := e.Key
		if alias {
			key += ":"
		}
		if e.Value == "" {
			b.WriteString(key + "\n")
			continue
		}
		b.WriteString(key + " " + e.Value + "\n")
	}
	return []byte(b.String())
}

// masterFromIR writes master.cf: the SMTP listeners and delivery agents
// the IR holds, then Postfix's stock services other than delivery
// agents (which the IR would hold had the original had them).
func masterFromIR(cfg *ir.Config, exact func(string, ir.Pos, string, string), none func(string, ir.Pos, string, string)) ([]byte, error) {
	var b strings.Builder
	b.WriteString(Marker + " postfix-to-postfix\n")
	taken := map[string]bool{}
	override := func(s ir.Setting) string {
		if strings.ContainsAny(s.Value, " \t") {
			return "\n  -o { " + s.Name + " = " + s.Value + " }"
		}
		return "\n  -o " + s.Name + "=" + s.Value
	}
	for _, li := range cfg.Listeners {
		f := strings.Fields(li.Spec)
		if len(f) != 8 {
			return nil, fmt.Errorf("listener %s: its declaration %q does not have master.cf's eight fields", li.Name, li.Spec)
		}
		taken[f[0]+"/"+f[1]] = true
		line := strings.Join(f, " ")
		for _, o := range li.Overrides {
			line += override(o)
		}
		b.WriteString(line + "\n")
		exact("master.cf "+li.Spec, li.Pos, li.Origin, "master.cf: "+f[0]+" "+f[1])
	}
	for _, m := range cfg.Mailers {
		if len(m.Equates) < 6 {
			return nil, fmt.Errorf("mailer %s: %d master.cf fields, want 6", m.Name, len(m.Equates))
		}
		fields := []string{m.Name}
		for _, e := range m.Equates[:6] {
			fields = append(fields, e.Value)
		}
		fields = append(fields, m.Path)
		taken[m.Name+"/"+m.Equates[0].Value] = true
		line := strings.Join(fields, " ")
		if m.Args != "" {
			line += "\n  " + m.Args
		}
		for _, o := range m.Equates[6:] {
			line += override(o)
		}
		b.WriteString(line + "\n")
		exact("master.cf "+m.Name+" "+m.Path, m.Pos, m.Origin, "master.cf: "+m.Name+" "+m.Equates[0].Value)
	}
	agents := map[string]bool{"smtp": true, "lmtp": true, "local": true, "virtual": true, "pipe": true, "error": true, "discard": true}
	for _, f := range stockServices {
		// a delivery agent the IR does not hold was not in the original
		if !taken[f[0]+"/"+f[1]] && !agents[f[7]] {
			b.WriteString(strings.Join(f, " ") + "\n")
		}
	}
	none("master.cf services other than SMTP listeners and delivery agents", ir.Pos{},
		"the IR does not hold them (nor arguments of listeners other than -o): Postfix's stock services were written in their place",
		"compare master.cf with the original's and add content filters, policy services and other services by hand")
	return []byte(b.String()), nil
}
