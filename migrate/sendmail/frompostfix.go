package sendmail

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"mailcc/ir"
)

// pfState is what the Postfix direction learns on the way.
type pfState struct {
	local      map[string]bool // class w as written to local-host-names
	localOrder []string        // the same, in the order written
	access     *tableFile
	accessOn   bool
	skip       bool // SKIP is used: access_db's skip option
	fullAddr   bool // To:user@domain RELAY: relaytofulladdress
	blocklist  bool // To: entries that refuse
	netsDone   bool // mynetworks written as Connect: RELAY
	// afterPermitNets: the restriction list being translated had
	// permit_mynetworks before the current check
	afterPermitNets bool
	// sources of the Connect:/From:/To: keys, for shadowing: the keys in
	// the order written
	written map[string][]string // tag → keys
	// curTable names the hash-like table being translated ("" for a
	// cidr: table and outside tables), owner the table each access key
	// came from: within one such table Postfix, like sendmail, tries
	// the most specific key first, so only an earlier table's key
	// shadows a more specific one
	curTable string
	owner    map[string]string
	// nullSender is the access value for MAIL FROM:<>
	// (smtpd_null_access_lookup_key), written by Local_check_mail
	nullSender, nullConstruct string
	nullAfterNets             bool
	// heloRules are the HELO checks (pfHelo), run first by
	// Local_check_rcpt when heloAtRcpt, else by Local_check_mail
	heloRules  []string
	heloAtRcpt bool
	// dunnoEndsList: the client table being translated is the last
	// check of its list, so its DUNNO is written as OK
	dunnoEndsList bool
	// permitEndsRcpt: the table being translated is followed only by
	// permits in smtpd_recipient_restrictions, the last list, so its
	// DEFER_IF_PERMIT defers
	permitEndsRcpt bool
}

// fromPostfix translates a Postfix configuration.
func (m *migrator) fromPostfix() error {
	m.mc.head = append(m.mc.head,
		"Migrated from Postfix by mailcc. The migration report says which of Postfix's constructs sendmail reproduces exactly, which only approximately, and which not at all.")
	st := &pfState{local: map[string]bool{}, written: map[string][]string{}, owner: map[string]string{}}
	st.access = m.table(fileAccess, mapTable, "sendmail's access map: Connect: (client), From: (sender) and To: (recipient) entries translated from mynetworks, relay_domains and the check_*_access tables.")
	m.pfIdentity()
	m.mc.add(grpFeature, call("FEATURE", "nocanonify"), "Postfix never canonicalises domains through DNS", ir.Pos{})
	m.exact("(domains are not canonicalised)", ir.Pos{}, "Postfix", "FEATURE(nocanonify)")
	m.pfLocalDomains(st)
	m.pfOrigin(st)
	m.pfRelay(st)
	m.pfPolicy(st)
	if !st.netsDone {
		// no restriction list uses permit_mynetworks: the networks
		// grant nothing there, and nothing is written
		seen := map[ir.Pos]bool{}
		for _, n := range m.cfg.Relay.Networks {
			if n.Pos.IsValid() && !seen[n.Pos] {
				seen[n.Pos] = true
				m.approx("mynetworks", n.Pos, "(nothing)",
					"no smtpd restriction list uses permit_mynetworks, so no Connect: RELAY entry is written; Postfix still uses mynetworks elsewhere (smtpd_client_event_limit_exceptions, and wherever a parameter names $mynetworks)", "")
			}
		}
	}
	if !m.cfg.Relay.Open {
		// whether or not the restrictions use mynetworks
		m.inherent("mynetworks", "sendmail: a client at 127.0.0.1 may always relay",
			"sendmail lets a client at 127.0.0.1 or ::1 (and a name in class R or w) relay whatever mynetworks says",
			"rcpt\t127.0.0.1\tu@example.org\tu@remote.example", Affect{Kinds: []string{"rcpt"}, Client: "127.0.0.1"}, Affect{Kinds: []string{"rcpt"}, Client: "::1"})
	}
	m.pfRewrite(st)
	m.pfRouting(st)
	m.pfRcptRuleset(st)
	m.pfSenderParse()
	m.pfListeners()
	m.pfClientAuth()
	m.pfMilters()
	m.pfOptions()
	m.pfOpaque()
	m.pfParams()
	m.mc.add(grpMailer, call("MAILER", "local"), "", ir.Pos{})
	m.mc.add(grpMailer, call("MAILER", "smtp"), "", ir.Pos{})
	m.rep.local = st.local
	m.rep.authRelay = len(m.cfg.Relay.AuthMechanisms) > 0
	m.inherent("user@localhost", "sendmail: ruleset 3",
		"sendmail's ruleset 3 rewrites an address at localhost to its host name ($j), in headers and the envelope; Postfix keeps user@localhost",
		"header_from\tsomeone@localhost", Affect{Kinds: []string{"header_from"}, Address: "@localhost"})
	for _, l := range st.access.lines {
		k := strings.ToLower(l.key)
		switch {
		case strings.HasPrefix(k, "to:") && l.value == "RELAY":
			m.rep.relayTo = append(m.rep.relayTo, strings.TrimPrefix(k, "to:"))
		case strings.HasPrefix(k, "connect:") && l.value == "RELAY":
			if p, ok := keyPrefix(l.key[len("connect:"):]); ok {
				m.rep.relayNets = append(m.rep.relayNets, p)
			}
		}
	}
	if len(st.access.lines) > 0 {
		args := []string{"access_db"}
		if st.skip || st.fullAddr {
			args = append(args, "")
		}
		if st.skip {
			args = append(args, "skip")
		}
		if st.fullAddr {
			args = append(args, "relaytofulladdress")
		}
		m.mc.add(grpFeature, call("FEATURE", args...), "", ir.Pos{})
		if st.blocklist {
			m.mc.add(grpFeature, call("FEATURE", "blocklist_recipients"), "", ir.Pos{})
		}
	} else {
		delete(m.tables, fileAccess)
		m.order = remove(m.order, fileAccess)
	}
	return nil
}

