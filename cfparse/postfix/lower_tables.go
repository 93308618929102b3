package postfix

import (
	"errors"
	"io/fs"
	"os"
	"strings"

	"mailcc/cfparse/table"
	"mailcc/ir"
	"mailcc/source"
)

// fileTypes are the table types whose entries come from a text source
// that postmap (or, for texthash, the daemon itself) reads.
var fileTypes = map[string]bool{"hash": true, "btree": true, "cdb": true, "lmdb": true, "dbm": true, "sdbm": true, "texthash": true}

// dbSuffix is the database file postmap makes of a source, by type.
var dbSuffix = map[string]string{"hash": ".db", "btree": ".db", "cdb": ".cdb", "lmdb": ".lmdb", "dbm": ".pag", "sdbm": ".pag"}

// patternTypes are tables of patterns, read as rules in file order
// (table.ParsePatterns).
var patternTypes = map[string]bool{"regexp": true, "pcre": true, "cidr": true}

// externalTypes are tables kept in a service mailcc does not query.
var externalTypes = map[string]bool{"ldap": true, "mysql": true, "pgsql": true, "sqlite": true, "memcache": true,
	"tcp": true, "socketmap": true, "nis": true, "nisplus": true, "netinfo": true, "unix": true,
	"environ": true, "internal": true, "fail": true, "randmap": true, "pipemap": true, "unionmap": true, "lmdb_proxy": true}

// tableRef registers the table spec (type:name, as written after
// expansion) used as kind, and returns its name in the IR.
func (l *lowerer) tableRef(spec string, kind ir.TableKind, it item) string {
	if strings.ContainsAny(spec, " \t") {
		// inline:{ a=b,  c=d } continued over lines: one space between
		// words, as postconf prints it.
		spec = strings.Join(strings.Fields(spec), " ")
	}
	if t := l.tables[spec]; t != nil {
		if t.Kind == ir.OtherTable && kind != ir.OtherTable {
			t.Kind = kind
		}
		return spec
	}
	b := ir.Backend{Spec: spec}
	rest := spec
	if strings.HasPrefix(rest, "proxy:") {
		b.Proxy = true
		rest = rest[len("proxy:"):]
	}
	typ, name, _ := strings.Cut(rest, ":")
	b.Type, b.Path = typ, name
	t := &ir.Table{Name: spec, Kind: kind, Pos: it.Pos, Origin: it.Origin}
	switch {
	case fileTypes[typ]:
		b.Source = name
	case typ == "inline":
		if !strings.HasPrefix(name, "{") {
			l.errorf(it.Pos, "%s: an inline table is inline:{ key=value, ... }", spec)
		}
	case typ == "static":
		if strings.HasPrefix(name, "{") {
			inner, _ := extpar(name)
			b.Path = strings.TrimSpace(inner)
		}
	case patternTypes[typ]:
		b.Source = name
	case externalTypes[typ]:
		why := typ + " tables are looked up in a service mailcc does not query: the IR keeps the reference only"
		l.cfg.Opaque = append(l.cfg.Opaque, ir.Opaque{Kind: "table:" + typ, Name: spec, Pos: it.Pos, Why: why})
		if it.Pos.IsValid() {
			// Postfix's own defaults (alias_maps' nis:mail.aliases) are
			// not the configuration's doing: no warning.
			l.warnOnce("external\x00"+spec, it.Pos, "%s: %s", spec, why)
		}
	default:
		l.errorf(it.Pos, "%s: unsupported dictionary type %q", spec, typ)
	}
	t.Backend = b
	l.tables[spec] = t
	l.cfg.Tables = append(l.cfg.Tables, t)
	return spec
}

// tableKinds say what a parameter's tables hold, for parameters other
// than those the rewriting, routing and policy lowering reads.
var tableKinds = map[string]ir.TableKind{
	"virtual_alias_maps": ir.VirtualTable, "canonical_maps": ir.CanonicalTable,
	"sender_canonical_maps": ir.CanonicalTable, "recipient_canonical_maps": ir.CanonicalTable,
	"smtp_generic_maps": ir.GenericTable, "lmtp_generic_maps": ir.GenericTable,
	"transport_maps": ir.TransportTable, "relocated_maps": ir.RelocatedTable,
	"alias_maps": ir.AliasTable, "alias_database": ir.AliasTable,
	"smtp_sasl_password_maps": ir.AuthInfoTable, "sender_dependent_relayhost_maps": ir.TransportTable,
	"relay_domains": ir.DomainList, "mydestination": ir.DomainList, "virtual_alias_domains": ir.DomainList,
	"virtual_mailbox_domains": ir.DomainList, "mynetworks": ir.NetworkList,
	"smtpd_sender_login_maps": ir.OtherTable,
}

