package sendmail

import (
	"strings"

	"mailcc/ir"
)

// pfRewrite translates aliases, virtual aliasing, canonical and generic
// mapping and masquerading.
func (m *migrator) pfRewrite(st *pfState) {
	if d := m.cfg.Rewrite.RecipientDelimiter; d != "+" {
		if d == "" {
			m.inherent("recipient_delimiter", "Postfix default", "sendmail always understands user+detail (aliases, virtusertable and access try user+detail, then user); Postfix without recipient_delimiter treats user+detail as a user of its own", "rcpt\t127.0.0.1\t<>\tpostmaster+x@localhost")
		} else {
			m.none("recipient_delimiter = "+d, ir.Pos{}, "sendmail's delimiter is always +", "use + addresses", "")
		}
	}
	// recipients: Postfix's recipient_canonical_maps, then canonical_maps,
	// then virtual aliasing; sendmail's virtusertable re-parses what it
	// returns, so canonical entries written first chain the same way
	for _, pass := range []func(ir.RewriteStage) bool{
		func(rs ir.RewriteStage) bool {
			return rs.Kind == ir.RewriteCanonical && !rs.Scope.EnvelopeSender && !rs.Scope.HeaderSender
		},
		func(rs ir.RewriteStage) bool {
			return rs.Kind == ir.RewriteCanonical && (rs.Scope.EnvelopeSender || rs.Scope.HeaderSender)
		},
	} {
		for _, rs := range m.cfg.Rewrite.Stages {
			if pass(rs) && (rs.Scope.EnvelopeRecipient || rs.Scope.HeaderRecipient) {
				m.pfRecipientCanonical(st, rs)
			}
		}
	}
	// then masquerading, before virtual aliasing (LOCAL_RULE_0 rules run
	// in the order written)
	for _, rs := range m.cfg.Rewrite.Stages {
		if rs.Kind == ir.RewriteMasquerade && rs.Scope.EnvelopeRecipient && masqueradeByRules(rs) {
			construct := rs.Name
			if construct == "" {
				construct = string(rs.Kind)
			}
			m.pfMasqueradeRecipients(construct, rs)
		}
	}
	for _, rs := range m.cfg.Rewrite.Stages {
		construct := rs.Name
		if construct == "" {
			construct = string(rs.Kind)
		}
		switch rs.Kind {
		case ir.RewriteAliases:
			for _, name := range rs.Tables {
				m.pfAliases(name, rs)
			}
		case ir.RewriteVirtual:
			for _, name := range rs.Tables {
				m.pfVirtual(st, name, rs)
			}
		case ir.RewriteCanonical, ir.RewriteGeneric:
			m.pfCanonical(st, construct, rs)
		case ir.RewriteMasquerade:
			m.pfMasquerade(construct, rs)
		default:
			m.none(construct, rs.Pos, "sendmail's cf library has no counterpart of this rewriting stage", "rewrite the addresses another way", "",
				Affect{Kinds: []string{"rcpt", "resolve"}, Recipient: "*"})
		}
	}
}

func (m *migrator) pfAliases(name string, rs ir.RewriteStage) {
	t := m.cfg.Table(name)
	if t == nil || !t.Loaded {
		m.none("alias_maps "+name, rs.Pos, "its entries were not read", "copy the aliases into /etc/mail/aliases", "", Affect{Kinds: []string{"alias"}, Name: "*"})
		return
	}
	at := m.table(fileAliases, aliasTable, "aliases(5): the same syntax for both MTAs.")
	for _, e := range t.Entries {
		key := e.Key
		if e.Alias != nil && e.Alias.Name != "" {
			key = e.Alias.Name
		}
		if strings.ContainsAny(key, " \t\"") {
			m.none("entry "+t.Name+": "+key, e.Pos, "sendmail keeps quotes in alias names, Postfix removes them", "rename the alias", "", Affect{Kinds: []string{"alias"}, Name: key})
			continue
		}
		if templated(key) || templated(e.Value) {
			m.none("entry "+t.Name+": "+key, e.Pos, "a template's placeholder, not an alias", "write the alias by hand", "", Affect{Kinds: []string{"alias"}, Name: key})
			continue
		}
		at.add(key, e.Value, e.Pos)
	}
	m.exact("alias_maps "+name, rs.Pos, "", "aliases")
}

