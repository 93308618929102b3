package policy

import (
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"mailcc/internal/smreply"
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
	// filter is smtpd_command_filter's table (nil without one).
	filter *table
	// transport are transport_maps' tables, in order.
	transport []*table
}

func newPostfix(e *Engine) *postfix {
	p := &postfix{e: e, cfg: e.cfg}
	if n := e.cfg.Policy.CommandFilter.Value; n != "" {
		p.filter = e.tables[n]
	}
	if tr := e.cfg.Routing.Transport; tr != nil {
		for _, n := range tr.Tables() {
			if tb := e.tables[n]; tb != nil {
				p.transport = append(p.transport, tb)
			}
		}
	}
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
			if t.discard != nil {
				return *t.discard, true
			}
			if r, d := p.list(t, sess, st); r == refuse {
				if t.deferIfReject != nil && d.Decision == probe.Reject {
					d = *t.deferIfReject
				}
				return d, false
			}
		}
	}
	if t.discard != nil {
		return *t.discard, true
	}
	return Decision{Decision: probe.Accept}, true
}

func (p *postfix) connect(sess Session) Decision {
	t := newTracer()
	d, _ := p.stages(t, sess, ir.StageConnect)
	d.Stage, d.Trace = "connect", t.steps
	return d
}

// mail runs the client's, the HELO name's and the sender's
// restrictions, each at its own command (as smtpd does with
// smtpd_delay_reject = no, which the oracle's session probes use).
func (p *postfix) mail(sess Session) Decision {
	t := newTracer()
	sess = p.commands(t, sess)
	d, _ := p.early(t, sess)
	d.Trace = t.steps
	return d
}

// early is connect, HELO and MAIL without delayed rejection.
func (p *postfix) early(t *tracer, sess Session) (Decision, bool) {
	for _, st := range []ir.Stage{ir.StageConnect, ir.StageHelo, ir.StageMail} {
		d, ok := p.stages(t, sess, st)
		if ok && t.deferIfPermit != nil {
			d, ok = *t.deferIfPermit, false
		}
		if !ok {
			d.Stage = string(st)
			return d, false
		}
	}
	if t.discard != nil {
		d := *t.discard
		d.Stage = "mail"
		return d, true
	}
	return Decision{Decision: probe.Accept, Stage: "mail"}, true
}

func (p *postfix) rcpt(sess Session) Decision {
	t := newTracer()
	sess = p.commands(t, sess)
	if !p.cfg.Policy.DelayChecks {
		if d, ok := p.early(t, sess); !ok {
			d.Trace = t.steps
			return d
		}
	}
	if strings.EqualFold(sess.To, "postmaster") {
		// smtpd_check_rcpt accepts the bare postmaster before any
		// restriction, delayed ones included (RFC 5321 section 4.5.1)
		t.add("RCPT TO:<postmaster> is accepted before the restrictions", "accept", ir.Pos{})
		return Decision{Decision: probe.Accept, Stage: "rcpt", Trace: t.steps}
	}
	stages := []ir.Stage{ir.StageRcpt}
	if p.cfg.Policy.DelayChecks {
		stages = []ir.Stage{ir.StageConnect, ir.StageHelo, ir.StageMail, ir.StageRcpt}
	}
	d, ok := p.stages(t, sess, stages...)
	if ok && t.deferIfPermit != nil {
		d, ok = *t.deferIfPermit, false
	}
	if ok && t.discard == nil {
		d = p.validRecipient(t, sess.To)
	}
	d.Stage, d.Trace = "rcpt", t.steps
	return d
}

// commands applies smtpd_command_filter to the commands a client sends
// for the session (EHLO, MAIL FROM, RCPT TO, as the probes send them):
// smtpd looks each command line up whole, and a result replaces it
// before the command is read.
func (p *postfix) commands(t *tracer, sess Session) Session {
	if p.filter == nil {
		return sess
	}
	if sess.Helo != "" {
		sess.Helo = p.command(t, "EHLO ", sess.Helo, false)
	}
	sess.From = p.command(t, "MAIL FROM:", sess.From, true)
	if sess.To != "" {
		sess.To = p.command(t, "RCPT TO:", sess.To, true)
	}
	return sess
}

