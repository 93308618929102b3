package postfix

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"mailcc/ir"
	"mailcc/source"
)

// Options configure Lower.
type Options struct {
	// Root: absolute paths the configuration names (tables, /file lists
	// in main.cf) are read under Root ("" reads them where they are).
	Root string
	// SkipTables: do not read the text sources of tables.
	SkipTables bool
	// Host gives the host-dependent defaults (myhostname, mydomain,
	// mynetworks); nil is this machine.
	Host *Host
}

// LoadOptions are Lower's options under the name cfparse uses.
type LoadOptions = Options

// Load is Lower under the name cfparse uses.
func Load(dir string, opt LoadOptions) (*ir.Config, source.Diagnostics) { return Lower(dir, opt) }

// Lower reads the Postfix configuration in dir (main.cf, master.cf and
// the tables they name) and lowers it into the IR.
//
// Values are those Postfix's daemons see: main.cf's settings over the
// built-in defaults of Postfix 3.7, $name-expanded as postconf -x
// expands them, master.cf's -o overrides applied per service. A value
// main.cf sets carries the position of the text it came from (through
// $name references into the parameter that holds it); a default has no
// position and its Origin names the parameter ("Postfix default
// mydestination").
func Lower(dir string, opt Options) (*ir.Config, source.Diagnostics) {
	l := &lowerer{dir: dir, opt: opt, cfg: &ir.Config{Dialect: ir.Postfix},
		tables: map[string]*ir.Table{}, sources: map[string]bool{}, warned: map[string]bool{}}
	l.run()
	l.diags.Sort()
	return l.cfg, l.diags
}

// lowerer is one run of Lower.
type lowerer struct {
	dir    string
	opt    Options
	cfg    *ir.Config
	diags  source.Diagnostics
	main   *MainCF
	master *MasterCF
	env    *env

	classes map[string]bool // smtpd_restriction_classes
	tables  map[string]*ir.Table
	sources map[string]bool
	warned  map[string]bool
}

func (l *lowerer) run() {
	mainPath := filepath.Join(l.dir, "main.cf")
	data, err := os.ReadFile(mainPath)
	if err != nil {
		l.diags.Errorf(source.Position{Filename: mainPath}, "cannot read main.cf: %s", pathError(err))
		data = nil
	} else {
		l.source(mainPath, "main.cf", "")
	}
	m, d := ParseMainCF(mainPath, data)
	l.diags = append(l.diags, d...)
	l.main = m
	l.env = newEnv(l.dir, m, l.opt.Host)

	masterPath := filepath.Join(l.dir, "master.cf")
	if data, err := os.ReadFile(masterPath); err == nil {
		l.source(masterPath, "master.cf", "")
		mc, d := ParseMasterCF(masterPath, data)
		l.diags = append(l.diags, d...)
		l.master = mc
	} else if errors.Is(err, fs.ErrNotExist) {
		l.diags.Warningf(source.Position{Filename: masterPath}, "no master.cf: the services of Postfix's default master.cf (smtp inet smtpd, smtp, relay, local, virtual, lmtp, ...) are assumed")
		l.master = defaultMaster()
	} else {
		l.diags.Errorf(source.Position{Filename: masterPath}, "cannot read master.cf: %s", pathError(err))
		l.master = defaultMaster()
	}

	l.identity()
	l.domains()
	l.relay()
	l.policy()
	l.rewrite()
	l.routing()
	l.services()
	l.client()
	l.milters()
	l.options()
	l.loadTables()
}

// source records a file read.
func (l *lowerer) source(path, role, note string) {
	key := role + "\x00" + path
	if l.sources[key] {
		return
	}
	l.sources[key] = true
	l.cfg.Sources = append(l.cfg.Sources, ir.Source{Path: path, Role: role, Note: note})
}

func (l *lowerer) warnf(p ir.Pos, format string, args ...any) {
	l.diags.Warningf(position(p, l.dir), format, args...)
}

func (l *lowerer) errorf(p ir.Pos, format string, args ...any) {
	l.diags.Errorf(position(p, l.dir), format, args...)
}

// warnOnce warns once per key.
func (l *lowerer) warnOnce(key string, p ir.Pos, format string, args ...any) {
	if l.warned[key] {
		return
	}
	l.warned[key] = true
	l.warnf(p, format, args...)
}

// position turns an IR position into a diagnostic's; a default (no
// position) is reported at main.cf.
func position(p ir.Pos, dir string) source.Position {
	if p.File == "" {
		return source.Position{Filename: filepath.Join(dir, "main.cf")}
	}
	return source.Position{Filename: p.File, Line: p.Line, Column: p.Col}
}

// irPos converts a source position.
func irPos(p source.Position) ir.Pos {
	if p.Filename == "" {
		return ir.Pos{}
	}
	return ir.Pos{File: p.Filename, Line: p.Line, Col: p.Column}
}

// readFile reads a file the configuration names: under Root when set;
// a path under /etc/postfix that does not exist falls back to the file
// of that name beside main.cf, with a note.
func (l *lowerer) readFile(path string) (data []byte, where, note string, err error) {
	try := path
	if l.opt.Root != "" && filepath.IsAbs(path) {
		try = filepath.Join(l.opt.Root, path)
	}
	data, err = os.ReadFile(try)
	if err == nil {
		return data, try, "", nil
	}
	first := err
	beside := filepath.Join(l.dir, filepath.Base(path))
	confDir := "/etc/postfix/"
	if beside != try && (strings.HasPrefix(path, confDir) || strings.HasPrefix(path, "/etc/")) {
		if d, err := os.ReadFile(beside); err == nil {
			return d, beside, path + " does not exist; read " + beside + " beside main.cf instead", nil
		}
	}
	return nil, "", "", first
}

// pathError is err without the path an *fs.PathError repeats.
func pathError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