// pfVirtual writes virtual(5) entries as virtusertable entries; domains
// that are not local become VIRTUSER_DOMAINs with a catch-all that
// refuses unknown users, as a Postfix virtual alias domain does.
func (m *migrator) pfVirtual(st *pfState, name string, rs ir.RewriteStage) {
	t := m.cfg.Table(name)
	if t == nil || !t.Loaded {
		m.none("virtual_alias_maps "+name, rs.Pos, "its entries were not read", "translate them into virtusertable", "", Affect{Kinds: []string{"rcpt", "resolve"}, Recipient: "*"})
		return
	}
	vt := m.table(fileVirtuser, mapTable, "virtusertable: Postfix's virtual_alias_maps.")
	m.mc.add(grpFeature, call("FEATURE", "virtusertable"), "virtual_alias_maps", rs.Pos)
	virtDomains := map[string]bool{}
	var vdOrder []string
	userKeyed := map[string]bool{}
	var deferred []func()
	var kLines, reRules []string
	for _, e := range t.Entries {
		construct := "entry " + t.Name + ": " + e.Key + " " + e.Value
		v := e.Virtual
		if v == nil {
			if typ := t.Backend.Type; typ == "regexp" || typ == "pcre" {
				paff := []Affect{{Kinds: []string{"rcpt"}, When: whenPattern + e.Key}, {Kinds: []string{"resolve"}, When: whenPattern + e.Key}}
				why := "pcre patterns are not sendmail's POSIX regular expressions"
				if typ == "regexp" {
					var kl, name string
					if kl, name, why = m.pfRegexpMap(e.Key, e.Value); why == "" {
						kLines = append(kLines, kl)
						reRules = append(reRules, "R<PfR> < > $+ < @ $+ . >\t$: <PfR> < $("+name+" $1 @ $2 $: $) > $1 < @ $2 . >\t"+e.Key)
						m.approx(construct, e.Pos, "regex map "+name+" in ruleset 0 (LOCAL_RULE_0)",
							"sendmail expands the result again through ruleset 0, so a pattern that matches its own result loops where Postfix stops", "", paff...)
						continue
					}
				}
				m.none(construct, e.Pos, "virtusertable has no pattern keys, and "+why, "write its addresses as virtusertable entries", "", paff...)
				continue
			}
			m.none(construct, e.Pos, "mailcc could not classify the entry", "translate it by hand", "")
			continue
		}
		k := v.Key
		aff := []Affect{{Kinds: []string{"rcpt", "resolve"}, Recipient: k.Value}, {Kinds: []string{"resolve"}, Address: k.Value}}
		var key string
		dom := lower(k.Domain)
		switch k.Kind {
		case ir.KeyAddress, ir.KeyUserDetail:
			key = strings.ToLower(k.Value)
		case ir.KeyDomainUser:
			key = "@" + dom
			aff = []Affect{{Kinds: []string{"rcpt", "resolve"}, Recipient: "@" + dom}, {Kinds: []string{"resolve"}, Address: "@" + dom}}
		case ir.KeyUser:
			// Postfix applies a bare user to the local domains:
			// one entry per local domain, unless one is written
			user := strings.ToLower(strings.TrimSuffix(k.Value, "@"))
			aff = []Affect{{Kinds: []string{"rcpt", "resolve"}, Recipient: user + "@"}, {Kinds: []string{"resolve"}, Address: user + "@"}}
			target, ok := m.pfVirtualTarget(v.Targets, user)
			var keys []string
			for _, d := range st.localOrder {
				if _, dup := vt.get(user + "@" + d); !dup && !userKeyed[user+"@"+d] {
					keys = append(keys, user+"@"+d)
				}
			}
			if !ok || len(keys) == 0 {
				m.none(construct, e.Pos, "virtusertable has no bare-user keys (Postfix applies them to every local domain)",
					"write user@domain entries for each local domain", "", aff...)
				continue
			}
			deferred = append(deferred, func() {
				for _, key := range keys {
					vt.add(key, target, e.Pos)
					if len(v.Targets) == 1 {
						m.pfVirtualDetail(vt, key, target, e.Pos)
					}
				}
			})
			m.approx(construct, e.Pos, "virtusertable: "+keys[0]+" "+target+" (one entry per local domain)",
				"sendmail looks up an address under its local domains (class w) only as written there; Postfix applies a bare user to $myorigin and the local domains; "+virtualDiffers,
				"", aff...)
			continue
		default:
			m.none(construct, e.Pos, "virtusertable has no key of this form", "translate it by hand", "", aff...)
			continue
		}
		target, ok := m.pfVirtualTarget(v.Targets, key)
		if !ok {
			m.none(construct, e.Pos, "a virtusertable value is one address", "point the entry at a local alias that lists the addresses", "", aff...)
			continue
		}
		if len(v.Targets) > 1 {
			if dom != "" && !st.local[dom] && !virtDomains[dom] {
				virtDomains[dom] = true
				vdOrder = append(vdOrder, dom)
			}
			vt.add(key, target, e.Pos)
			userKeyed[key] = true
			m.approx(construct, e.Pos, "virtusertable: "+key+" "+target+" and aliases: "+target+": "+strings.Join(v.Targets, ", "),
				"a virtusertable value is one address: the list became a local alias, so sendmail resolves the address to the local mailer, where Postfix resolves each listed address; "+virtualDiffers,
				"", aff...)
			continue
		}
		target = v.Targets[0]
		if k.Kind == ir.KeyDomainUser && strings.HasPrefix(target, "@") {
			// Postfix keeps the local part: sendmail says so with %1
			target = "%1" + target
		}
		if dom != "" && !st.local[dom] && !virtDomains[dom] {
			virtDomains[dom] = true
			vdOrder = append(vdOrder, dom)
		}
		vt.add(key, target, e.Pos)
		m.pfVirtualDetail(vt, key, target, e.Pos)
		userKeyed[key] = true
		m.approx(construct, e.Pos, "virtusertable: "+key+" "+target, virtualDiffers, "", aff...)
	}
	for _, f := range deferred {
		f()
	}
	if len(kLines) > 0 {
		m.pfVirtualRegexpRules(name, rs, kLines, reRules)
	}
	// virtual_alias_domains: a domain without entries of its own (a
	// pattern table's) is a VIRTUSER_DOMAIN without the catch-all
	for _, d := range m.domainsOf(rs.Domains) {
		dom := lower(d.Domain)
		if dom == "" || d.Negated || strings.ContainsAny(dom, "@/$ ") || !strings.Contains(dom, ".") || st.local[dom] || virtDomains[dom] {
			continue
		}
		virtDomains[dom] = true
		vdOrder = append(vdOrder, dom)
	}
	for _, d := range vdOrder {
		m.mc.add(grpLocal, "LOCAL_CONFIG\nC{VirtHost}"+d, "a virtual alias domain (class VirtHost; Local_check_rcpt lets mail to it through)", ir.Pos{})
		if _, ok := vt.get("@" + d); !ok {
			vt.add("@"+d, "error:5.1.1:550 User unknown in virtual alias table", ir.Pos{})
		}
		m.approx("virtual alias domain "+d, ir.Pos{}, "class VirtHost "+d+" and @"+d+" error:5.1.1:550",
			"unknown users are refused by a catch-all error entry, whose SMTP reply code shows in a resolved address where Postfix's has none",
			"", Affect{Kinds: []string{"resolve"}, Address: "@" + d})
	}
}

