// Package irfacts holds what the TestMigratedIR tests of both
// directions of mailcc migrate share: a configuration's facts in terms
// both dialects' IRs hold (Facts), the questions a configuration's
// tables answer (SendmailLookups) and Postfix's answers to them
// (PostfixAnswers, through the real postmap for the tables the IR keeps
// opaque), and the comparison that names every difference by a report
// item that is not exact (Explainer, CompareFacts, CompareLookups). It
// is test support: it fails the test it is given.
package irfacts

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"mailcc/internal/testenv"
	"mailcc/ir"
	"mailcc/migrate/internal/emit"
	"mailcc/migrate/report"
)

// A Fact is one thing a configuration says, in terms both dialects'
// IRs share: the host's name, a local or relay domain, a trusted
// network, the smart host and mail hub, a listener's port. Table
// entries are compared through lookups (lookupFacts). The SMTP policy
// is not compared here: its IR differs between the dialects by design
// (sendmail's check rulesets against Postfix's restriction lists), and
// the equivalence test proves it with probes.
type Fact struct {
	Value string
	Pos   []ir.Pos // where it was written (none for a default)
	// Param names what holds the fact, as a report item's Target or
	// Construct may name it: the main.cf parameter or emitted file on
	// the Postfix side, then sendmail's macro, class or access tag,
	// "|" between them
	Param string
}

// Facts projects a Config onto facts, keyed by "family key".
func Facts(cfg *ir.Config) map[string]Fact {
	return facts(cfg, false)
}

// FactsWithAccess are Facts with, for a sendmail configuration, the
// access map's RELAY entries as trusted networks and relay domains
// (Connect: or untagged networks, To: or untagged domains). The
// Postfix side's counterpart (check_client_access and
// check_recipient_access tables that permit relaying) is not projected,
// so only a comparison whose sendmail side is the migrated one uses it.
func FactsWithAccess(cfg *ir.Config) map[string]Fact {
	return facts(cfg, true)
}