// command filters one command line, verb and argument (in <> when
// angle), and returns the argument the result gives (arg when the
// table has no result, or the result is not the same command).
func (p *postfix) command(t *tracer, verb, arg string, angle bool) string {
	line := verb + arg
	if angle {
		line = verb + "<" + arg + ">"
	}
	en := p.filter.get(line)
	if en == nil {
		return arg
	}
	t.add("smtpd_command_filter "+p.filter.t.Name+": "+line, en.Value, en.Pos)
	rest := strings.TrimLeft(en.Value, " \t")
	if len(rest) < len(verb) || !strings.EqualFold(rest[:len(verb)], verb) {
		return arg
	}
	rest = strings.TrimLeft(rest[len(verb):], " \t")
	if strings.HasPrefix(rest, "<") {
		if end := strings.IndexByte(rest, '>'); end > 0 {
			return rest[1:end]
		}
		return arg
	}
	if i := strings.IndexAny(rest, " \t"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// classList is the restriction class name (smtpd_restriction_classes).
func (p *postfix) classList(name string) *ir.StagePolicy {
	for i := range p.cfg.Policy.Classes {
		if p.cfg.Policy.Classes[i].List == name {
			return &p.cfg.Policy.Classes[i]
		}
	}
	return nil
}

// class evaluates a restriction class as smtpd does (generic_checks on
// its list): its permit or refusal is the answer of the restriction
// that named it, and a class that decides nothing is DUNNO.
func (p *postfix) class(t *tracer, sess Session, name, list string, pos ir.Pos) (int, Decision) {
	st := p.classList(name)
	if st == nil {
		t.add(list+": restriction class "+name+" is not defined (taken as DUNNO)", "", pos)
		return dunno, Decision{}
	}
	if t.depth >= 10 {
		// smtpd stops at a nesting of 100 with a server error; a
		// class that names itself would loop
		t.add(list+": restriction class "+name+" nests too deep (taken as DUNNO)", "", pos)
		return dunno, Decision{}
	}
	t.add(list+": restriction class "+name, "", pos)
	t.depth++
	defer func() { t.depth-- }()
	r, d := p.list(t, sess, *st)
	if r == dunno {
		return dunno, Decision{}
	}
	return r, d
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
		r := p.cfg.Relay.Denied
		if c.Kind == ir.CheckDeferUnauthDestination {
			// smtpd: relay_domains_reject_code - 100
			code := r.Code
			if code == 0 {
				code = 554
			}
			return refuse, pfReply(c.Reply, code-100, "4.7.1", "Relay access denied")
		}
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
	case ir.CheckHelo:
		return p.helo(t, sess, c, list)
	case ir.CheckRejectUnknownClient:
		return p.unknownClient(t, sess, c, list)
	case ir.CheckRejectUnknownSenderDomain:
		return p.unknownAddress(t, sess.From, "Sender", ".1.8", c, list)
	case ir.CheckRejectUnknownRecipientDomain:
		return p.unknownAddress(t, sess.To, "Recipient", ".1.2", c, list)
	case ir.CheckClass:
		return p.class(t, sess, c.Name, list, c.Pos)
	case ir.CheckOpaque:
		switch c.Name {
		case "reject_unknown_client_hostname", "reject_unknown_reverse_client_hostname", "reject_unknown_client":
			return p.unknownClient(t, sess, c, list)
		case "reject_unlisted_sender":
			return p.unlistedSender(t, sess.From)
		}
		t.add(list+": "+name+" is not modelled by mailcc (taken as DUNNO)", "", c.Pos)
	default:
		t.add(list+": "+name+" is not evaluated by mailcc yet (taken as DUNNO)", "", c.Pos)
	}
	return dunno, Decision{}
}

// intOption is a Postfix parameter's integer value, or def.
func (p *postfix) intOption(name string, def int) int {
	for _, o := range p.cfg.Options {
		if o.Name == name && o.Type == ir.TypeInt {
			return int(o.Int)
		}
	}
	return def
}

// codeReply is a refusal with code, the enhanced status class of the
// code with detail, and text.
func codeReply(code int, detail, text string) Decision {
	c := itoa(code)
	return Decision{Decision: decisionOf(c), Code: c, DSN: string(c[0]) + detail, Text: text, Verdict: c}
}

// unknownClient: reject_unknown_client_hostname and
// reject_unknown_reverse_client_hostname refuse a client without a
// (verified) name.
func (p *postfix) unknownClient(t *tracer, sess Session, c ir.Check, list string) (int, Decision) {
	if sess.ClientName != "" {
		return dunno, Decision{}
	}
	t.add(list+": "+c.Name+" (the client has no name)", "reject", c.Pos)
	d := codeReply(p.intOption("unknown_client_reject_code", 450), ".7.1",
		"Client host rejected: cannot find your reverse hostname, ["+sess.ClientAddr.String()+"]")
	return refuse, d
}

// unknownAddress: reject_unknown_sender_domain and
// reject_unknown_recipient_domain (smtpd's reject_unknown_address).
// The address is resolved as trivial-rewrite does; final destinations
// (local and virtual domains), address literals and the null sender
// are not looked up; any other domain needs an address in DNS (Env.DNS;
// the stand-in has no MX records). Refused with
// unknown_address_reject_code (450 by default).
func (p *postfix) unknownAddress(t *tracer, addr, class, detail string, c ir.Check, list string) (int, Decision) {
	if addr == "" {
		return dunno, Decision{}
	}
	_, dom, ok := cutLast(p.routeAddr(addr), "@")
	dom = strings.TrimSuffix(dom, ".")
	if !ok || p.isLocal(dom) || p.virtualDomain(dom) || strings.HasPrefix(dom, "[") && strings.HasSuffix(dom, "]") {
		return dunno, Decision{}
	}
	if p.e.env.DNS.Exists(dom) {
		t.add(list+": "+c.Name+" ("+dom+" resolves)", "", c.Pos)
		return dunno, Decision{}
	}
	t.add(list+": "+c.Name+" ("+dom+" does not resolve)", "reject", c.Pos)
	return refuse, codeReply(p.intOption("unknown_address_reject_code", 450), detail,
		"<"+addr+">: "+class+" address rejected: Domain not found")
}

// helo evaluates the HELO name checks.
func (p *postfix) helo(t *tracer, sess Session, c ir.Check, list string) (int, Decision) {
	h := sess.Helo
	switch c.Name {
	case "reject_invalid_helo_hostname", "reject_invalid_hostname":
		if why := invalidHelo(h); why != "" {
			t.add(list+": "+c.Name+" ("+h+")", "reject", c.Pos)
			return refuse, codeReply(p.intOption("invalid_hostname_reject_code", 501), ".5.2", "Helo command rejected: "+why)
		}
	case "reject_non_fqdn_helo_hostname", "reject_non_fqdn_hostname":
		if n := truncateDot(h); !strings.HasPrefix(h, "[") && (!validHostname(n) || !strings.Contains(n, ".")) {
			t.add(list+": "+c.Name+" ("+h+")", "reject", c.Pos)
			return refuse, codeReply(p.intOption("non_fqdn_reject_code", 504), ".5.2", "Helo command rejected: need fully-qualified hostname")
		}
	default:
		t.add(list+": "+c.Name+" is not evaluated by mailcc yet (taken as DUNNO)", "", c.Pos)
	}
	return dunno, Decision{}
}

// invalidHelo says why a HELO name is not a valid host name or address
// ("" when it is), as smtpd's reject_invalid_hostname judges: a name in
// brackets must be an IPv4 address or IPv6: and an IPv6 address
// (valid_mailhost_addr); any other, once a final dot is dropped, a host
// name (valid_hostname) or a bare address (valid_hostaddr).
func invalidHelo(h string) string {
	if strings.HasPrefix(h, "[") && len(h) > 2 && strings.HasSuffix(h, "]") {
		in := h[1 : len(h)-1]
		if len(in) > 5 && strings.EqualFold(in[:5], "ipv6:") {
			if a, err := netip.ParseAddr(in[5:]); err == nil && a.Is6() {
				return ""
			}
			return "invalid ip address"
		}
		if a, err := netip.ParseAddr(in); err == nil && a.Is4() {
			return ""
		}
		return "invalid ip address"
	}
	n := truncateDot(h)
	if validHostname(n) {
		return ""
	}
	if _, err := netip.ParseAddr(n); err == nil {
		return ""
	}
	return "Invalid name"
}

// truncateDot drops a name's final dot, but not one of two
// (smtpd_check.c: dup_if_truncate).
func truncateDot(h string) string {
	if strings.HasSuffix(h, ".") && !strings.HasSuffix(h, "..") {
		return h[:len(h)-1]
	}
	return h
}

// validHostname is Postfix's valid_hostname(): labels of letters,
// digits, "_" and inner "-", of at most 63 characters, separated by
// single dots; at most 255 characters; not digits and dots only.
func validHostname(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	numeric := true
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			switch {
			case r >= '0' && r <= '9':
			case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '_':
				numeric = false
			default:
				return false
			}
		}
	}
	return !numeric
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
			if tb := p.e.tables[m.Table]; tb != nil {
				keys := []string{dom}
				if !tb.isPattern() {
					keys = domainKeys(dom, m.Subdomains)
				}
				for _, k := range keys {
					if tb.get(k) != nil {
						return !m.Negated
					}
				}
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

func (p *postfix) isLocal(dom string) bool {
	return p.inDomains(p.cfg.LocalDomains, dom) || p.ownLiteral(dom)
}

// loopback are the addresses of Postfix's inet_interfaces
// loopback-only (and of all, when Env.Addrs is nil).
var loopback = []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.IPv6Loopback()}

