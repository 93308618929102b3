package postfix

import (
	"slices"
	"strings"

	"mailcc/ir"
)

// stage returns the first rewriting stage of a kind.
func (m *migrator) stage(k ir.RewriteKind) *ir.RewriteStage {
	for i := range m.cfg.Rewrite.Stages {
		if m.cfg.Rewrite.Stages[i].Kind == k {
			return &m.cfg.Rewrite.Stages[i]
		}
	}
	return nil
}

func (m *migrator) stageTable(st *ir.RewriteStage) *ir.Table {
	if st == nil || len(st.Tables) == 0 {
		return nil
	}
	return m.cfg.Table(st.Tables[0])
}

// virtual: virtusertable becomes virtual_alias_maps. sendmail applies
// it to the domains of class w and VIRTUSER_DOMAIN only; Postfix to
// every domain, so entries for other domains are left out. A hash table
// holds what Postfix's own lookup order gets right; a domain with a %1
// catch-all, a user+* key or a +detail substitution goes, whole and in
// sendmail's order, to a regexp table. error: entries cannot be virtual
// aliases: they become recipient (and sender) access entries that refuse
// the address at RCPT (and MAIL) time, as sendmail's ruleset 0 does.
func (m *migrator) virtual() {
	st := m.stage(ir.RewriteVirtual)
	t := m.stageTable(st)
	if t == nil {
		return
	}
	scope := map[string]bool{}
	for _, d := range st.Domains {
		scope[strings.ToLower(d.Domain)] = true
	}
	for _, d := range m.local {
		scope[d] = true
	}
	inScope := func(d string) bool { return len(st.Domains) == 0 || scope[strings.ToLower(d)] }
	m.exact("FEATURE(virtusertable)", st.Pos, st.Origin, "main.cf: virtual_alias_maps")

	type ventry struct {
		en  *ir.Entry
		key ir.Key
		tgt string
		err *smReply
	}
	byDom := map[string][]*ventry{}
	var doms []string
	needRE := map[string]bool{}
	for i := range t.Entries {
		en := &t.Entries[i]
		v := en.Virtual
		construct, read := m.entry("virtusertable", en, v != nil)
		if !read {
			continue
		}
		dom := strings.ToLower(v.Key.Domain)
		if dom == "" || !inScope(dom) {
			m.exact(construct, en.Pos, "", "(nothing: sendmail consults virtusertable only for class w and VIRTUSER_DOMAIN domains, which "+dom+" is not)")
			continue
		}
		ve := &ventry{en: en, key: v.Key}
		val := strings.TrimSpace(en.Value)
		if len(val) > 6 && strings.EqualFold(val[:6], "error:") {
			r := virtError(val[6:])
			ve.err = &r
		} else {
			ve.tgt = val
			if strings.ContainsAny(val, ",") && strings.Contains(val, "@") && len(v.Targets) > 1 {
				m.approx(construct, en.Pos, "", "virtual: "+en.Key+" "+val,
					"sendmail refuses a virtusertable value that is a list (553 5.1.3 Invalid route address); Postfix delivers to every address of it",
					"resolve "+strings.TrimPrefix(en.Key, "@"), Affect{Kinds: []string{"resolve", "rcpt"}, Recipient: keyPattern(v.Key), Address: keyPattern(v.Key)})
			}
		}
		if _, ok := byDom[dom]; !ok {
			doms = append(doms, dom)
		}
		byDom[dom] = append(byDom[dom], ve)
		switch {
		case v.Key.Kind == ir.KeyDetailOnly, v.Key.Kind == ir.KeyUserDetail && (v.Key.Detail == "*" || v.Key.Detail == "+"):
			needRE[dom] = true
		case ve.err == nil && strings.Contains(val, "%") && (v.Key.Kind == ir.KeyDomainUser || strings.Contains(val, "%2") || strings.Contains(val, "%3")):
			needRE[dom] = true
		}
	}
	hash := m.newMap("virtual", "hash", "sendmail's virtusertable (only the domains sendmail consults it for: class w and VIRTUSER_DOMAIN).")
	re := m.newMap("virtual.regexp", "regexp",
		"virtusertable domains with a %1 catch-all, user+* keys or +detail substitutions, in sendmail's order: user+detail, user+*, user (with any +detail), then the catch-all.")
	errs := m.newMap("virtual_errors", "hash",
		"virtusertable error: entries: sendmail refuses these addresses while parsing them (RCPT, and MAIL for a sender); the other keys of the same domains are listed with DUNNO so that a catch-all error does not hide them.")
	for _, dom := range doms {
		es := byDom[dom]
		hasErr := false
		for _, ve := range es {
			hasErr = hasErr || ve.err != nil
		}
		// errors, and the keys they must not hide
		if hasErr {
			for _, ve := range es {
				key := errKey(ve.key)
				if key == "" {
					continue
				}
				if ve.err != nil {
					errs.add(key, ve.err.postfix(), ve.en.Pos)
					// mail that reaches the queue another way bounces
					tp := "error"
					if ve.err.temp() {
						tp = "retry"
					}
					m.transportMap().add(key, tp+":"+ve.err.dsn+" "+ve.err.text, ve.en.Pos)
					m.errDSN("virtusertable", ve.en, ve.err, Affect{Kinds: []string{"mail", "rcpt"}, Sender: keyPattern(ve.key)}, Affect{Kinds: []string{"rcpt"}, Recipient: keyPattern(ve.key)})
				} else {
					errs.add(key, "DUNNO", ve.en.Pos)
				}
			}
		}
		if needRE[dom] {
			m.virtualRegexp(re, dom, es2(es, func(ve *ventry) (*ir.Entry, ir.Key, string, bool) {
				return ve.en, ve.key, ve.tgt, ve.err != nil
			}))
			continue
		}
		for _, ve := range es {
			construct := "entry virtusertable " + ve.en.Key + " " + strings.TrimSpace(ve.en.Value)
			if ve.err != nil {
				m.approx(construct, ve.en.Pos, "", "virtual_errors: "+errKey(ve.key)+" "+ve.err.postfix(),
					"Postfix refuses the address at RCPT and MAIL as sendmail does (virtual_errors); mail that reaches the queue another way bounces through an error: transport entry, without sendmail's SMTP reply code",
					"resolve "+keyExample(ve.key), Affect{Kinds: []string{"resolve"}, Address: keyPattern(ve.key)})
				continue
			}
			key := strings.ToLower(ve.en.Key)
			tgt := ve.tgt
			if strings.Contains(tgt, "%1") && ve.key.Kind != ir.KeyDomainUser {
				tgt = strings.ReplaceAll(tgt, "%1", ve.key.User)
			}
			hash.add(key, tgt, ve.en.Pos)
			m.exact(construct, ve.en.Pos, "", "virtual: "+key+" "+tgt)
		}
	}
	var maps []string
	for _, f := range []*mapFile{hash, re} {
		if len(f.lines) > 0 {
			maps = append(maps, m.mapRef(f))
		} else {
			m.dropMap(f)
		}
	}
	if len(maps) > 0 {
		m.main.set(secRewrite, "virtual_alias_maps", strings.Join(maps, ", "), []string{"sendmail's virtusertable."}, st.Pos)
		m.main.set(secRewrite, "propagate_unmatched_extensions", "canonical",
			[]string{"sendmail does not put a +detail back on a virtusertable result (only %3 does)."})
	}
	if len(errs.lines) > 0 {
		m.rcptErrRestr = append(m.rcptErrRestr, "check_recipient_access "+m.mapRef(errs))
		m.senderErrRestr = append(m.senderErrRestr, "check_sender_access "+m.mapRef(errs))
	} else {
		m.dropMap(errs)
	}
}