func remove(list []string, s string) []string {
	var out []string
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

func (m *migrator) pfIdentity() {
	id := m.cfg.Identity
	// a myhostname Postfix takes from the machine (not written) is left
	// to sendmail, which takes $j from the machine too: the name of the
	// machine that migrates is not the server's
	if h := id.Hostname; h.Pos.IsValid() {
		if literalDomain(h.Value) {
			m.mc.add(grpDefine, call("define", "confDOMAIN_NAME", h.Value), "myhostname", h.Pos)
			m.exact("myhostname", h.Pos, h.Origin, "sendmail.mc: confDOMAIN_NAME")
		} else {
			m.none("myhostname", h.Pos, "not a literal host name: "+strconv.Quote(h.Value)+" (a template, or parameters that expand to nothing here)", "define confDOMAIN_NAME by hand", "")
		}
	}
	o := lower(id.Origin.Value)
	if o != "" && !strings.ContainsAny(o, "$ \t") {
		// ruleset 1 sees every sender address before masquerading and the
		// mailers' rulesets, which would qualify a bare user with $j
		m.mc.add(grpLocal, strings.Join([]string{
			"LOCAL_RULE_1",
			"# myorigin: a sender without a domain takes " + o,
			"R$+\t\t\t$: <PfQ> $1",
			"R<PfQ> $* < $* > $*\t$: $1 < $2 > $3",
			"R<PfQ> $+\t\t$: $1 < @ " + strings.Join(strings.Split(o, "."), " . ") + " . >",
		}, "\n"), "myorigin", id.Origin.Pos)
	}
	if b := id.Banner; b.Value != "" && b.Pos.IsValid() {
		m.approx("smtpd_banner", b.Pos, "(nothing)", "sendmail's greeting is confSMTP_LOGIN_MSG, with its own macros; the Postfix banner is not translated", "")
	}
}

// Affect conditions of the Postfix report, reused.
const (
	WhenUnqualified          = "unqualified"
	WhenSenderUnqualified    = "sender-unqualified"
	WhenRecipientUnqualified = "recipient-unqualified"
	WhenAddressLiteral       = "address-literal"
	WhenSenderUnresolvable   = "sender-domain-unresolvable"
	WhenNoClientName         = "client-unnamed"
	WhenRoutingLocalPart     = "local-part-routes"
)

// domainsOf expands a list of domain patterns: table references are
// replaced by their keys.
func (m *migrator) domainsOf(list []ir.DomainMatch) []ir.DomainMatch {
	var out []ir.DomainMatch
	for _, d := range list {
		if d.Table == "" {
			out = append(out, d)
			continue
		}
		t := m.cfg.Table(d.Table)
		if t == nil || !t.Loaded {
			m.none("table "+d.Table, d.Pos, "its entries were not read", "copy its domains into the sendmail configuration by hand", "")
			continue
		}
		for _, e := range t.Entries {
			out = append(out, ir.DomainMatch{Domain: lower(e.Key), Subdomains: d.Subdomains, Pos: e.Pos})
		}
	}
	return out
}

// pfSenderParse keeps the envelope sender out of the recipient maps:
// sendmail parses MAIL FROM through ruleset 0 ({addr_type} "e s"), so
// a virtusertable catch-all refusal, a mailertable error: entry or the
// LOCAL_RULE_0 rewrites would refuse or rewrite a sender, where
// Postfix's smtpd resolves a sender through none of its recipient maps.
// A sender is given the local mailer for a local domain, esmtp
// otherwise, before any of them.
func (m *migrator) pfSenderParse() {
	need := m.tables[fileVirtuser] != nil || m.tables[fileMailertable] != nil
	for _, l := range m.mc.groups[grpLocal] {
		need = need || strings.HasPrefix(l.text, "LOCAL_RULE_0")
	}
	if !need {
		return
	}
	m.mc.addFirst(grpLocal, strings.Join([]string{
		"LOCAL_RULE_0",
		"# an envelope sender is not resolved through the recipient maps",
		"R$*\t\t\t$: $1 $| $&{addr_type}",
		"R$* $| e s\t\t$: <PfS> $1",
		"R$* $| $*\t\t$: $1",
		"R<PfS> $+ < @ $=w . >\t$#local $: $1",
		"R<PfS> $+ < @ $+ . >\t$#esmtp $@ $2 $: $1 < @ $2 . >",
		"R<PfS> $*\t\t$: $1",
	}, "\n"), "envelope senders", ir.Pos{})
}

// pfOrigin reports myorigin, whose sender rule pfIdentity wrote. When
// myorigin is a local domain, a recipient without a domain takes it too,
// in ruleset 0 before anything else (LOCAL_RULE_0), so that
// virtusertable and the other recipient rules see user@myorigin, as
// Postfix's maps see it; the address stays local. Program, file and
// :include: recipients are left alone.
func (m *migrator) pfOrigin(st *pfState) {
	id := m.cfg.Identity
	host, o := lower(id.Hostname.Value), lower(id.Origin.Value)
	if o == "" || strings.ContainsAny(o, "$ \t") || o == host {
		return
	}
	if !st.local[o] {
		m.approx("myorigin = "+id.Origin.Value, id.Origin.Pos, "LOCAL_RULE_1: senders without a domain take "+o,
			"sendmail qualifies unqualified senders with myorigin ("+o+") by a sender rewriting rule, but unqualified recipients are local users of its host ("+host+"); Postfix qualifies both with myorigin",
			"header_from\tuser",
			Affect{Kinds: []string{"header_from", "resolve"}, When: WhenUnqualified},
			Affect{Kinds: []string{"mail", "rcpt"}, When: WhenSenderUnqualified},
			Affect{Kinds: []string{"rcpt"}, When: WhenRecipientUnqualified})
		return
	}
	m.mc.add(grpLocal, strings.Join([]string{
		"LOCAL_RULE_0",
		"# myorigin: a recipient without a domain takes " + o + " (a local domain)",
		"R$+\t\t\t$: <PfO> $1",
		"R<PfO> $* < $* > $*\t$: $1 < $2 > $3",
		"R<PfO> | $*\t\t$: | $1",
		"R<PfO> / $*\t\t$: / $1",
		"R<PfO> : $*\t\t$: : $1",
		"R<PfO> $+\t\t$: $1 < @ " + strings.Join(strings.Split(o, "."), " . ") + " . >",
	}, "\n"), "myorigin", id.Origin.Pos)
	differs := "sendmail qualifies unqualified senders with myorigin (" + o + ") by a sender rewriting rule and unqualified recipients in ruleset 0; "
	if m.cfg.Policy.DelayChecks {
		differs += "with FEATURE(delay_checks) its sender checks run at RCPT on the sender as rewritten ($f), already qualified, so a sender without a domain passes reject_non_fqdn_sender there, and check_rcpt sees a recipient without a domain, which Postfix's smtpd restrictions see qualified"
	} else {
		differs += "its SMTP checks (check_mail, check_rcpt) still see the address without a domain, where Postfix's smtpd restrictions see it qualified"
	}
	m.approx("myorigin = "+id.Origin.Value, id.Origin.Pos, "LOCAL_RULE_1 and LOCAL_RULE_0: addresses without a domain take "+o,
		differs,
		"mail\t203.0.113.9\tuser",
		Affect{Kinds: []string{"header_from"}, When: WhenUnqualified},
		Affect{Kinds: []string{"mail", "rcpt"}, When: WhenSenderUnqualified},
		Affect{Kinds: []string{"rcpt"}, When: WhenRecipientUnqualified})
}

func (m *migrator) pfLocalDomains(st *pfState) {
	lh := m.table(fileLocalHosts, classFile, "class w: the domains delivered locally (Postfix mydestination).")
	for _, d := range m.domainsOf(m.cfg.LocalDomains) {
		dom := lower(d.Domain)
		if !literalDomain(dom) || d.Negated {
			m.none("mydestination "+d.Domain, d.Pos, "not a literal domain", "list the domain in local-host-names", "")
			continue
		}
		if !st.local[dom] {
			st.localOrder = append(st.localOrder, dom)
		}
		st.local[dom] = true
		lh.add(dom, "", d.Pos)
	}
	m.mc.add(grpFeature, call("FEATURE", "use_cw_file"), "mydestination", ir.Pos{})
	m.exact("mydestination", ir.Pos{}, "", "local-host-names (FEATURE(use_cw_file))")
	m.inherent("class w", "sendmail: class w", "sendmail's class w also holds its host name, localhost and the address literals of its interfaces ([127.0.0.1]); Postfix's mydestination holds only what it lists, and user@[address] is local only for inet_interfaces",
		"rcpt\t192.0.2.1\tu@example.org\tpostmaster@[127.0.0.1]",
		Affect{Kinds: []string{"rcpt", "resolve", "header_from"}, When: WhenAddressLiteral})
}

func (m *migrator) pfRelay(st *pfState) {
	rel := m.cfg.Relay
	if rel.Open {
		m.mc.add(grpFeature, call("FEATURE", "promiscuous_relay"), "", rel.Pos)
		m.exact("open relay", rel.Pos, "", "FEATURE(promiscuous_relay)")
	}
	for _, d := range m.domainsOf(rel.Domains) {
		dom := lower(d.Domain)
		switch {
		case strings.HasPrefix(dom, "."):
			m.exact("relay_domains "+d.Domain, d.Pos, "", "(nothing: Postfix compares parent domains without the dot, so the pattern matches nothing)")
			continue
		case !literalDomain(dom) || d.Negated:
			m.none("relay_domains "+d.Domain, d.Pos, "not a literal domain", "add To:domain RELAY entries to the access map", "")
			continue
		}
		// a local domain too: class w holds the name only, the To:
		// entry its subdomains, which Postfix relays to as well
		if m.addAccess(st, "relay_domains", "To", dom, "RELAY", d.Pos) {
			m.exact("relay_domains "+dom, d.Pos, "", "access: To:"+dom+" RELAY")
		}
	}
	if len(rel.AuthMechanisms) > 0 {
		mechs := "EXTERNAL GSSAPI DIGEST-MD5 CRAM-MD5 LOGIN PLAIN"
		var ms []string
		for _, v := range rel.AuthMechanisms {
			if v.Value != "*" {
				ms = append(ms, v.Value)
			}
		}
		if len(ms) > 0 {
			mechs = strings.Join(ms, " ")
		}
		m.mc.add(grpDefine, call("define", "confAUTH_MECHANISMS", mechs), "", rel.AuthMechanisms[0].Pos)
		m.mc.add(grpMacro, call("TRUST_AUTH_MECH", mechs), "permit_sasl_authenticated", rel.AuthMechanisms[0].Pos)
		m.approx("permit_sasl_authenticated", rel.AuthMechanisms[0].Pos, "TRUST_AUTH_MECH("+mechs+")",
			"sendmail lets authenticated clients relay only with the listed mechanisms, and (unlike permit_sasl_authenticated early in a restriction list) does not exempt them from the access map's Connect:/From: entries",
			"", Affect{Kinds: []string{"rcpt", "mail", "connect"}, Authenticated: true})
	}
}

// pfNetworks writes a network list (mynetworks) as Connect: RELAY
// entries, first match first: a network an earlier "!network" covers
// is dropped, and an exception inside a later network becomes an OK
// entry (OK ends the address walk without granting relaying).
func (m *migrator) pfNetworks(st *pfState, group string) {
	if st.netsDone {
		return
	}
	st.netsDone = true
	for _, n := range m.cfg.Relay.Networks {
		construct := "mynetworks " + n.Source
		if n.Source == "" {
			construct = "mynetworks " + n.CIDR
		}
		if n.CIDR == "" {
			m.none(construct, n.Pos, "a table of networks cannot be read into sendmail's access map by mailcc", "add Connect:network RELAY entries for its networks", "")
			continue
		}
		p, err := netip.ParsePrefix(n.CIDR)
		if err != nil {
			m.none(construct, n.Pos, "not a network: "+err.Error(), "add Connect: RELAY entries by hand", "")
			continue
		}
		keys, ok := netKeys(p)
		if !ok {
			m.none(construct, n.Pos, "sendmail matches client addresses by whole octets (IPv4) or 16-bit groups (IPv6): this network would need more than 256 access keys",
				"list the network's aligned parts as Connect: RELAY entries", "rcpt\t"+p.Addr().String()+"\tu@example.org\tu@remote.example",
				Affect{Kinds: []string{"rcpt", "connect", "mail"}, Client: p.String()})
			continue
		}
		val := "RELAY"
		if n.Negated {
			val = "OK"
		}
		added := 0
		for _, k := range keys {
			if m.addAccess(st, group, "Connect", k, val, n.Pos) {
				added++
			}
		}
		switch {
		case added == len(keys) && len(keys) == 1:
			m.exact(construct, n.Pos, n.Origin, "access: Connect:"+keys[0]+" "+val)
		case added == len(keys):
			m.exact(construct, n.Pos, n.Origin, fmt.Sprintf("access: %d Connect: %s entries (%s ...)", len(keys), val, keys[0]))
		default:
			m.approx(construct, n.Pos, "access: Connect: "+val,
				"an earlier entry covers part of the network in the access map: sendmail uses the most specific entry, Postfix the first that matches",
				"", Affect{Kinds: []string{"rcpt", "connect", "mail"}, Client: p.String()})
		}
	}
}

// addAccess adds an access entry unless a key written before covers it
// (the same key, a shorter address prefix or a parent domain, as
// Postfix decides with the earlier entry); it reports whether it added.
//
// Covering is looked for among the keys of the same restriction list
// (group) only: a later list runs after an earlier one accepted.
func (m *migrator) addAccess(st *pfState, group, tag, key, value string, pos ir.Pos) bool {
	full := tag + ":" + key
	if v, ok := st.access.get(full); ok {
		if v != "SKIP" || value == "SKIP" {
			return false
		}
		// Postfix's DUNNO hands the question to the next table: its
		// entry for the same key decides
		st.access.lines[st.access.seen[strings.ToLower(full)]].value = value
		st.owner[strings.ToLower(full)] = st.curTable
		return true
	}
	for _, prev := range st.written[tag+"/"+group] {
		if st.curTable != "" && st.owner[strings.ToLower(tag+":"+prev)] == st.curTable {
			continue
		}
		if v, _ := st.access.get(tag + ":" + prev); v != "SKIP" && covers(prev, key) {
			return false
		}
	}
	st.owner[strings.ToLower(full)] = st.curTable
	st.access.add(full, value, pos)
	st.written[tag+"/"+group] = append(st.written[tag+"/"+group], key)
	return true
}

// covers says whether sendmail's walk for key would find prev first
// or instead: prev is a shorter address prefix or a parent domain.
func covers(prev, key string) bool {
	if pp, ok := keyPrefix(prev); ok {
		if kp, ok := keyPrefix(key); ok {
			return pp.Bits() <= kp.Bits() && pp.Contains(kp.Addr())
		}
		return false
	}
	if strings.Contains(prev, "@") || strings.Contains(key, "@") {
		// user@domain under domain: sendmail looks the full address
		// up first, Postfix too; user@ keys are apart
		return false
	}
	return strings.HasSuffix(key, "."+prev)
}
