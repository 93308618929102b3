package policy

import (
	"net/netip"
	"regexp"
	"strings"

	"mailcc/ir"
	"mailcc/runtime/probe"
)

// postfix decides as smtpd(8) does: the restriction lists of each stage
// in order (smtpd_client_, helo_, sender_, relay_ and
// recipient_restrictions), all at RCPT under smtpd_delay_reject (the
// default), then the recipient's validation (virtual_alias_maps, the
// local recipient table).
type postfix struct {
	e       *Engine
	cfg     *ir.Config
	virtual []*ir.RewriteStage
	aliases []*table
}

func newPostfix(e *Engine) *postfix {
	p := &postfix{e: e, cfg: e.cfg}
	for i := range e.cfg.Rewrite.Stages {
		if st := &e.cfg.Rewrite.Stages[i]; st.Kind == ir.RewriteVirtual {
			p.virtual = append(p.virtual, st)
		}
	}
	for _, n := range e.cfg.Routing.Local.Aliases {
		if t := e.tables[n]; t != nil {
			p.aliases = append(p.aliases, t)
		}
	}
	return p
}

// outcome of a restriction or a list.
const (
	dunno = iota
	permit
	refuse
)

func (p *postfix) lists(stage ir.Stage) []ir.StagePolicy {
	var out []ir.StagePolicy
	for _, st := range p.cfg.Policy.Stages {
		if st.Stage == stage {
			out = append(out, st)
		}
	}
	return out
}

// stages runs the lists of the stages given; the first refusal ends it.
func (p *postfix) stages(t *tracer, sess Session, stages ...ir.Stage) (Decision, bool) {
	for _, stage := range stages {
		for _, st := range p.lists(stage) {
			if r, d := p.list(t, sess, st); r == refuse {
				return d, false
			}
		}
	}
	return Decision{Decision: probe.Accept}, true
}

func (p *postfix) connect(sess Session) Decision {
	t := newTracer()
	d, _ := p.stages(t, sess, ir.StageConnect)
	d.Stage, d.Trace = "connect", t.steps
	return d
}

func (p *postfix) mail(sess Session) Decision {
	t := newTracer()
	if d, ok := p.stages(t, sess, ir.StageConnect); !ok {
		d.Stage, d.Trace = "connect", t.steps
		return d
	}
	d, _ := p.stages(t, sess, ir.StageHelo, ir.StageMail)
	d.Stage, d.Trace = "mail", t.steps
	return d
}

func (p *postfix) rcpt(sess Session) Decision {
	t := newTracer()
	if !p.cfg.Policy.DelayChecks {
		if d, ok := p.stages(t, sess, ir.StageConnect); !ok {
			d.Stage, d.Trace = "connect", t.steps
			return d
		}
		if d, ok := p.stages(t, sess, ir.StageHelo, ir.StageMail); !ok {
			d.Stage, d.Trace = "mail", t.steps
			return d
		}
	}
	stages := []ir.Stage{ir.StageRcpt}
	if p.cfg.Policy.DelayChecks {
		stages = []ir.Stage{ir.StageConnect, ir.StageHelo, ir.StageMail, ir.StageRcpt}
	}
	d, ok := p.stages(t, sess, stages...)
	if ok {
		d = p.validRecipient(t, sess.To)
	}
	d.Stage, d.Trace = "rcpt", t.steps
	return d
}

// list evaluates one restriction list.
func (p *postfix) list(t *tracer, sess Session, st ir.StagePolicy) (int, Decision) {
	for _, c := range st.Checks {
		r, d := p.check(t, sess, c, st.List)
		if r != dunno {
			return r, d
		}
	}
	return dunno, Decision{Decision: probe.Accept}
}

func pfReply(r *ir.Reply, code int, dsn, text string) Decision {
	if r != nil && r.Code != 0 {
		code, dsn, text = r.Code, r.DSN, r.Text
	}
	c := itoa(code)
	return Decision{Decision: decisionOf(c), Code: c, DSN: dsn, Text: text, Verdict: c}
}