// pfVirtualRegexpRules writes the regex maps of a regexp: table of
// virtual_alias_maps and the LOCAL_RULE_0 rules that look the recipient
// up in them, in the table's order; the first that matches replaces the
// address, which ruleset 0 then parses again (Recurse, as the cf
// library's virtusertable rules do). Postfix searches the tables of
// virtual_alias_maps in order: when a hash table comes first, an
// address it holds (the lookups of the cf library's virtusertable
// rules) is left to those rules, except for the catch-all refusal
// mailcc writes for a virtual domain, which Postfix's "User unknown in
// virtual alias table" only gives once every table failed.
func (m *migrator) pfVirtualRegexpRules(name string, rs ir.RewriteStage, kLines, reRules []string) {
	rules := []string{"LOCAL_RULE_0", "# virtual_alias_maps " + name}
	hashFirst := false
	for _, n := range rs.Tables {
		if n == name {
			break
		}
		if t := m.cfg.Table(n); t != nil && t.Backend.Type != "regexp" && t.Backend.Type != "pcre" {
			hashFirst = true
		}
	}
	if hashFirst {
		rules = append(rules,
			"R$+ < @ $+ . >\t\t$: <PfV> < $(virtuser $1 @ $2 $: $) > $1 < @ $2 . >",
			"R<PfV> < > $+ + $* < @ $+ . >\t$: <PfV> < $(virtuser $1 + * @ $3 $: $) > $1 + $2 < @ $3 . >",
			"R<PfV> < > $+ + $* < @ $+ . >\t$: <PfV> < $(virtuser $1 @ $3 $: $) > $1 + $2 < @ $3 . >",
			"R<PfV> < > $+ < @ $+ . >\t$: <PfV> < $(virtuser @ $2 $: $) > $1 < @ $2 . >",
			"R<PfV> < error : $* > $*\t$: <PfV> < > $2\t\tthe catch-all refusal comes last",
			"R<PfV> < > $*\t\t$: <PfR> $1",
			"R<PfV> < $+ > $*\t\t$: $2\t\t\tthe virtusertable rules take it")
	} else {
		rules = append(rules, "R$*\t\t\t$: <PfR> $1")
	}
	rules = append(rules, "R<PfR> $+ < @ $+ . >\t$: <PfR> < > $1 < @ $2 . >")
	rules = append(rules, reRules...)
	rules = append(rules,
		"R<PfR> < > $*\t\t$: $1",
		"R<PfR> < $+ > $*\t\t$@ $>Recurse $1",
		"R<PfR> $*\t\t$: $1")
	m.mc.add(grpLocal, "LOCAL_CONFIG\n"+strings.Join(kLines, "\n"), "virtual_alias_maps "+name, rs.Pos)
	m.mc.add(grpLocal, strings.Join(rules, "\n"), "virtual_alias_maps "+name, rs.Pos)
}

