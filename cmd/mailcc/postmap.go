package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"mailcc/mapdb"
	"mailcc/tablesrc"
)

func newPostmapCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "postmap [-finNoprsuUvw] [-c config_dir] [-q key] [type:]file...",
		Short: "build, query or list a Postfix lookup table (hash, btree, cdb) like postmap",
		Long: `mailcc postmap builds file.db (hash, btree) or file.cdb (cdb) from the
Postfix table source file, queries it (-q key, -q - for keys on standard
input) or lists it (-s), exactly as Postfix 3.7's postmap does, with its
options, messages and exit statuses. It reads main.cf from -c, $MAIL_CONFIG
or /etc/postfix for default_database_type, smtputf8_enable and
compatibility_level. Linked or copied under the name postmap, the mailcc
binary behaves as this command.

Not supported: -d (delete), -F, -b, -h, -m.`,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if code := runPostfixMap(postmapTool, "postmap", args, os.Stdin, stdout(), os.Stderr); code != 0 {
				return &exitError{code: code}
			}
			return nil
		},
	}
}

// postfixTool says which of postmap and postalias runs.
type postfixTool int

const (
	postmapTool postfixTool = iota
	postaliasTool
)

// postfixConfig is what the map tools read from main.cf.
type postfixConfig struct {
	params map[string]string
}

// readPostfixConfig reads main.cf in dir. A missing file is an empty
// configuration, as for Postfix's commands run with -c on an empty
// folder.
func readPostfixConfig(dir string) (*postfixConfig, error) {
	c := &postfixConfig{params: map[string]string{}}
	data, err := os.ReadFile(filepath.Join(dir, "main.cf"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return c, nil
		}
		return nil, err
	}
	var name, val string
	flush := func() {
		if name != "" {
			c.params[name] = strings.TrimSpace(val)
		}
		name, val = "", ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		t := strings.TrimSpace(line)
		if t == "" || t[0] == '#' {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if name != "" {
				val += " " + t
			}
			continue
		}
		flush()
		if eq := strings.IndexByte(line, '='); eq > 0 {
			name = strings.TrimSpace(line[:eq])
			val = line[eq+1:]
		}
	}
	flush()
	return c, nil
}

// get returns a parameter with $name and ${name} expanded.
func (c *postfixConfig) get(name, def string) string {
	v, ok := c.params[name]
	if !ok {
		v = def
	}
	return c.expand(v, 0)
}

func (c *postfixConfig) expand(v string, depth int) string {
	if depth > 20 || !strings.Contains(v, "$") {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '$' || i+1 >= len(v) {
			b.WriteByte(v[i])
			continue
		}
		j := i + 1
		var name string
		if v[j] == '{' || v[j] == '(' {
			end := strings.IndexByte(v[j:], map[byte]byte{'{': '}', '(': ')'}[v[j]])
			if end < 0 {
				b.WriteByte(v[i])
				continue
			}
			name = v[j+1 : j+end]
			i = j + end
		} else {
			k := j
			for k < len(v) && (isAlnum(v[k]) || v[k] == '_') {
				k++
			}
			name = v[j:k]
			i = k - 1
		}
		if d, ok := postfixDefaults[name]; ok {
			b.WriteString(c.expand(c.getRaw(name, d), depth+1))
		} else if pv, ok := c.params[name]; ok {
			b.WriteString(c.expand(pv, depth+1))
		}
	}
	return b.String()
}

func (c *postfixConfig) getRaw(name, def string) string {
	if v, ok := c.params[name]; ok {
		return v
	}
	return def
}

// postfixDefaults are the defaults of the parameters the map tools use.
var postfixDefaults = map[string]string{
	"default_database_type": "hash",
	"mydomain":              "localdomain",
}

// utf8Mode is smtputf8_enable: explicit, else yes from compatibility
// level 1 on.
func (c *postfixConfig) utf8Mode() bool {
	if v, ok := c.params["smtputf8_enable"]; ok && !strings.Contains(v, "$") {
		return strings.EqualFold(strings.TrimSpace(v), "yes")
	}
	level := c.get("compatibility_level", "0")
	return level != "" && level != "0"
}

// myhostname is $myhostname: explicit, else the host name, qualified
// with $mydomain when it has no dot.
func (c *postfixConfig) myhostname() string {
	if _, ok := c.params["myhostname"]; ok {
		return c.get("myhostname", "")
	}
	h, _ := os.Hostname()
	if !strings.Contains(h, ".") {
		h += "." + c.get("mydomain", "localdomain")
	}
	return h
}