func facts(cfg *ir.Config, access bool) map[string]Fact {
	out := map[string]Fact{}
	add := func(id, value, param string, ps ...ir.Pos) {
		if _, dup := out[id]; dup {
			return
		}
		out[id] = Fact{Value: value, Pos: validPos(ps), Param: param}
	}
	id := cfg.Identity
	// the host's own name when the configuration does not set it:
	// sendmail's $j and Postfix's default myhostname both come from
	// the machine
	host := strings.ToLower(id.Hostname.Value)
	if host == "$j" || cfg.Dialect == ir.Postfix && !id.Hostname.Pos.IsValid() {
		host = "(this host's name)"
	}
	add("hostname", host, "myhostname|confDOMAIN_NAME", id.Hostname.Pos)
	for _, d := range cfg.LocalDomains {
		name := d.Domain
		if name == strings.ToLower(id.Hostname.Value) {
			name = host
		}
		add("local-domain "+name, domainFlags(d), "mydestination|class w", d.Pos)
	}
	if cfg.Dialect == ir.Sendmail && host != "" {
		// sendmail puts $j in class w when it starts (main.c), whatever
		// the configuration lists
		add("local-domain "+host, "", "mydestination|class w", id.Hostname.Pos)
	}
	if cfg.Dialect == ir.Postfix {
		// Postfix's resolver takes user@[address] as local for the
		// addresses of inet_interfaces and proxy_interfaces
		for _, o := range cfg.Options {
			if o.Name == "proxy_interfaces" || o.Name == "inet_interfaces" {
				for _, a := range o.List {
					if _, err := netip.ParseAddr(a); err == nil {
						add("local-domain ["+strings.ToLower(a)+"]", "", o.Name, o.Pos)
					}
				}
			}
		}
	}
	if r := cfg.Relay; cfg.Dialect == ir.Sendmail && r.EntireDomain {
		// FEATURE(relay_entire_domain): class m ($m) and the names below
		d := id.Domain.Value
		if strings.HasPrefix(d, "$") {
			_, d, _ = strings.Cut(id.Hostname.Value, ".")
		}
		if d != "" {
			add("relay-domain "+strings.ToLower(d), "subdomains", "relay_domains|class R", id.Domain.Pos)
		}
	}
	for _, d := range cfg.Relay.Domains {
		if d.Table != "" {
			// a table of domains (relay_domains = hash:...): its keys,
			// looked up with the list's matching
			t := cfg.Table(d.Table)
			if t == nil || !t.Loaded {
				add("relay-domain "+d.Table, domainFlags(d), "relay_domains|class R", d.Pos)
				continue
			}
			for _, e := range t.Entries {
				k := ir.DomainMatch{Domain: strings.TrimSuffix(strings.ToLower(e.Key), "."), Subdomains: d.Subdomains}
				if !strings.HasPrefix(k.Domain, ".") || !d.Subdomains {
					add("relay-domain "+k.Domain, domainFlags(k), "relay_domains|class R", e.Pos)
				}
			}
			continue
		}
		if cfg.Dialect == ir.Postfix && d.Subdomains && strings.HasPrefix(d.Domain, ".") {
			// with parent_domain_matches_subdomains Postfix compares
			// the parent domains without their dot: ".domain" matches
			// nothing (match_ops.c)
			continue
		}
		add("relay-domain "+d.Domain, domainFlags(d), "relay_domains|class R", d.Pos)
	}
	for _, n := range cfg.Relay.Networks {
		add("relay-network "+n.CIDR, "", "mynetworks|Connect:", n.Pos)
	}
	if access && cfg.Dialect == ir.Sendmail {
		// the access map's RELAY entries: Connect: (or untagged) networks
		// are trusted clients, To: (or untagged) domains relay domains
		nets := map[netip.Prefix][]ir.Pos{}
		defer func() {
			for _, p := range mergeSiblings(nets) {
				add("relay-network "+p.String(), "", "mynetworks|Connect:", nets[p]...)
			}
		}()
		for _, t := range cfg.Tables {
			if t.Kind != ir.AccessTable {
				continue
			}
			for _, e := range t.Entries {
				a := e.Access
				if a == nil || a.Action.Kind != ir.ActRelay {
					continue
				}
				switch k := a.Key; {
				case (a.Tag == "Connect" || a.Tag == "") && (k.Kind == ir.KeyIPv4 || k.Kind == ir.KeyIPv6):
					if p, ok := keyPrefix(k); ok {
						nets[p] = append(nets[p], e.Pos)
					}
				case (a.Tag == "To" || a.Tag == "") && k.Kind == ir.KeyDomain:
					add("relay-domain "+strings.ToLower(k.Value), "subdomains", "relay_domains|To:", e.Pos)
				}
			}
		}
	}
	for _, h := range []struct {
		name string
		hop  *ir.NextHop
	}{{"smart-host", cfg.Routing.SmartHost}, {"mail-hub", cfg.Routing.MailHub}} {
		if h.hop != nil {
			port := h.hop.Port
			if port == "" && cfg.Dialect == ir.Sendmail {
				// sendmail's smart host and mail hub take their
				// mailer's port (relay unless named)
				port = cfg.MailerPort(cmp.Or(h.hop.Mailer, "relay"))
			}
			add(h.name, NextHop(h.hop.Host, port, h.hop.NoMX), "relayhost|"+strings.ToUpper(strings.ReplaceAll(h.name, "-", "_")), h.hop.Pos)
		}
	}
	// a listener's port and address, and the families it listens on
	// there
	type sockFacts struct {
		fams []string
		pos  []ir.Pos
	}
	socks := map[string]*sockFacts{}
	var order []string
	for _, s := range cfg.Sockets() {
		id := "listener " + PortNumber(s.Port) + " " + strings.ToLower(s.Addr)
		f := socks[id]
		if f == nil {
			f = &sockFacts{}
			socks[id] = f
			order = append(order, id)
		}
		if !slices.Contains(f.fams, s.Family) {
			f.fams = append(f.fams, s.Family)
		}
		f.pos = append(f.pos, s.Listener.Pos)
	}
	for _, id := range order {
		f := socks[id]
		slices.Sort(f.fams)
		add(id, strings.Join(f.fams, "+"), "master.cf|DAEMON_OPTIONS|inet_interfaces|inet_protocols", f.pos...)
	}
	return out
}

// mergeSiblings joins two networks that make up their parent (a
// network written as the aligned parts sendmail's access keys can say
// is one network again), until none do; it returns them sorted, and
// the parents hold their parts' positions.
func mergeSiblings(nets map[netip.Prefix][]ir.Pos) []netip.Prefix {
	for merged := true; merged; {
		merged = false
		for p := range nets {
			if p.Bits() == 0 {
				continue
			}
			parent := netip.PrefixFrom(p.Addr(), p.Bits()-1).Masked()
			lo := netip.PrefixFrom(parent.Addr(), p.Bits())
			hi, ok := sibling(lo)
			if !ok {
				continue
			}
			if _, a := nets[lo]; !a {
				continue
			}
			if _, b := nets[hi]; !b {
				continue
			}
			nets[parent] = append(append(nets[parent], nets[lo]...), nets[hi]...)
			delete(nets, lo)
			delete(nets, hi)
			merged = true
			break
		}
	}
	out := slices.Collect(maps.Keys(nets))
	slices.SortFunc(out, func(a, b netip.Prefix) int { return strings.Compare(a.String(), b.String()) })
	return out
}