// check evaluates one restriction.
func (p *postfix) check(t *tracer, sess Session, c ir.Check, list string) (int, Decision) {
	name := c.Name
	if name == "" {
		name = string(c.Kind)
	}
	switch c.Kind {
	case ir.CheckPermit:
		t.add(list+": "+name, "permit", c.Pos)
		return permit, Decision{Decision: probe.Accept}
	case ir.CheckReject:
		t.add(list+": "+name, "reject", c.Pos)
		return refuse, pfReply(c.Reply, 554, "5.7.1", "Access denied")
	case ir.CheckDefer:
		t.add(list+": "+name, "defer", c.Pos)
		return refuse, pfReply(c.Reply, 450, "4.7.1", "Try again later")
	case ir.CheckPermitRelayClients:
		if p.inMynetworks(sess.ClientAddr) {
			t.add(list+": "+name+" ("+sess.ClientAddr.String()+" is in mynetworks)", "permit", c.Pos)
			return permit, Decision{Decision: probe.Accept}
		}
	case ir.CheckPermitAuth:
		if sess.AuthUser != "" {
			t.add(list+": "+name+" ("+sess.AuthUser+")", "permit", c.Pos)
			return permit, Decision{Decision: probe.Accept}
		}
	case ir.CheckRejectUnauthDestination, ir.CheckDeferUnauthDestination:
		if p.authDestination(sess.To) {
			return dunno, Decision{}
		}
		t.add(list+": "+name+" ("+sess.To+" is not a local or relay destination)", "reject", c.Pos)
		if c.Kind == ir.CheckDeferUnauthDestination {
			return refuse, pfReply(c.Reply, 450, "4.7.1", "Relay access denied")
		}
		r := p.cfg.Relay.Denied
		return refuse, pfReply(c.Reply, r.Code, "5.7.1", "Relay access denied")
	case ir.CheckRejectUnqualifiedSender, ir.CheckRejectUnqualifiedRecipient:
		addr := sess.From
		if c.Kind == ir.CheckRejectUnqualifiedRecipient {
			addr = sess.To
		}
		if addr != "" && !fqdnAddress(addr) {
			t.add(list+": "+name+" ("+addr+")", "reject", c.Pos)
			return refuse, pfReply(c.Reply, 504, "5.5.2", "need fully-qualified address")
		}
	case ir.CheckAccess:
		return p.access(t, sess, c, list)
	case ir.CheckOpaque:
		t.add(list+": "+name+" is not modelled by mailcc (taken as DUNNO)", "", c.Pos)
	default:
		t.add(list+": "+name+" is not evaluated by mailcc yet (taken as DUNNO)", "", c.Pos)
	}
	return dunno, Decision{}
}

func (p *postfix) inMynetworks(a netip.Addr) bool {
	for _, n := range p.cfg.Relay.Networks {
		if pr, err := netip.ParsePrefix(n.CIDR); err == nil && pr.Contains(a) {
			return !n.Negated
		}
	}
	return false
}

// fqdnAddress: user@domain with a domain of at least two labels (or an
// address literal).
func fqdnAddress(addr string) bool {
	_, d, ok := cutLast(addr, "@")
	if !ok || d == "" {
		return false
	}
	return strings.HasPrefix(d, "[") || strings.Contains(strings.Trim(d, "."), ".")
}

func (p *postfix) inDomains(list []ir.DomainMatch, dom string) bool {
	for _, m := range list {
		if m.Table != "" {
			if tb := p.e.tables[m.Table]; tb != nil && tb.get(dom) != nil {
				return !m.Negated
			}
			continue
		}
		if strings.EqualFold(m.Domain, dom) || m.Subdomains && domainUnder(dom, m.Domain) && !strings.EqualFold(m.Domain, dom) ||
			m.Subdomains && !m.OnlySubdomains && strings.EqualFold(m.Domain, dom) {
			return !m.Negated
		}
	}
	return false
}

func (p *postfix) isLocal(dom string) bool { return p.inDomains(p.cfg.LocalDomains, dom) }

// authDestination: the recipient's domain is one this server accepts
// mail for (reject_unauth_destination passes).
func (p *postfix) authDestination(to string) bool {
	user, dom, ok := cutLast(to, "@")
	if !ok {
		return true
	}
	if strings.ContainsAny(user, "%!@") {
		return false
	}
	dom = strings.TrimSuffix(dom, ".")
	if p.isLocal(dom) || p.inDomains(p.cfg.Relay.Domains, dom) {
		return true
	}
	for _, st := range p.virtual {
		for _, d := range st.Domains {
			if d.Domain != "" && strings.EqualFold(d.Domain, dom) {
				return true
			}
		}
	}
	return false
}