// pfCanonical writes canonical and generic mapping of senders as
// genericstable; recipient canonical mapping has no counterpart.
func (m *migrator) pfCanonical(st *pfState, construct string, rs ir.RewriteStage) {
	sc := rs.Scope
	aff := []Affect{{Kinds: []string{"header_from", "resolve"}, Address: "*"}, {Kinds: []string{"rcpt"}, Recipient: "*"}}
	if !sc.EnvelopeSender && !sc.HeaderSender {
		return
	}
	if rs.Kind == ir.RewriteCanonical && sc.EnvelopeSender != sc.HeaderSender {
		m.pfSenderCanonicalRules(st, construct, rs)
		return
	}
	gt := m.table(fileGenerics, mapTable, "genericstable: Postfix's canonical and generic mapping of senders.")
	m.mc.add(grpFeature, call("FEATURE", "genericstable"), construct, rs.Pos)
	if sc.EnvelopeSender {
		m.mc.add(grpFeature, call("FEATURE", "masquerade_envelope"), construct, rs.Pos)
	}
	gdoms := map[string]bool{}
	for _, name := range rs.Tables {
		t := m.cfg.Table(name)
		if t == nil || !t.Loaded {
			m.none(construct+" "+name, rs.Pos, "its entries were not read (regexp and pcre tables have no genericstable form)", "translate them by hand", "", aff...)
			continue
		}
		for _, e := range t.Entries {
			var v *ir.AddressEntry
			switch {
			case e.Canonical != nil:
				v = e.Canonical
			case e.Generic != nil:
				v = e.Generic
			}
			ec := "entry " + t.Name + ": " + e.Key + " " + e.Value
			if v == nil || len(v.Targets) != 1 {
				m.none(ec, e.Pos, "not a single-address entry", "translate it by hand", "", aff...)
				continue
			}
			k, target := v.Key, v.Targets[0]
			key := strings.ToLower(k.Value)
			keys := []string{key}
			switch k.Kind {
			case ir.KeyAddress:
			case ir.KeyDomainUser:
				key = "@" + lower(k.Domain)
				keys = []string{key}
				if strings.HasPrefix(target, "@") {
					target = "%1" + target
				}
			case ir.KeyUser:
				// Postfix applies a bare user to the local domains only
				// (an unqualified sender takes myorigin first);
				// genericstable's bare user keys would match it in
				// every domain of class G
				user := strings.TrimSuffix(key, "@")
				keys = nil
				for _, d := range st.localOrder {
					keys = append(keys, user+"@"+d)
				}
				if len(keys) == 0 {
					m.none(ec, e.Pos, "there is no local domain to apply a bare user to", "write user@domain entries", "", aff...)
					continue
				}
				key = keys[0]
			default:
				m.none(ec, e.Pos, "genericstable has no key of this form", "translate it by hand", "", aff...)
				continue
			}
			class := "canonical"
			if e.Generic != nil {
				class = "generic"
			}
			for _, key := range keys {
				if _, d, _ := strings.Cut(key, "@"); d != "" && !gdoms[d] {
					gdoms[d] = true
					m.mc.add(grpMacro, call("GENERICS_DOMAIN", d), "", e.Pos)
				}
				gt.add(key, target, e.Pos)
				if u, d, ok := strings.Cut(key, "@"); ok && u != "" && !strings.Contains(u, "+") && !strings.Contains(target, "%") &&
					m.cfg.Rewrite.RecipientDelimiter == "+" && m.propagatesExtension(class) {
					// Postfix appends the unmatched +detail; sendmail's
					// genericstable passes it as %1 to a user+* entry
					withDetail := target + "+%1"
					if l, td, ok := strings.Cut(target, "@"); ok {
						withDetail = l + "+%1@" + td
					}
					if _, dup := gt.get(u + "+*@" + d); !dup {
						gt.add(u+"+*@"+d, withDetail, e.Pos)
					}
				}
			}
			differs := "sendmail applies genericstable at delivery, to the header sender and the envelope sender alike (masquerade_envelope), with one lookup for all the canonical and generic entries; Postfix maps in cleanup, sender_canonical_maps then canonical_maps (two lookups), each for the address classes its *_classes parameter names"
			if class == "generic" {
				differs = "Postfix's smtp client maps envelope and header addresses with smtp_generic_maps as it delivers, after cleanup's canonical mapping; sendmail's genericstable maps only senders, in the same one lookup as the canonical entries, so an address a canonical entry rewrote is not mapped again (the Postfix oracle records addresses before its smtp client, without generic mapping)"
			}
			eaff := []Affect{{Kinds: []string{"header_from", "resolve"}, Address: patOf(k)}, {Kinds: []string{"mail", "rcpt"}, Sender: patOf(k)}}
			if class == "generic" {
				// an address that canonical mapping (cleanup) rewrote
				// into the key is mapped too
				eaff = append(eaff, Affect{Kinds: []string{"header_from"}, Address: "*"})
			}
			m.approx(ec, e.Pos, "genericstable: "+key+" "+target, differs, "header_from\t"+k.Value, eaff...)
		}
	}
}

