package sendmail

import (
	"fmt"
	"strconv"
	"strings"

	"mailcc/ir"
	"mailcc/migrate/report"
)

// pfPolicy translates the restriction lists: access tables become
// tagged access entries, the sender checks sendmail makes by default
// are kept or turned off.
func (m *migrator) pfPolicy(st *pfState) {
	m.pfDelay()
	var hasNonFQDN, hasUnresolvable bool
	var sender []senderCheck
	for _, sp := range m.cfg.Policy.Stages {
		relayList := sp.List == "smtpd_relay_restrictions"
		st.afterPermitNets = false
		if sp.List == "smtpd_helo_restrictions" {
			m.pfHelo(st, sp)
			continue
		}
		for i, ch := range sp.Checks {
			name := ch.Name
			if name == "" {
				name = string(ch.Kind)
			}
			construct := sp.List + ": " + name
			switch ch.Kind {
			case ir.CheckPermitRelayClients:
				m.pfNetworks(st, sp.List)
				st.afterPermitNets = true
			case ir.CheckPermitAuth:
				// TRUST_AUTH_MECH, from Relay.AuthMechanisms
			case ir.CheckAccess:
				// a client table that ends the list: its DUNNO, which
				// ends the table's lookups (name and address alike),
				// leaves the list nothing but its implicit permit
				st.dunnoEndsList = ch.Subject == "client" && onlyPermits(sp.Checks[i+1:])
				st.permitEndsRcpt = sp.List == "smtpd_recipient_restrictions" && onlyPermits(sp.Checks[i+1:])
				m.pfAccessTable(st, sp.List, relayList, ch)
				st.dunnoEndsList, st.permitEndsRcpt = false, false
				if ch.Subject == "sender" {
					// looked up where it stands in the list, before
					// the cf library's own From: lookups
					sender = append(sender, senderCheck{ch.Kind, st.afterPermitNets, construct})
				}
				if ch.Subject == "recipient" && !relayList && !st.afterPermitNets && m.cfg.Table(ch.Table) != nil && m.cfg.Table(ch.Table).Loaded {
					m.rcptRules = append(m.rcptRules, "# "+construct+": the access map's To: entries in Postfix's order")
					m.rcptRules = append(m.rcptRules, m.pfAccessRules("To", "", "$#error $@ 5.2.1 $: \"550 Mailbox disabled for this recipient\"", true)...)
				}
			case ir.CheckRejectUnauthDestination, ir.CheckDeferUnauthDestination:
				m.pfRelayDenied(construct, ch)
			case ir.CheckRejectUnqualifiedSender:
				hasNonFQDN = true
				sender = append(sender, senderCheck{ch.Kind, st.afterPermitNets, construct})
				m.approx(construct, ch.Pos, "Local_check_mail (refusing with "+fmt.Sprint(m.pfIntOption("non_fqdn_reject_code", 504))+" 5.5.2)",
					"the check treats an address literal as fully qualified",
					"mail\t203.0.113.9\tuser",
					Affect{Kinds: []string{"mail", "rcpt"}, When: WhenSenderUnqualified},
					Affect{Kinds: []string{"mail", "rcpt"}, When: report.WhenSenderNoDot})
			case ir.CheckRejectUnknownSenderDomain:
				hasUnresolvable = true
				sender = append(sender, senderCheck{ch.Kind, st.afterPermitNets, construct})
				m.approx(construct, ch.Pos, "Local_check_mail (refusing with unknown_address_reject_code "+fmt.Sprint(m.pfIntOption("unknown_address_reject_code", 450))+" 5.1.8)",
					"sendmail's resolve map decides whether a domain exists (the sendmail host lookup), local, virtual and address-literal domains are not checked, and a DNS failure answers 451 4.1.8",
					"mail\t203.0.113.9\tu@nowhere.invalid",
					Affect{Kinds: []string{"mail", "rcpt"}, When: WhenSenderUnresolvable})
			case ir.CheckRejectUnknownRecipientDomain:
				m.pfUnknownRecipientDomain(construct, ch, st.afterPermitNets)
			case ir.CheckPermit:
				// the end of a list: sendmail's rulesets accept too
			case ir.CheckDNSBL:
				if len(ch.Args) > 0 {
					m.mc.add(grpFeature, call("FEATURE", "dnsbl", ch.Args[0]), construct, ch.Pos)
					m.approx(construct, ch.Pos, "FEATURE(dnsbl, "+ch.Args[0]+")",
						"sendmail checks only IPv4 clients and replies 550 instead of 554", "")
				}
			case ir.CheckRejectUnknownClient:
				m.mc.add(grpFeature, call("FEATURE", "require_rdns"), construct, ch.Pos)
				m.approx(construct, ch.Pos, "FEATURE(require_rdns)",
					"sendmail refuses clients without a name with 550 5.7.1 (451 on a temporary failure)"+m.clientStage()+", and exempts class R clients",
					"connect\t203.0.113.9", Affect{Kinds: []string{"connect", "mail", "rcpt"}, When: WhenNoClientName})
			case ir.CheckOpaque:
				if ch.Name == "reject_unlisted_sender" && !m.pfOptionSet("local_recipient_maps") {
					sender = append(sender, senderCheck{ch.Kind, st.afterPermitNets, construct})
					aff := []Affect{{Kinds: []string{"mail", "rcpt"}, When: WhenAddressLiteral}}
					m.approx(construct, ch.Pos, "Local_check_mail: a sender of a local domain (class w) must be a user (the passwd lookup of a user map) or an alias",
						"sendmail checks senders of its local domains only, which class w also gives its host name, localhost and address literals; Postfix also checks senders of virtual and relay domains against their maps",
						"mail\t203.0.113.9\tnobody@"+m.cfg.Identity.Origin.Value, aff...)
					break
				}
				if ch.Name != "reject_unknown_reverse_client_hostname" {
					m.none(construct, ch.Pos, "sendmail's cf library has no counterpart of this restriction",
						"write a Local_check_relay/Local_check_mail/Local_check_rcpt ruleset or use a milter", "",
						restrictionAffects(ch)...)
					break
				}
				m.mc.add(grpFeature, call("FEATURE", "require_rdns"), construct, ch.Pos)
				m.approx(construct, ch.Pos, "FEATURE(require_rdns)",
					"sendmail refuses a client without a name with 550 5.7.1 (Postfix: unknown_client_reject_code, "+fmt.Sprint(m.pfIntOption("unknown_client_reject_code", 450))+" here), also one whose name does not resolve back to its address (451 4.1.8)"+m.clientStage()+", and exempts class R clients",
					"connect\t203.0.113.9", Affect{Kinds: []string{"connect", "mail", "rcpt"}, When: WhenNoClientName})
			default:
				why := "sendmail's cf library has no counterpart of this restriction"
				if sp.List == "smtpd_helo_restrictions" {
					why = heloWhy
				}
				m.none(construct, ch.Pos, why,
					"write a Local_check_relay/Local_check_mail/Local_check_rcpt ruleset or use a milter", "",
					restrictionAffects(ch)...)
			}
		}
	}
	// sendmail's own checks of the sender refuse with other replies and
	// before the access map: they are turned off, and a Local_check_mail
	// makes Postfix's checks where the lists ask for them.
	m.mc.add(grpFeature, call("FEATURE", "accept_unqualified_senders"), "Postfix accepts senders without a domain unless reject_non_fqdn_sender (Local_check_mail)", ir.Pos{})
	m.mc.add(grpFeature, call("FEATURE", "accept_unresolvable_domains"), "Postfix accepts unresolvable sender domains unless reject_unknown_sender_domain (Local_check_mail)", ir.Pos{})
	// Postfix's smtpd takes any HELO name and leaves it to
	// smtpd_helo_restrictions; sendmail's HELO command refuses a name
	// with characters other than letters, digits and "[].-_#:" unless
	// confALLOW_BOGUS_HELO, which also lets a HELO without a name pass.
	m.mc.add(grpDefine, call("define", "confALLOW_BOGUS_HELO", "True"), "Postfix's smtpd takes any HELO name (smtpd_helo_restrictions decide)", ir.Pos{})
	m.exact("(smtpd takes any HELO name)", ir.Pos{}, "Postfix default", "confALLOW_BOGUS_HELO")
	m.inherent("HELO without a name", "Postfix's smtpd",
		"Postfix refuses HELO without a name (501 Syntax: HELO hostname); sendmail refuses it only together with the names whose characters it does not allow, which confALLOW_BOGUS_HELO lets pass", "")
	if !hasNonFQDN {
		m.exact("(no reject_non_fqdn_sender)", ir.Pos{}, "Postfix default", "FEATURE(accept_unqualified_senders)")
	}
	if !hasUnresolvable {
		m.exact("(no reject_unknown_sender_domain)", ir.Pos{}, "Postfix default", "FEATURE(accept_unresolvable_domains)")
	}
	m.pfSenderChecks(st, sender)
	if m.needHeloMaps {
		m.mc.add(grpLocal, pfHeloMaps(), "the syntax of HELO names (reject_invalid_helo_hostname, reject_non_fqdn_helo_hostname)", ir.Pos{})
	}
	if m.needResolve {
		// the cf library's resolve map, which accept_unresolvable_domains leaves out
		m.mc.add(grpLocal, "LOCAL_CONFIG\nKpfresolve host -a<OKR> -T<TEMP>", "whether a domain exists (reject_unknown_sender_domain, reject_unknown_recipient_domain)", ir.Pos{})
	}
}