// errDSN reports an error reply whose enhanced status Postfix's smtpd
// changes when it is used for a sender or a recipient.
func (m *migrator) errDSN(table string, en *ir.Entry, r *smReply, sender, rcpt Affect) {
	var d []string
	var aff []Affect
	if x := postfixDSN(ctxSender, r.dsn); x != r.dsn {
		d = append(d, "for a sender Postfix's smtpd sends "+x+" instead of "+r.dsn)
		aff = append(aff, sender)
	}
	if x := postfixDSN(ctxRecipient, r.dsn); x != r.dsn {
		d = append(d, "for a recipient Postfix's smtpd sends "+x+" instead of "+r.dsn)
		aff = append(aff, rcpt)
	}
	if len(d) > 0 {
		m.approx("entry "+table+" "+en.Key+" "+strings.TrimSpace(en.Value)+": its enhanced status", en.Pos, "", "",
			strings.Join(d, "; ")+" (it fits address statuses to the context)", "", aff...)
	}
}

// es2 adapts virtusertable entries for virtualRegexp.
func es2[T any](l []T, f func(T) (*ir.Entry, ir.Key, string, bool)) []vrow {
	var out []vrow
	for _, x := range l {
		en, k, tgt, isErr := f(x)
		out = append(out, vrow{en, k, tgt, isErr})
	}
	return out
}

