package sendmail

import (
	"strconv"
	"strings"

	"mailcc/ir"
	"mailcc/migrate/report"
)

// pfHelo translates smtpd_helo_restrictions into rules on the HELO name
// ($s): sendmail has no check ruleset at HELO. With smtpd_delay_reject
// = yes (the default) Postfix judges the name at RCPT, and so do the
// rules, in Local_check_rcpt after the client's checks and before the
// sender's (pfRcptRuleset, under FEATURE(delay_checks)); with no, Postfix
// refuses at HELO and the rules come first in Local_check_mail
// (pfSenderChecks), one command later. Each restriction becomes rules on
// the workspace "<?H> address"; a permit (OK, permit_mynetworks,
// permit_sasl_authenticated, permit) ends the HELO list with "<OKH>
// address", as a permit ends a Postfix restriction list and the next
// list decides. The name's syntax is judged with regex maps shaped on
// Postfix's valid_hostname() and valid_hostaddr().
func (m *migrator) pfHelo(st *pfState, sp ir.StagePolicy) {
	delayed := m.cfg.Policy.DelayChecks // smtpd_delay_reject
	st.heloAtRcpt = delayed
	rs := "Local_check_mail"
	if delayed {
		rs = "Local_check_rcpt"
	}
	when := "at MAIL: Postfix refuses at HELO (smtpd_delay_reject = no), one command earlier"
	aff := []Affect{{Kinds: []string{"mail", "rcpt"}, When: report.WhenHelo}}
	if delayed {
		when = "at RCPT, as Postfix does (smtpd_delay_reject = yes)"
		aff = []Affect{{Kinds: []string{"rcpt"}, When: report.WhenHelo}}
	}
	refuse := func(code int, text string) string {
		return "$#error $@ " + strconv.Itoa(code)[:1] + ".5.2 $: \"" + strconv.Itoa(code) + " <\" $&s \">: Helo command rejected: " + text + "\""
	}
	rules := []string{"# smtpd_helo_restrictions, on the HELO name ($s); none without one,",
		"# nor for mail submitted locally (no client address, or 0)",
		"R$*\t\t\t$: <?H> $1 $| $&{client_addr}",
		"R<?H> $* $|\t\t$: <OKH> $1",
		"R<?H> $* $| 0\t\t$: <OKH> $1",
		"R<?H> $* $| $*\t\t$: <?H> $1 $| $&s",
		"R<?H> $* $|\t\t$: <OKH> $1",
		"R<?H> $* $| $+\t\t$: <?H> $1"}
	for _, ch := range sp.Checks {
		name := ch.Name
		if name == "" {
			name = string(ch.Kind)
		}
		construct := sp.List + ": " + name
		switch {
		case ch.Kind == ir.CheckPermitRelayClients:
			m.pfNetworks(st, sp.List)
			rules = append(rules, "# "+construct,
				"R<?H> $*\t\t$: <?H> $1 $| $>\"Relay_ok\" $1",
				"R<?H> $* $| RELAY\t$: <OKH> $1",
				"R<?H> $* $| $*\t\t$: <?H> $1")
			m.exact(construct, ch.Pos, "", rs+": a client that may relay skips the HELO checks")
		case ch.Kind == ir.CheckPermitAuth:
			if !delayed {
				// EHLO comes before AUTH: nothing is authenticated yet
				m.exact(construct, ch.Pos, "", "(nothing: with smtpd_delay_reject = no the HELO list runs before AUTH)")
				continue
			}
			rules = append(rules, "# "+construct,
				"R<?H> $*\t\t$: <?H> $1 $| $&{auth_type}",
				"R<?H> $* $| $+\t\t$: <OKH> $1",
				"R<?H> $* $| $*\t\t$: <?H> $1")
			m.exact(construct, ch.Pos, "", rs+": an authenticated client (${auth_type}) skips the HELO checks")
		case ch.Kind == ir.CheckPermit:
			rules = append(rules, "# "+construct, "R<?H> $*\t\t$: <OKH> $1")
			m.exact(construct, ch.Pos, "", rs+": the HELO checks end")
		case ch.Kind == ir.CheckHelo && (ch.Name == "reject_invalid_helo_hostname" || ch.Name == "reject_invalid_hostname"):
			m.needHeloMaps = true
			code := m.pfIntOption("invalid_hostname_reject_code", 501)
			rules = append(rules, "# "+construct)
			rules = append(rules, heloSyntaxRules("pfhelo_addr", "pfhelo_literal", "pfhelo_numeric", "pfhelo_name")...)
			rules = append(rules,
				"R<?H> $* $| $* <BADIP>\t"+refuse(code, "invalid ip address"),
				"R<?H> $* $| $* <BAD>\t"+refuse(code, "Invalid name"),
				"R<?H> $* $| $*\t\t$: <?H> $1")
			differs := "an IPv6 address is judged by its characters only"
			if !delayed {
				differs = "sendmail refuses " + when + "; " + differs
			}
			m.approx(construct, ch.Pos, rs+" (refusing with "+strconv.Itoa(code)+" 5.5.2), regex maps of Postfix's host name and address syntax",
				differs, "", aff...)
		case ch.Kind == ir.CheckHelo && (ch.Name == "reject_non_fqdn_helo_hostname" || ch.Name == "reject_non_fqdn_hostname"):
			m.needHeloMaps = true
			code := m.pfIntOption("non_fqdn_reject_code", 504)
			rules = append(rules, "# "+construct)
			rules = append(rules, heloSyntaxRules("pfhelo_literal", "pfhelo_numeric", "pfhelo_fqdn")...)
			rules = append(rules,
				"R<?H> $* $| $* <BAD>\t"+refuse(code, "need fully-qualified hostname"),
				"R<?H> $* $| $*\t\t$: <?H> $1")
			target := rs + " (refusing with " + strconv.Itoa(code) + " 5.5.2), regex maps of Postfix's host name syntax"
			if delayed {
				m.exact(construct, ch.Pos, "", target)
			} else {
				m.approx(construct, ch.Pos, target, "sendmail refuses "+when, "", aff...)
			}
		case ch.Kind == ir.CheckAccess && ch.Subject == "helo":
			r, ok := m.pfHeloAccess(st, ch, when, aff)
			if ok {
				rules = append(rules, "# "+construct)
				rules = append(rules, r...)
			}
		default:
			m.none(construct, ch.Pos, heloWhy,
				"write a Local_check_mail ruleset on $s or use a milter", "", restrictionAffects(ch)...)
		}
	}
	if len(rules) == 8 {
		return
	}
	st.heloRules = append(rules, "R<OKH> $*\t\t$: $1", "R<?H> $*\t\t$: $1")
}

