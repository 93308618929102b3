package sendmail

import (
	"fmt"
	"sort"
	"strings"

	"mailcc/ir"
	"mailcc/migrate/internal/emit"
	"mailcc/migrate/report"
)

// Options control a migration.
type Options struct {
	// Provenance adds "dnl from main.cf:12" comments to the .mc and
	// "# from access:3" comments to the tables.
	Provenance bool
}

// File is one emitted file (emit.File, the same in both directions).
type File = emit.File

// Result is a migration's output.
type Result struct {
	// Files are sorted by name; sendmail.mc is among them.
	Files  []File
	Report *Report
}

// The names of the files written, as the cf library's defaults name
// them under /etc/mail.
const (
	fileMC          = "sendmail.mc"
	fileAccess      = "access"
	fileVirtuser    = "virtusertable"
	fileGenerics    = "genericstable"
	fileMailertable = "mailertable"
	fileDomaintable = "domaintable"
	fileCanonical   = "canonicaltable"  // mailcc's own: recipient canonical mapping
	fileSenderCanon = "sendercanonical" // mailcc's own: canonical mapping of one sender class
	fileAliases     = "aliases"
	fileLocalHosts  = "local-host-names"
	fileRelayDoms   = "relay-domains"
)

// Migrate turns a configuration of either dialect into sendmail's: a
// Postfix configuration is translated; a sendmail one is written back as
// an equivalent .mc with its tables.
func Migrate(cfg *ir.Config, opt Options) (*Result, error) {
	if cfg == nil {
		return nil, fmt.Errorf("migrate to sendmail: no configuration")
	}
	m := &migrator{cfg: cfg, opt: opt, mc: newMC(), tables: map[string]*tableFile{}}
	switch cfg.Dialect {
	case ir.Sendmail:
		m.direction = "sendmail-to-sendmail"
		m.rep = &Report{Report: report.Report{From: string(ir.Sendmail), To: string(ir.Sendmail)}}
		if err := m.fromSendmail(); err != nil {
			return nil, fmt.Errorf("migrate sendmail-to-sendmail: %w", err)
		}
	case ir.Postfix:
		m.direction = "postfix-to-sendmail"
		m.rep = &Report{Report: report.Report{From: string(ir.Postfix), To: string(ir.Sendmail)}}
		if err := m.fromPostfix(); err != nil {
			return nil, fmt.Errorf("migrate postfix-to-sendmail: %w", err)
		}
	default:
		return nil, fmt.Errorf("migrate to sendmail: unknown dialect %q", cfg.Dialect)
	}
	return m.result(), nil
}

// migrator holds a migration's state.
type migrator struct {
	cfg       *ir.Config
	opt       Options
	rep       *Report
	direction string
	mc        *mcFile
	tables    map[string]*tableFile
	order     []string // table names in the order made
	// rcptRules are the rules of the one Local_check_rcpt (Postfix
	// direction), needResolve asks for the resolve map they and
	// Local_check_mail use
	rcptRules   []string
	needResolve bool
	// needHeloMaps asks for the regex maps of the HELO checks (pfHelo)
	needHeloMaps bool
	// reMaps counts the regex maps written for regexp: tables
	reMaps int
	// routedLocal: Local_check_rcpt checks the recipients of local
	// domains that transport_maps routes away
	routedLocal bool
}

// table returns the table source of that file name, made when new.
func (m *migrator) table(name string, kind tableKind, notes ...string) *tableFile {
	if t := m.tables[name]; t != nil {
		return t
	}
	t := newTable(name, kind, notes...)
	m.tables[name] = t
	m.order = append(m.order, name)
	return t
}

func (m *migrator) result() *Result {
	files := []File{{Name: fileMC, Data: m.mc.render(m.direction, m.opt.Provenance)}}
	for _, name := range m.order {
		t := m.tables[name]
		files = append(files, File{Name: name, Data: t.render(m.direction, m.opt.Provenance), Map: t.typ, Alias: t.kind == aliasTable})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	return &Result{Files: files, Report: m.rep}
}

func (m *migrator) item(it Item) {
	m.rep.Items = append(m.rep.Items, it)
}

func (m *migrator) exact(construct string, pos ir.Pos, origin, target string) {
	m.item(Item{Construct: construct, Pos: pos.String(), Origin: origin, Fidelity: Exact, Target: target})
}

func (m *migrator) approx(construct string, pos ir.Pos, target, differs, example string, affects ...Affect) {
	m.item(Item{Construct: construct, Pos: pos.String(), Fidelity: Approximate, Target: target,
		Differs: differs, Example: example, Affects: affects})
}

// inherent adds an approximate item about a difference between the two
// MTAs that no configuration avoids.
func (m *migrator) inherent(construct, origin, differs, example string, affects ...Affect) {
	m.item(Item{Construct: construct, Origin: origin, Fidelity: Approximate, Target: "(nothing)",
		Differs: differs, Example: example, Affects: affects, Inherent: true})
}

func (m *migrator) none(construct string, pos ir.Pos, why, action, example string, affects ...Affect) {
	m.item(Item{Construct: construct, Pos: pos.String(), Fidelity: NotExpressible,
		Why: why, Action: action, Example: example, Affects: affects})
}

// templated says whether a word of a Postfix configuration is a
// configuration-management template's placeholder (Jinja "{{ x }}" and
// "{% %}", ERB "<% %>", "%{x}", iRedMail's PH_NAME) rather than a value:
// what it stands for is not known, so it is reported and not written.
func templated(s string) bool {
	for _, t := range []string{"{{", "}}", "{%", "%}", "<%", "%>", "%{"} {
		if strings.Contains(s, t) {
			return true
		}
	}
	return strings.HasPrefix(s, "PH_") || strings.Contains(s, ":PH_")
}

// literalDomain says whether s can be a domain name or address literal
// as written (no parameter reference, template or blank).
func literalDomain(s string) bool {
	if s == "" || templated(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune(".-_[]:", r):
		default:
			return false
		}
	}
	return true
}

// lower is strings.ToLower without a trailing dot.
func lower(s string) string { return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".") }