type vrow struct {
	en    *ir.Entry
	key   ir.Key
	tgt   string
	isErr bool
}

// virtualRegexp writes one domain's virtusertable entries as regexp
// rules in sendmail's order.
func (m *migrator) virtualRegexp(re *mapFile, dom string, rows []vrow) {
	d := reQuote(dom)
	// sendmail's lookup order: user+detail@d, user++@d, user+*@d,
	// user@d (also for user+anything), ++@d, +*@d, @d
	rank := func(k ir.Key) int {
		switch k.Kind {
		case ir.KeyUserDetail:
			switch k.Detail {
			case "+":
				return 1
			case "*":
				return 2
			}
			return 0
		case ir.KeyAddress:
			return 3
		case ir.KeyDetailOnly:
			if k.Detail == "+" {
				return 4
			}
			return 5
		}
		return 6
	}
	for r := 0; r <= 6; r++ {
		for _, row := range rows {
			if rank(row.key) != r {
				continue
			}
			k := row.key
			construct := "entry virtusertable " + row.en.Key + " " + strings.TrimSpace(row.en.Value)
			if row.isErr {
				m.approx(construct, row.en.Pos, "", "virtual_errors: "+errKey(k)+" "+virtError(strings.TrimSpace(row.en.Value)[6:]).postfix(),
					"Postfix refuses the address at RCPT and MAIL as sendmail does (virtual_errors); mail that reaches the queue another way bounces through an error: transport entry, without sendmail's SMTP reply code",
					"resolve "+keyExample(k), Affect{Kinds: []string{"resolve"}, Address: keyPattern(k)})
				// keep sendmail's order: the address maps to itself, so
				// the catch-all below does not take it
				var pat string
				switch r {
				case 0:
					pat = "/^(" + reQuote(strings.ToLower(k.User)) + `\+` + reQuote(strings.ToLower(k.Detail)) + "@" + d + ")$/"
				case 3:
					pat = "/^(" + reQuote(strings.ToLower(k.User)) + `(\+[^@]*)?@` + d + ")$/"
				default:
					continue
				}
				re.add(pat, "${1}", row.en.Pos)
				continue
			}
			user := reQuote(strings.ToLower(k.User))
			var pat string
			var g map[byte]string
			switch r {
			case 0:
				pat = "/^(" + user + `)\+(` + reQuote(strings.ToLower(k.Detail)) + ")@" + d + "$/"
				g = map[byte]string{'1': "${1}", '2': "${2}", '3': "+${2}"}
			case 1:
				pat = "/^(" + user + `)\+([^@]+)@` + d + "$/"
				g = map[byte]string{'1': "${1}", '2': "${2}", '3': "+${2}"}
			case 2:
				pat = "/^(" + user + `)\+([^@]*)@` + d + "$/"
				g = map[byte]string{'1': "${1}", '2': "${2}", '3': "+${2}"}
			case 3:
				pat = "/^(" + user + `)(\+([^@]*))?@` + d + "$/"
				g = map[byte]string{'1': "${1}", '2': "${3}", '3': "${2}"}
			case 4:
				pat = `/^([^+@]*)\+([^@]+)@` + d + "$/"
				g = map[byte]string{'1': "${1}", '2': "${2}", '3': "+${2}"}
			case 5:
				pat = `/^([^+@]*)\+([^@]*)@` + d + "$/"
				g = map[byte]string{'1': "${1}", '2': "${2}", '3': "+${2}"}
			case 6:
				pat = `/^([^+@]*)(\+([^@]*))?@` + d + "$/"
				g = map[byte]string{'1': "${1}", '2': "${3}", '3': "${2}"}
			}
			val := subst(row.tgt, g)
			re.add(pat, val, row.en.Pos)
			m.exact(construct, row.en.Pos, "", "virtual.regexp: "+pat+" "+val)
		}
	}
}

// errKey is the Postfix access key of a virtusertable key ("" when it
// has none): user@domain, or the domain for @domain (exact, as the
// access tables are in ".domain" style).
func errKey(k ir.Key) string {
	switch k.Kind {
	case ir.KeyAddress:
		return strings.ToLower(k.User + "@" + k.Domain)
	case ir.KeyUserDetail:
		if k.Detail != "*" && k.Detail != "+" {
			return strings.ToLower(k.User + "+" + k.Detail + "@" + k.Domain)
		}
	case ir.KeyDomainUser:
		return strings.ToLower(k.Domain)
	}
	return ""
}