// sibling is the other half of the lower half lo's parent.
func sibling(lo netip.Prefix) (netip.Prefix, bool) {
	b := lo.Addr().AsSlice()
	bit := lo.Bits() - 1
	b[bit/8] |= 0x80 >> (bit % 8)
	a, ok := netip.AddrFromSlice(b)
	return netip.PrefixFrom(a, lo.Bits()), ok
}

// keyPrefix is the network of a sendmail access key (10.1 is
// 10.1.0.0/16; an IPv6 key is in full form, 16-bit groups).
func keyPrefix(k ir.Key) (netip.Prefix, bool) {
	v := k.Value
	if k.Kind == ir.KeyIPv4 {
		parts := strings.Split(v, ".")
		for len(parts) < 4 {
			parts = append(parts, "0")
		}
		v = strings.Join(parts, ".")
	} else {
		groups := strings.Split(v, ":")
		for len(groups) < 8 {
			groups = append(groups, "0")
		}
		v = strings.Join(groups, ":")
	}
	a, err := netip.ParseAddr(v)
	if err != nil || k.Prefix == 0 {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, k.Prefix).Masked(), true
}

func validPos(ps []ir.Pos) []ir.Pos {
	var out []ir.Pos
	for _, p := range ps {
		if p.IsValid() {
			out = append(out, p)
		}
	}
	return out
}

// A Lookup is a question the original configuration answers from one
// of its tables (what does virtusertable, genericstable, masquerading,
// aliases or mailertable make of this address, domain or name), put to
// the migrated configuration: to the tables its IR names for the same
// job, in their order, read from the IR where it holds their entries
// and asked of the real postmap where it keeps them opaque (regexp,
// pcre, cidr tables).
type Lookup struct {
	Family string // virtual, generic, masquerade, alias, transport
	Key    string // the address, domain or name asked
	Want   string // the original's answer
	Pos    ir.Pos // the original's entry or declaration
	// Decl is, for an entry, the declaration of its table (the
	// parameter or macro that brought the table in), when an item
	// about the whole table may name the difference
	Decl ir.Pos
}

// SendmailLookups lists the questions a sendmail IR's tables answer: one per
// table entry (a catch-all or +* key is asked with a sample user or
// detail, and its %1/%2/%3 filled in as sendmail fills them), and for
// masquerading one per domain (and a name below it, where subdomains
// are masqueraded too), exception and exposed user.
func SendmailLookups(cfg *ir.Config) []Lookup {
	var out []Lookup
	for _, st := range cfg.Rewrite.Stages {
		switch st.Kind {
		case ir.RewriteVirtual, ir.RewriteGeneric:
			fam := string(st.Kind)
			entries := stageEntries(cfg, st)
			keys := map[string]bool{}
			for _, e := range entries {
				keys[strings.ToLower(e.Key)] = true
			}
			for _, e := range entries {
				a := e.Virtual
				if a == nil {
					a = e.Generic
				}
				if a == nil {
					continue
				}
				addr, user, detail := sampleAddress(a.Key, st, cfg, keys)
				if addr == "" || !Consulted(st, addr) {
					continue
				}
				out = append(out, Lookup{fam, addr, Fill(AddressValue(a), user, detail), e.Pos, ir.Pos{}})
			}
		case ir.RewriteMasquerade:
			out = append(out, masqueradeLookups(st)...)
		case ir.RewriteAliases:
			for _, e := range stageEntries(cfg, st) {
				if e.Alias != nil {
					out = append(out, Lookup{"alias", strings.ToLower(e.Alias.Name), AliasValue(e.Alias), e.Pos, ir.Pos{}})
				}
			}
		}
	}
	if tr := cfg.Routing.Transport; tr != nil {
		for _, e := range TableEntries(cfg, tr.Table) {
			if e.Transport != nil {
				out = append(out, Lookup{"transport", TransportKey(e.Transport.Key), TransportValue(e.Transport), e.Pos, ir.Pos{}})
			}
		}
	}
	return out
}

// stageEntries are the entries of a stage's tables, first table first.
func stageEntries(cfg *ir.Config, st ir.RewriteStage) []ir.Entry {
	var out []ir.Entry
	for _, name := range st.Tables {
		out = append(out, TableEntries(cfg, name)...)
	}
	return out
}

func TableEntries(cfg *ir.Config, name string) []ir.Entry {
	if t := cfg.Table(name); t != nil {
		return t.Entries
	}
	return nil
}