// heloWhy says why a HELO restriction differs whatever the migration
// does.
const heloWhy = "sendmail runs no check ruleset at HELO (only at connection, MAIL, RCPT and later), so nothing it does refuses at HELO as Postfix does with smtpd_delay_reject = no; the cf library does not check the HELO name, and a Local_check_mail testing it ($s) would refuse one command later"

// virtualDomains says whether the configuration has virtual alias
// domains, which become class VirtHost without class R (pfVirtHost).
func (m *migrator) virtualDomains() bool {
	for _, rs := range m.cfg.Rewrite.Stages {
		if rs.Kind == ir.RewriteVirtual && (len(rs.Domains) > 0 || len(rs.Tables) > 0) {
			return true
		}
	}
	return false
}

// pfRcptRuleset writes the one Local_check_rcpt, once the checks that
// add to it are translated; the HELO checks come first when Postfix
// delays them to RCPT (pfHelo). A recipient of a virtual alias domain that
// passed them is accepted: the domains are in class VirtHost but not in
// class R, where VIRTUSER_DOMAIN would put them, which lets their
// subdomains, and clients named in them, relay.
func (m *migrator) pfRcptRuleset(st *pfState) {
	var rules []string
	// a refusal (or discard) of the client's or the sender's checks
	// ends the recipient's; their acceptance ($# OK, a permit) ends
	// only their own restriction list, as in Postfix
	verdict := []string{
		"R$* $| $#error $*\t$#error $2",
		"R$* $| $#discard $*\t$#discard $2",
		"R$* $| $*\t\t$: $1",
	}
	if m.cfg.Policy.DelayChecks {
		// FEATURE(delay_checks) (pfDelay): the client's checks, the
		// HELO name's and the sender's, in Postfix's order and before
		// the recipient's; delay_checks's own calls of checkmail and
		// checkrelay, after the recipient's checks, ask the same again
		rules = append(rules, "# smtpd_delay_reject = yes: the client, HELO and sender checks at RCPT, first",
			"R$*\t\t\t$: $1 $| $>checkrelay $&{client_name} $| $&{client_addr}")
		rules = append(rules, verdict...)
	}
	if st.heloAtRcpt {
		rules = append(rules, st.heloRules...)
	}
	if m.cfg.Policy.DelayChecks {
		rules = append(rules, "R$*\t\t\t$: $1 $| $>checkmail <$&f>")
		rules = append(rules, verdict...)
	}
	rules = append(rules, m.rcptRules...)
	if m.virtualDomains() {
		rules = append(rules,
			"# a recipient of a virtual alias domain (class VirtHost, not class R)",
			"R$*\t\t\t$: $1 $| $>CanonAddr $1",
			"R$* $| $* < @ $={VirtHost} . > $*\t$: $1 $| <PfVH> $>\"Rcpt_ok\" $1",
			"R$* $| <PfVH> $#$*\t$@ $1",
			"R$* $| <PfVH> $*\t$# OK",
			"R$* $| $*\t\t$: $1")
	}
	if len(rules) > 0 {
		rules = append([]string{"LOCAL_RULESETS", "SLocal_check_rcpt"}, rules...)
		rules = append(rules, "R$*\t\t\t$@ $1")
		m.mc.add(grpLocal, strings.Join(rules, "\n"), "", ir.Pos{})
	}
}