// keyExample is an address a virtusertable key matches.
func keyExample(k ir.Key) string {
	switch k.Kind {
	case ir.KeyDomainUser:
		return "user@" + strings.ToLower(k.Domain)
	case ir.KeyDetailOnly:
		return "user+detail@" + strings.ToLower(k.Domain)
	}
	return keyPattern(k)
}

// keyPattern is an Affect pattern for a virtusertable key.
func keyPattern(k ir.Key) string {
	switch k.Kind {
	case ir.KeyDomainUser, ir.KeyDetailOnly:
		return "@" + strings.ToLower(k.Domain)
	case ir.KeyUserDetail:
		if k.Detail == "*" || k.Detail == "+" {
			return strings.ToLower(k.User + "@" + k.Domain)
		}
		return strings.ToLower(k.User + "+" + k.Detail + "@" + k.Domain)
	}
	return strings.ToLower(k.User + "@" + k.Domain)
}

// aliases: the aliases file, in Postfix's syntax.
func (m *migrator) aliases() {
	st := m.stage(ir.RewriteAliases)
	var tables []*ir.Table
	if st != nil {
		for _, n := range st.Tables {
			if t := m.cfg.Table(n); t != nil {
				tables = append(tables, t)
			}
		}
	}
	if len(tables) == 0 {
		for _, n := range m.cfg.Routing.Local.Aliases {
			if t := m.cfg.Table(n); t != nil {
				tables = append(tables, t)
			}
		}
	}
	if len(tables) == 0 {
		return
	}
	f := m.newMap("aliases", "hash", "sendmail's aliases (newaliases), for Postfix's local(8)")
	f.alias = true
	// FEATURE(redirect): aliases to address.REDIRECT are relocated_maps
	redirect := m.stage(ir.RewriteRelocated)
	var relocated *mapFile
	n := 0
	for _, t := range tables {
		n += len(t.Entries)
	}
	// an item and a line per entry
	m.rep.Items = slices.Grow(m.rep.Items, n)
	f.reserve(n)
	owner := false
	for _, t := range tables {
		if !t.Loaded {
			m.none("ALIAS_FILE "+t.Backend.Source, t.Pos, t.Origin, "the aliases file was not read", "copy it to /etc/postfix/aliases and run postalias", "")
			continue
		}
		m.exact("ALIAS_FILE "+t.Backend.Source, t.Pos, t.Origin, "main.cf: alias_maps, alias_database")
		for i := range t.Entries {
			en := &t.Entries[i]
			construct := "entry aliases " + en.Key
			a := en.Alias
			if a == nil {
				m.none(construct, en.Pos, "", "the entry could not be read", "rewrite it by hand", "")
				continue
			}
			name := a.Name
			if u, d, ok := cutLast(name, "@"); ok && m.isLocal(d) {
				name = u
			}
			if strings.ContainsAny(name, " \t\"@:") {
				m.none(construct, en.Pos, "", "Postfix's aliases(5) names are bare local names: "+name+" cannot be written",
					"rename the alias", "alias "+name, Affect{Kinds: []string{"alias"}, Name: name})
				continue
			}
			var parts []string
			ok := true
			for _, tg := range a.Targets {
				switch tg.Kind {
				case ir.TargetProgram:
					parts = append(parts, `"|`+strings.ReplaceAll(tg.Value, `"`, `\"`)+`"`)
				case ir.TargetFile:
					v := tg.Value
					if strings.ContainsAny(v, " \t,") {
						v = `"` + v + `"`
					}
					parts = append(parts, v)
				case ir.TargetInclude:
					parts = append(parts, ":include:"+tg.Value)
				case ir.TargetNoAlias:
					parts = append(parts, `\`+strings.TrimPrefix(tg.Value, `\`))
				case ir.TargetError:
					ok = false
				default:
					parts = append(parts, tg.Value)
				}
			}
			if !ok {
				m.none(construct, en.Pos, "", "Postfix's local(8) has no error: alias target",
					"refuse the address with a check_recipient_access entry instead", "alias "+name, Affect{Kinds: []string{"alias", "rcpt", "resolve"}, Name: name, Recipient: name + "@"})
				continue
			}
			if len(a.Targets) == 1 && redirect != nil && strings.HasSuffix(strings.ToUpper(a.Targets[0].Value), ".REDIRECT") {
				to := a.Targets[0].Value[:len(a.Targets[0].Value)-len(".REDIRECT")]
				if relocated == nil {
					relocated = m.newMap("relocated", "hash", "FEATURE(redirect): sendmail's aliases to address.REDIRECT, which refuse the recipient and name the new address.")
				}
				relocated.add(strings.ToLower(name), to, en.Pos)
				m.approx(construct, en.Pos, "", "relocated: "+strings.ToLower(name)+" "+to,
					"sendmail answers 551 5.1.6 User has moved; please try <"+to+">, Postfix's relocated_maps 550 5.1.6 User has moved to "+to,
					"rcpt 192.0.2.1 a@example.org "+name+"@"+m.hostname,
					Affect{Kinds: []string{"rcpt", "resolve", "alias"}, Recipient: name + "@", Name: name})
				continue
			}
			if strings.HasPrefix(strings.ToLower(name), "owner-") {
				owner = true
			}
			value := strings.Join(parts, ", ")
			raw := strings.Join(strings.Fields(strings.ReplaceAll(en.Value, "\n", " ")), " ")
			if sameTargets(raw, parts) {
				// keep the value as written (quoting and all), as
				// postalias and praliases then show the same
				value = raw
			}
			if !f.add(strings.ToLower(name), value, en.Pos) {
				// sendmail: the last definition wins; postalias keeps
				// the first, so replace it
				for j := range f.lines {
					if strings.EqualFold(f.lines[j].key, name) {
						f.lines[j].value = value
						if f.provenance {
							f.from[j] = en.Pos
						}
					}
				}
			}
			it := Item{Construct: construct, Pos: en.Pos.String(), Fidelity: Exact, Target: "aliases: " + strings.ToLower(name)}
			for _, tg := range a.Targets {
				if tg.Kind == ir.TargetInclude {
					it.Fidelity = Approximate
					it.Differs = "the :include: file stays where sendmail had it; Postfix does not allow |command and /file destinations in it (allow_mail_to_commands, allow_mail_to_files)"
				}
			}
			m.item(it)
		}
	}
	m.final(f) // no later step adds aliases
	if redirect != nil {
		if relocated != nil {
			m.final(relocated)
			m.main.set(secRewrite, "relocated_maps", m.mapRef(relocated), []string{"FEATURE(redirect): aliases to address.REDIRECT."}, redirect.Pos)
		}
		m.exact("FEATURE(redirect)", redirect.Pos, redirect.Origin, "main.cf: relocated_maps (its aliases to address.REDIRECT)")
	}
	ref := "hash:" + strings.TrimSuffix(m.opt.ConfigDir, "/") + "/aliases"
	m.main.set(secDelivery, "alias_maps", ref, []string{"sendmail's aliases file."})
	m.main.set(secDelivery, "alias_database", ref, nil)
	if owner {
		m.main.set(secDelivery, "expand_owner_alias", "yes",
			[]string{"sendmail sends a list's bounces to what owner-LIST expands to when that is one address."})
	}
}

// sameTargets says whether a raw alias value holds the same items as
// the parsed ones (so it can be written as it was).
func sameTargets(raw string, parts []string) bool {
	if strings.ContainsAny(raw, "\\") || raw == "" {
		return false
	}
	var items []string
	for _, it := range strings.Split(raw, ",") {
		if s := strings.TrimSpace(it); s != "" {
			items = append(items, s)
		}
	}
	if len(items) != len(parts) {
		return false
	}
	for i := range items {
		a := strings.Trim(items[i], `"`)
		b := strings.Trim(parts[i], `"`)
		if a != b && !strings.HasPrefix(a, ":include:") {
			return false
		}
	}
	return true
}

func cutLast(s, sep string) (string, string, bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// scopeClasses is the Postfix canonical classes of a scope.
func scopeClasses(s ir.Scope) []string {
	var out []string
	if s.EnvelopeSender {
		out = append(out, "envelope_sender")
	}
	if s.EnvelopeRecipient {
		out = append(out, "envelope_recipient")
	}
	if s.HeaderSender {
		out = append(out, "header_sender")
	}
	if s.HeaderRecipient {
		out = append(out, "header_recipient")
	}
	return out
}

// domainsRegexp is an alternation matching a list of domains (with
// their subdomains when they cover them, or all do).
func domainsRegexp(ds []ir.DomainMatch, entire bool, extra ...string) string {
	var alts []string
	seen := map[string]bool{}
	for _, d := range ds {
		if d.Negated || d.Table != "" {
			continue
		}
		a := reQuote(strings.ToLower(d.Domain))
		if entire || d.Subdomains {
			a = `([^@]+\.)?` + a
		}
		if !seen[a] {
			seen[a] = true
			alts = append(alts, a)
		}
	}
	for _, e := range extra {
		a := reQuote(strings.ToLower(e))
		if !seen[a] {
			seen[a] = true
			alts = append(alts, a)
		}
	}
	return strings.Join(alts, "|")
}

// generic: genericstable becomes sender_canonical_maps, a regexp table
// in sendmail's order (user@domain, user+*@domain, @domain, then the
// bare user), limited to the domains of class G (and unqualified
// addresses, which Postfix qualifies with $myhostname first).
func (m *migrator) generic() {
	st := m.stage(ir.RewriteGeneric)
	t := m.stageTable(st)
	if t == nil {
		return
	}
	entire := false
	for _, o := range st.Order {
		entire = entire || o == "entire-domain"
	}
	for _, d := range st.Domains {
		entire = entire || d.Subdomains
	}
	inG := func(dom string) bool {
		dom = strings.ToLower(dom)
		for _, d := range st.Domains {
			dd := strings.ToLower(d.Domain)
			if dom == dd || (entire || d.Subdomains) && strings.HasSuffix(dom, "."+dd) {
				return true
			}
		}
		return false
	}
	f := m.newMap("generic.regexp", "regexp",
		"sendmail's genericstable, applied to the addresses of class G (GENERICS_DOMAIN) and unqualified ones, in sendmail's order: user@domain, @domain, then the bare user.")
	var extra []string
	if st.Unqualified && m.hostname != "" && !inG(m.hostname) {
		// unqualified addresses: sendmail looks up user@$j, then user;
		// Postfix has qualified them with $myhostname before
		extra = append(extra, m.hostname)
		m.approx("genericstable: unqualified addresses", st.Pos, "", "generic.regexp",
			"sendmail rewrites unqualified addresses, and user@"+m.hostname+" only if that domain is in class G; Postfix qualifies an address before it is looked up, so both are rewritten",
			"header_from user@"+m.hostname, Affect{Kinds: []string{"header_from"}, Address: "@" + m.hostname})
	}
	gre := domainsRegexp(st.Domains, entire, extra...)
	var fulls, ats, bares []*ir.Entry
	for i := range t.Entries {
		en := &t.Entries[i]
		g := en.Generic
		construct, read := m.entry("genericstable", en, g != nil)
		if !read {
			continue
		}
		switch g.Key.Kind {
		case ir.KeyAddress, ir.KeyUserDetail:
			if !inG(g.Key.Domain) && !(st.Unqualified && strings.EqualFold(g.Key.Domain, m.hostname)) {
				m.exact(construct, en.Pos, "", "(nothing: "+g.Key.Domain+" is not in class G, sendmail never looks it up)")
				continue
			}
			fulls = append(fulls, en)
		case ir.KeyDomainUser:
			if !inG(g.Key.Domain) {
				m.exact(construct, en.Pos, "", "(nothing: "+g.Key.Domain+" is not in class G, sendmail never looks it up)")
				continue
			}
			ats = append(ats, en)
		default:
			bares = append(bares, en)
		}
	}
	add := func(en *ir.Entry, pat string, g map[byte]string) {
		val := subst(strings.TrimSpace(en.Value), g)
		f.add(pat, val, en.Pos)
		m.exact("entry genericstable "+en.Key+" "+strings.TrimSpace(en.Value), en.Pos, "", "generic.regexp: "+pat+" "+val)
	}
	// user+detail@domain keys first, then user@domain (any detail)
	for _, pass := range []bool{true, false} {
		for _, en := range fulls {
			k := en.Generic.Key
			detail := k.Kind == ir.KeyUserDetail
			if detail != pass {
				continue
			}
			u := reQuote(strings.ToLower(k.User))
			d := reQuote(strings.ToLower(k.Domain))
			if detail {
				if k.Detail == "*" || k.Detail == "+" {
					add(en, "/^("+u+`)\+([^@]*)@`+d+"$/", map[byte]string{'1': "${1}", '2': "${2}"})
				} else {
					add(en, "/^("+u+`\+`+reQuote(strings.ToLower(k.Detail))+")@"+d+"$/", map[byte]string{'1': "${1}"})
				}
				continue
			}
			add(en, "/^("+u+`(\+([^@]*))?)@`+d+"$/", map[byte]string{'1': "${1}", '2': "${3}"})
		}
	}
	for _, en := range ats {
		d := reQuote(strings.ToLower(en.Generic.Key.Domain))
		add(en, `/^(([^@+]*)(\+([^@]*))?)@`+d+"$/", map[byte]string{'1': "${1}", '2': "${4}"})
	}
	if gre != "" {
		for _, en := range bares {
			k := en.Generic.Key
			u := reQuote(strings.ToLower(strings.TrimSuffix(k.Value, "@")))
			add(en, "/^("+u+`(\+([^@]*))?)@(`+gre+")$/", map[byte]string{'1': "${1}", '2': "${3}"})
		}
	}
	if len(f.lines) == 0 {
		m.dropMap(f)
		return
	}
	classes := scopeClasses(st.Scope)
	if len(classes) == 0 {
		classes = []string{"header_sender"}
	}
	m.main.set(secRewrite, "sender_canonical_maps", m.mapRef(f), []string{"sendmail's genericstable (FEATURE(genericstable), GENERICS_DOMAIN)."}, st.Pos)
	m.main.set(secRewrite, "sender_canonical_classes", strings.Join(classes, ", "),
		[]string{"genericstable rewrites header senders" + map[bool]string{true: " and, with masquerade_envelope, the envelope sender.", false: " only (the envelope too with masquerade_envelope)."}[st.Scope.EnvelopeSender]})
	m.headerRewriteAll(st.Pos)
	m.approx("FEATURE(genericstable)", st.Pos, "", "main.cf: sender_canonical_maps",
		"sendmail rewrites at delivery, per mailer (local mail too, unless local_no_masquerade); Postfix rewrites when the message is received, so the address is the same for every destination",
		"")
}

// headerRewriteAll: sendmail rewrites the headers of every message it
// delivers; Postfix only those of local clients unless told.
func (m *migrator) headerRewriteAll(pos ir.Pos) {
	if _, ok := m.main.get("local_header_rewrite_clients"); ok {
		return
	}
	m.main.set(secRewrite, "local_header_rewrite_clients", "static:all",
		[]string{"sendmail rewrites the headers of every message, whichever client sent it."}, pos)
}

// masquerade: MASQUERADE_AS. sendmail rewrites sender addresses whose
// host is exactly one of class w (unless limited_masquerade) or class M
// (with masquerade_entire_domain also their subdomains) to the
// masquerade name, except class N domains and EXPOSED_USER users.
// Postfix's masquerade_domains strips subdomains of a listed domain to
// that domain, which is the same only when every masqueraded host is
// the masquerade domain or below it and subdomains are meant; otherwise
// the migration writes canonical_maps (a regexp table) with the scope
// as canonical_classes.
func (m *migrator) masquerade() {
	st := m.stage(ir.RewriteMasquerade)
	if st == nil || st.Masquerade == nil || !concrete(st.Masquerade.As.Value) {
		return
	}
	mq := st.Masquerade
	as := strings.ToLower(mq.As.Value)
	construct := "MASQUERADE_AS(" + mq.As.Value + ")"
	classes := scopeClasses(st.Scope)
	under := func(d string) bool { d = strings.ToLower(d); return d == as || strings.HasSuffix(d, "."+as) }
	simple := mq.EntireDomain && m.hostname != "" && under(m.hostname)
	for _, d := range mq.Domains {
		if !under(d.Domain) {
			simple = false
		}
	}
	for _, x := range mq.Exceptions {
		if !under(x.Domain) {
			simple = false
		}
	}
	if simple {
		var list []string
		for _, x := range mq.Exceptions {
			list = append(list, "!"+strings.ToLower(x.Domain))
		}
		list = append(list, as)
		m.main.set(secRewrite, "masquerade_domains", strings.Join(list, ", "), []string{"MASQUERADE_AS with masquerade_entire_domain: every masqueraded host is below " + as + "."}, mq.As.Pos)
		var users []string
		for _, u := range mq.ExposedUsers {
			users = append(users, u.Value)
		}
		if len(users) > 0 {
			m.main.set(secRewrite, "masquerade_exceptions", strings.Join(users, ", "), []string{"EXPOSED_USER"})
		}
		m.main.set(secRewrite, "masquerade_classes", strings.Join(classes, ", "), nil)
		m.headerRewriteAll(st.Pos)
		m.exact(construct, mq.As.Pos, "", "main.cf: masquerade_domains, masquerade_exceptions, masquerade_classes")
		return
	}
	f := m.newMap("masquerade.regexp", "regexp",
		"MASQUERADE_AS("+mq.As.Value+"): the hosts sendmail masquerades (class w unless limited_masquerade, class M; with masquerade_entire_domain their subdomains), except class N domains and EXPOSED_USER users, which map to themselves.")
	for _, x := range mq.Exceptions {
		f.add(`/^(.*@([^@]+\.)?`+reQuote(strings.ToLower(x.Domain))+")$/", "${1}", x.Pos)
		m.exact("MASQUERADE_EXCEPTION("+x.Domain+")", x.Pos, x.Origin, "masquerade.regexp (the address is kept)")
	}
	for _, u := range mq.ExposedUsers {
		f.add("/^("+reQuote(strings.ToLower(u.Value))+"@.*)$/", "${1}", u.Pos)
		m.exact("EXPOSED_USER("+u.Value+")", u.Pos, u.Origin, "masquerade.regexp (the address is kept)")
	}
	doms := append([]ir.DomainMatch{}, mq.Domains...)
	if !mq.Limited {
		// class w's members sendmail adds itself
		have := map[string]bool{}
		for _, d := range doms {
			have[strings.ToLower(d.Domain)] = true
		}
		for _, w := range m.classW() {
			if !have[w] {
				have[w] = true
				doms = append(doms, ir.DomainMatch{Domain: w, Origin: "class w"})
			}
		}
	}
	for _, d := range doms {
		if d.Negated || d.Table != "" {
			continue
		}
		dd := strings.ToLower(d.Domain)
		pat := "/^(.*)@" + reQuote(dd) + "$/"
		if mq.EntireDomain && d.Origin != "class w" {
			pat = "/^(.*)@([^@]+\\.)?" + reQuote(dd) + "$/"
		}
		f.add(pat, "${1}@"+as, d.Pos)
		if d.Pos.IsValid() {
			m.exact("masquerade domain "+d.Domain, d.Pos, d.Origin, "masquerade.regexp: "+pat)
		}
	}
	if mq.Limited && m.hostname != "" {
		masq := false
		for _, d := range mq.Domains {
			masq = masq || strings.EqualFold(d.Domain, m.hostname)
		}
		if !masq {
			m.approx("FEATURE(limited_masquerade): unqualified senders", st.Pos, "", "masquerade.regexp",
				"sendmail masquerades unqualified senders as "+as+" even with limited_masquerade; Postfix qualifies them with $myhostname first, which is not masqueraded",
				"header_from user", Affect{Kinds: []string{"header_from"}, When: WhenUnqualified})
		}
	}
	m.main.set(secRewrite, "canonical_maps", m.mapRef(f), []string{"sendmail's masquerading (" + construct + ")."}, mq.As.Pos)
	m.main.set(secRewrite, "canonical_classes", strings.Join(classes, ", "),
		[]string{"the addresses sendmail masquerades: header senders; the envelope sender with masquerade_envelope, header recipients with allmasquerade."})
	m.headerRewriteAll(st.Pos)
	m.approx(construct, mq.As.Pos, "", "main.cf: canonical_maps = "+m.mapRef(f)+", canonical_classes",
		"sendmail masquerades at delivery, per mailer; Postfix rewrites when the message is received, for every destination, and the result of genericstable is masqueraded again",
		"")
}

// domainTable: domaintable becomes canonical maps "@old @new" for every
// address.
func (m *migrator) domainTable() {
	st := m.stage(ir.RewriteDomainTable)
	t := m.stageTable(st)
	if t == nil {
		return
	}
	if _, used := m.main.get("canonical_maps"); used {
		m.none("FEATURE(domaintable)", st.Pos, "", "canonical_maps is already taken by masquerading, with other classes",
			"merge the domaintable entries into recipient_canonical_maps and sender_canonical_maps by hand", "")
		return
	}
	f := m.newMap("domaintable", "hash", "sendmail's domaintable: every address at the old domain gets the new one.")
	for i := range t.Entries {
		en := &t.Entries[i]
		k := strings.ToLower(strings.TrimSpace(en.Key))
		f.add("@"+k, "@"+strings.TrimSpace(en.Value), en.Pos)
		m.approx("entry domaintable "+en.Key+" "+strings.TrimSpace(en.Value), en.Pos, "", "domaintable: @"+k,
			"sendmail renames the domain before anything else (routing, the access map); Postfix's canonical maps act in cleanup, after the SMTP checks",
			"rcpt 192.0.2.1 a@example.net user@"+k, Affect{Kinds: []string{"rcpt", "mail"}, Recipient: k}, Affect{Kinds: []string{"mail"}, Sender: k})
	}
	m.main.set(secRewrite, "canonical_maps", m.mapRef(f), []string{"sendmail's domaintable."}, st.Pos)
	m.headerRewriteAll(st.Pos)
}