// postfixOpts are the options both tools share.
type postfixOpts struct {
	fold, utf8Request, trustFile bool
	nul                          int // 0: the type's default, 1: -N, -1: -n
	dup                          string
	query                        string
	haveQuery, seq, incremental  bool
	asOwner, savePerm            bool
}

func runPostfixMap(tool postfixTool, prog string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	spec := "bc:d:fFhimnNopq:rsuUvw"
	usage := "usage: %s [-bfFhimnNoprsuUvw] [-c config_dir] [-d key] [-q key] [map_type:]file..."
	if tool == postaliasTool {
		spec = "Nc:d:finopq:rsuvw"
		usage = "usage: %s [-Nfinoprsuvw] [-c config_dir] [-d key] [-q key] [map_type:]file..."
	}
	// Postfix prints messages through printable(): bytes that are not
	// printable ASCII (nor UTF-8 in SMTPUTF8 mode) become '?'. The mode
	// is known once main.cf is read.
	utf8Msgs := false
	fatal := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "%s: fatal: %s\n", prog, printable(fmt.Sprintf(format, a...), utf8Msgs))
		return 1
	}
	warn := func(format string, a ...any) {
		fmt.Fprintf(stderr, "%s: warning: %s\n", prog, printable(fmt.Sprintf(format, a...), utf8Msgs))
	}
	opts, rest, ok := toolGetopt(prog, args, spec, false, stderr)
	if !ok {
		return fatal(usage, prog)
	}
	o := defaultPostfixOpts()
	confDir := os.Getenv("MAIL_CONFIG")
	if confDir == "" {
		confDir = "/etc/postfix"
	}
	for _, op := range opts {
		switch op.c {
		case 'N':
			o.nul = 1
		case 'n':
			o.nul = -1
		case 'c':
			confDir = op.arg
		case 'f':
			o.fold = false
		case 'i':
			o.incremental = true
		case 'o':
			o.asOwner = false
		case 'p':
			o.savePerm = false
		case 'q':
			if o.seq || o.haveQuery {
				return fatal("specify only one of -s -q or -d")
			}
			o.query, o.haveQuery = op.arg, true
		case 'r':
			o.dup = "replace"
		case 's':
			if o.haveQuery {
				return fatal("specify only one of -s or -q or -d")
			}
			o.seq = true
		case 'u':
			o.utf8Request = false
		case 'U', 'v':
		case 'w':
			o.dup = "ignore"
		case 'd':
			return fatal("-d (delete) is not supported by mailcc %s", prog)
		case 'F', 'b', 'h', 'm':
			return fatal("-%c is not supported by mailcc %s", op.c, prog)
		}
	}
	conf, err := readPostfixConfig(confDir)
	if err != nil {
		return fatal("open %s: %s", filepath.Join(confDir, "main.cf"), errText(err))
	}
	utf8 := o.utf8Request && conf.utf8Mode()
	utf8Msgs = conf.utf8Mode()
	dbType := conf.get("default_database_type", "hash")
	if len(rest) == 0 {
		return fatal(usage, prog)
	}
	split := func(arg string) (mapdb.Type, string, string, bool) {
		typ, name := dbType, arg
		if i := strings.IndexByte(arg, ':'); i >= 0 {
			typ, name = arg[:i], arg[i+1:]
		}
		t, ok := mapdb.ParseType(typ)
		return t, typ, name, ok
	}
	out := bufio.NewWriter(stdout)
	defer out.Flush()

	switch {
	case o.haveQuery && o.query == "-":
		return postfixQueries(tool, rest, split, o, utf8, stdin, out, fatal, warn)
	case o.haveQuery:
		for _, arg := range rest {
			t, typ, name, ok := split(arg)
			if !ok {
				return fatal("unsupported dictionary type: %s", typ)
			}
			m, err := mapdb.Open(t, name+t.Suffix())
			if err != nil {
				return fatal("open database %s%s: %s", name, t.Suffix(), errText(err))
			}
			v, err := openPostfixTable(m, o, utf8).Lookup([]byte(o.query))
			m.Close()
			if err == nil {
				if len(v) == 0 {
					warn("table %s:%s: key %s: empty string result is not allowed", typ, name, o.query)
					warn("table %s:%s should return NO RESULT in case of NOT FOUND", typ, name)
				}
				out.Write(v)
				out.WriteByte('\n')
				return 0
			}
			if !errors.Is(err, mapdb.ErrNotFound) {
				return fatal("table %s:%s: query error: %s", typ, name, errText(err))
			}
		}
		return 1
	case o.seq:
		t, typ, name, ok := split(rest[0])
		if !ok {
			return fatal("unsupported dictionary type: %s", typ)
		}
		if t == mapdb.CDB {
			// Postfix's cdb tables cannot be listed.
			return fatal("table %s:%s%s: sequence operation is not supported", typ, name, t.Suffix())
		}
		m, err := mapdb.Open(t, name+t.Suffix())
		if err != nil {
			return fatal("open database %s%s: %s", name, t.Suffix(), errText(err))
		}
		defer m.Close()
		sep := "\t"
		if tool == postaliasTool {
			sep = ":\t"
		}
		err = m.Walk(func(k, v []byte) error {
			k, v = mapdb.CString(k), mapdb.CString(v)
			if len(k) == 0 {
				out.Flush()
				warn("table %s:%s: empty lookup key value is not allowed", typ, name)
			} else if len(v) == 0 {
				out.Flush()
				warn("table %s:%s: key %s: empty string result is not allowed", typ, name, k)
				warn("table %s:%s should return NO RESULT in case of NOT FOUND", typ, name)
			}
			out.Write(k)
			out.WriteString(sep)
			out.Write(v)
			return out.WriteByte('\n')
		})
		if err != nil {
			out.Flush()
			return fatal("table %s:%s: sequence error: %s", typ, name, errText(err))
		}
		return 0
	}
	for _, arg := range rest {
		t, typ, name, ok := split(arg)
		if !ok {
			return fatal("unsupported dictionary type: %s", typ)
		}
		if err := postfixBuild(tool, t, name, o, utf8, conf, stdin, warn); err != nil {
			return fatal("%s", err)
		}
	}
	return 0
}