// pfSenderCanonicalRules writes a canonical mapping Postfix applies to
// one class of sender addresses only (sender_canonical_classes or
// canonical_classes = envelope_sender, or header_sender), which
// genericstable cannot do (it maps the header sender and, with
// masquerade_envelope, the envelope sender alike): LOCAL_RULE_1 rules
// look the sender up when sendmail rewrites it for that class
// ({addr_type} "e s" or "h s", set as it rewrites an address for a
// mailer, and "e s" while it makes $f at MAIL: check_mail sees the
// sender as sent, but the checks FEATURE(delay_checks) makes at RCPT
// see $f, mapped, where Postfix's smtpd sees it as sent). They run
// before the mailers' rulesets, where genericstable and masquerading map, so a mapping of
// all classes (canonical_maps) follows this one, as in Postfix. A hash
// table's entries are looked up in Postfix's order (user+detail@domain,
// user@domain with the +detail handed on, @domain keeping the local
// part), a regexp table's through a regex map, each table in turn.
func (m *migrator) pfSenderCanonicalRules(st *pfState, construct string, rs ir.RewriteStage) {
	class, addrType := "envelope_sender", "e s"
	if rs.Scope.HeaderSender {
		class, addrType = "header_sender", "h s"
	}
	rules := []string{
		"LOCAL_RULE_1",
		"# " + construct + ": the " + class + " only ({addr_type} " + addrType + ")",
		"R$*\t\t\t$: $1 $| $&{addr_type}",
		"R$* $| " + addrType + "\t\t$: <PfSC> < > $1",
		"R$* $| $*\t\t$: $1",
	}
	// genericstable, where canonical mapping of both sender classes and
	// smtp_generic_maps go, maps the result once more, with one lookup
	// for both: Postfix maps with canonical_maps in cleanup and again
	// with smtp_generic_maps as it delivers
	then := ""
	for _, o := range m.cfg.Rewrite.Stages {
		if o.Kind == ir.RewriteGeneric || o.Kind == ir.RewriteCanonical && o.Scope.EnvelopeSender && o.Scope.HeaderSender {
			then = "genericstable then maps the result once, for canonical_maps and smtp_generic_maps together; Postfix maps it with canonical_maps in cleanup, then with smtp_generic_maps as it delivers (which its oracle does not record)"
		}
	}
	delayed := ""
	if m.cfg.Policy.DelayChecks && rs.Scope.EnvelopeSender {
		delayed = "with FEATURE(delay_checks) the sender checks at RCPT see the envelope sender mapped ($f), Postfix's smtpd restrictions see it as sent"
	}
	mapped := func(ec string, pos ir.Pos, target string, k ir.Key) {
		var why []string
		var aff []Affect
		if then != "" {
			why = append(why, then)
			aff = append(aff, Affect{Kinds: []string{"header_from"}, Address: patOf(k)})
		}
		if delayed != "" {
			why = append(why, delayed)
			aff = append(aff, Affect{Kinds: []string{"rcpt"}, Sender: patOf(k)})
		}
		if len(why) == 0 {
			m.exact(ec, pos, "", target)
			return
		}
		m.approx(ec, pos, target, strings.Join(why, "; "), "header_from\t"+k.Value, aff...)
	}
	var kLines []string
	hashDone := false
	for _, name := range rs.Tables {
		t := m.cfg.Table(name)
		aff := []Affect{{Kinds: []string{"header_from"}, Address: "*"}}
		if t == nil || !t.Loaded {
			m.none(construct+" "+name, rs.Pos, "its entries were not read", "translate them by hand", "", aff...)
			continue
		}
		if t.Backend.Type == "regexp" {
			for _, e := range t.Entries {
				ec := "entry " + t.Name + ": " + e.Key + " " + e.Value
				kl, re, why := m.pfRegexpMap(e.Key, e.Value)
				if why != "" {
					m.none(ec, e.Pos, why, "translate it by hand", "", aff...)
					continue
				}
				kLines = append(kLines, kl)
				rules = append(rules, "R<PfSC> < > $+ < @ $+ . >\t$: <PfSC> < $("+re+" $1 @ $2 $: $) > $1 < @ $2 . >\t"+e.Key)
				mapped(ec, e.Pos, "regex map "+re+" in LOCAL_RULE_1, for the "+class, ir.Key{Value: "*"})
			}
			continue
		}
		if t.Backend.Type == "pcre" || t.Backend.Type == "cidr" {
			m.none(construct+" "+name, rs.Pos, "a "+t.Backend.Type+" table has no sendmail map form here", "translate its entries by hand", "", aff...)
			continue
		}
		sc := m.table(fileSenderCanon, mapTable, "sendercanonical: Postfix's canonical mapping of one class of sender addresses (LOCAL_RULE_1 looks senders up in it).")
		for _, e := range t.Entries {
			ec := "entry " + t.Name + ": " + e.Key + " " + e.Value
			v := e.Canonical
			if v == nil || len(v.Targets) != 1 {
				m.none(ec, e.Pos, "not a single-address entry", "translate it by hand", "", aff...)
				continue
			}
			k, target := v.Key, v.Targets[0]
			var keys []string
			switch k.Kind {
			case ir.KeyAddress:
				keys = []string{strings.ToLower(k.Value)}
			case ir.KeyDomainUser:
				keys = []string{"@" + lower(k.Domain)}
				if strings.HasPrefix(target, "@") {
					// Postfix keeps the local part, +detail and all
					target = "%1%3" + target
				}
			case ir.KeyUser:
				// a bare user is of the local domains only
				user := strings.ToLower(strings.TrimSuffix(k.Value, "@"))
				for _, d := range st.localOrder {
					keys = append(keys, user+"@"+d)
				}
			}
			if len(keys) == 0 {
				m.none(ec, e.Pos, "no key of a form sendmail can look up here", "translate it by hand", "", aff...)
				continue
			}
			for _, key := range keys {
				if _, dup := sc.get(key); !dup {
					sc.add(key, target, e.Pos)
					m.pfDetailEntry(sc, key, target, e.Pos, "canonical")
				}
			}
			mapped(ec, e.Pos, fileSenderCanon+": "+keys[0]+" "+target+" (LOCAL_RULE_1, for the "+class+")", k)
		}
		if !hashDone {
			hashDone = true
			rules = append(rules, "R<PfSC> < > $+ < @ $+ . >\t$: <PfSC> < $(pfsendercanon $1 @ $2 $: $) > $1 < @ $2 . >")
			rules = append(rules, canonicalLookups("PfSC", "pfsendercanon")...)
			kLines = append(kLines, "Kpfsendercanon hash -o /etc/mail/"+fileSenderCanon)
		}
	}
	if len(kLines) == 0 {
		return
	}
	rules = append(rules,
		"R<PfSC> < > $*\t\t$: $1",
		"R<PfSC> < $+ > $*\t\t$: $>canonify $1")
	m.mc.add(grpLocal, "LOCAL_CONFIG\n"+strings.Join(kLines, "\n"), construct, rs.Pos)
	m.mc.add(grpLocal, strings.Join(rules, "\n"), construct, rs.Pos)
}

func patOf(k ir.Key) string {
	switch k.Kind {
	case ir.KeyDomainUser:
		return "@" + lower(k.Domain)
	case ir.KeyUser:
		return strings.TrimSuffix(k.Value, "@") + "@"
	}
	return k.Value
}

