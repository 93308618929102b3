package postfix_test

import (
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

	"mailcc/cfparse"
	"mailcc/internal/testenv"
	"mailcc/ir"
	"mailcc/migrate/postfix"
)

// A fact is one thing a configuration says, in terms both dialects'
// IRs share: the host's name, a local or relay domain, a trusted
// network, the smart host and mail hub, a listener's port. Table
// entries are compared through lookups (lookupFacts). The SMTP policy
// is not compared here: its IR differs between the dialects by design
// (sendmail's check rulesets against Postfix's restriction lists), and
// the equivalence test proves it with probes.
type fact struct {
	value string
	pos   []ir.Pos // where it was written (none for a default)
	// param is the main.cf parameter or emitted file that holds the
	// fact on the Postfix side (what a report item's Target names)
	param string
}

// irFacts projects a Config onto facts, keyed by "family key".
func irFacts(cfg *ir.Config) map[string]fact {
	out := map[string]fact{}
	add := func(id, value, param string, ps ...ir.Pos) {
		if _, dup := out[id]; dup {
			return
		}
		out[id] = fact{value: value, pos: validPos(ps), param: param}
	}
	id := cfg.Identity
	// the host's own name when the configuration does not set it:
	// sendmail's $j and Postfix's default myhostname both come from
	// the machine
	host := strings.ToLower(id.Hostname.Value)
	if host == "$j" || cfg.Dialect == ir.Postfix && !id.Hostname.Pos.IsValid() {
		host = "(this host's name)"
	}
	add("hostname", host, "myhostname", id.Hostname.Pos)
	for _, d := range cfg.LocalDomains {
		name := d.Domain
		if name == strings.ToLower(id.Hostname.Value) {
			name = host
		}
		add("local-domain "+name, domainFlags(d), "mydestination", d.Pos)
	}
	if cfg.Dialect == ir.Sendmail && host != "" {
		// sendmail puts $j in class w when it starts (main.c), whatever
		// the configuration lists
		add("local-domain "+host, "", "mydestination", id.Hostname.Pos)
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
			add("relay-domain "+strings.ToLower(d), "subdomains", "relay_domains", id.Domain.Pos)
		}
	}
	for _, d := range cfg.Relay.Domains {
		add("relay-domain "+d.Domain, domainFlags(d), "relay_domains", d.Pos)
	}
	for _, n := range cfg.Relay.Networks {
		add("relay-network "+n.CIDR, "", "mynetworks", n.Pos)
	}
	for _, h := range []struct {
		name string
		hop  *ir.NextHop
	}{{"smart-host", cfg.Routing.SmartHost}, {"mail-hub", cfg.Routing.MailHub}} {
		if h.hop != nil {
			add(h.name, nextHop(h.hop.Host, h.hop.Port, h.hop.NoMX), "relayhost", h.hop.Pos)
		}
	}
	for _, l := range cfg.Listeners {
		addr := l.Addr
		if addr == "0.0.0.0" || addr == "::" {
			addr = "" // every address
		}
		add("listener "+portNumber(l.Port)+" "+addr, family(l.Family), "master.cf", l.Pos)
	}
	return out
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

// A lookup is a question the original configuration answers from one
// of its tables (what does virtusertable, genericstable, masquerading,
// aliases or mailertable make of this address, domain or name), put to
// the migrated configuration: to the tables its IR names for the same
// job, in their order, read from the IR where it holds their entries
// and asked of the real postmap where it keeps them opaque (regexp,
// pcre, cidr tables).
type lookup struct {
	family string // virtual, generic, masquerade, alias, transport
	key    string // the address, domain or name asked
	want   string // the original's answer
	pos    ir.Pos // the original's entry or declaration
}