// pfUnknownRecipientDomain writes reject_unknown_recipient_domain into
// Local_check_rcpt: a recipient domain that is neither local nor
// virtual nor an address literal must resolve (sendmail's host lookup,
// as the cf library's resolve map does for senders).
func (m *migrator) pfUnknownRecipientDomain(construct string, ch ir.Check, afterNets bool) {
	code := m.pfIntOption("unknown_address_reject_code", 450)
	dsn := strconv.Itoa(code)[:1] + ".1.2"
	m.needResolve = true
	rules := []string{"# " + construct, "R$*\t\t\t$: <?> $1", "R<?> <$*>\t\t$: <?> $1"}
	if afterNets {
		rules = append(rules,
			"R<?> $*\t\t$: <?> $1 $| $>\"Relay_ok\" $1",
			"R<?> $* $| RELAY\t$: <OK> $1\t\tpermit_mynetworks",
			"R<?> $* $| $*\t\t$: <?> $1")
	}
	rules = append(rules,
		"R<?> $* @ [ $* ]\t$: <OK> $1",
		"R<?> $* @ $=w\t\t$: <OK> $1",
		"R<?> $* @ $={VirtHost}\t$: <OK> $1",
		"R<?> $* @ $+\t\t$: <? $(pfresolve $2 $: $2 <PERM> $) > $1 @ $2",
		"R<? $* <PERM> > $*\t$#error $@ "+dsn+" $: \""+strconv.Itoa(code)+" <\" $&{rcpt_addr} \">: Recipient address rejected: Domain not found\"",
		"R<? $* <TEMP> > $*\t$#error $@ 4.1.2 $: \"450 <\" $&{rcpt_addr} \">: Recipient address rejected: Domain not found\"",
		"R<? $* <$-> > $*\t$: $3",
		"R<$*> $*\t\t$: $2")
	m.rcptRules = append(m.rcptRules, rules...)
	m.approx(construct, ch.Pos, "Local_check_rcpt (refusing with unknown_address_reject_code "+strconv.Itoa(code)+" "+dsn+")",
		"sendmail's host lookup decides whether a domain exists; local, virtual and address-literal domains are not checked; the check runs where Local_check_rcpt runs, after the relay check",
		"rcpt\t127.0.0.1\ta@example.com\tuser@nowhere.invalid", Affect{Kinds: []string{"rcpt"}, When: WhenRecipientUnresolvable})
}

// senderCheck is a reject_non_fqdn_sender or reject_unknown_sender_domain
// in a restriction list: whether permit_mynetworks came before it.
type senderCheck struct {
	kind      ir.CheckKind
	afterNets bool
	construct string
}

// pfLocalUserRuleset writes (once) the ruleset PfLocalUser, which
// says PfNo unless a local part, without its +detail, is a user (the
// passwd lookup of a user map) or an alias: Postfix's default
// local_recipient_maps.
func (m *migrator) pfLocalUserRuleset() {
	m.mc.add(grpLocal, strings.Join([]string{
		"LOCAL_CONFIG",
		"Kpfuser user -m",
		"LOCAL_RULESETS",
		"SPfLocalUser",
		"# local_recipient_maps: passwd and the aliases",
		"R$+ + $*\t\t$: $1",
		"R$+\t\t\t$: <$(pfuser $1 $: PfNo $)> $1",
		"R<PfNo> $+\t\t$: <$(aliases $1 $: PfNo $)> $1",
		"R<PfNo> $+\t\t$@ PfNo",
		"R<$*> $+\t\t$@ $2",
	}, "\n"), "a known local recipient", ir.Pos{})
}

// pfDelay translates smtpd_delay_reject = yes (Postfix's default): smtpd
// makes the client, HELO and sender checks when the client sends RCPT,
// and so does sendmail with FEATURE(delay_checks), which stops calling
// check_relay at connection and check_mail at MAIL. delay_checks calls
// them after the recipient's checks; Postfix makes them before, and
// Local_check_rcpt calls them first (pfRcptRuleset).
func (m *migrator) pfDelay() {
	if !m.cfg.Policy.DelayChecks {
		return
	}
	construct, pos := "smtpd_delay_reject = yes", ir.Pos{}
	for _, o := range m.cfg.Options {
		if o.Name == "smtpd_delay_reject" {
			pos = o.Pos
		}
	}
	if !pos.IsValid() {
		construct += " (Postfix default)"
	}
	m.mc.add(grpFeature, call("FEATURE", "delay_checks"), construct+": the client and sender checks at RCPT", pos)
	m.exact(construct, pos, "", "FEATURE(delay_checks); Local_check_rcpt calls checkrelay and checkmail before the recipient's checks, in Postfix's order")
}

// clientStage says where the migrated sendmail makes the client's
// checks (pfDelay), as a clause of a report's text.
func (m *migrator) clientStage() string {
	if m.cfg.Policy.DelayChecks {
		return ", at RCPT as Postfix does"
	}
	return ", at connection time"
}