// pfHeloAccess writes a check_helo_access table as access entries
// tagged Helo: and the rules that look the HELO name up, then its
// parent domains, as Postfix does with smtpd_access_maps in
// parent_domain_matches_subdomains.
func (m *migrator) pfHeloAccess(st *pfState, ch ir.Check, when string, aff []Affect) ([]string, bool) {
	construct := ch.Name + " " + ch.Table
	t := m.cfg.Table(ch.Table)
	if t == nil || !t.Loaded || t.Backend.Type == "cidr" || t.Backend.Type == "regexp" || t.Backend.Type == "pcre" {
		m.none(construct, ch.Pos, "its entries were not read, or they are patterns (a table type sendmail's access map cannot hold)",
			"translate its entries by hand into a Local_check_mail ruleset on $s", "", restrictionAffects(ch)...)
		return nil, false
	}
	// within one table the most specific name wins, in sendmail's walk
	// as in Postfix's: only another table's entry shadows one
	st.curTable = t.Name
	defer func() { st.curTable = "" }()
	n := 0
	for _, e := range t.Entries {
		ec := "entry " + t.Name + ": " + e.Key + " " + e.Value
		if e.Access == nil {
			m.none(ec, e.Pos, "mailcc could not classify the entry", "translate it by hand", "", aff...)
			continue
		}
		k := e.Access.Key
		if k.Kind != ir.KeyDomain {
			m.none(ec, e.Pos, "not a host name key ("+string(k.Kind)+"): only host names are looked up for the HELO name here", "translate it by hand", "", aff...)
			continue
		}
		rhs, ok, why := m.pfAction(st, false, "Helo", e.Access.Action)
		if !ok {
			m.none(ec, e.Pos, why, "translate it by hand (a Local_check_mail ruleset on $s)", "", aff...)
			continue
		}
		if !m.addAccess(st, "helo", "Helo", lower(k.Value), rhs, e.Pos) {
			m.approx(ec, e.Pos, "(nothing: access already has an entry for Helo:"+lower(k.Value)+")",
				"an earlier entry for the same name decides", "", aff...)
			continue
		}
		n++
		target := "access: Helo:" + lower(k.Value) + " " + rhs
		if (strings.HasPrefix(rhs, "ERROR:") || rhs == "DISCARD") && !m.cfg.Policy.DelayChecks {
			m.approx(ec, e.Pos, target, "sendmail refuses "+when, "", aff...)
		} else {
			m.exact(ec, e.Pos, "", target)
		}
	}
	if n == 0 {
		return nil, false
	}
	return []string{
		"R<?H> $*\t\t$: <?HA> <$(access Helo:$&s $: PfD: $&s $)> $1",
		"R<?HA> <PfD: $- . $+> $*\t<?HA> <$(access Helo:$2 $: PfD: $2 $)> $3",
		"R<?HA> <PfD: $*> $*\t$: <?H> $2",
		"R<?HA> <$={Accept}> $*\t$: <OKH> $2",
		"R<?HA> <DISCARD> $*\t$#discard $: discard",
		"R<?HA> <QUARANTINE:$+> $*\t$#error $@ quarantine $: $1",
		"R<?HA> <ERROR:$-.$-.$-:$+> $*\t$#error $@ $1.$2.$3 $: $4",
		"R<?HA> <ERROR:$+> $*\t$#error $: $1",
		"R<?HA> <$*> $*\t\t$: <?H> $2",
	}, true
}