// lookupsOf lists the questions a sendmail IR's tables answer: one per
// table entry (a catch-all or +* key is asked with a sample user or
// detail, and its %1/%2/%3 filled in as sendmail fills them), and for
// masquerading one per domain (and a name below it, where subdomains
// are masqueraded too), exception and exposed user.
func lookupsOf(cfg *ir.Config) []lookup {
	var out []lookup
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
				if addr == "" || !consulted(st, addr) {
					continue
				}
				out = append(out, lookup{fam, addr, fill(addressValue(a), user, detail), e.Pos})
			}
		case ir.RewriteMasquerade:
			out = append(out, masqueradeLookups(st)...)
		case ir.RewriteAliases:
			for _, e := range stageEntries(cfg, st) {
				if e.Alias != nil {
					out = append(out, lookup{"alias", strings.ToLower(e.Alias.Name), aliasValue(e.Alias), e.Pos})
				}
			}
		}
	}
	if tr := cfg.Routing.Transport; tr != nil {
		for _, e := range tableEntries(cfg, tr.Table) {
			if e.Transport != nil {
				out = append(out, lookup{"transport", transportKey(e.Transport.Key), transportValue(e.Transport), e.Pos})
			}
		}
	}
	return out
}

// stageEntries are the entries of a stage's tables, first table first.
func stageEntries(cfg *ir.Config, st ir.RewriteStage) []ir.Entry {
	var out []ir.Entry
	for _, name := range st.Tables {
		out = append(out, tableEntries(cfg, name)...)
	}
	return out
}