// pfOptionSet says whether main.cf sets the parameter.
func (m *migrator) pfOptionSet(name string) bool {
	for _, o := range m.cfg.Options {
		if o.Name == name {
			return true
		}
	}
	return false
}

// pfIntOption is a numerical main.cf parameter, or its default.
func (m *migrator) pfIntOption(name string, def int) int {
	for _, o := range m.cfg.Options {
		if o.Name == name && o.Int != 0 {
			return int(o.Int)
		}
	}
	return def
}

// pfSenderChecks writes Postfix's sender checks as a Local_check_mail.
// The workspace is <mark> address: <?> while the checks go on, <OK>
// once a permit_mynetworks before a check let the client (Relay_ok's
// RELAY: loopback, class R, Connect: RELAY) through.
func (m *migrator) pfSenderChecks(st *pfState, checks []senderCheck) {
	helo := st.heloRules
	if st.heloAtRcpt {
		helo = nil
	}
	if len(checks) == 0 && st.nullSender == "" && len(helo) == 0 {
		return
	}
	refuse := func(code int, dsn, text string) string {
		dsn = strconv.Itoa(code)[:1] + dsn[1:]
		return "$#error $@ " + dsn + " $: \"" + strconv.Itoa(code) + " <\" $&f \">: Sender address rejected: " + text + "\""
	}
	rules := []string{
		"LOCAL_RULESETS",
		"SLocal_check_mail",
		"# Postfix's sender checks, in the order of its restriction lists;",
		"# not for mail submitted locally (client address empty, or 0 for",
		"# sendmail -bs on a pipe: Postfix's smtpd is not involved)",
		"R$*\t\t\t$: $&{client_addr} $| $1",
		"R$| $*\t\t\t$@ $1",
		"R0 $| $*\t\t$@ $1",
		"R$+ $| $*\t\t$: $2",
	}
	rules = append(rules, helo...)
	if st.nullSender != "" {
		// Postfix looks the null sender up as smtpd_null_access_lookup_key
		r := "$#discard $: discard"
		if dsn, msg, ok := strings.Cut(strings.TrimPrefix(st.nullSender, "ERROR:"), ":"); ok {
			r = "$#error $@ " + dsn + " $: \"" + msg + "\""
		}
		rules = append(rules, "# "+st.nullConstruct)
		if st.nullAfterNets {
			rules = append(rules,
				"R<>\t\t\t$: <> $| $>\"Relay_ok\" <>",
				"R<> $| RELAY\t\t$@ <>\t\tpermit_mynetworks",
				"R<> $| $*\t\t"+r)
		} else {
			rules = append(rules, "R<>\t\t\t"+r)
		}
	}
	rules = append(rules,
		"R<>\t\t\t$@ <>",
		"R$*\t\t\t$: <?> $1",
		"R<?> <$*>\t\t$: <?> $1")
	var constructs []string
	for _, c := range checks {
		constructs = append(constructs, c.construct)
		rules = append(rules, "# "+c.construct)
		if c.afterNets {
			rules = append(rules,
				"R<?> $*\t\t$: <?> $1 $| $>\"Relay_ok\" $1",
				"R<?> $* $| RELAY\t$: <OK> $1\t\tpermit_mynetworks",
				"R<?> $* $| $*\t\t$: <?> $1")
		} else {
			rules = append(rules, "R<OK> $*\t\t$: <?> $1\t\ta new list")
		}
		switch c.kind {
		case ir.CheckAccess:
			rules = append(rules, m.pfSenderAccessRules()...)
		case ir.CheckOpaque:
			// reject_unlisted_sender, for local domains: the user
			// without +detail must be a user or an alias
			// (local_recipient_maps: passwd and alias_maps)
			m.pfLocalUserRuleset()
			rules = append(rules,
				"R<?> $+ @ $=w\t\t$: <?L> $1 @ $2 $| $>PfLocalUser $1",
				"R<?L> $* $| PfNo\t\t"+refuse(m.pfIntOption("unknown_local_recipient_reject_code", 550), "5.1.0", "User unknown in local recipient table"),
				"R<?L> $* $| $*\t\t$: <?> $1")
		case ir.CheckRejectUnqualifiedSender:
			r := refuse(m.pfIntOption("non_fqdn_reject_code", 504), "5.5.2", "need fully-qualified address")
			rules = append(rules,
				"R<?> $* @ $*\t\t$: <?@> $1 @ $2",
				"R<?> $+\t\t\t"+r,
				"R<?@> $* @ $-\t\t"+r,
				"R<?@> $*\t\t$: <?> $1")
		case ir.CheckRejectUnknownSenderDomain:
			rules = append(rules,
				"R<?> $* @ [ $* ]\t$: <?U> $1 @ [ $2 ]",
				"R<?> $* @ $=w\t\t$: <?U> $1 @ $2",
				"R<?> $* @ $={VirtHost}\t$: <?U> $1 @ $2",
				"R<?> $* @ $+\t\t$: <? $(pfresolve $2 $: $2 <PERM> $) > $1 @ $2",
				"R<? $* <PERM> > $*\t"+refuse(m.pfIntOption("unknown_address_reject_code", 450), "5.1.8", "Domain not found"),
				"R<? $* <TEMP> > $*\t$#error $@ 4.1.8 $: \"451 Domain of sender address \" $&f \" does not resolve\"",
				"R<? $* <$-> > $*\t$: <?> $3",
				"R<?U> $*\t\t$: <?> $1")
		}
	}
	rules = append(rules, "R<$*> $*\t\t$@ $2")
	for _, c := range checks {
		if c.kind == ir.CheckRejectUnknownSenderDomain {
			m.needResolve = true
		}
	}
	m.mc.add(grpLocal, strings.Join(rules, "\n"), strings.Join(constructs, ", "), ir.Pos{})
}

