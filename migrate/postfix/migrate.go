// Package postfix migrates a configuration lowered into mailcc's IR
// from sendmail into Postfix's: main.cf (only what differs from
// Postfix's defaults, grouped and commented), master.cf, and the
// sources of the lookup tables it names (access maps split by what they
// look at, virtual, canonical, transport, aliases, ...), with a report
// that says, for every source construct, whether Postfix does exactly
// what sendmail did, approximately (what differs, with an example
// probe), or not at all (why, and what to do).
//
// # Semantics
//
// The emitted configuration keeps sendmail's decisions where Postfix can
// express them: replies are written out in full ("550 5.7.1 Access
// denied", as sendmail gives them, quirks included) instead of relying
// on Postfix's reply codes; access lookups are split into one table per
// step of sendmail's search (full address, user@, domain walk; host
// name, then address) so that the order of sendmail's search is kept;
// blocklisted recipients are checked before relay permission; relay
// permission (sendmail's class R, access RELAY entries, TRUST_AUTH_MECH)
// is spelled out in smtpd_relay_restrictions. Access tables are written
// for Postfix's ".domain" style (smtpd_access_maps is taken out of
// parent_domain_matches_subdomains), so that a sendmail key that covers
// subdomains becomes "domain" plus ".domain", and one that does not
// stays exact.
//
// A configuration lowered from Postfix is written back as it was:
// main.cf with every parameter the original set, as written; master.cf
// with the SMTP listeners and delivery agents the IR holds (Postfix's
// stock services for the others, which the IR does not keep); the text
// sources of the tables whose entries the IR holds, under their file
// names. The report calls all of that exact, and lists as not
// expressible what the IR keeps opaque or does not hold (master.cf's
// other services, files that are not table sources, tables whose
// source was not read). Lowering the result gives the same IR.
//
// Migrate is pure: the IR in, file names with their contents and the
// report out. Every file starts with Marker.
package postfix

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"mailcc/ir"
	"mailcc/migrate/internal/emit"
)

// Options control a migration.
type Options struct {
	// Provenance adds "# from FILE:LINE" comments to every emitted
	// parameter and table entry.
	Provenance bool
	// ConfigDir is the folder Postfix reads the tables from, as written
	// in main.cf (default /etc/postfix).
	ConfigDir string
	// Ready, when set, is given the file of every table as soon as its
	// entries are final and it is rendered, while the migration goes on
	// (on another goroutine; Migrate returns once every call did):
	// mailcc migrate --makemaps starts building its database then.
	// Result.Files is what counts: a table handed over may still be
	// left out of it.
	Ready func(File)
}

// File is one emitted file (emit.File, the same in both directions).
type File = emit.File

// Result is a migration's output.
type Result struct {
	// Files are sorted by name.
	Files  []File
	Report *Report
}

// Migrate turns a sendmail configuration into Postfix's; a Postfix
// configuration is written back as Postfix's (fromPostfix).
func Migrate(cfg *ir.Config, opt Options) (*Result, error) {
	if cfg == nil {
		return nil, fmt.Errorf("migrate: no configuration")
	}
	if cfg.Dialect == ir.Postfix {
		return fromPostfix(cfg, opt)
	}
	if cfg.Dialect != ir.Sendmail {
		return nil, fmt.Errorf("migrate sendmail-to-postfix: the configuration is %s's, not sendmail's", cfg.Dialect)
	}
	if opt.ConfigDir == "" {
		opt.ConfigDir = "/etc/postfix"
	}
	m := newMigrator(cfg, opt)
	m.run()
	return m.result(), nil
}