// sampleAddress is the address a sendmail key is asked with: the key
// itself, "someone" for a catch-all's user, "x" for a +* detail, and
// for a bare user name (genericstable) the first domain the stage
// applies to where no user@domain key of the table answers instead.
func sampleAddress(k ir.Key, st ir.RewriteStage, cfg *ir.Config, keys map[string]bool) (addr, user, detail string) {
	key := strings.ToLower(k.Value)
	switch k.Kind {
	case ir.KeyDomainUser:
		return "someone" + key, "someone", ""
	case ir.KeyUserDetail:
		if strings.Contains(key, "+*@") {
			return strings.Replace(key, "+*@", "+x@", 1), k.User, "x"
		}
		return key, k.User, k.Detail
	case ir.KeyAddress:
		return key, k.User, ""
	case ir.KeyUser, ir.KeyOther:
		if strings.Contains(key, "@") {
			return "", "", ""
		}
		ds := []string{strings.ToLower(cfg.Identity.Hostname.Value)}
		if len(st.Domains) > 0 {
			ds = nil
			for _, d := range st.Domains {
				ds = append(ds, d.Domain)
			}
		}
		// a domain where no user@domain key of the table shadows it
		for _, d := range ds {
			if !keys[key+"@"+d] {
				return key + "@" + d, key, ""
			}
		}
	}
	return "", "", ""
}

// Consulted says whether sendmail looks the address up in the stage's
// tables at all: virtusertable only for class w and VirtHost domains,
// genericstable only for class G's (an entry for another domain is
// never used, and the report says so as exact).
func Consulted(st ir.RewriteStage, addr string) bool {
	_, domain, _ := strings.Cut(addr, "@")
	if len(st.Domains) == 0 {
		return true
	}
	for _, d := range st.Domains {
		if d.Domain == domain || (d.Subdomains || d.OnlySubdomains) && strings.HasSuffix(domain, "."+d.Domain) {
			return true
		}
	}
	return false
}

// Fill does sendmail's %1 (user), %2 (detail) and %3 (+detail).
func Fill(v, user, detail string) string {
	plus := ""
	if detail != "" {
		plus = "+" + detail
	}
	return strings.NewReplacer("%1", user, "%2", detail, "%3", plus).Replace(v)
}

// masqueradeLookups: user@domain becomes user@As for every masqueraded
// domain (and a name below it where subdomains are masqueraded too);
// an exception's and an exposed user's address stay as they are.
func masqueradeLookups(st ir.RewriteStage) []Lookup {
	mq := st.Masquerade
	if mq == nil || mq.As.Value == "" {
		return nil
	}
	as := strings.ToLower(mq.As.Value)
	var out []Lookup
	for _, d := range mq.Domains {
		if d.Negated || strings.HasPrefix(d.Domain, "[") {
			continue
		}
		pos := d.Pos
		if !pos.IsValid() {
			pos = mq.As.Pos
		}
		out = append(out, Lookup{"masquerade", "someone@" + d.Domain, "someone@" + as, pos, ir.Pos{}})
		if d.Subdomains || mq.EntireDomain {
			out = append(out, Lookup{"masquerade", "someone@sub." + d.Domain, "someone@" + as, pos, ir.Pos{}})
		}
	}
	for _, e := range mq.Exceptions {
		out = append(out, Lookup{"masquerade", "someone@" + e.Domain, "someone@" + e.Domain, e.Pos, ir.Pos{}})
	}
	if len(mq.Domains) > 0 {
		for _, u := range mq.ExposedUsers {
			a := strings.ToLower(u.Value) + "@" + mq.Domains[0].Domain
			out = append(out, Lookup{"masquerade", a, a, u.Pos, ir.Pos{}})
		}
	}
	return out
}

func AliasValue(a *ir.AliasEntry) string {
	var ts []string
	for _, x := range a.Targets {
		ts = append(ts, string(x.Kind)+":"+x.Value)
	}
	return strings.Join(ts, ", ")
}

func AddressValue(a *ir.AddressEntry) string {
	if a.Error != nil {
		return ReplyValue(a.Error)
	}
	return ListValue(strings.Join(a.Targets, ","))
}