// pfSenderAccessRules look the sender up in the access map's From:
// entries where check_sender_access stands among the other sender
// checks (pfAccessRules); the cf library's own lookups try user@
// before the domain, and come after Local_check_mail.
func (m *migrator) pfSenderAccessRules() []string {
	return m.pfAccessRules("From", "<?> ", "$#error $@ 5.7.1 $: \"550 Access denied\"", false)
}

// pfAccessRules look an address up in the access map's entries of tag
// in Postfix's order (check_sender_access, check_recipient_access: the
// address, it without +detail, its domain and the domain's parents,
// user@ with and without +detail; an address without a domain as
// user@myorigin) and read the value as the cf library's check rulesets
// do: OK accepts ($# OK), a refusal refuses, no entry goes on with the
// workspace "mark address". The workspace is "mark address" (the
// address with or without <>); reject is the reply of a bare REJECT.
// With skipRelay a RELAY value (relay_domains, a relay restriction's
// table: not Postfix's table) ends the lookups as DUNNO does.
func (m *migrator) pfAccessRules(tag, mark, reject string, skipRelay bool) []string {
	rules := []string{
		"R" + mark + "$*\t\t\t$: <?A> <PfQ> <$1> $1",
		"R<?A> <PfQ> < < $* > > $*\t$: <?A> <PfQ> <$1> $2",
		"R<?A> <PfQ> <$* @ $*> $*\t$: <?A> <PfA> <$1 @ $2> $3",
	}
	if o := lower(m.cfg.Identity.Origin.Value); o != "" && !strings.ContainsAny(o, "$ \t") {
		rules = append(rules, "R<?A> <PfQ> <$+> $*\t\t$: <?A> <PfA> <$1 @ "+strings.Join(strings.Split(o, "."), " . ")+"> $2")
	}
	rules = append(rules,
		"R<?A> <PfQ> <$*> $*\t\t$: "+mark+"$2",
		"R<?A> <PfA> <$+ @ $+> $*\t$: <?A> <$(access "+tag+":$1@$2 $: PfA $)> <$1 @ $2> $3",
		"R<?A> <PfA> <$+ + $* @ $+> $*\t$: <?A> <$(access "+tag+":$1@$3 $: PfA $)> <$1 + $2 @ $3> $4",
		"R<?A> <PfA> <$+ @ $+> $*\t$: <?A> <$(access "+tag+":$2 $: PfD: $2 $)> <$1 @ $2> $3",
		"R<?A> <PfD: $- . $+> $*\t<?A> <$(access "+tag+":$2 $: PfD: $2 $)> $3",
		"R<?A> <PfD: $*> <$+ @ $+> $*\t$: <?A> <$(access "+tag+":$2@ $: PfA $)> <$2 @ $3> $4",
		"R<?A> <PfA> <$+ + $* @ $+> $*\t$: <?A> <$(access "+tag+":$1@ $: PfA $)> <$1 + $2 @ $3> $4",
		"R<?A> <PfA> <$*> $*\t\t$: "+mark+"$2")
	if skipRelay {
		rules = append(rules, "R<?A> <RELAY> <$*> $*\t$: "+mark+"$2")
	}
	return append(rules,
		"R<?A> <$={Accept}> $*\t$# OK",
		"R<?A> <REJECT> $*\t\t"+reject,
		"R<?A> <DISCARD> $*\t\t$#discard $: discard",
		"R<?A> <QUARANTINE:$+> $*\t$#error $@ quarantine $: $1",
		"R<?A> <ERROR:$-.$-.$-:$+> $*\t$#error $@ $1.$2.$3 $: $4",
		"R<?A> <ERROR:$+> $*\t\t$#error $: $1",
		"R<?A> <$*> <$*> $*\t\t$: "+mark+"$3")
}

// whenRelayDenied is evaluated by the test harness: the probe is a
// recipient neither local nor a relay domain, from a client that may
// not relay.
const whenRelayDenied = "relay-denied"

// restrictionAffects describes the probes a restriction the migration
// drops may decide.
func restrictionAffects(ch ir.Check) []Affect {
	switch ch.Subject {
	case "client":
		return []Affect{{Kinds: []string{"connect", "mail", "rcpt"}, Client: "0.0.0.0/0"}, {Kinds: []string{"connect", "mail", "rcpt"}, Client: "::/0"}}
	case "helo":
		return []Affect{{Kinds: []string{"connect", "mail", "rcpt"}, When: report.WhenHelo}}
	case "sender":
		return []Affect{{Kinds: []string{"mail", "rcpt"}, Sender: "*"}, {Kinds: []string{"mail", "rcpt"}, Sender: "<>"}}
	case "recipient":
		return []Affect{{Kinds: []string{"rcpt"}, Recipient: "*"}}
	}
	return []Affect{{Kinds: []string{"connect", "mail", "rcpt"}, Client: "0.0.0.0/0"}, {Kinds: []string{"connect", "mail", "rcpt"}, Client: "::/0"}}
}

// pfAccessTable writes a check_*_access table's entries as tagged
// access entries.
func (m *migrator) pfAccessTable(st *pfState, group string, relayList bool, ch ir.Check) {
	construct := ch.Name + " " + ch.Table
	t := m.cfg.Table(ch.Table)
	if t == nil || !t.Loaded {
		m.none(construct, ch.Pos, "its entries were not read (a table type mailcc does not read, or a missing file)",
			"translate its entries into the access map by hand", "", restrictionAffects(ch)...)
		return
	}
	var tag string
	switch ch.Subject {
	case "client":
		tag = "Connect"
	case "sender":
		tag = "From"
	case "recipient":
		tag = "To"
	default:
		why := "sendmail's access map has no entries for the " + ch.Subject
		if ch.Subject == "helo" {
			why += "; " + heloWhy
		}
		m.none(construct, ch.Pos, why,
			"write a Local_check ruleset or use a milter", "", restrictionAffects(ch)...)
		return
	}
	if t.Backend.Type != "cidr" {
		st.curTable = t.Name
	}
	for _, e := range t.Entries {
		m.pfAccessEntry(st, group, relayList, tag, t, e)
	}
	st.curTable = ""
	if ch.Subject == "sender" {
		m.exact(construct, ch.Pos, "", "access: From: entries, looked up in Postfix's order (Local_check_mail)")
	}
	if ch.Subject == "recipient" && !relayList && !st.afterPermitNets {
		m.exact(construct, ch.Pos, "", "access: To: entries, looked up in Postfix's order (Local_check_rcpt)")
	} else if ch.Subject == "recipient" {
		m.approx(construct, ch.Pos, "access: "+tag+": entries",
			"sendmail tries the full address, then user@, then the domain and its parents; Postfix the full address, the domain and its parents, then user@: a table with user@ and domain entries may answer differently; sendmail applies To:user@ entries only to local domains",
			"", pfKeyAffects(tag, userKeys(t))...)
	}
}