// pfMasquerade writes masquerade_domains as MASQUERADE_AS when it names
// one domain.
func (m *migrator) pfMasquerade(construct string, rs ir.RewriteStage) {
	mq := rs.Masquerade
	if mq == nil {
		return
	}
	var pos []ir.DomainMatch
	var neg []ir.DomainMatch
	for _, d := range mq.Domains {
		if d.Negated {
			neg = append(neg, d)
		} else {
			pos = append(pos, d)
		}
	}
	aff := []Affect{{Kinds: []string{"header_from", "resolve"}, Address: "*"}}
	if len(pos) != 1 {
		if masqueradeByRules(rs) {
			m.pfMasqueradeRules(construct, rs)
			return
		}
		m.none(construct, rs.Pos, "sendmail masquerades as one name ($M); Postfix strips each address to the listed domain it is in, and a sender rewriting ruleset (LOCAL_RULE_1) would change header and envelope senders alike",
			"choose one masquerade name, or keep several hosts", "header_from\tuser@host.dept.example.com", aff...)
		return
	}
	d := lower(pos[0].Domain)
	m.mc.add(grpMacro, call("MASQUERADE_AS", d), construct, rs.Pos)
	m.mc.add(grpMacro, call("MASQUERADE_DOMAIN", d), "", rs.Pos)
	m.mc.add(grpFeature, call("FEATURE", "masquerade_entire_domain"), "", rs.Pos)
	m.mc.add(grpFeature, call("FEATURE", "limited_masquerade"), "", rs.Pos)
	if rs.Scope.EnvelopeSender {
		m.mc.add(grpFeature, call("FEATURE", "masquerade_envelope"), "", rs.Pos)
	}
	if rs.Scope.HeaderRecipient || rs.Scope.EnvelopeRecipient {
		m.mc.add(grpFeature, call("FEATURE", "allmasquerade"), "", rs.Pos)
	}
	for _, n := range neg {
		m.mc.add(grpMacro, call("MASQUERADE_EXCEPTION", lower(n.Domain)), "", n.Pos)
	}
	for _, u := range mq.ExposedUsers {
		m.mc.add(grpMacro, call("EXPOSED_USER", u.Value), "masquerade_exceptions", u.Pos)
	}
	m.approx(construct, rs.Pos, "MASQUERADE_AS("+d+") with masquerade_entire_domain and limited_masquerade",
		"sendmail masquerades at delivery, for every client; Postfix in cleanup, headers only for local_header_rewrite_clients; sendmail masquerades "+d+" itself too, and envelope recipients only with allmasquerade",
		"header_from\tuser@host."+d, aff...)
}

const virtualDiffers = "sendmail rewrites the recipient once per lookup and re-parses the result (a value equal to its key recurses to an error); Postfix expands recursively and stops at a self-reference"

// pfVirtualTarget is the virtusertable value for a virtual(5) entry's
// targets: the address itself, or for a list a local alias (written to
// aliases) that lists them.
func (m *migrator) pfVirtualTarget(targets []string, key string) (string, bool) {
	switch len(targets) {
	case 0:
		return "", false
	case 1:
		return targets[0], true
	}
	name := "virtual-" + strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '-':
			return r
		}
		return '-'
	}, strings.ToLower(key))
	at := m.table(fileAliases, aliasTable, "aliases(5): the same syntax for both MTAs.")
	if v, ok := at.get(name); ok && v != strings.Join(targets, ", ") {
		return "", false
	}
	at.add(name, strings.Join(targets, ", "), ir.Pos{})
	return name, true
}

// pfMasqueradeRules writes masquerade_domains with several domains as
// rules of ruleset 1 (LOCAL_RULE_1), which sendmail applies to every
// sender address, in headers and the envelope: as Postfix does, the
// first listed domain that is the address's domain or one of its
// parents decides, a !domain keeping the address, and the users of
// masquerade_exceptions are left alone.
func (m *migrator) pfMasqueradeRules(construct string, rs ir.RewriteStage) {
	m.pfMasqueradeRuleset(construct, rs)
	m.mc.add(grpLocal, "LOCAL_RULE_1\n# "+construct+"\nR$*\t\t\t$: $>PfMasq $1", construct, rs.Pos)
	aff := []Affect{{Kinds: []string{"header_from", "resolve"}, Address: "*"}}
	recipients := "envelope recipients only in masquerade_classes (not translated)"
	if rs.Scope.EnvelopeRecipient {
		recipients = "envelope recipients in ruleset 0 (LOCAL_RULE_0), before virtual aliasing and routing"
	}
	differs := "sendmail rewrites every sender address, header and envelope, at delivery and for every client; Postfix in cleanup (headers only for local_header_rewrite_clients), after qualifying a bare user with myorigin, and " + recipients
	if m.cfg.Policy.DelayChecks && rs.Masquerade != nil {
		// ruleset 1 makes $f, which delay_checks hands to checkmail
		differs += "; with FEATURE(delay_checks) the sender checks at RCPT see the envelope sender masqueraded ($f), Postfix's smtpd restrictions see it as sent"
		for _, d := range rs.Masquerade.Domains {
			if !d.Negated {
				aff = append(aff, Affect{Kinds: []string{"rcpt"}, Sender: "." + lower(d.Domain)})
			}
		}
	}
	m.approx(construct, rs.Pos, "LOCAL_RULE_1 (sender rewriting) rules", differs,
		"resolve\tuser@host.example.com", aff...)
}

// masqueradeByRules says whether masquerade_domains is written as
// rules (pfMasqueradeRules) rather than MASQUERADE_AS.
func masqueradeByRules(rs ir.RewriteStage) bool {
	if rs.Masquerade == nil || !rs.Scope.EnvelopeSender || !rs.Scope.HeaderSender {
		return false
	}
	n := 0
	for _, d := range rs.Masquerade.Domains {
		if !d.Negated {
			n++
		}
	}
	return n != 1
}

// pfMasqueradeRecipients masquerades envelope recipients
// (masquerade_classes envelope_recipient) in ruleset 0, with the rules
// of the senders' masquerading; a marked address goes on through the
// rest of ruleset 0.
func (m *migrator) pfMasqueradeRecipients(construct string, rs ir.RewriteStage) {
	m.pfMasqueradeRuleset(construct, rs)
	m.mc.add(grpLocal, "LOCAL_RULE_0\n# "+construct+" (envelope_recipient)\nR$+ < @ $+ > $*\t$: $>PfMasq $1 < @ $2 > $3", construct+" (envelope_recipient)", rs.Pos)
}