// ownLiteral: dom is an address literal [addr] of this host, which
// trivial-rewrite's resolve_local takes as local: an address of
// inet_interfaces (all: Env.Addrs, by default the loopback addresses)
// or of proxy_interfaces.
func (p *postfix) ownLiteral(dom string) bool {
	if len(dom) < 3 || dom[0] != '[' || dom[len(dom)-1] != ']' {
		return false
	}
	lit := dom[1 : len(dom)-1]
	if len(lit) > 5 && strings.EqualFold(lit[:5], "ipv6:") {
		lit = lit[5:]
	}
	a, err := netip.ParseAddr(lit)
	if err != nil {
		return false
	}
	a = a.Unmap()
	var own []string
	if o := p.cfg.Option("inet_interfaces"); o != nil {
		own = append(own, o.List...)
	} else {
		own = append(own, "all")
	}
	if o := p.cfg.Option("proxy_interfaces"); o != nil {
		own = append(own, o.List...)
	}
	for _, w := range own {
		switch strings.ToLower(w) {
		case "all":
			addrs := p.e.env.Addrs
			if addrs == nil {
				addrs = loopback
			}
			if slices.Contains(addrs, a) {
				return true
			}
		case "loopback-only", "localhost":
			if slices.Contains(loopback, a) {
				return true
			}
		default:
			if b, err := netip.ParseAddr(strings.Trim(w, "[]")); err == nil && b.Unmap() == a {
				return true
			}
		}
	}
	return false
}