func userKeys(t *ir.Table) []ir.Key {
	var out []ir.Key
	for _, e := range t.Entries {
		if e.Access != nil && e.Access.Key.Kind == ir.KeyUser {
			out = append(out, e.Access.Key)
		}
	}
	return out
}

// pfKeyAffects describes the probes an access key decides.
func pfKeyAffects(tag string, keys []ir.Key) []Affect {
	var out []Affect
	for _, k := range keys {
		pat := ""
		switch k.Kind {
		case ir.KeyUser:
			pat = strings.TrimSuffix(k.Value, "@") + "@"
		case ir.KeyAddress, ir.KeyUserDetail:
			pat = k.Value
		case ir.KeyDomain:
			pat = k.Value
		case ir.KeyNull:
			pat = "<>"
		case ir.KeyIPv4, ir.KeyIPv6:
			if p, ok := keyPrefixOf(k); ok {
				pat = p
			}
		default:
			pat = k.Value
		}
		if pat == "" {
			continue
		}
		switch tag {
		case "Connect":
			out = append(out, Affect{Kinds: []string{"connect", "mail", "rcpt"}, Client: pat})
		case "From":
			out = append(out, Affect{Kinds: []string{"mail", "rcpt"}, Sender: pat})
		case "To":
			out = append(out, Affect{Kinds: []string{"rcpt"}, Recipient: pat})
		}
	}
	return out
}

func keyPrefixOf(k ir.Key) (string, bool) {
	sk, ok := postfixIPKey(k)
	if !ok {
		return "", false
	}
	p, ok := keyPrefix(sk)
	if !ok {
		return "", false
	}
	return p.String(), true
}

// pfAccessEntry writes one Postfix access entry.
func (m *migrator) pfAccessEntry(st *pfState, group string, relayList bool, tag string, t *ir.Table, e ir.Entry) {
	construct := "entry " + t.Name + ": " + e.Key + " " + e.Value
	if t.Backend.Type == "cidr" {
		m.pfCIDREntry(st, group, construct, e)
		return
	}
	if e.Access == nil {
		m.none(construct, e.Pos, "mailcc could not classify the entry", "translate it by hand", "")
		return
	}
	k, a := e.Access.Key, e.Access.Action
	aff := pfKeyAffects(tag, []ir.Key{k})
	if tag == "From" {
		nullKey := "<>"
		for _, o := range m.cfg.Options {
			if o.Name == "smtpd_null_access_lookup_key" && o.Raw != "" {
				nullKey = strings.TrimSpace(o.Raw)
			}
		}
		switch {
		case strings.EqualFold(strings.TrimSpace(e.Key), nullKey):
			m.pfNullSender(st, construct, e, a)
			return
		case k.Kind == ir.KeyNull:
			m.exact(construct, e.Pos, "", "(nothing: Postfix looks the null sender up as "+nullKey+" (smtpd_null_access_lookup_key))")
			return
		}
	}
	var key string
	switch k.Kind {
	case ir.KeyIPv4, ir.KeyIPv6:
		sk, ok := postfixIPKey(k)
		if !ok || tag != "Connect" {
			m.none(construct, e.Pos, "not an address key sendmail's access map can hold", "translate it by hand", "", aff...)
			return
		}
		key = sk
	case ir.KeyDomain:
		key = lower(k.Value)
	case ir.KeyAddress:
		key = strings.ToLower(k.Value)
	case ir.KeyUser:
		key = strings.TrimSuffix(strings.ToLower(k.Value), "@") + "@"
	case ir.KeyNull:
		m.none(construct, e.Pos, "sendmail accepts MAIL FROM:<> before any access lookup", "none: the null sender cannot be refused by the access map", "mail\t203.0.113.9\t<>", aff...)
		return
	case ir.KeyDotDomain:
		m.exact(construct, e.Pos, "", "(nothing: with smtpd_access_maps in parent_domain_matches_subdomains Postfix never looks a .domain key up)")
		return
	default:
		m.none(construct, e.Pos, "sendmail's access map has no key of this form ("+string(k.Kind)+")", "translate it by hand", "", aff...)
		return
	}
	rhs, ok, why := m.pfAction(st, relayList, tag, a)
	if !ok && a.Kind == ir.ActRestrict && tag == "To" && k.Kind == ir.KeyAddress && !relayList &&
		strings.Join(strings.FieldsFunc(strings.ToLower(a.Arg), func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }), " ") == "permit_mynetworks reject" {
		code := m.pfIntOption("reject_code", 554)
		m.pfRecipientClass(construct, key, e.Pos, aff,
			"$#error $@ 5.7.1 $: \""+strconv.Itoa(code)+" <\" $&{rcpt_addr} \">: Recipient address rejected: Access denied\"")
		return
	}
	if !ok {
		m.none(construct, e.Pos, why, "translate it by hand (a Local_check ruleset or a milter)", "", aff...)
		return
	}
	if st.afterPermitNets && tag == "To" && k.Kind == ir.KeyAddress && strings.HasPrefix(rhs, "ERROR:") {
		// permit_mynetworks came first in the list: refused unless the
		// client may relay
		dsn, msg, _ := strings.Cut(strings.TrimPrefix(rhs, "ERROR:"), ":")
		m.pfRecipientClass(construct, key, e.Pos, aff, "$#error $@ "+dsn+" $: \""+strings.ReplaceAll(msg, "\"", "")+"\"")
		return
	}
	if tag == "To" && rhs == "RELAY" && k.Kind != ir.KeyDomain {
		st.fullAddr = true
	}
	if !m.addAccess(st, group, tag, key, rhs, e.Pos) {
		prev, _ := st.access.get(tag + ":" + key)
		m.approx(construct, e.Pos, "(nothing: access already has "+tag+":"+key+" "+prev+")",
			"an earlier entry for the same key or a covering one decides in sendmail's single access map", "", aff...)
		return
	}
	target := "access: " + tag + ":" + key + " " + rhs
	if st.afterPermitNets && tag != "Connect" && (strings.HasPrefix(rhs, "ERROR:") || rhs == "DISCARD") {
		// Postfix's list ends at permit_mynetworks for those clients
		var naff []Affect
		for _, a := range aff {
			for _, n := range m.cfg.Relay.Networks {
				if n.CIDR != "" && !n.Negated {
					b := a
					b.Client = n.CIDR
					naff = append(naff, b)
				}
			}
		}
		m.approx(construct, e.Pos, target,
			"sendmail applies the entry to every client; in Postfix's "+group+" permit_mynetworks comes first, so clients in mynetworks never reach it",
			"", naff...)
		return
	}
	switch {
	case rhs == "SKIP":
		m.approx(construct, e.Pos, target, "SKIP ends the walk for this key in sendmail; DUNNO ends this table's lookups only, and the next restriction decides", "", aff...)
	case k.Kind == ir.KeyIPv6:
		m.exact(construct, e.Pos, "", target)
	default:
		m.exact(construct, e.Pos, "", target)
	}
}