func tableEntries(cfg *ir.Config, name string) []ir.Entry {
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

// consulted says whether sendmail looks the address up in the stage's
// tables at all: virtusertable only for class w and VirtHost domains,
// genericstable only for class G's (an entry for another domain is
// never used, and the report says so as exact).
func consulted(st ir.RewriteStage, addr string) bool {
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

// fill does sendmail's %1 (user), %2 (detail) and %3 (+detail).
func fill(v, user, detail string) string {
	plus := ""
	if detail != "" {
		plus = "+" + detail
	}
	return strings.NewReplacer("%1", user, "%2", detail, "%3", plus).Replace(v)
}

// masqueradeLookups: user@domain becomes user@As for every masqueraded
// domain (and a name below it where subdomains are masqueraded too);
// an exception's and an exposed user's address stay as they are.
func masqueradeLookups(st ir.RewriteStage) []lookup {
	mq := st.Masquerade
	if mq == nil || mq.As.Value == "" {
		return nil
	}
	as := strings.ToLower(mq.As.Value)
	var out []lookup
	for _, d := range mq.Domains {
		if d.Negated || strings.HasPrefix(d.Domain, "[") {
			continue
		}
		pos := d.Pos
		if !pos.IsValid() {
			pos = mq.As.Pos
		}
		out = append(out, lookup{"masquerade", "someone@" + d.Domain, "someone@" + as, pos})
		if d.Subdomains || mq.EntireDomain {
			out = append(out, lookup{"masquerade", "someone@sub." + d.Domain, "someone@" + as, pos})
		}
	}
	for _, e := range mq.Exceptions {
		out = append(out, lookup{"masquerade", "someone@" + e.Domain, "someone@" + e.Domain, e.Pos})
	}
	if len(mq.Domains) > 0 {
		for _, u := range mq.ExposedUsers {
			a := strings.ToLower(u.Value) + "@" + mq.Domains[0].Domain
			out = append(out, lookup{"masquerade", a, a, u.Pos})
		}
	}
	return out
}

func aliasValue(a *ir.AliasEntry) string {
	var ts []string
	for _, x := range a.Targets {
		ts = append(ts, string(x.Kind)+":"+x.Value)
	}
	return strings.Join(ts, ", ")
}

func addressValue(a *ir.AddressEntry) string {
	if a.Error != nil {
		return replyValue(a.Error)
	}
	return listValue(strings.Join(a.Targets, ","))
}

// listValue writes a list of addresses one way: ", " between them.
func listValue(v string) string {
	var out []string
	for _, x := range strings.Split(v, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return strings.Join(out, ", ")
}

func transportKey(k ir.Key) string {
	if k.Kind == ir.KeyWildcard {
		return "*" // mailertable's "." is transport's "*"
	}
	return strings.ToLower(k.Value)
}

// transportValue: the delivery agent (sendmail's SMTP mailers are
// Postfix's smtp), next hop and user, or the error.
func transportValue(tr *ir.TransportEntry) string {
	if tr.Error != nil {
		return replyValue(tr.Error)
	}
	m := tr.Mailer
	switch m {
	case "esmtp", "smtp8", "dsmtp":
		m = "smtp"
	}
	return m + ":" + nextHop(tr.Host, tr.Port, false) + " " + tr.User
}

// transportText writes a transport(5) result read from a pattern table
// as transportValue does.
func transportText(v string) string {
	m, hop, _ := strings.Cut(v, ":")
	if m == "error" {
		return "error " + hop
	}
	return transportValue(&ir.TransportEntry{Mailer: m, Host: hop})
}

func replyValue(r *ir.Reply) string {
	return fmt.Sprintf("error %d %s %s", r.Code, r.DSN, r.Text)
}

// pfAnswers asks a migrated configuration (its IR, and the real postmap
// for the tables the IR keeps opaque) what the original's lookups ask.
type pfAnswers struct {
	t       *testing.T
	cfg     *ir.Config
	dir     string
	postmap string
	local   map[string]bool
}

func newPFAnswers(t *testing.T, cfg *ir.Config, dir string) *pfAnswers {
	a := &pfAnswers{t: t, cfg: cfg, dir: dir, postmap: testenv.Tool(t, "postmap"), local: map[string]bool{}}
	for _, d := range cfg.LocalDomains {
		a.local[d.Domain] = true
	}
	return a
}

// answer gives the migrated configuration's answer to a lookup, and
// the positions (in the migrated files) of the entry that gave it.
func (a *pfAnswers) answer(l lookup) (string, bool, []ir.Pos) {
	switch l.family {
	case "alias":
		for _, st := range a.stages(ir.RewriteAliases, false) {
			for _, name := range st.Tables {
				for _, e := range tableEntries(a.cfg, name) {
					if e.Alias != nil && strings.EqualFold(e.Alias.Name, l.key) {
						return aliasValue(e.Alias), true, []ir.Pos{e.Pos}
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
			if typ, path, _ := strings.Cut(t.Name, ":"); patternTable(typ) {
				if v, ok := a.postmapQuery(typ, path, l.key); ok {
					return transportText(v), true, nil
				}
				continue
			}
			for _, e := range t.Entries {
				if e.Transport != nil && transportKey(e.Transport.Key) == l.key {
					return transportValue(e.Transport), true, []ir.Pos{e.Pos}
				}
			}
		}
		return "", false, nil
	case "virtual":
		return a.rewrite(a.stages(ir.RewriteVirtual, false), l.key)
	case "generic":
		return a.rewrite(append(a.stages(ir.RewriteGeneric, false), a.stages(ir.RewriteCanonical, true)...), l.key)
	case "masquerade":
		v, ok, ps := a.rewrite(a.stages(ir.RewriteCanonical, true), l.key)
		if !ok {
			v = l.key
		}
		return a.masquerade(v), true, ps
	}
	a.t.Fatalf("no such lookup family %q", l.family)
	return "", false, nil
}

// stages are the migrated IR's rewriting stages of a kind (senderOnly:
// those that rewrite a sender).
func (a *pfAnswers) stages(kind ir.RewriteKind, senderOnly bool) []ir.RewriteStage {
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
func (a *pfAnswers) rewrite(stages []ir.RewriteStage, addr string) (string, bool, []ir.Pos) {
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
			if t := a.cfg.Table(name); t != nil && t.Loaded && !patternTable(typ) {
				for _, f := range forms {
					for _, e := range t.Entries {
						if strings.EqualFold(e.Key, f) {
							return entryValue(&e), true, []ir.Pos{e.Pos}
						}
					}
				}
				continue
			}
			if v, ok := a.postmapQuery(typ, path, addr); ok {
				return listValue(v), true, nil
			}
		}
	}
	return "", false, nil
}

// patternTable: the table's keys are patterns or networks, matched in
// order (the IR keeps its lines, not what they match).
func patternTable(typ string) bool { return typ == "regexp" || typ == "pcre" || typ == "cidr" }

// postmapQuery asks the real postmap; the table is the migrated file of
// that name in the migration's folder.
func (a *pfAnswers) postmapQuery(typ, path, key string) (string, bool) {
	if !patternTable(typ) {
		a.t.Errorf("%s:%s: the IR does not hold its entries and it is not a table postmap reads without building it", typ, path)
		return "", false
	}
	cmd := exec.Command(a.postmap, "-c", a.dir, "-q", key, typ+":"+filepath.Join(a.dir, filepath.Base(path)))
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
func (a *pfAnswers) masquerade(addr string) string {
	user, domain, ok := strings.Cut(addr, "@")
	if !ok {
		return addr
	}
	for _, st := range a.stages(ir.RewriteMasquerade, false) {
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

func entryValue(e *ir.Entry) string {
	switch {
	case e.Virtual != nil:
		return addressValue(e.Virtual)
	case e.Generic != nil:
		return addressValue(e.Generic)
	case e.Canonical != nil:
		return addressValue(e.Canonical)
	}
	return listValue(e.Value)
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

// nextHop writes a host as Postfix does ([host] without MX lookups),
// with its port.
func nextHop(host, port string, noMX bool) string {
	host = strings.ToLower(host)
	if noMX && !strings.HasPrefix(host, "[") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + portNumber(port)
	}
	return host
}

// portNumber writes the services both MTAs name by number.
func portNumber(p string) string {
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

func family(f string) string {
	switch f {
	case "inet", "":
		return "ipv4"
	case "inet6":
		return "ipv6"
	}
	return f
}

// factDiff is a fact or lookup whose answer differs between the
// original and the migrated configuration.
type factDiff struct {
	id          string
	was, is     string
	wasOK, isOK bool     // false: missing on that side
	from        []string // the original positions (file:line) it comes from
	written     bool     // the original's side came from a line
	param       string
	explained   bool
}

func (d factDiff) String() string {
	show := func(v string, ok bool) string {
		if !ok {
			return "(none)"
		}
		return fmt.Sprintf("%q", v)
	}
	return fmt.Sprintf("%s: %s -> %s (from %s)", d.id, show(d.was, d.wasOK), show(d.is, d.isOK), strings.Join(d.from, ", "))
}

// explainer says whether the report names a difference: a non-exact
// item at one of the positions it comes from (the original's, or those
// the migrated line's provenance comment gives), or, for something the
// original did not write (a default, or a name sendmail adds itself), a
// non-exact item whose target is the parameter that holds it.
type explainer struct {
	notExact map[string]bool
	targets  []string
	prov     map[string][]string
}

func newExplainer(rep *postfix.Report, prov map[string][]string) *explainer {
	x := &explainer{notExact: map[string]bool{}, prov: prov}
	for _, it := range rep.Items {
		if it.Fidelity == postfix.Exact {
			continue
		}
		if it.Pos != "" {
			x.notExact[lineOf(it.Pos)] = true
		}
		x.targets = append(x.targets, it.Target)
	}
	return x
}

// diff makes the difference of one fact: orig positions from the
// original, migrated ones from the migrated files.
func (x *explainer) diff(d factDiff, orig, migrated []ir.Pos) factDiff {
	for _, p := range orig {
		d.from = append(d.from, lineOf(p.String()))
	}
	d.written = len(d.from) > 0
	for _, p := range migrated {
		d.from = append(d.from, x.prov[lineOf(p.String())]...)
	}
	sort.Strings(d.from)
	d.from = slices.Compact(d.from)
	for _, f := range d.from {
		d.explained = d.explained || x.notExact[f]
	}
	if !d.explained && !d.written && d.param != "" {
		for _, t := range x.targets {
			d.explained = d.explained || strings.Contains(t, d.param)
		}
	}
	return d
}

// compareFacts lists the facts that differ.
func compareFacts(was, is map[string]fact, x *explainer) (n int, diffs []factDiff) {
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
		if aok && bok && a.value == b.value {
			continue
		}
		d := factDiff{id: id, was: a.value, wasOK: aok, is: b.value, isOK: bok, param: a.param}
		if !aok {
			d.param = b.param
		}
		diffs = append(diffs, x.diff(d, a.pos, b.pos))
	}
	return n, diffs
}

// compareLookups puts the original's lookups to the migrated
// configuration, and lists the alias and transport entries the
// migration added (a transport entry that sends a local domain to the
// local delivery agent restates Postfix's default and is not counted).
func compareLookups(ls []lookup, ans *pfAnswers, x *explainer) (n int, diffs []factDiff) {
	asked := map[string]bool{}
	for _, l := range ls {
		n++
		asked[l.family+" "+l.key] = true
		got, ok, ps := ans.answer(l)
		if ok && got == l.want {
			continue
		}
		diffs = append(diffs, x.diff(factDiff{id: l.family + " " + l.key, was: l.want, wasOK: true, is: got, isOK: ok}, []ir.Pos{l.pos}, ps))
	}
	extra := func(fam, key, value, param string, pos ir.Pos) {
		if asked[fam+" "+key] {
			return
		}
		asked[fam+" "+key] = true
		n++
		diffs = append(diffs, x.diff(factDiff{id: fam + " " + key, is: value, isOK: true, param: param}, nil, []ir.Pos{pos}))
	}
	cfg := ans.cfg
	for _, tab := range cfg.Tables {
		if tab.Kind != ir.TransportTable {
			continue
		}
		for _, e := range tab.Entries {
			if t := e.Transport; t != nil && !(t.Mailer == "local" && t.Host == "" && ans.local[strings.ToLower(t.Key.Value)]) {
				extra("transport", transportKey(t.Key), transportValue(t), "transport", e.Pos)
			}
		}
	}
	for _, st := range ans.stages(ir.RewriteAliases, false) {
		for _, name := range st.Tables {
			for _, e := range tableEntries(cfg, name) {
				if e.Alias != nil {
					extra("alias", strings.ToLower(e.Alias.Name), aliasValue(e.Alias), "aliases", e.Pos)
				}
			}
		}
	}
	return n, diffs
}

// lineOf cuts a position "file:line:col" to "file:line".
func lineOf(pos string) string {
	p, err := ir.ParsePos(pos)
	if err != nil || p.Line == 0 {
		return pos
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// provenance reads the "# from FILE:LINE, ..." comments of the migrated
// files: for each line of a file (as "name:line") the original
// positions of the parameter or entry it belongs to (a comment's
// positions go to the next line that is not a comment, and to the
// continuation lines after it).
func provenance(res *postfix.Result) map[string][]string {
	out := map[string][]string{}
	for _, f := range res.Files {
		var pending, cur []string
		for i, l := range strings.Split(string(f.Data), "\n") {
			switch {
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

// TestMigratedIR: sendmail → Postfix → IR differs from the original IR
// only in what the report lists. Every sendmail configuration of the
// corpora (the trace cases with their tables, and the .mc files of
// TestCorpusConfigurations) is migrated and the migration lowered as
// Postfix's; the facts both IRs hold (irFacts) are compared, and every
// question the original's tables answer (lookupsOf) is put to the
// migrated IR's tables (through the real postmap for those the IR keeps
// opaque). Every difference must be named by a report item that is not
// exact.
func TestMigratedIR(t *testing.T) {
	type config struct {
		name string
		cfg  *ir.Config
	}
	var cs []config
	for _, c := range smCases(t) {
		cs = append(cs, config{c.name, loadSendmailCase(t, c)})
	}
	for _, mc := range corpusMCs(t) {
		cfg, _, err := cfparse.Load([]string{mc}, cfparse.Options{Root: t.TempDir()})
		if err != nil {
			t.Fatalf("%s: not loaded: %v", mc, err)
		}
		cs = append(cs, config{filepath.Base(filepath.Dir(mc)) + "/" + filepath.Base(mc), cfg})
	}
	total, same, listed := 0, 0, 0
	for _, c := range cs {
		res, err := postfix.Migrate(c.cfg, postfix.Options{Provenance: true})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		dir := t.TempDir()
		writeFiles(t, dir, res)
		mig := loadPostfix(t, dir)
		x := newExplainer(res.Report, provenance(res))
		n1, d1 := compareFacts(irFacts(c.cfg), irFacts(mig), x)
		n2, d2 := compareLookups(lookupsOf(c.cfg), newPFAnswers(t, mig, dir), x)
		total += n1 + n2
		same += n1 + n2 - len(d1) - len(d2)
		var bad []string
		for _, d := range append(d1, d2...) {
			if d.explained {
				listed++
				t.Logf("%s: listed: %s", c.name, d)
				continue
			}
			bad = append(bad, d.String())
		}
		if len(bad) > 0 {
			t.Errorf("%s: %d facts differ after sendmail → Postfix → IR and no report item that is not exact names them:\n%s",
				c.name, len(bad), strings.Join(bad, "\n"))
		}
	}
	t.Logf("sendmail → Postfix → IR on %d configurations: %d facts and lookups, %d the same, %d differ as the report lists", len(cs), total, same, listed)
}