// pfMasqueradeRuleset writes (once) the ruleset PfMasq of
// masquerade_domains and masquerade_exceptions: the first listed
// domain that is the address's domain or a parent of it decides.
func (m *migrator) pfMasqueradeRuleset(construct string, rs ir.RewriteStage) {
	mq := rs.Masquerade
	tokens := func(d string) string {
		return strings.Join(strings.Split(lower(d), "."), " . ")
	}
	const done = "$@ "
	rules := []string{"LOCAL_RULESETS", "SPfMasq", "# " + construct + ": the first listed domain that matches decides"}
	if len(mq.ExposedUsers) > 0 {
		var users []string
		for _, u := range mq.ExposedUsers {
			users = append(users, u.Value)
		}
		m.mc.add(grpLocal, "LOCAL_CONFIG\nC{PfMasqX}"+strings.Join(users, " "), "masquerade_exceptions", rs.Pos)
		rules = append(rules, "R$={PfMasqX} < @ $+ > $*\t"+done+"$1 < @ $2 > $3\t\tmasquerade_exceptions")
	}
	for _, d := range mq.Domains {
		if strings.HasPrefix(d.Domain, "[") {
			continue
		}
		t := tokens(d.Domain)
		for _, dot := range []string{"", " ."} {
			rules = append(rules, "R$+ < @ "+t+dot+" > $*\t"+done+"$1 < @ "+t+dot+" > $2")
			if d.Negated {
				rules = append(rules, "R$+ < @ $+ . "+t+dot+" > $*\t"+done+"$1 < @ $2 . "+t+dot+" > $3\t!"+lower(d.Domain))
			} else {
				rules = append(rules, "R$+ < @ $+ . "+t+dot+" > $*\t"+done+"$1 < @ "+t+dot+" > $3")
			}
		}
	}
	m.mc.add(grpLocal, strings.Join(rules, "\n"), construct, rs.Pos)
}

// pfVirtualDetail adds, beside a virtusertable entry user@domain with
// one address, the entry user+*@domain that hands the +detail on (%3):
// with recipient_delimiter = + Postfix looks user+detail@domain up as
// user@domain and appends +detail to the result
// (propagate_unmatched_extensions); sendmail would drop it.
func (m *migrator) pfVirtualDetail(vt *tableFile, key, target string, pos ir.Pos) {
	m.pfDetailEntry(vt, key, target, pos, "virtual")
}

// pfDetailEntry is pfVirtualDetail for a class of
// propagate_unmatched_extensions.
func (m *migrator) pfDetailEntry(vt *tableFile, key, target string, pos ir.Pos, class string) {
	if m.cfg.Rewrite.RecipientDelimiter != "+" || strings.HasPrefix(key, "@") || strings.Contains(key, "+") ||
		strings.Contains(target, "%") || strings.HasPrefix(target, "error:") || strings.Contains(target, ",") {
		return
	}
	user, dom, ok := strings.Cut(key, "@")
	if !ok || user == "" {
		return
	}
	if !m.propagatesExtension(class) {
		return
	}
	withDetail := target + "%3"
	if l, d, ok := strings.Cut(target, "@"); ok {
		withDetail = l + "%3@" + d
	}
	if _, dup := vt.get(user + "+*@" + dom); !dup {
		vt.add(user+"+*@"+dom, withDetail, pos)
	}
}

// propagatesExtension says whether Postfix's
// propagate_unmatched_extensions (default: canonical, virtual) holds
// the class.
func (m *migrator) propagatesExtension(class string) bool {
	for _, o := range m.cfg.Options {
		if o.Name == "propagate_unmatched_extensions" {
			for _, f := range strings.FieldsFunc(o.Raw, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
				if f == class {
					return true
				}
			}
			return false
		}
	}
	return class == "canonical" || class == "virtual"
}

const canonicalRuleDiffers = "sendmail rewrites the recipient in ruleset 0, where it routes it, and parses the result again (virtusertable, local delivery, mailertable); its relay check still sees the address as given, like Postfix's smtpd"

// pfCanonicalTable returns the map of the recipient canonical entries
// of domains sendmail does not look up in virtusertable (neither local
// nor virtual), made with the LOCAL_RULE_0 rules that look a recipient
// up in it as Postfix's canonical maps do: user+detail@domain,
// user+*@domain (the +detail handed on as %3), user@domain, then
// @domain (%1 the user, %3 the +detail); a match replaces the address,
// which the rest of ruleset 0 then parses.
func (m *migrator) pfCanonicalTable(rs ir.RewriteStage) *tableFile {
	if t := m.tables[fileCanonical]; t != nil {
		return t
	}
	m.mc.add(grpLocal, "LOCAL_CONFIG\nKcanonical hash -o /etc/mail/"+fileCanonical, "recipient canonical mapping of other domains", rs.Pos)
	m.mc.add(grpLocal, strings.Join(append([]string{
		"LOCAL_RULE_0",
		"# recipient canonical mapping of domains virtusertable does not cover",
		"R$+ < @ $+ . >\t\t$: <PfC> < $(canonical $1 @ $2 $: $) > $1 < @ $2 . >",
	}, append(canonicalLookups("PfC", "canonical"),
		"R<PfC> < > $*\t\t$: $1",
		"R<PfC> < $+ > $*\t\t$: $>Parse0 $>canonify $1")...), "\n"), "recipient canonical mapping of other domains", rs.Pos)
	return m.table(fileCanonical, mapTable, "canonicaltable: Postfix's recipient canonical mapping of domains that are neither local nor virtual (LOCAL_RULE_0 looks recipients up in it).")
}