// migrator holds a migration's state.
type migrator struct {
	cfg  *ir.Config
	opt  Options
	rep  *Report
	main *mainCF
	maps []*mapFile
	// master.cf services beyond the stock ones.
	master masterCF

	hostname, domain string
	// esmtpPort is the port of sendmail's esmtp mailer when it names
	// one (smtp_tcp_port)
	esmtpPort string
	// local is sendmail's class w as Postfix's mydestination will hold
	// it (lower case).
	local    []string
	localSet map[string]bool
	// wExtra are class w's address literals
	wExtra []string
	// the transport table (mailertable, virtusertable errors)
	transport, transportLit *mapFile
	transportPos            ir.Pos

	// the SMTP policy: sendmail's checks, the access map, and the
	// restrictions they become (each a list of restriction items)
	pol                                      *smPolicy
	acc                                      *accessSet
	clientRestr, senderPre, senderAccess     []string
	senderPost, senderErrRestr, rcptErrRestr []string
	blockRestr, routeRestr, relayPermit      []string
	spamRestr                                []string
	spamMode                                 string
	relayAuth, openRelay, delayed            bool
	delayedClientClass                       bool
	// clientAuthOn: the SMTP client authenticates (clientAuth), which
	// reads AuthOptions
	clientAuthOn bool
	// accItems gets the access entries' report items, those that are
	// not exact made on a goroutine of its own once the policy is
	// written
	accItems chan *accessItems
}

func newMigrator(cfg *ir.Config, opt Options) *migrator {
	m := &migrator{cfg: cfg, opt: opt, main: newMainCF(), localSet: map[string]bool{},
		rep: &Report{From: string(ir.Sendmail), To: string(ir.Postfix)}}
	return m
}

func (m *migrator) run() {
	// the sections, in this order in main.cf
	for _, s := range []string{secIdentity, secDomains, secNetworks, secPolicy, secRewrite, secRouting, secDelivery, secLimits} {
		m.main.section(s)
	}
	m.identity()
	m.localDomains()
	m.policy()
	m.virtual()
	m.aliases()
	m.generic()
	m.masquerade()
	m.domainTable()
	m.routing()
	m.clientAuth()
	m.restrictions()
	m.listeners()
	m.options()
	m.tlsLevels()
	m.opaque()
	m.features()
}

// The main.cf sections.
const (
	secIdentity = "identity"
	secDomains  = "local and relay domains"
	secNetworks = "trusted networks"
	secPolicy   = "SMTP policy: the access map and sendmail's check rulesets"
	secRewrite  = "address rewriting"
	secRouting  = "routing"
	secDelivery = "local delivery"
	secLimits   = "limits and other options"
)