// ListValue writes a list of addresses one way: ", " between them.
func ListValue(v string) string {
	var out []string
	for _, x := range strings.Split(v, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return strings.Join(out, ", ")
}

func TransportKey(k ir.Key) string {
	if k.Kind == ir.KeyWildcard {
		return "*" // mailertable's "." is transport's "*"
	}
	return strings.ToLower(k.Value)
}

// TransportValue: the delivery agent (sendmail's SMTP mailers are
// Postfix's smtp), next hop and user, or the error.
func TransportValue(tr *ir.TransportEntry) string {
	if tr.Error != nil {
		return ReplyValue(tr.Error)
	}
	m := tr.Mailer
	switch m {
	case "esmtp", "smtp8", "dsmtp":
		m = "smtp"
	}
	return m + ":" + NextHop(tr.Host, tr.Port, false) + " " + tr.User
}

// TransportValueIn is TransportValue for an entry of cfg's mailertable:
// a next hop through a sendmail SMTP mailer with a port of its own
// (A=TCP $h PORT, ir.Mailer.Port) is an smtp next hop on that port, as
// Postfix writes it.
func TransportValueIn(cfg *ir.Config, tr *ir.TransportEntry) string {
	if port := cfg.MailerPort(tr.Mailer); tr.Error == nil && tr.Port == "" && port != "" {
		c := *tr
		c.Mailer, c.Port = "smtp", port
		return TransportValue(&c)
	}
	return TransportValue(tr)
}

// transportText writes a transport(5) result read from a pattern table
// as TransportValue does.
func transportText(v string) string {
	m, hop, _ := strings.Cut(v, ":")
	if m == "error" {
		return "error " + hop
	}
	return TransportValue(&ir.TransportEntry{Mailer: m, Host: hop})
}

func ReplyValue(r *ir.Reply) string {
	return fmt.Sprintf("error %d %s %s", r.Code, r.DSN, r.Text)
}

// PostfixAnswers asks a migrated configuration (its IR, and the real postmap
// for the tables the IR keeps opaque) what the original's lookups ask.
type PostfixAnswers struct {
	t       *testing.T
	cfg     *ir.Config
	dir     string
	postmap string
	local   map[string]bool
	// SkipUnread: a table whose entries were not read (an original's
	// table whose file is not in the corpus) answers nothing, where a
	// migrated configuration's must be read
	SkipUnread bool
	// ConfDir is the folder postmap -c reads main.cf from (default the
	// configuration's own: an original's main.cf may stop postmap)
	ConfDir string
}

func NewPostfixAnswers(t *testing.T, cfg *ir.Config, dir string) *PostfixAnswers {
	a := &PostfixAnswers{t: t, cfg: cfg, dir: dir, postmap: testenv.Tool(t, "postmap"), local: map[string]bool{}}
	for _, d := range cfg.LocalDomains {
		a.local[d.Domain] = true
	}
	return a
}

// answer gives the migrated configuration's answer to a Lookup, and
// the positions (in the migrated files) of the entry that gave it.
func (a *PostfixAnswers) Answer(l Lookup) (string, bool, []ir.Pos) {
	switch l.Family {
	case "alias":
		for _, st := range a.Stages(ir.RewriteAliases, false) {
			for _, name := range st.Tables {
				for _, e := range TableEntries(a.cfg, name) {
					if e.Alias != nil && strings.EqualFold(e.Alias.Name, l.Key) {
						return AliasValue(e.Alias), true, []ir.Pos{e.Pos}
					}
				}
			}
		}
		return "", false, nil
	case "transport":
		// every table of transport_maps, in order (the IR's Routing
		// names only the first)
		for _, t := range a.cfg.Tables {
			if t.Kind != ir.TransportTable {
				continue
			}
			if typ, path, _ := strings.Cut(t.Name, ":"); PatternTable(typ) {
				if v, ok := a.postmapQuery(typ, path, l.Key); ok {
					return transportText(v), true, nil
				}
				continue
			}
			for _, e := range t.Entries {
				if e.Transport != nil && TransportKey(e.Transport.Key) == l.Key {
					return TransportValue(e.Transport), true, []ir.Pos{e.Pos}
				}
			}
		}
		return "", false, nil
	case "virtual":
		return a.Rewrite(a.Stages(ir.RewriteVirtual, false), l.Key)
	case "generic":
		return a.Rewrite(append(a.Stages(ir.RewriteGeneric, false), a.Stages(ir.RewriteCanonical, true)...), l.Key)
	case "masquerade":
		v, ok, ps := a.Rewrite(a.Stages(ir.RewriteCanonical, true), l.Key)
		if !ok {
			v = l.Key
		}
		return a.masquerade(v), true, ps
	}
	a.t.Fatalf("no such Lookup family %q", l.Family)
	return "", false, nil
}

// stages are the migrated IR's rewriting stages of a kind (senderOnly:
// those that rewrite a sender).
func (a *PostfixAnswers) Stages(kind ir.RewriteKind, senderOnly bool) []ir.RewriteStage {
	var out []ir.RewriteStage
	for _, st := range a.cfg.Rewrite.Stages {
		if st.Kind == kind && (!senderOnly || st.Scope.EnvelopeSender || st.Scope.HeaderSender) {
			out = append(out, st)
		}
	}
	return out
}

// rewrite looks an address up in the stages' tables, first table
// first, with Postfix's address forms (user+ext@domain, user@domain,
// user+ext and user for a local domain, @domain) in a table whose
// entries the IR holds, and as the whole address in a regexp, pcre or
// cidr table, through postmap -q.
func (a *PostfixAnswers) Rewrite(stages []ir.RewriteStage, addr string) (string, bool, []ir.Pos) {
	user, domain, _ := strings.Cut(addr, "@")
	forms := []string{addr}
	base, _, hasExt := strings.Cut(user, a.cfg.Rewrite.RecipientDelimiter)
	if hasExt && a.cfg.Rewrite.RecipientDelimiter != "" {
		forms = append(forms, base+"@"+domain)
	}
	if a.local[domain] {
		forms = append(forms, user)
		if hasExt {
			forms = append(forms, base)
		}
	}
	forms = append(forms, "@"+domain)
	for _, st := range stages {
		for _, name := range st.Tables {
			typ, path, _ := strings.Cut(name, ":")
			if t := a.cfg.Table(name); t != nil && t.Loaded && !PatternTable(typ) {
				for _, f := range forms {
					for _, e := range t.Entries {
						if strings.EqualFold(e.Key, f) {
							return EntryValue(&e), true, []ir.Pos{e.Pos}
						}
					}
				}
				continue
			}
			if t := a.cfg.Table(name); a.SkipUnread && !PatternTable(typ) && (t == nil || !t.Loaded) {
				continue
			}
			if v, ok := a.postmapQuery(typ, path, addr); ok {
				return ListValue(v), true, nil
			}
		}
	}
	return "", false, nil
}

// TransportTables are the tables of transport_maps (or mailertable),
// in order.
func TransportTables(cfg *ir.Config) []*ir.Table {
	tr := cfg.Routing.Transport
	if tr == nil {
		return nil
	}
	var out []*ir.Table
	for _, n := range tr.Tables() {
		if t := cfg.Table(n); t != nil {
			out = append(out, t)
		}
	}
	return out
}

// PatternTable: the table's keys are patterns or networks, matched in
// order (the IR keeps its lines, not what they match).
func PatternTable(typ string) bool { return typ == "regexp" || typ == "pcre" || typ == "cidr" }

// postmapQuery asks the real postmap; the table is the migrated file of
// that name in the migration's folder.
func (a *PostfixAnswers) postmapQuery(typ, path, key string) (string, bool) {
	if !PatternTable(typ) {
		a.t.Errorf("%s:%s: the IR does not hold its entries and it is not a table postmap reads without building it", typ, path)
		return "", false
	}
	conf := a.dir
	if a.ConfDir != "" {
		conf = a.ConfDir
	}
	cmd := exec.Command(a.postmap, "-c", conf, "-q", key, typ+":"+filepath.Join(a.dir, filepath.Base(path)))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 && stderr.Len() == 0 {
		return "", false // not found
	}
	if err != nil || stderr.Len() > 0 {
		a.t.Errorf("postmap -q %s %s:%s: %v\n%s", key, typ, path, err, stderr.String())
		return "", false
	}
	return strings.TrimSpace(string(out)), true
}

// masquerade applies the migrated IR's masquerade_domains: an address
// in a name below a listed domain becomes user@domain.
func (a *PostfixAnswers) masquerade(addr string) string {
	user, domain, ok := strings.Cut(addr, "@")
	if !ok {
		return addr
	}
	for _, st := range a.Stages(ir.RewriteMasquerade, false) {
		if st.Masquerade == nil {
			continue
		}
		for _, d := range st.Masquerade.Domains {
			if d.Domain == domain {
				return addr
			}
			if strings.HasSuffix(domain, "."+d.Domain) {
				if d.Negated {
					return addr
				}
				return user + "@" + d.Domain
			}
		}
	}
	return addr
}

func EntryValue(e *ir.Entry) string {
	switch {
	case e.Virtual != nil:
		return AddressValue(e.Virtual)
	case e.Generic != nil:
		return AddressValue(e.Generic)
	case e.Canonical != nil:
		return AddressValue(e.Canonical)
	}
	return ListValue(e.Value)
}

func domainFlags(d ir.DomainMatch) string {
	var fl []string
	if d.Subdomains {
		fl = append(fl, "subdomains")
	}
	if d.OnlySubdomains {
		fl = append(fl, "only-subdomains")
	}
	if d.Negated {
		fl = append(fl, "negated")
	}
	return strings.Join(fl, " ")
}

// NextHop writes a host as Postfix does ([host] without MX lookups),
// with its port.
func NextHop(host, port string, noMX bool) string {
	host = strings.ToLower(host)
	if noMX && !strings.HasPrefix(host, "[") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + PortNumber(port)
	}
	return host
}