// openPostfixTable looks keys up in m as Postfix's dict layer does, with
// the query's -f, -N and -n.
func openPostfixTable(m mapdb.Map, o postfixOpts, utf8 bool) *mapdb.Table {
	mode := mapdb.NulAdaptive
	switch o.nul {
	case 1:
		mode = mapdb.NulAlways
	case -1:
		mode = mapdb.NulNever
	}
	t := mapdb.NewTable(m, mapdb.Postfix, !o.fold, mode)
	t.UTF8 = utf8
	return t
}

// postfixQueries is "-q -": keys on standard input, the first table
// that has one answers.
func postfixQueries(tool postfixTool, maps []string, split func(string) (mapdb.Type, string, string, bool),
	o postfixOpts, utf8 bool, stdin io.Reader, out *bufio.Writer,
	fatal func(string, ...any) int, warn func(string, ...any)) int {
	type table struct {
		m         mapdb.Map
		t         *mapdb.Table
		typ, name string
	}
	tables := make([]*table, len(maps))
	defer func() {
		for _, t := range tables {
			if t != nil {
				t.m.Close()
			}
		}
	}()
	found := false
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64*1024), 1<<30)
	for sc.Scan() {
		key := sc.Bytes()
		if i := indexNul(key); i >= 0 {
			key = key[:i]
		}
		for i, arg := range maps {
			if tables[i] == nil {
				t, typ, name, ok := split(arg)
				if !ok {
					out.Flush()
					return fatal("unsupported dictionary type: %s", typ)
				}
				m, err := mapdb.Open(t, name+t.Suffix())
				if err != nil {
					out.Flush()
					return fatal("open database %s%s: %s", name, t.Suffix(), errText(err))
				}
				tables[i] = &table{m, openPostfixTable(m, o, utf8), typ, name}
			}
			tb := tables[i]
			v, err := tb.t.Lookup(key)
			if err == nil {
				if len(v) == 0 {
					out.Flush()
					warn("table %s:%s: key %s: empty string result is not allowed", tb.typ, tb.name, key)
					warn("table %s:%s should return NO RESULT in case of NOT FOUND", tb.typ, tb.name)
				}
				out.Write(key)
				if tool == postaliasTool {
					out.WriteByte(':')
				}
				out.WriteByte('\t')
				out.Write(v)
				out.WriteByte('\n')
				found = true
				break
			}
			if !errors.Is(err, mapdb.ErrNotFound) {
				out.Flush()
				return fatal("table %s:%s: query error: %s", tb.typ, tb.name, errText(err))
			}
		}
	}
	if found {
		return 0
	}
	return 1
}