// tablesIn registers every type:name table a parameter's value names,
// for the parameters whose values are lists of tables or match lists
// (*_maps, *_checks, *_domains, *_networks, *_clients, alias_database),
// so that the IR lists every table the configuration uses.
func (l *lowerer) tablesIn(param string, sc scope) {
	kind, known := tableKinds[param]
	if !known {
		kind = ir.OtherTable
		takesTables := false
		for _, suffix := range []string{"_maps", "_checks", "_domains", "_networks", "_clients"} {
			takesTables = takesTables || strings.HasSuffix(param, suffix)
		}
		if !takesTables || l.env.raw[param] {
			return
		}
	}
	for _, it := range l.expandFilesQuiet(l.items(param, sc)) {
		text := strings.TrimPrefix(it.Text, "!")
		if _, ok := tableType(text); ok && !strings.HasPrefix(text, "{") {
			l.tableRef(text, kind, it)
		}
	}
}

// expandFilesQuiet drops /file elements (the lowering of the lists that
// allow them reads them and reports problems once).
func (l *lowerer) expandFilesQuiet(items []item) []item {
	var out []item
	for _, it := range items {
		if !strings.HasPrefix(strings.TrimPrefix(it.Text, "!"), "/") {
			out = append(out, it)
		}
	}
	return out
}

// loadTables reads the text sources of file-based tables and inline
// tables' entries.
func (l *lowerer) loadTables() {
	if l.opt.SkipTables {
		return
	}
	utf8 := l.bool("smtputf8_enable", nil)
	isLocal := func(d string) bool {
		d = strings.ToLower(strings.TrimSuffix(d, "."))
		for _, m := range l.cfg.LocalDomains {
			if m.Domain == d && !m.Negated {
				return true
			}
		}
		return false
	}
	opts := table.Options{Dialect: ir.Postfix, UTF8: utf8, IsLocal: isLocal}
	for _, t := range l.cfg.Tables {
		b := &t.Backend
		switch {
		case b.Type == "inline" && strings.HasPrefix(b.Path, "{"):
			l.loadInline(t, opts)
		case b.Source != "":
			data, where, note, err := l.readFile(b.Source)
			if err != nil {
				if db := b.Source + dbSuffix[b.Type]; dbSuffix[b.Type] != "" && exists(l.opt.Root, db) {
					l.warnf(t.Pos, "table %s: its source %s cannot be read (%s), only the database %s exists: its entries are not in the IR", t.Name, b.Source, pathError(err), db)
					continue
				}
				if !t.Pos.IsValid() {
					// A default (alias_maps = hash:/etc/aliases): not
					// the configuration's mistake.
					l.warnf(t.Pos, "table %s (%s): its source %s cannot be read: %s", t.Name, t.Origin, b.Source, pathError(err))
					continue
				}
				l.errorf(t.Pos, "table %s: its source %s cannot be read: %s", t.Name, b.Source, pathError(err))
				continue
			}
			l.source(where, string(t.Kind), note)
			var entries []ir.Entry
			var d source.Diagnostics
			if patternTypes[b.Type] {
				entries, d = table.ParsePatterns(b.Type, where, data)
			} else {
				entries, d = table.Parse(t.Kind, where, data, opts)
			}
			l.diags = append(l.diags, d...)
			t.Entries, t.Loaded = entries, true
		}
	}
}

// loadInline gives an inline:{ key=value, ... } table its entries.
func (l *lowerer) loadInline(t *ir.Table, opts table.Options) {
	inner, bad := extpar(t.Backend.Path)
	if bad != "" {
		l.errorf(t.Pos, "%s: %s", t.Name, bad)
		return
	}
	var src strings.Builder
	for _, w := range tokenize(inner) {
		text := w.text
		if strings.HasPrefix(text, "{") {
			in, _ := extpar(text)
			text = strings.TrimSpace(in)
		}
		k, v, ok := strings.Cut(text, "=")
		if !ok {
			l.errorf(t.Pos, "%s: %q: an inline table entry is key=value", t.Name, text)
			continue
		}
		src.WriteString(strings.TrimSpace(k) + " " + strings.TrimSpace(v) + "\n")
	}
	entries, _ := table.Parse(t.Kind, t.Name, []byte(src.String()), opts)
	for i := range entries {
		entries[i].Pos = t.Pos
	}
	t.Entries, t.Loaded = entries, true
}

// exists reports whether path (under root) exists.
func exists(root, path string) bool {
	if root != "" && strings.HasPrefix(path, "/") {
		path = root + path
	}
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist) && err == nil
}