// PortNumber writes the services both MTAs name by number.
func PortNumber(p string) string {
	switch p {
	case "smtp", "":
		return "25"
	case "submission":
		return "587"
	case "smtps", "submissions":
		return "465"
	}
	return p
}

// Diff is a Fact or Lookup whose answer differs between the
// original and the migrated configuration.
type Diff struct {
	ID          string
	Was, Is     string
	WasOK, IsOK bool     // false: missing on that side
	From        []string // the original positions (file:line) it comes from
	Written     bool     // the original's side came from a line
	Param       string
	Explained   bool
}

func (d Diff) String() string {
	show := func(v string, ok bool) string {
		if !ok {
			return "(none)"
		}
		return fmt.Sprintf("%q", v)
	}
	return fmt.Sprintf("%s: %s -> %s (from %s)", d.ID, show(d.Was, d.WasOK), show(d.Is, d.IsOK), strings.Join(d.From, ", "))
}

// Explainer says whether the report names a difference: a non-exact
// item at one of the positions it comes from (the original's, or those
// the migrated line's provenance comment gives), or, for something the
// original did not write (a default, or a name sendmail adds itself), a
// non-exact item whose target or construct names what holds it (one of
// the fact's Param names).
type Explainer struct {
	notExact map[string]bool
	targets  []string
	prov     map[string][]string
}