// access evaluates check_*_access.
func (p *postfix) access(t *tracer, sess Session, c ir.Check, list string) (int, Decision) {
	tb := p.e.tables[c.Table]
	if tb == nil || !tb.t.Loaded && !tb.isPattern() {
		t.add(list+": "+c.Name+" "+c.Table+" is not loaded (taken as DUNNO)", "", c.Pos)
		return dunno, Decision{}
	}
	parents := c.Lookup != nil && c.Lookup.ParentDomains
	var keys []string
	switch c.Subject {
	case "client":
		if sess.ClientName != "" {
			keys = append(keys, domainKeys(sess.ClientName, parents)...)
		}
		keys = append(keys, addressKeys(sess.ClientAddr)...)
	case "helo":
		keys = domainKeys(sess.Helo, parents)
	case "sender", "recipient":
		addr := sess.From
		if c.Subject == "recipient" {
			addr = sess.To
		}
		if addr == "" {
			if c.Lookup != nil && c.Lookup.NullSender != "" {
				keys = []string{c.Lookup.NullSender}
			}
			break
		}
		delim := p.cfg.Rewrite.RecipientDelimiter
		user, dom, ok := cutLast(addr, "@")
		base := user
		if delim != "" {
			if i := strings.IndexAny(user, delim); i > 0 {
				base = user[:i]
			}
		}
		if ok {
			keys = append(keys, user+"@"+dom)
			if base != user {
				keys = append(keys, base+"@"+dom)
			}
			keys = append(keys, domainKeys(dom, parents)...)
		}
		keys = append(keys, user+"@")
		if base != user {
			keys = append(keys, base+"@")
		}
	}
	if tb.isPattern() {
		keys = p.patternKeys(sess, c.Subject)
	}
	for _, k := range keys {
		en := tb.get(k)
		if en == nil {
			continue
		}
		t.add(list+": "+c.Name+" "+c.Table+" "+en.Key, en.Value, en.Pos)
		return p.action(t, sess, en)
	}
	return dunno, Decision{}
}

// patternKeys are the keys a pattern table is asked: whole names and
// addresses, no parent domains or prefixes.
func (p *postfix) patternKeys(sess Session, subject string) []string {
	switch subject {
	case "client":
		var keys []string
		if sess.ClientName != "" {
			keys = append(keys, sess.ClientName)
		}
		return append(keys, sess.ClientAddr.String())
	case "helo":
		return []string{sess.Helo}
	}
	addr := sess.From
	if subject == "recipient" {
		addr = sess.To
	}
	if addr == "" {
		return []string{"<>"}
	}
	user, dom, ok := cutLast(addr, "@")
	if !ok {
		return []string{addr, user + "@"}
	}
	return []string{addr, dom, user + "@"}
}

// domainKeys are the keys of a domain: itself, then its parents (with
// parent_domain_matches_subdomains) or ".parent" forms.
func domainKeys(dom string, parents bool) []string {
	dom = strings.TrimSuffix(dom, ".")
	keys := []string{dom}
	for d := dom; ; {
		i := strings.IndexByte(d, '.')
		if i < 0 {
			break
		}
		if parents {
			keys = append(keys, d[i+1:])
		} else {
			keys = append(keys, d[i:])
		}
		d = d[i+1:]
	}
	return keys
}

// addressKeys are a client address and its prefixes: 1.2.3.4, 1.2.3,
// 1.2, 1 (IPv6 by colon-separated groups of the compressed form).
func addressKeys(a netip.Addr) []string {
	if !a.IsValid() {
		return nil
	}
	s := a.String()
	keys := []string{s}
	sep := "."
	if a.Is6() {
		sep = ":"
	}
	for {
		i := strings.LastIndex(s, sep)
		if i <= 0 {
			break
		}
		s = strings.TrimRight(s[:i], ":")
		if s == "" {
			break
		}
		keys = append(keys, s)
	}
	return keys
}

var pfCodeRE = regexp.MustCompile(`^([245][0-9][0-9])(?:\s+([245]\.[0-9]{1,3}\.[0-9]{1,3}))?\s*(.*)$`)