// printable is Postfix's printable(): every byte that is not printable
// ASCII becomes '?', except, in SMTPUTF8 mode, the bytes of what looks
// like a UTF-8 character.
func printable(s string, utf8mode bool) string {
	b := []byte(s)
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= 0x20 && c < 0x7f:
		case utf8mode && c >= 194 && c <= 254 && i+1 < len(b) && b[i+1] >= 128 && b[i+1] < 192:
			for i+1 < len(b) && b[i+1] >= 128 && b[i+1] < 192 {
				i++
			}
		default:
			b[i] = '?'
		}
	}
	return string(b)
}

func indexNul(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return -1
}

// defaultPostfixOpts are postmap's and postalias's options when none
// is given.
func defaultPostfixOpts() postfixOpts {
	return postfixOpts{fold: true, utf8Request: true, dup: "warn", asOwner: true, savePerm: true}
}

// postfixFatal is a failure of postmap or postalias: msg is the text of
// the tool's "fatal:" message, err (when set) what caused it.
type postfixFatal struct {
	msg string
	err error
}

func (e *postfixFatal) Error() string { return e.msg }
func (e *postfixFatal) Unwrap() error { return e.err }

func fatalf(err error, format string, a ...any) error {
	return &postfixFatal{msg: fmt.Sprintf(format, a...), err: err}
}

// postfixBuild creates (or with -i updates) one table from its source,
// as postmap (or postalias) does for one [type:]file argument: it is
// also what mailcc migrate --makemaps runs for every table it writes.
// The error's text is the tool's fatal message; warn gets its warnings.
// The database is written through a temporary file: on error the old
// one stays as it was.
func postfixBuild(tool postfixTool, t mapdb.Type, name string, o postfixOpts, utf8 bool,
	conf *postfixConfig, stdin io.Reader, warn func(string, ...any)) error {
	path := name + t.Suffix()
	var src io.Reader
	srcName := name
	own := dbOwner{perm: 0o644, uid: -1, gid: -1}
	if o.incremental {
		src, srcName = stdin, "stdin"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return fatalf(err, "open %s: %s", name, errText(err))
		}
		defer f.Close()
		if own, err = sourceOwner(f, name, o); err != nil {
			return err
		}
		src = f
	}
	var b mapdb.Builder
	var err error
	if o.incremental {
		if _, serr := os.Stat(path); serr == nil {
			b, err = mapdb.LoadBuilder(t, path, mapdb.BuildOptions{})
		} else {
			b, err = mapdb.NewBuilder(t, mapdb.BuildOptions{})
		}
	} else {
		b, err = mapdb.NewBuilder(t, mapdb.BuildOptions{})
	}
	if err != nil {
		return fatalf(err, "open database %s: %s", path, errText(err))
	}
	l := newPostfixLoad(tool, t, b, name, o, utf8, warn)
	if err := l.load(src, srcName); err != nil {
		return err
	}
	return l.commit(own, conf)
}

// dbOwner is the mode and owner a database gets (uid -1: the user's).
type dbOwner struct {
	perm     os.FileMode
	uid, gid int
}