func NewExplainer(rep *report.Report, prov map[string][]string) *Explainer {
	x := &Explainer{notExact: map[string]bool{}, prov: prov}
	for _, it := range rep.Items {
		if it.Fidelity == report.Exact {
			continue
		}
		if it.Pos != "" {
			x.notExact[LineOf(it.Pos)] = true
		}
		x.targets = append(x.targets, it.Target, it.Construct)
	}
	return x
}

// diff makes the difference of one Fact: orig positions from the
// original, migrated ones from the migrated files.
func (x *Explainer) Diff(d Diff, orig, migrated []ir.Pos) Diff {
	for _, p := range validPos(orig) {
		d.From = append(d.From, LineOf(p.String()))
	}
	d.Written = len(d.From) > 0
	for _, p := range migrated {
		d.From = append(d.From, x.prov[LineOf(p.String())]...)
	}
	sort.Strings(d.From)
	d.From = slices.Compact(d.From)
	for _, f := range d.From {
		d.Explained = d.Explained || x.notExact[f]
	}
	if !d.Explained && !d.Written && d.Param != "" {
		for _, t := range x.targets {
			for _, p := range strings.Split(d.Param, "|") {
				d.Explained = d.Explained || strings.Contains(t, p)
			}
		}
	}
	return d
}

// CompareFacts lists the facts that differ.
func CompareFacts(was, is map[string]Fact, x *Explainer) (n int, diffs []Diff) {
	ids := map[string]bool{}
	for id := range was {
		ids[id] = true
	}
	for id := range is {
		ids[id] = true
	}
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		n++
		a, aok := was[id]
		b, bok := is[id]
		if aok && bok && a.Value == b.Value {
			continue
		}
		// a relay domain or trusted network the other side holds
		// through a parent domain or a larger network is the same
		if aok && !bok && covered(id, a.Value, is) || bok && !aok && covered(id, b.Value, was) {
			continue
		}
		d := Diff{ID: id, Was: a.Value, WasOK: aok, Is: b.Value, IsOK: bok, Param: a.Param}
		if !aok {
			d.Param = b.Param
		}
		diffs = append(diffs, x.Diff(d, a.Pos, b.Pos))
	}
	return n, diffs
}

// covered says whether side holds relay-domain or relay-network id
// through a parent domain that matches its subdomains, or a network
// that holds it: a relay domain with the same flags below a
// "subdomains" one, a network inside a larger one.
func covered(id, value string, side map[string]Fact) bool {
	switch {
	case strings.HasPrefix(id, "relay-domain "):
		d := strings.TrimPrefix(id, "relay-domain ")
		if d == "" || strings.HasPrefix(d, ".") || value != "subdomains" && value != "" {
			return false
		}
		for p := d; ; {
			_, rest, ok := strings.Cut(p, ".")
			if !ok || rest == "" {
				return false
			}
			if f, ok := side["relay-domain "+rest]; ok && f.Value == "subdomains" {
				return true
			}
			p = rest
		}
	case strings.HasPrefix(id, "relay-network "):
		n, err := netip.ParsePrefix(strings.TrimPrefix(id, "relay-network "))
		if err != nil {
			return false
		}
		for other := range side {
			o, err := netip.ParsePrefix(strings.TrimPrefix(other, "relay-network "))
			if err == nil && strings.HasPrefix(other, "relay-network ") && o.Bits() < n.Bits() && o.Contains(n.Addr()) {
				return true
			}
		}
	}
	return false
}

// An Answerer gives a migrated configuration's answer to a lookup, and
// the positions (in the migrated files) of the entry that gave it.
type Answerer interface {
	Answer(l Lookup) (value string, found bool, from []ir.Pos)
}