// heloSyntaxRules ask the regex maps of pfHeloMaps about the HELO name
// in turn, until one answers: the workspace becomes "<?H> address $|
// verdict", <BAD> when the last one does not match either.
func heloSyntaxRules(maps ...string) []string {
	out := make([]string, len(maps))
	for i, mp := range maps {
		lhs, def := "R<?H> $* $| <?>\t", "<?>"
		if i == 0 {
			lhs = "R<?H> $*\t\t"
		}
		if i == len(maps)-1 {
			def = "<BAD>"
		}
		out[i] = lhs + "$: <?H> $1 $| $(" + mp + " $&s $: " + def + " $)"
	}
	return out
}

// pfHeloMaps are the regex maps of the HELO rules: Postfix's
// valid_hostaddr() (an IPv4 address, bare or in brackets; an IPv6
// address bare or as [IPv6:...], judged by its characters), a literal
// that is not one, a name of digits and dots only (valid_hostname()
// refuses it), a name of labels of letters, digits, "_" and inner "-"
// of at most 63 characters, with an optional trailing dot, and such a
// name of two labels or more.
func pfHeloMaps() string {
	const octet = `0*(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])`
	const v4 = octet + `(\.` + octet + `){3}`
	const v6 = `[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*`
	const label = `[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?`
	return strings.Join([]string{
		"LOCAL_CONFIG",
		// a "$" other than the last character of the line would be a
		// macro to sendmail (readcf.c: translate_dollars)
		"Kpfhelo_addr regex -a<OK> ^(" + v4 + "|" + v6 + "|\\[(" + v4 + "|[Ii][Pp][Vv]6:" + v6 + ")\\])$",
		"Kpfhelo_literal regex -a<BADIP> ^\\[",
		"Kpfhelo_numeric regex -a<BAD> ^[0-9.]*$",
		"Kpfhelo_name regex -a<OK> ^" + label + "(\\." + label + ")*\\.?$",
		"Kpfhelo_fqdn regex -a<OK> ^" + label + "(\\." + label + ")+\\.?$",
	}, "\n")
}