// action applies an access table result.
func (p *postfix) action(t *tracer, sess Session, en *ir.Entry) (int, Decision) {
	v := strings.TrimSpace(en.Value)
	word, rest, _ := strings.Cut(v, " ")
	rest = strings.TrimSpace(rest)
	def := p.cfg.Policy.Defaults
	switch strings.ToUpper(word) {
	case "OK", "PERMIT":
		return permit, Decision{Decision: probe.Accept}
	case "DUNNO":
		return dunno, Decision{}
	case "REJECT":
		code := def.Reject.Code
		if code == 0 {
			code = 554
		}
		d := pfReply(nil, code, "5.7.1", "Access denied")
		if rest != "" {
			d.Text = rest
			if dsn, _, ok := leadingDSN(rest); ok {
				d.DSN = dsn
			}
		}
		return refuse, d
	case "DEFER", "DEFER_IF_REJECT", "DEFER_IF_PERMIT":
		if strings.ToUpper(word) != "DEFER" {
			return dunno, Decision{}
		}
		code := def.Defer.Code
		if code == 0 {
			code = 450
		}
		return refuse, pfReply(nil, code, "4.7.1", "Access denied")
	case "DISCARD":
		return refuse, Decision{Decision: probe.Discard, Verdict: "discard"}
	case "HOLD", "FILTER", "PREPEND", "REDIRECT", "BCC", "WARN", "INFO", "HANGUP":
		return dunno, Decision{}
	}
	if m := pfCodeRE.FindStringSubmatch(v); m != nil {
		code := m[1]
		dsn := m[2]
		switch {
		case dsn != "":
		case code[0] == '2':
			return permit, Decision{Decision: probe.Accept}
		default:
			dsn = string(code[0]) + ".7.1"
		}
		return refuse, Decision{Decision: decisionOf(code), Code: code, DSN: dsn, Text: m[3], Verdict: code}
	}
	// A restriction name (or a restriction class) as the result.
	switch strings.ToLower(word) {
	case "permit_mynetworks":
		return p.check(t, sess, ir.Check{Kind: ir.CheckPermitRelayClients, Name: word, Pos: en.Pos}, "access result")
	case "reject_unauth_destination":
		return p.check(t, sess, ir.Check{Kind: ir.CheckRejectUnauthDestination, Name: word, Pos: en.Pos}, "access result")
	case "reject":
		return p.check(t, sess, ir.Check{Kind: ir.CheckReject, Name: word, Pos: en.Pos}, "access result")
	case "defer":
		return p.check(t, sess, ir.Check{Kind: ir.CheckDefer, Name: word, Pos: en.Pos}, "access result")
	}
	t.add("access result "+v+" is not evaluated by mailcc (taken as DUNNO)", "", en.Pos)
	return dunno, Decision{}
}

// validRecipient is smtpd's recipient validation after the
// restrictions: a virtual alias makes the address valid; in a local
// domain the user must be an alias or a passwd user.
func (p *postfix) validRecipient(t *tracer, to string) Decision {
	ok := Decision{Decision: probe.Accept, Verdict: "250"}
	user, dom, qualified := cutLast(to, "@")
	if found, known := p.virtualFound(t, user, dom, qualified); found {
		return ok
	} else if !known {
		t.add("virtual_alias_maps holds a table mailcc does not evaluate: the recipient is taken as not matched", "", ir.Pos{})
	}
	if !qualified || p.isLocal(dom) {
		base := strings.ToLower(user)
		if d := p.cfg.Rewrite.RecipientDelimiter; d != "" {
			if i := strings.IndexAny(base, d); i > 0 {
				base = base[:i]
			}
		}
		for _, tb := range p.aliases {
			if en := tb.get(base); en != nil {
				t.add("alias "+en.Key, en.Value, en.Pos)
				return ok
			}
		}
		if p.e.env.Users != nil && p.e.env.Users(base) {
			t.add("local user "+base, "exists", ir.Pos{})
			return ok
		}
		t.add("local recipient "+base, "neither an alias nor a user", ir.Pos{})
		return Decision{Decision: probe.Reject, Code: "550", DSN: "5.1.1", Text: "User unknown in local recipient table", Verdict: "550"}
	}
	return ok
}

// virtualFound looks the recipient up in virtual_alias_maps: whether it
// was found, and whether every table could be consulted.
func (p *postfix) virtualFound(t *tracer, user, dom string, qualified bool) (found, known bool) {
	known = true
	for _, st := range p.virtual {
		for _, name := range st.Tables {
			tb := p.e.tables[name]
			if tb == nil || !tb.t.Loaded && !tb.isPattern() {
				known = false
				continue
			}
			keys := []string{user + "@" + dom}
			switch {
			case !qualified:
				keys = []string{user}
			case tb.isPattern():
			case p.isLocal(dom):
				keys = append(keys, user, "@"+dom)
			default:
				keys = append(keys, "@"+dom)
			}
			for _, k := range keys {
				if en := tb.get(k); en != nil {
					t.add("virtual_alias_maps "+name+" "+en.Key, en.Value, en.Pos)
					return true, known
				}
			}
		}
	}
	return false, known
}