// sourceOwner is what the database of the source f gets: its
// permissions (-o keeps them), its owner when root runs the tool.
func sourceOwner(f *os.File, name string, o postfixOpts) (dbOwner, error) {
	own := dbOwner{perm: 0o644, uid: -1, gid: -1}
	st, err := f.Stat()
	if err != nil {
		return own, fatalf(err, "fstat %s: %s", name, errText(err))
	}
	if o.savePerm && st.Mode().IsRegular() {
		own.perm &^= ^st.Mode().Perm() & 0o077
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && o.asOwner && os.Getuid() == 0 {
		own.uid, own.gid = int(sys.Uid), int(sys.Gid)
	}
	return own, nil
}

// postfixLoad is one table's database being built as postmap
// (postalias) builds it: load puts the source's entries, commit adds
// postalias's signature and writes the database.
type postfixLoad struct {
	tool postfixTool
	t    mapdb.Type
	b    mapdb.Builder
	name string // the table's source
	o    postfixOpts
	utf8 bool
	warn func(string, ...any)
	// nul: a NUL after keys and values; dictName: the name duplicates
	// are reported under
	nul        bool
	mode       mapdb.PutMode
	dictName   string
	putErr     error
	kbuf, vbuf []byte
}

func newPostfixLoad(tool postfixTool, t mapdb.Type, b mapdb.Builder, name string, o postfixOpts, utf8 bool,
	warn func(string, ...any)) *postfixLoad {
	l := &postfixLoad{tool: tool, t: t, b: b, name: name, o: o, utf8: utf8, warn: warn}
	// What Postfix stores: hash and btree tables put a NUL after keys
	// and values, cdb does not; -N and -n force either way.
	l.nul = t != mapdb.CDB
	switch o.nul {
	case 1:
		l.nul = true
	case -1:
		l.nul = false
	}
	l.mode = mapdb.Insert
	switch o.dup {
	case "replace":
		l.mode = mapdb.Replace
	case "ignore":
		if t == mapdb.CDB {
			// tinycdb's CDB_PUT_ADD: the duplicate is stored too.
			l.mode = mapdb.Append
		}
	}
	// The name duplicates are reported under: the database file for
	// Berkeley DB, the table for cdb.
	l.dictName = name + t.Suffix()
	if t == mapdb.CDB {
		l.dictName = name
	}
	return l
}

func (l *postfixLoad) put(key, val []byte, fold, withNul bool) {
	if l.putErr != nil {
		return
	}
	if fold {
		l.kbuf = tablesrc.AppendFoldPostfix(l.kbuf[:0], key, l.utf8)
	} else {
		l.kbuf = append(l.kbuf[:0], key...)
	}
	l.vbuf = append(l.vbuf[:0], val...)
	if withNul {
		l.kbuf = append(l.kbuf, 0)
		l.vbuf = append(l.vbuf, 0)
	}
	// The builders keep copies of what they are given.
	err := l.b.Put(l.kbuf, l.vbuf, l.mode)
	if errors.Is(err, mapdb.ErrKeyExists) {
		if l.o.dup == "warn" {
			l.warn("%s: duplicate entry: \"%s\"", l.dictName, mapdb.CString(l.kbuf))
		}
	} else if err != nil {
		l.putErr = err
	}
}

// load puts the entries of src, named srcName in messages.
func (l *postfixLoad) load(src io.Reader, srcName string) error {
	report := func(e *tablesrc.LineError) {
		if e.Line > 0 {
			l.warn("%s, line %d: %s", e.File, e.Line, e.Msg)
		} else {
			l.warn("%s: %s", e.File, e.Msg)
		}
	}
	ropt := tablesrc.PostmapOptions{UTF8: l.utf8, Report: report}
	type reader interface {
		Next() (tablesrc.Entry, error)
	}
	var r reader
	if l.tool == postaliasTool {
		r = tablesrc.NewPostaliasReader(src, srcName, ropt)
	} else {
		r = tablesrc.NewPostmapReader(src, srcName, ropt)
	}
	for {
		e, err := r.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fatalf(err, "read %s: %s", srcName, errText(err))
		}
		l.put(e.Key, e.Value, l.o.fold, l.nul)
		if l.putErr != nil {
			return nil
		}
	}
}

// loadEntries puts the entries of a postmap source when the caller
// wrote it, and has its entries (the key and value of every line, in
// order), and every line is one load reads as that entry without a
// message (tablesrc.PostmapPlain): the same puts as load without
// reading the source again. ok is false, and nothing is put, when a
// line is not such a line.
func (l *postfixLoad) loadEntries(entries iter.Seq2[string, string]) (ok bool) {
	if l.tool != postmapTool {
		return false
	}
	for k, v := range entries {
		if !tablesrc.PostmapPlain(k, v, l.utf8) {
			return false
		}
	}
	var key, val []byte
	for k, v := range entries {
		key, val = append(key[:0], k...), append(val[:0], v...)
		l.put(key, val, l.o.fold, l.nul)
		if l.putErr != nil {
			break
		}
	}
	return true
}

// commit adds postalias's signature and writes the database.
func (l *postfixLoad) commit(own dbOwner, conf *postfixConfig) error {
	if l.tool == postaliasTool {
		// The sendmail signature, then NIS's, which is never
		// NUL-terminated nor folded. An update replaces old ones.
		if l.o.incremental {
			l.mode = mapdb.Replace
		}
		l.put([]byte("@"), []byte("@"), l.o.fold, l.nul)
		stamp := fmt.Sprintf("%010d", time.Now().Unix())
		l.put([]byte("YP_LAST_MODIFIED"), []byte(stamp), false, false)
		l.put([]byte("YP_MASTER_NAME"), []byte(conf.myhostname()), false, false)
	}
	if l.putErr != nil {
		return fatalf(l.putErr, "table %s:%s: write error: %s", l.t, l.name, errText(l.putErr))
	}
	prepare := func(f *os.File) error {
		if own.uid >= 0 {
			if err := f.Chown(own.uid, own.gid); err != nil {
				return err
			}
		}
		return nil
	}
	if err := commitDB(l.name+l.t.Suffix(), own.perm, l.b, prepare); err != nil {
		return fatalf(err, "%s", errText(err))
	}
	return nil
}