func (m *migrator) result() *Result {
	var files []File
	header := []string{
		"Migrated from sendmail by mailcc: only what differs from Postfix's defaults is set.",
		"The migration report says which of sendmail's constructs Postfix reproduces exactly, which only approximately, and which not at all.",
	}
	files = append(files, File{Name: "main.cf", Data: m.main.render(header, m.opt.Provenance)})
	files = append(files, File{Name: "master.cf", Data: m.master.render()})
	m.ready()
	for _, f := range m.maps {
		<-f.rendered
		files = append(files, f.file())
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	return &Result{Files: files, Report: m.rep}
}

// newMap starts a table source; its name must be new.
func (m *migrator) newMap(name, typ string, notes ...string) *mapFile {
	f := &mapFile{name: name, typ: typ, notes: notes, provenance: m.opt.Provenance}
	m.maps = append(m.maps, f)
	return f
}

// ready makes every table final (final): no entry is added to any of
// them after this.
func (m *migrator) ready() {
	for _, f := range m.maps {
		m.final(f)
	}
}

// final renders a table whose entries are final, unless it is
// rendered already, on a goroutine of its own (the migration goes on
// meanwhile), and hands it to Options.Ready.
func (m *migrator) final(f *mapFile) {
	if f.rendered != nil {
		return
	}
	f.rendered = make(chan struct{})
	f.seen = nil // no key is added any more: the memory goes now
	go func() {
		defer close(f.rendered)
		f.data = f.render(m.opt.Provenance)
		if m.opt.Ready != nil {
			m.opt.Ready(f.readyFile())
		}
	}()
}

// mapRef is how main.cf names a table: type:/etc/postfix/name.
func (m *migrator) mapRef(f *mapFile) string {
	return f.typ + ":" + strings.TrimSuffix(m.opt.ConfigDir, "/") + "/" + f.name
}

// dropMap removes a table that got no entries.
func (m *migrator) dropMap(f *mapFile) {
	for i, x := range m.maps {
		if x == f {
			m.maps = append(m.maps[:i], m.maps[i+1:]...)
			return
		}
	}
}

// entry names a table entry as the report does ("entry access
// From:a@b REJECT"); an entry whose typed view could not be read (read
// false) is reported as not expressible.
func (m *migrator) entry(table string, en *ir.Entry, read bool) (string, bool) {
	construct := "entry " + table + " " + en.Key + " " + strings.TrimSpace(en.Value)
	if !read {
		m.none(construct, en.Pos, "", "the entry could not be read", "rewrite it by hand", "")
	}
	return construct, read
}

// item adds a report item.
func (m *migrator) item(it Item) *Item {
	m.rep.Items = append(m.rep.Items, it)
	return &m.rep.Items[len(m.rep.Items)-1]
}

func (m *migrator) exact(construct string, pos ir.Pos, origin, target string) {
	m.item(Item{Construct: construct, Pos: pos.String(), Origin: origin, Fidelity: Exact, Target: target})
}

func (m *migrator) approx(construct string, pos ir.Pos, origin, target, differs, example string, affects ...Affect) {
	m.item(Item{Construct: construct, Pos: pos.String(), Origin: origin, Fidelity: Approximate, Target: target,
		Differs: differs, Example: example, Affects: affects})
}

// inherent adds an approximate item about a difference between the two
// MTAs that no configuration avoids.
func (m *migrator) inherent(construct, origin, differs, example string, affects ...Affect) {
	m.item(Item{Construct: construct, Origin: origin, Fidelity: Approximate, Target: "(nothing)",
		Differs: differs, Example: example, Affects: affects, Inherent: true})
}

func (m *migrator) none(construct string, pos ir.Pos, origin, why, action, example string, affects ...Affect) {
	m.item(Item{Construct: construct, Pos: pos.String(), Origin: origin, Fidelity: NotExpressible,
		Why: why, Action: action, Example: example, Affects: affects})
}

// isLocal says whether a domain is one of sendmail's class w.
func (m *migrator) isLocal(d string) bool {
	return m.localSet[strings.TrimSuffix(strings.ToLower(d), ".")]
}

// classW is all of sendmail's class w: the local domains, the address
// literals of loopback, and those listed.
func (m *migrator) classW() []string {
	out := append([]string{}, m.local...)
	out = append(out, "[127.0.0.1]", "[ipv6:0:0:0:0:0:0:0:1]")
	return append(out, m.wExtra...)
}

var domainRE = regexp.MustCompile(`^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*$`)

var hostRE = regexp.MustCompile(`^(\[[A-Za-z0-9.:\-]+\]|[A-Za-z0-9_.\-]+|\$myhostname|\$mydomain|[A-Za-z0-9_.\-]*\$mydomain)(:[0-9]+)?$`)

// pfHost turns a sendmail host value into Postfix's: $j and $m become
// $myhostname and $mydomain; ok is false when another macro or a
// character no host name holds remains.
func pfHost(v string) (string, bool) {
	v = strings.NewReplacer("${j}", "$myhostname", "$j", "$myhostname", "${m}", "$mydomain", "$m", "$mydomain").Replace(strings.TrimSpace(v))
	v = strings.TrimSuffix(v, ".")
	return v, hostRE.MatchString(v)
}

// concrete says whether a value is a literal (not a sendmail macro).
func concrete(v string) bool { return v != "" && !strings.Contains(v, "$") }