// pfCIDREntry writes a cidr: table entry as the aligned networks it
// holds.
func (m *migrator) pfCIDREntry(st *pfState, group, construct string, e ir.Entry) {
	p, err := parsePrefix(e.Key)
	if err != nil {
		m.none(construct, e.Pos, "not a network", "translate it by hand", "")
		return
	}
	aff := []Affect{{Kinds: []string{"connect", "mail", "rcpt"}, Client: p.String()}}
	keys, ok := netKeys(p)
	if !ok {
		m.none(construct, e.Pos, "sendmail matches client addresses by whole octets or 16-bit groups: the network needs more than 256 keys", "list its aligned parts", "", aff...)
		return
	}
	rhs, ok, why := m.pfAction(st, false, "Connect", pfParseAction(e.Value))
	if !ok {
		m.none(construct, e.Pos, why, "translate it by hand", "", aff...)
		return
	}
	added := 0
	for _, k := range keys {
		if m.addAccess(st, group, "Connect", k, rhs, e.Pos) {
			added++
		}
	}
	if added == len(keys) && rhs != "SKIP" {
		m.exact(construct, e.Pos, "", "access: Connect:"+keys[0]+" "+rhs)
		return
	}
	m.approx(construct, e.Pos, "access: Connect: "+rhs, "sendmail uses the most specific entry, a cidr table the first that matches; DUNNO becomes SKIP", "", aff...)
}

// pfAction writes a Postfix access action as sendmail's right-hand
// side.
func (m *migrator) pfAction(st *pfState, relayList bool, tag string, a ir.Action) (rhs string, ok bool, why string) {
	def := m.cfg.Policy.Defaults
	switch a.Kind {
	case ir.ActOK, ir.ActRelay, ir.ActNumber:
		if relayList && tag == "To" {
			return "RELAY", true, ""
		}
		if relayList && tag == "Connect" {
			return "RELAY", true, ""
		}
		return "OK", true, ""
	case ir.ActReject:
		text := a.Text
		if text == "" {
			text = def.Reject.Text
		}
		code, dsn := def.Reject.Code, def.Reject.DSN
		if code == 0 {
			code, dsn = 554, "5.7.1"
		}
		if a.Code != 0 {
			code, dsn = a.Code, a.DSN
		}
		if tag == "To" && st != nil {
			st.blocklist = true
		}
		return reply(code, dsn, text), true, ""
	case ir.ActError, ir.ActDefer, ir.ActPostfix:
		if a.Kind == ir.ActPostfix && (a.Name != "DEFER_IF_PERMIT" || st == nil || !st.permitEndsRcpt) {
			return "", false, "sendmail's access map has no " + a.Name + " action"
		}
		// DEFER_IF_PERMIT with only permits after it defers
		code, dsn, text := a.Code, a.DSN, a.Text
		if code == 0 {
			code, dsn = def.Defer.Code, def.Defer.DSN
			if code == 0 {
				code, dsn = 450, "4.7.1"
			}
		}
		if text == "" {
			text = "Access denied"
		}
		if tag == "To" && st != nil {
			st.blocklist = true
		}
		return reply(code, dsn, text), true, ""
	case ir.ActDiscard:
		if tag == "To" && st != nil {
			st.blocklist = true
		}
		return "DISCARD", true, ""
	case ir.ActQuarantine:
		text := a.Text
		if text == "" {
			text = a.Arg
		}
		if text == "" {
			text = "held by the access map"
		}
		return "QUARANTINE:" + text, true, ""
	case ir.ActDunno:
		if st != nil && st.dunnoEndsList && tag == "Connect" {
			return "OK", true, ""
		}
		if st != nil {
			st.skip = true
		}
		return "SKIP", true, ""
	case ir.ActRestrict:
		return "", false, "sendmail's access map cannot run a restriction (" + a.Arg + ")"
	}
	return "", false, "sendmail's access map has no counterpart of this action (" + string(a.Kind) + ")"
}