// aliasExpansion is postalias -q on each alias_maps table.
func (p *postfix) aliasExpansion(t *tracer, name string) []string {
	for _, tb := range p.aliases {
		if en := tb.get(strings.ToLower(name)); en != nil {
			t.add("alias "+en.Key, en.Value, en.Pos)
			return splitAliasValue(en.Value)
		}
	}
	return nil
}

// myorigin is what unqualified addresses get (append_at_myorigin).
func (p *postfix) myorigin() string {
	if o := p.cfg.Identity.Origin.Value; o != "" {
		return o
	}
	return p.cfg.Identity.Hostname.Value
}

// qualify appends @myorigin to a bare name.
func (p *postfix) qualify(addr string) string {
	if addr == "" || strings.Contains(addr, "@") {
		return addr
	}
	return addr + "@" + p.myorigin()
}

// mapAddress looks an address up in a table the way canonical(5) and
// virtual(5) say: user+ext@domain, user@domain, then user (only for
// this host's domains), then @domain; pattern tables get the whole
// address only.
func (p *postfix) mapAddress(tb *table, addr string) *ir.Entry {
	if tb.isPattern() {
		return tb.get(addr)
	}
	user, dom, _ := cutLast(addr, "@")
	base := user
	if d := p.cfg.Rewrite.RecipientDelimiter; d != "" {
		if i := strings.IndexAny(user, d); i > 0 {
			base = user[:i]
		}
	}
	keys := []string{user + "@" + dom}
	if base != user {
		keys = append(keys, base+"@"+dom)
	}
	if p.isLocal(dom) || strings.EqualFold(dom, p.myorigin()) {
		keys = append(keys, user)
		if base != user {
			keys = append(keys, base)
		}
	}
	keys = append(keys, "@"+dom)
	for _, k := range keys {
		if en := tb.get(k); en != nil {
			return en
		}
	}
	return nil
}

// rewriteStages applies the canonical stages whose scope says so, then
// masquerading, to an address (cleanup(8)'s order: sender or recipient
// canonical maps, then canonical_maps, then masquerading).
func (p *postfix) rewriteStages(t *tracer, addr string, scope func(ir.Scope) bool) string {
	addr = p.qualify(addr)
	if addr == "" {
		return addr
	}
	var canon []*ir.RewriteStage
	for i := range p.cfg.Rewrite.Stages {
		st := &p.cfg.Rewrite.Stages[i]
		if st.Kind == ir.RewriteCanonical && scope(st.Scope) {
			canon = append(canon, st)
		}
	}
	// sender_/recipient_canonical_maps before canonical_maps
	for pass := 0; pass < 2; pass++ {
		for _, st := range canon {
			if (st.Name == "canonical_maps") != (pass == 1) {
				continue
			}
			for _, name := range st.Tables {
				tb := p.e.tables[name]
				if tb == nil {
					continue
				}
				if en := p.mapAddress(tb, addr); en != nil {
					t.add(st.Name+" "+name+" "+en.Key, en.Value, en.Pos)
					addr = p.qualify(strings.TrimSpace(en.Value))
					break
				}
			}
		}
	}
	for i := range p.cfg.Rewrite.Stages {
		st := &p.cfg.Rewrite.Stages[i]
		if st.Kind == ir.RewriteMasquerade && st.Masquerade != nil && scope(st.Scope) {
			addr = p.masquerade(t, st, addr)
		}
	}
	return addr
}

// masquerade strips the subdomains of masquerade_domains: the first
// listed domain the address is below wins; a !domain listed first
// stops it; masquerade_exceptions users are left alone.
func (p *postfix) masquerade(t *tracer, st *ir.RewriteStage, addr string) string {
	m := st.Masquerade
	user, dom, ok := cutLast(addr, "@")
	if !ok {
		return addr
	}
	for _, e := range m.ExposedUsers {
		if strings.EqualFold(e.Value, user) {
			return addr
		}
	}
	for _, d := range m.Domains {
		if !strings.HasSuffix(strings.ToLower(dom), "."+strings.ToLower(d.Domain)) {
			continue
		}
		if d.Negated {
			return addr
		}
		t.add("masquerade_domains "+d.Domain, user+"@"+d.Domain, d.Pos)
		return user + "@" + d.Domain
	}
	return addr
}