// An Extra is an entry the migrated configuration holds that no lookup
// of the original asks about (an alias or transport the migration
// added).
type Extra struct {
	Family, Key, Value string
	Param              string // what a report item's Target names
	Pos                ir.Pos // in the migrated files
}

// CompareLookups puts the original's lookups to the migrated
// configuration, and counts the extras no lookup asked about as
// differences.
func CompareLookups(ls []Lookup, ans Answerer, extras []Extra, x *Explainer) (n int, diffs []Diff) {
	asked := map[string]bool{}
	for _, l := range ls {
		n++
		asked[l.Family+" "+l.Key] = true
		got, ok, ps := ans.Answer(l)
		if ok && got == l.Want {
			continue
		}
		diffs = append(diffs, x.Diff(Diff{ID: l.Family + " " + l.Key, Was: l.Want, WasOK: true, Is: got, IsOK: ok}, []ir.Pos{l.Pos, l.Decl}, ps))
	}
	for _, e := range extras {
		if asked[e.Family+" "+e.Key] {
			continue
		}
		asked[e.Family+" "+e.Key] = true
		n++
		diffs = append(diffs, x.Diff(Diff{ID: e.Family + " " + e.Key, Is: e.Value, IsOK: true, Param: e.Param}, nil, []ir.Pos{e.Pos}))
	}
	return n, diffs
}

// Extras are the alias and transport entries of a migrated Postfix
// configuration (a transport entry that sends a local domain to the
// local delivery agent restates Postfix's default and is left out).
func (a *PostfixAnswers) Extras() []Extra {
	var out []Extra
	for _, tab := range a.cfg.Tables {
		if tab.Kind != ir.TransportTable {
			continue
		}
		for _, e := range tab.Entries {
			if t := e.Transport; t != nil && !(t.Mailer == "local" && t.Host == "" && a.local[strings.ToLower(t.Key.Value)]) {
				out = append(out, Extra{"transport", TransportKey(t.Key), TransportValue(t), "transport", e.Pos})
			}
		}
	}
	for _, st := range a.Stages(ir.RewriteAliases, false) {
		for _, name := range st.Tables {
			for _, e := range TableEntries(a.cfg, name) {
				if e.Alias != nil {
					out = append(out, Extra{"alias", strings.ToLower(e.Alias.Name), AliasValue(e.Alias), "aliases", e.Pos})
				}
			}
		}
	}
	return out
}

// LineOf cuts a position "file:line:col" to "file:line".
func LineOf(pos string) string {
	p, err := ir.ParsePos(pos)
	if err != nil || p.Line == 0 {
		return pos
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// Provenance reads the provenance comments of migrated files: for
// each line of a file (as "name:line") the original positions of the
// parameter or entry it belongs to. In a table or main.cf ("# from
// FILE:LINE, ..."), a comment's positions go to the next line that is
// not a comment and to the continuation lines after it; in a .mc (whose
// first line is a dnl comment), "dnl from ..." goes to the lines after
// it up to the next dnl comment (a LOCAL_CONFIG or LOCAL_RULE_0 block
// is one item).
func Provenance(files []emit.File) map[string][]string {
	out := map[string][]string{}
	for _, f := range files {
		var pending, cur []string
		mc := strings.HasPrefix(string(f.Data), "dnl ")
		for i, l := range strings.Split(string(f.Data), "\n") {
			switch {
			case mc && strings.HasPrefix(l, "dnl from "):
				pending = strings.Split(strings.TrimPrefix(l, "dnl from "), ", ")
				continue
			case mc && strings.HasPrefix(l, "dnl"):
				cur = nil
				continue
			case mc && pending != nil:
				cur, pending = pending, nil
			case mc:
			case strings.HasPrefix(l, "# from "):
				pending = strings.Split(strings.TrimPrefix(l, "# from "), ", ")
				continue
			case strings.HasPrefix(l, "#"):
				continue
			case strings.TrimSpace(l) == "":
				cur = nil
				continue
			case l[0] != ' ' && l[0] != '\t':
				cur, pending = pending, nil
			}
			if cur != nil {
				out[fmt.Sprintf("%s:%d", f.Name, i+1)] = cur
			}
		}
	}
	return out
}

// Check logs the differences a report item names and fails the test
// for the others; it returns how many were named.
func Check(t *testing.T, name, direction string, diffs []Diff) (listed int) {
	t.Helper()
	var bad []string
	for _, d := range diffs {
		if d.Explained {
			listed++
			t.Logf("%s: listed: %s", name, d)
			continue
		}
		bad = append(bad, d.String())
	}
	if len(bad) > 0 {
		t.Errorf("%s: %d facts differ after %s → IR and no report item that is not exact names them:\n%s",
			name, len(bad), direction, strings.Join(bad, "\n"))
	}
	return listed
}