// pfRelayDenied makes sendmail refuse relaying with Postfix's reply.
// The cf library refuses with 550 5.7.1: confRELAY_MSG for a client
// whose name resolved, a fixed "550 Relaying denied. IP name lookup
// failed" for one without a name (Relay_ok). A Local_check_rcpt asks
// Rcpt_ok and Relay_ok first, as Basic_check_rcpt then does again, and
// turns Relay_ok's refusal into Postfix's reply; confRELAY_MSG carries
// it for the other clients.
func (m *migrator) pfRelayDenied(construct string, ch ir.Check) {
	rp := m.cfg.Relay.Denied
	code, dsn, text := rp.Code, rp.DSN, rp.Text
	if code == 0 {
		code = 554
	}
	if ch.Kind == ir.CheckDeferUnauthDestination {
		code, dsn = 450, "4.7.1"
		if d := m.cfg.Policy.Defaults.Defer; d.Code != 0 {
			code, dsn = d.Code, d.DSN
		}
	}
	if ch.Reply != nil && ch.Reply.Code != 0 {
		code, dsn = ch.Reply.Code, ch.Reply.DSN
		if ch.Reply.Text != "" {
			text = ch.Reply.Text
		}
	}
	if text == "" {
		text = "Relay access denied"
	}
	rhs := reply(code, dsn, text) // ERROR:D.S.N:code text
	dsn, msg, _ := strings.Cut(strings.TrimPrefix(rhs, "ERROR:"), ":")
	msg = strings.NewReplacer("\"", "", "`", "", "'", "").Replace(msg)
	m.mc.add(grpDefine, call("define", "confRELAY_MSG", `"`+msg+`"`), "Postfix's reply to a relaying attempt ("+construct+")", ch.Pos)
	m.rcptRules = append(m.rcptRules,
		"# Postfix's reply to relaying ("+construct+"): Relay_ok's own refusal",
		"# of a client without a name says 550, whatever confRELAY_MSG says",
		"R$*\t\t\t$: $1 $| $>\"Rcpt_ok\" $1",
		"R$* $| RELAY\t\t$: $1",
		"R$* $| $#$*\t\t$@ $1")
	if m.virtualDomains() {
		m.rcptRules = append(m.rcptRules,
			"R$* $| $*\t\t$: $1 $| $>CanonAddr $1",
			"R$* $| $* < @ $={VirtHost} . > $*\t$: $1\t\ta virtual alias domain",
		)
	}
	m.rcptRules = append(m.rcptRules,
		"R$* $| $*\t\t$: $1 $| $>\"Relay_ok\" $1",
		"R$* $| $#error $*\t$#error $@ "+dsn+" $: \""+msg+"\"",
		"R$* $| $*\t\t$: $1")
	m.exact(construct, ch.Pos, "", "sendmail's relay check in check_rcpt, refusing with "+msg+" (confRELAY_MSG and a Local_check_rcpt)")
}

// pfNullSender makes Local_check_mail answer MAIL FROM:<> as the access
// entry for smtpd_null_access_lookup_key does: sendmail accepts <>
// before its access lookups.
func (m *migrator) pfNullSender(st *pfState, construct string, e ir.Entry, a ir.Action) {
	aff := []Affect{{Kinds: []string{"mail", "rcpt"}, Sender: "<>"}}
	if st.nullConstruct != "" {
		m.approx(construct, e.Pos, "(nothing: "+st.nullConstruct+" decides)", "an earlier entry for the null sender decides", "", aff...)
		return
	}
	st.nullConstruct = construct
	rhs, ok, why := m.pfAction(st, false, "From", a)
	switch {
	case !ok:
		m.none(construct, e.Pos, why, "translate it by hand (a Local_check_mail ruleset)", "mail\t203.0.113.9\t<>", aff...)
		return
	case rhs == "OK" || rhs == "SKIP":
		m.exact(construct, e.Pos, "", "(nothing: sendmail accepts MAIL FROM:<>)")
		return
	case !strings.HasPrefix(rhs, "ERROR:") && rhs != "DISCARD":
		m.none(construct, e.Pos, "Local_check_mail can refuse or discard the null sender, not "+rhs, "translate it by hand", "mail\t203.0.113.9\t<>", aff...)
		return
	}
	st.nullSender, st.nullAfterNets = rhs, st.afterPermitNets
	target := "sendmail.mc: Local_check_mail answers MAIL FROM:<> with " + rhs
	m.exact(construct, e.Pos, "", target)
}

// onlyPermits says whether the rest of a restriction list decides
// nothing but acceptance.
func onlyPermits(rest []ir.Check) bool {
	for _, c := range rest {
		if c.Kind != ir.CheckPermit {
			return false
		}
	}
	return true
}

// pfRecipientClass writes a recipient access entry whose value is the
// restriction class "permit_mynetworks, reject" into Local_check_rcpt:
// the address is refused (reject_code, 5.7.1) unless the client may
// relay (Relay_ok: loopback, class R, Connect: RELAY).
func (m *migrator) pfRecipientClass(construct, key string, pos ir.Pos, aff []Affect, refusal string) {
	var b strings.Builder
	for _, r := range key {
		if strings.ContainsRune(".:%@!^/[]+", r) {
			b.WriteString(" " + string(r) + " ")
		} else {
			b.WriteRune(r)
		}
	}
	lhs := strings.Join(strings.Fields(b.String()), " ")
	m.rcptRules = append(m.rcptRules,
		"# "+construct,
		"R$*\t\t\t$: <?> $1",
		"R<?> <$*>\t\t$: <?> $1",
		"R<?> "+lhs+"\t$: <R> "+lhs+" $| $>\"Relay_ok\" x",
		"R<R> $* $| RELAY\t$: <OK> $1\t\tpermit_mynetworks",
		"R<R> $* $| $*\t\t"+refusal,
		"R<$*> $*\t\t$: $2")
	m.approx(construct, pos, "sendmail.mc: Local_check_rcpt refuses "+key+" unless Relay_ok ("+refusal+")",
		"for a client that may relay Postfix's permit_mynetworks ends smtpd_recipient_restrictions; sendmail goes on with its other recipient checks", "", aff...)
}