// routeAddr is trivial-rewrite's resolution of an address's routing
// part: qualified with @myorigin; at a local domain, user%host
// (allow_percent_hack) and host!user (swap_bangpath) route on to host.
func (p *postfix) routeAddr(addr string) string {
	addr = p.qualify(addr)
	for i := 0; i < 10; i++ {
		user, dom, ok := cutLast(addr, "@")
		if !ok || !p.isLocal(dom) {
			return addr
		}
		if len(user) > 1 && user[0] == '"' && user[len(user)-1] == '"' {
			user = user[1 : len(user)-1]
			addr = user + "@" + dom
		}
		switch {
		case strings.Contains(user, "@"):
			addr = user
		case p.cfg.Rewrite.BangPath && strings.Contains(user, "!"):
			h, u, _ := strings.Cut(user, "!")
			addr = u + "@" + h
		case p.cfg.Rewrite.PercentHack && strings.Contains(user, "%"):
			j := strings.LastIndexByte(user, '%')
			addr = user[:j] + "@" + user[j+1:]
		default:
			return addr
		}
	}
	return addr
}

// authDestination: the recipient's domain is one this server accepts
// mail for (reject_unauth_destination passes).
func (p *postfix) authDestination(to string) bool {
	user, dom, ok := cutLast(p.routeAddr(to), "@")
	if !ok {
		return true
	}
	if strings.ContainsAny(user, "%!@") && !p.isLocal(dom) {
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
	if !tb.usable() {
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
		addr = p.qualify(addr)
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
		// the first entry found decides, DUNNO included: the other
		// forms of the key are not tried
		return p.action(t, sess, en, c.Subject)
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
func (p *postfix) action(t *tracer, sess Session, en *ir.Entry, subject string) (int, Decision) {
	v := strings.TrimSpace(en.Value)
	word, rest, _ := strings.Cut(v, " ")
	rest = strings.TrimSpace(rest)
	def := p.cfg.Policy.Defaults
	switch strings.ToUpper(word) {
	case "OK", "PERMIT", "RELAY":
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
			if dsn, _, ok := smreply.LeadingDSN(rest); ok {
				d.DSN = dsnFix(dsn, subject)
			}
		}
		return refuse, d
	case "DEFER_IF_REJECT", "DEFER_IF_PERMIT":
		d := codeReply(p.intOption("defer_code", 450), ".7.1", rest)
		if strings.ToUpper(word) == "DEFER_IF_PERMIT" {
			t.deferIfPermit = &d
		} else {
			t.deferIfReject = &d
		}
		return dunno, Decision{}
	case "DEFER":
		code := def.Defer.Code
		if code == 0 {
			code = 450
		}
		return refuse, pfReply(nil, code, "4.7.1", "Access denied")
	case "DISCARD":
		// smtpd answers 250, skips every later restriction of the
		// transaction (and the recipient's validation) and drops the
		// message after DATA
		t.add("DISCARD: the transaction's later restrictions are skipped and the message is discarded after DATA", "discard", en.Pos)
		if t.discard == nil {
			t.discard = &Decision{Decision: probe.Discard, Text: rest, Verdict: "discard"}
		}
		return permit, Decision{Decision: probe.Accept}
	case "HOLD", "FILTER", "PREPEND", "REDIRECT", "BCC", "WARN", "INFO", "HANGUP":
		return dunno, Decision{}
	}
	if m := pfCodeRE.FindStringSubmatch(v); m != nil {
		code := m[1]
		dsn := m[2]
		switch {
		case dsn != "":
			// the enhanced status takes the reply code's class
			dsn = string(code[0]) + dsnFix(dsn, subject)[1:]
		case code[0] == '2':
			return permit, Decision{Decision: probe.Accept}
		default:
			dsn = string(code[0]) + ".7.1"
		}
		return refuse, Decision{Decision: decisionOf(code), Code: code, DSN: dsn, Text: m[3], Verdict: code}
	}
	// Restriction names (a list of them) as the result.
	for _, r := range strings.FieldsFunc(v, func(c rune) bool { return c == ',' || c == ' ' || c == '\t' }) {
		var c ir.Check
		switch strings.ToLower(r) {
		case "permit_mynetworks":
			c = ir.Check{Kind: ir.CheckPermitRelayClients}
		case "permit_sasl_authenticated":
			c = ir.Check{Kind: ir.CheckPermitAuth}
		case "reject_unauth_destination":
			c = ir.Check{Kind: ir.CheckRejectUnauthDestination}
		case "reject":
			c = ir.Check{Kind: ir.CheckReject}
		case "defer":
			c = ir.Check{Kind: ir.CheckDefer}
		case "permit":
			c = ir.Check{Kind: ir.CheckPermit}
		case "dunno":
			continue
		default:
			if p.classList(r) != nil {
				c = ir.Check{Kind: ir.CheckClass}
				break
			}
			t.add("access result "+r+" is not evaluated by mailcc (taken as DUNNO)", "", en.Pos)
			continue
		}
		c.Name, c.Pos = r, en.Pos
		if res, d := p.check(t, sess, c, "access result"); res != dunno {
			return res, d
		}
	}
	return dunno, Decision{}
}

// dsnFixed is the last digit of an address status x.1.y as the sender's
// and as the recipient's (smtpd_dsn_fix.c's dsn_map).
type dsnFixed struct{ sender, rcpt string }

var dsnFixes = map[string]dsnFixed{"1": {"7", "1"}, "2": {"8", "2"}, "3": {"7", "3"}, "4": {"7", "4"},
	"5": {"0", "5"}, "6": {"7", "6"}, "7": {"7", "3"}, "8": {"8", "2"}}

// dsnFix is smtpd_dsn_fix.c: an address status (x.1.y) an access
// result gives is made the sender's or the recipient's form of it, by
// what is refused; for a client or HELO name it is x.0.0.
func dsnFix(dsn, subject string) string {
	if len(dsn) < 5 || dsn[1:4] != ".1." {
		return dsn
	}
	f, ok := dsnFixes[dsn[4:]]
	if !ok {
		f = dsnFixed{"0", "0"}
	}
	switch subject {
	case "sender":
		return dsn[:4] + f.sender
	case "recipient":
		return dsn[:4] + f.rcpt
	}
	return dsn[:1] + ".0.0"
}

// validRecipient is smtpd's recipient validation after the
// restrictions (check_rcpt_maps): mail to an error: transport is
// refused; an address canonical_maps, recipient_canonical_maps or
// virtual_alias_maps know is valid; in a local domain the user must be
// an alias or a passwd user, in a virtual alias domain a virtual alias.
func (p *postfix) validRecipient(t *tracer, to string) Decision {
	ok := Decision{Decision: probe.Accept, Verdict: "250"}
	addr := p.routeAddr(to)
	user, dom, _ := cutLast(addr, "@")
	if r := p.route(newTracer(), addr); r.err != nil && r.mailer == "error" {
		d := *r.err
		if d.Code == "" {
			d.Code = "550"
			if d.Decision == probe.Tempfail {
				d.Code = "450"
			}
		}
		if d.DSN == "" {
			d.DSN = string(d.Code[0]) + ".0.0"
		}
		t.add("the recipient's transport is error:", d.Code+" "+d.DSN, ir.Pos{})
		return d
	}
	if p.knownAddress(t, addr) {
		return ok
	}
	switch {
	case p.isLocal(dom):
		switch strings.ToLower(user) {
		case "postmaster", "mailer-daemon", "double-bounce":
			// smtpd accepts these at a local domain whatever the
			// local recipient table says (qmgr and bounce absorb them)
			t.add(user+" is always a valid local recipient", "", ir.Pos{})
			return ok
		}
		if p.localUser(t, user) {
			return ok
		}
		t.add("local recipient "+user, "neither an alias nor a user", ir.Pos{})
		return Decision{Decision: probe.Reject, Code: "550", DSN: "5.1.1", Text: "User unknown in local recipient table", Verdict: "550"}
	case p.virtualDomain(dom):
		// (a local domain is never a virtual alias domain in effect)
		t.add("virtual alias domain "+dom, "no virtual alias for "+addr, ir.Pos{})
		return Decision{Decision: probe.Reject, Code: "550", DSN: "5.1.1", Text: "User unknown in virtual alias table", Verdict: "550"}
	}
	return ok
}

// knownAddress: canonical_maps, recipient_canonical_maps or
// virtual_alias_maps hold the address.
func (p *postfix) knownAddress(t *tracer, addr string) bool {
	for i := range p.cfg.Rewrite.Stages {
		st := &p.cfg.Rewrite.Stages[i]
		if !(st.Kind == ir.RewriteVirtual || st.Kind == ir.RewriteCanonical && st.Name != "sender_canonical_maps") {
			continue
		}
		for _, name := range st.Tables {
			if tb := p.e.tables[name]; tb != nil {
				if en, _ := p.mapAddress(tb, addr); en != nil {
					t.add(st.Name+" "+name+" "+en.Key, en.Value, en.Pos)
					return true
				}
			}
		}
	}
	return false
}

// localUser: an alias or a passwd user (local_recipient_maps).
func (p *postfix) localUser(t *tracer, user string) bool {
	base := strings.ToLower(user)
	if d := p.cfg.Rewrite.RecipientDelimiter; d != "" {
		if i := strings.IndexAny(base, d); i > 0 {
			base = base[:i]
		}
	}
	for _, tb := range p.aliases {
		if en := tb.get(base); en != nil {
			t.add("alias "+en.Key, en.Value, en.Pos)
			return true
		}
	}
	if p.e.env.Users != nil && p.e.env.Users(base) {
		t.add("local user "+base, "exists", ir.Pos{})
		return true
	}
	return false
}

// virtualDomain: dom is a virtual alias domain.
func (p *postfix) virtualDomain(dom string) bool {
	// virtual_alias_domains: names and tables (by default the virtual
	// alias maps themselves, asked for the domain as a key)
	for _, st := range p.virtual {
		if p.inDomains(st.Domains, dom) {
			return true
		}
	}
	return false
}

// unlistedSender is reject_unlisted_sender: a sender in a local or
// virtual alias domain must be a valid recipient.
func (p *postfix) unlistedSender(t *tracer, from string) (int, Decision) {
	if from == "" {
		return dunno, Decision{}
	}
	d := p.validRecipient(t, from)
	if d.Decision == probe.Reject && d.DSN == "5.1.1" {
		return refuse, Decision{Decision: probe.Reject, Code: d.Code, DSN: "5.1.0", Text: "Sender address rejected: " + d.Text, Verdict: d.Code}
	}
	return dunno, Decision{}
}

// virtualFound looks the recipient up in virtual_alias_maps: whether it
// was found, and whether every table could be consulted.
func (p *postfix) virtualFound(t *tracer, user, dom string, qualified bool) (found, known bool) {
	known = true
	for _, st := range p.virtual {
		for _, name := range st.Tables {
			tb := p.e.tables[name]
			if !tb.usable() {
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

// qualify is trivial-rewrite's rewrite_tree (rewrite.c) on an
// address: a source route (@a,@b:user@c) is dropped; an address
// without @ becomes user@host from host!user (swap_bangpath), else
// from user%host (allow_percent_hack, the last %), else gets
// @myorigin.
func (p *postfix) qualify(addr string) string {
	if addr == "" {
		return addr
	}
	if addr[0] == '@' {
		if i := strings.IndexByte(addr, ':'); i > 0 && i < len(addr)-1 {
			addr = addr[i+1:]
		}
	}
	if strings.Contains(addr, "@") {
		// a trailing dot of the domain goes (not after a dot or @)
		if n := len(addr); n > 2 && addr[n-1] == '.' && addr[n-2] != '.' && addr[n-2] != '@' {
			addr = addr[:n-1]
		}
		return addr
	}
	if p.cfg.Rewrite.BangPath {
		if h, u, ok := strings.Cut(addr, "!"); ok {
			return u + "@" + h
		}
	}
	if p.cfg.Rewrite.PercentHack {
		if i := strings.LastIndexByte(addr, '%'); i >= 0 {
			return addr[:i] + "@" + addr[i+1:]
		}
	}
	return addr + "@" + p.myorigin()
}

// mapAddress looks an address up in a table the way canonical(5) and
// virtual(5) say: user+ext@domain, user@domain, then user (only for
// this host's domains), then @domain; pattern tables get the whole
// address only. It returns the entry and the rewritten address: an
// "@domain" result keeps the user, and an extension the key did not
// match is kept (propagate_unmatched_extensions).
func (p *postfix) mapAddress(tb *table, addr string) (*ir.Entry, string) {
	if tb.isPattern() {
		en := tb.get(addr)
		if en == nil {
			return nil, ""
		}
		return en, p.mapResult(strings.TrimSpace(en.Value), addr, "")
	}
	user, dom, _ := cutLast(addr, "@")
	base, ext := user, ""
	if d := p.cfg.Rewrite.RecipientDelimiter; d != "" {
		if i := strings.IndexAny(user, d); i > 0 {
			base, ext = user[:i], user[i:]
		}
	}
	type key struct{ k, ext string }
	keys := []key{{user + "@" + dom, ""}}
	if base != user {
		keys = append(keys, key{base + "@" + dom, ext})
	}
	if p.isLocal(dom) || strings.EqualFold(dom, p.myorigin()) {
		keys = append(keys, key{user, ""})
		if base != user {
			keys = append(keys, key{base, ext})
		}
	}
	keys = append(keys, key{"@" + dom, ""})
	for _, k := range keys {
		if en := tb.get(k.k); en != nil {
			return en, p.mapResult(strings.TrimSpace(en.Value), user+"@"+dom, k.ext)
		}
	}
	return nil, ""
}

// splitExt splits user+ext@domain into user@domain and "+ext".
func (p *postfix) splitExt(addr string) (string, string) {
	user, dom, _ := cutLast(addr, "@")
	if d := p.cfg.Rewrite.RecipientDelimiter; d != "" {
		if i := strings.IndexAny(user, d); i > 0 {
			return user[:i] + "@" + dom, user[i:]
		}
	}
	return addr, ""
}

// mapResult is the address a table result stands for: "@domain" keeps
// the user; an unmatched extension goes back after the new user.
func (p *postfix) mapResult(result, addr, ext string) string {
	user, _, _ := cutLast(addr, "@")
	if strings.HasPrefix(result, "@") {
		return user + result
	}
	if ext != "" {
		if u, d, ok := cutLast(result, "@"); ok {
			return u + ext + "@" + d
		}
		return result + ext
	}
	return result
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
				if en, to := p.mapAddress(tb, addr); en != nil {
					t.add(st.Name+" "+name+" "+en.Key, en.Value, en.Pos)
					addr = p.qualify(to)
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

// masquerade is cleanup's masquerade_domains: in the order listed
// (exceptions "!domain" in their places), the first entry equal to the
// address's domain ends it unchanged; the first it is below truncates
// the domain to it, or, for an exception, ends it unchanged.
// masquerade_exceptions users are left alone.
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
	ld := strings.ToLower(dom)
	for _, d := range m.Domains {
		md := strings.ToLower(d.Domain)
		switch {
		case md == "":
		case md == ld:
			return addr
		case strings.HasSuffix(ld, "."+md):
			if d.Negated {
				return addr
			}
			t.add("masquerade_domains "+d.Domain, user+"@"+d.Domain, d.Pos)
			return user + "@" + d.Domain
		}
	}
	return addr
}

// resolve is cleanup's recipient rewriting and virtual alias expansion,
// then trivial-rewrite's routing: the first delivery of an address.
func (p *postfix) resolve(t *tracer, addr string, depth int) (route, error) {
	addr = p.routeAddr(p.rewriteStages(t, addr, func(s ir.Scope) bool { return s.EnvelopeRecipient }))
	if depth < 10 {
		for _, st := range p.virtual {
			for _, name := range st.Tables {
				tb := p.e.tables[name]
				if tb == nil {
					continue
				}
				en, _ := p.mapAddress(tb, addr)
				if en == nil {
					continue
				}
				t.add("virtual_alias_maps "+name+" "+en.Key, en.Value, en.Pos)
				targets := strings.FieldsFunc(en.Value, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
				if len(targets) == 0 {
					break
				}
				_, ext := p.splitExt(addr)
				matchedExt := ""
				if !strings.EqualFold(en.Key, addr) && ext != "" && !strings.HasPrefix(en.Key, "@") && !tb.isPattern() {
					matchedExt = ext
				}
				first := p.qualify(p.mapResult(targets[0], addr, matchedExt))
				if strings.EqualFold(first, addr) {
					return p.route(t, addr), nil
				}
				return p.resolve(t, first, depth+1)
			}
		}
	}
	if _, dom, _ := cutLast(addr, "@"); p.virtualDomain(dom) && !p.isLocal(dom) {
		d := Decision{Decision: probe.Reject, Code: "550", DSN: "5.1.1", Text: "User unknown in virtual alias table"}
		return route{err: &d, mailer: "error"}, nil
	}
	return p.route(t, addr), nil
}

// route is trivial-rewrite: transport_maps, then the address class.
func (p *postfix) route(t *tracer, addr string) route {
	user, dom, _ := cutLast(addr, "@")
	_ = user
	if tr := p.cfg.Routing.Transport; tr != nil {
		// transport(5): each form of the key, of every table in turn
		// (trivial-rewrite's maps_find); pattern tables are asked the
		// whole address only
		keys := []string{addr}
		if base, ext := p.splitExt(addr); ext != "" {
			keys = append(keys, base)
		}
		keys = append(keys, domainKeys(dom, tr.ParentDomains)...)
		keys = append(keys, "*")
		for i, k := range keys {
			for _, tb := range p.transport {
				if i > 0 && tb.isPattern() {
					continue
				}
				if en := tb.get(k); en != nil {
					t.add("transport_maps "+tb.t.Name+" "+en.Key, en.Value, en.Pos)
					if r, ok := p.transportResult(en.Value, addr, dom); ok {
						return r
					}
					return p.classRoute(addr, dom)
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
	switch strings.ToLower(tr) {
	case "error", "retry":
		d := Decision{Decision: probe.Reject, Text: strings.TrimSpace(next)}
		if strings.EqualFold(tr, "retry") {
			d.Decision = probe.Tempfail
		}
		// error:5.1.2 text: the enhanced status, then the text
		d.DSN, d.Code = "5.0.0", "550"
		if d.Decision == probe.Tempfail {
			d.DSN, d.Code = "4.0.0", "450"
		}
		if dsn, rest, ok := smreply.LeadingDSN(d.Text); ok {
			d.DSN, d.Text = dsn, strings.TrimSpace(rest)
			d.Code = "550"
			if dsn[0] == '4' {
				d.Code = "450"
			}
		}
		return route{err: &d, mailer: strings.ToLower(tr)}, true
	case "discard":
		d := Decision{Decision: probe.Discard, Text: strings.TrimSpace(next)}
		return route{err: &d, mailer: "discard"}, true
	}
	def := p.classRoute(addr, dom)
	if tr == "" {
		tr = def.mailer
	}
	host := def.host
	switch {
	case next != "":
		host = next
	case tr == p.cfg.Routing.Local.Mailer.Value || tr == "local":
		host = p.cfg.Identity.Hostname.Value
	default:
		host = dom // an empty next hop is the domain itself
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