// canonicalLookups go on looking "<MARK> < > user < @ domain . >" up in
// a hash map as Postfix's canonical maps look an address up, once the
// whole address was not found: user+*@domain (%1 the user, %2 the
// detail, %3 +detail), user@domain, @domain with the +detail handed
// on, then @domain (%1 the user). A match leaves "<MARK> < result >
// address", no match "<MARK> < > address".
func canonicalLookups(mark, mapName string) []string {
	lookup := func(args string) string { return "$: <" + mark + "> < $(" + mapName + " " + args + " $: $) > " }
	withDetail := "R<" + mark + "> < > $+ + $* < @ $+ . >\t"
	return []string{
		withDetail + lookup("$1 + * @ $3 $@ $1 $@ $2 $@ + $2") + "$1 + $2 < @ $3 . >",
		withDetail + lookup("$1 @ $3") + "$1 + $2 < @ $3 . >",
		withDetail + lookup("@ $3 $@ $1 $@ $2 $@ + $2") + "$1 + $2 < @ $3 . >",
		"R<" + mark + "> < > $+ < @ $+ . >\t" + lookup("@ $2 $@ $1") + "$1 < @ $2 . >",
	}
}

// pfRecipientCanonical writes the recipient side of canonical mapping
// as virtusertable entries of the local domains (sendmail consults
// virtusertable for class w and VIRTUSER_DOMAIN addresses only).
func (m *migrator) pfRecipientCanonical(st *pfState, rs ir.RewriteStage) {
	construct := rs.Name
	if construct == "" {
		construct = string(rs.Kind)
	}
	construct += " (recipients)"
	var vt *tableFile
	for _, name := range rs.Tables {
		t := m.cfg.Table(name)
		if t == nil || !t.Loaded {
			m.none(construct+" "+name, rs.Pos, "its entries were not read (regexp and pcre tables have no virtusertable form)", "translate them by hand", "",
				Affect{Kinds: []string{"resolve"}, Address: "*"}, Affect{Kinds: []string{"rcpt"}, Recipient: "*"})
			continue
		}
		for _, e := range t.Entries {
			v := e.Canonical
			ec := "entry " + t.Name + ": " + e.Key + " " + e.Value + " (recipients)"
			if v == nil || len(v.Targets) != 1 {
				m.none(ec, e.Pos, "not a single-address entry", "translate it by hand", "",
					Affect{Kinds: []string{"resolve"}, Address: "*"}, Affect{Kinds: []string{"rcpt"}, Recipient: "*"})
				continue
			}
			k, target := v.Key, v.Targets[0]
			aff := []Affect{{Kinds: []string{"resolve"}, Address: patOf(k)}, {Kinds: []string{"rcpt"}, Recipient: patOf(k)}}
			var keys []string
			switch k.Kind {
			case ir.KeyAddress:
				if st.local[lower(k.Domain)] {
					keys = []string{strings.ToLower(k.Value)}
					break
				}
				// another domain: looked up in ruleset 0
				key := strings.ToLower(k.Value)
				ct := m.pfCanonicalTable(rs)
				if _, dup := ct.get(key); !dup {
					ct.add(key, target, e.Pos)
					m.pfDetailEntry(ct, key, target, e.Pos, "canonical")
				}
				m.approx(ec, e.Pos, "canonicaltable: "+key+" "+target+" (LOCAL_RULE_0)", canonicalRuleDiffers, "", aff...)
				continue
			case ir.KeyDomainUser:
				dom := lower(k.Domain)
				if st.local[dom] {
					break
				}
				if strings.HasPrefix(target, "@") {
					// Postfix keeps the local part, +detail and all
					target = "%1%3" + target
				}
				ct := m.pfCanonicalTable(rs)
				if _, dup := ct.get("@" + dom); !dup {
					ct.add("@"+dom, target, e.Pos)
				}
				m.approx(ec, e.Pos, "canonicaltable: @"+dom+" "+target+" (LOCAL_RULE_0)", canonicalRuleDiffers, "", aff...)
				continue
			case ir.KeyUser:
				user := strings.ToLower(strings.TrimSuffix(k.Value, "@"))
				for _, d := range st.localOrder {
					keys = append(keys, user+"@"+d)
				}
			}
			if len(keys) == 0 {
				m.none(ec, e.Pos, "sendmail rewrites recipients only through virtusertable, for its local and virtual domains; this key is of another domain or form",
					"rewrite these recipients another way (a virtual domain, or domaintable for whole domains)", "", aff...)
				continue
			}
			if vt == nil {
				vt = m.table(fileVirtuser, mapTable, "virtusertable: Postfix's virtual_alias_maps.")
				m.mc.add(grpFeature, call("FEATURE", "virtusertable"), "recipient canonical mapping", rs.Pos)
			}
			for _, key := range keys {
				if _, dup := vt.get(key); !dup {
					vt.add(key, target, e.Pos)
					m.pfDetailEntry(vt, key, target, e.Pos, "canonical")
				}
			}
			m.approx(ec, e.Pos, "virtusertable: "+keys[0]+" "+target,
				"sendmail rewrites the recipient at RCPT and re-parses the result (a chain within one table goes on where Postfix maps once), and the recipient must then exist; Postfix accepts any recipient its canonical maps hold",
				"", aff...)
		}
	}
}