// resolve is cleanup's recipient rewriting and virtual alias expansion,
// then trivial-rewrite's routing: the first delivery of an address.
func (p *postfix) resolve(t *tracer, addr string, depth int) (route, error) {
	addr = p.rewriteStages(t, addr, func(s ir.Scope) bool { return s.EnvelopeRecipient })
	if depth < 10 {
		for _, st := range p.virtual {
			for _, name := range st.Tables {
				tb := p.e.tables[name]
				if tb == nil {
					continue
				}
				en := p.mapAddress(tb, addr)
				if en == nil {
					continue
				}
				t.add("virtual_alias_maps "+name+" "+en.Key, en.Value, en.Pos)
				targets := strings.FieldsFunc(en.Value, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
				if len(targets) == 0 {
					break
				}
				first := p.qualify(targets[0])
				if strings.EqualFold(first, addr) {
					return p.route(t, addr), nil
				}
				return p.resolve(t, first, depth+1)
			}
		}
	}
	_, dom, _ := cutLast(addr, "@")
	for _, st := range p.virtual {
		for _, d := range st.Domains {
			if d.Domain != "" && strings.EqualFold(d.Domain, dom) && !d.Negated {
				d := Decision{Decision: probe.Reject, Text: "User unknown in virtual alias table"}
				return route{err: &d, mailer: "error"}, nil
			}
		}
	}
	return p.route(t, addr), nil
}

// route is trivial-rewrite: transport_maps, then the address class.
func (p *postfix) route(t *tracer, addr string) route {
	user, dom, _ := cutLast(addr, "@")
	_ = user
	if tr := p.cfg.Routing.Transport; tr != nil {
		if tb := p.e.tables[tr.Table]; tb != nil {
			keys := []string{addr}
			if !tb.isPattern() {
				keys = append(keys, domainKeys(dom, tr.ParentDomains)...)
				keys = append(keys, "*")
			}
			for _, k := range keys {
				if en := tb.get(k); en != nil {
					t.add("transport_maps "+tr.Table+" "+en.Key, en.Value, en.Pos)
					if r, ok := p.transportResult(en.Value, addr, dom); ok {
						return r
					}
					break
				}
			}
		}
	}
	return p.classRoute(addr, dom)
}

// classRoute is the default route of an address's class.
func (p *postfix) classRoute(addr, dom string) route {
	switch {
	case p.isLocal(dom):
		m := p.cfg.Routing.Local.Mailer.Value
		if m == "" {
			m = "local"
		}
		return route{mailer: m, host: p.cfg.Identity.Hostname.Value, user: addr}
	case p.inDomains(p.cfg.Relay.Domains, dom):
		return p.remote(p.cfg.Routing.RelayMailer.Value, "relay", addr, dom)
	}
	return p.remote(p.cfg.Routing.DefaultMailer.Value, "smtp", addr, dom)
}

func (p *postfix) remote(transport, def, addr, dom string) route {
	if transport == "" {
		transport = def
	}
	host := dom
	if i := strings.IndexByte(transport, ':'); i >= 0 {
		transport, host = transport[:i], transport[i+1:]
	} else if sh := p.cfg.Routing.SmartHost; sh != nil {
		host = sh.Raw
	}
	return route{mailer: transport, host: host, user: addr}
}

// transportResult applies a transport(5) result "transport:nexthop".
func (p *postfix) transportResult(v, addr, dom string) (route, bool) {
	v = strings.TrimSpace(v)
	tr, next, _ := strings.Cut(v, ":")
	if strings.EqualFold(tr, "error") || strings.EqualFold(tr, "retry") {
		d := Decision{Decision: probe.Reject, Text: strings.TrimSpace(next)}
		if strings.EqualFold(tr, "retry") {
			d.Decision = probe.Tempfail
		}
		return route{err: &d, mailer: tr}, true
	}
	def := p.classRoute(addr, dom)
	if tr == "" {
		tr = def.mailer
	}
	host := def.host
	if next != "" {
		host = next
	}
	if tr == p.cfg.Routing.Local.Mailer.Value || tr == "local" {
		if next == "" {
			host = p.cfg.Identity.Hostname.Value
		}
	}
	return route{mailer: tr, host: host, user: addr}, true
}

// headerFrom is cleanup's sender rewriting of the From: header or the
// envelope sender.
func (p *postfix) headerFrom(t *tracer, addr string, envelope bool) string {
	return p.rewriteStages(t, addr, func(s ir.Scope) bool {
		if envelope {
			return s.EnvelopeSender
		}
		return s.HeaderSender
	})
}
