package postfix

import (
	"fmt"
	"mailcc/internal/smreply"
	"net/netip"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"mailcc/ir"
)

// smPolicy is what sendmail's check rulesets do, read from the IR's
// policy stages.
type smPolicy struct {
	access                  *ir.Table
	accessPos               ir.Pos
	checkRelay, checkMail   bool
	blocklist               bool
	blocklistPos            ir.Pos
	relayTo, relayToFull    bool
	relayConnect            bool
	skip, dotDomain         bool
	unresolvable            *ir.Check
	unqualified             *ir.Check
	percentReject, bangRej  *ir.Check
	rejectReply, rcptReject smReply
}

func (m *migrator) readPolicy() smPolicy {
	var p smPolicy
	p.rejectReply = replyOf(m.cfg.Policy.Defaults.Reject, smReply{550, "5.7.1", "Access denied"})
	p.rcptReject = replyOf(m.cfg.Policy.Defaults.RecipientReject, smReply{550, "5.2.1", "Mailbox disabled for this recipient"})
	for _, st := range m.cfg.Policy.Stages {
		for i := range st.Checks {
			c := &st.Checks[i]
			switch c.Kind {
			case ir.CheckAccess:
				if c.Lookup != nil {
					p.skip = p.skip || c.Lookup.Skip
					p.dotDomain = p.dotDomain || c.Lookup.DotDomain
				}
				if c.Table != "" && p.access == nil {
					p.access = m.cfg.Table(c.Table)
				}
				relay := len(c.Args) == 1 && c.Args[0] == "RELAY"
				switch {
				case st.Stage == ir.StageConnect:
					p.checkRelay = true
					p.accessPos = c.Pos
				case st.Stage == ir.StageMail:
					p.checkMail = true
				case st.Stage == ir.StageRcpt && relay && c.Subject == "recipient":
					p.relayTo = true
					p.relayToFull = c.Lookup != nil && len(c.Lookup.Order) > 1 && c.Lookup.Order[0] == "address"
				case st.Stage == ir.StageRcpt && relay && c.Subject == "client":
					p.relayConnect = true
				case st.Stage == ir.StageRcpt && c.Lookup != nil && c.Lookup.UserOnlyLocal:
					p.blocklist = true
					p.blocklistPos = c.Pos
				}
			case ir.CheckRejectUnknownSenderDomain:
				p.unresolvable = c
			case ir.CheckRejectUnqualifiedSender:
				p.unqualified = c
			case ir.CheckPercentHack:
				p.percentReject = c
			case ir.CheckBangPath:
				p.bangRej = c
			}
		}
	}
	if p.access != nil && !p.accessPos.IsValid() {
		p.accessPos = p.access.Pos
	}
	return p
}

// accEntry is an access map entry with what sendmail makes of its value.
type accEntry struct {
	en  *ir.Entry
	ae  *ir.AccessEntry
	v   accessVerdict
	r   smReply
	arg string
	rep *entryReport
	key string // the key in lower case (how every lookup compares it)
	// the key's kind and the tag, copied from ae: the loops over every
	// entry read them without reaching into the IR
	kind ir.KeyKind
	tag  string
	dot  string // dotted's answer

	// the network of an address key, read once (prefixRead)
	prefix     netip.Prefix
	prefixText string
	prefixOK   bool
	prefixRead bool
}

// network is keyPrefix of the entry's key, read on first use, and
// the network as a cidr table writes it (several tables list it).
func (e *accEntry) network() (netip.Prefix, string, bool) {
	if !e.prefixRead {
		e.prefix, e.prefixOK = keyPrefix(e.ae.Key)
		if e.prefixOK {
			e.prefixText = e.prefix.String()
		}
		e.prefixRead = true
	}
	return e.prefix, e.prefixText, e.prefixOK
}

// dotted is ".d" for the entry's key d (without its trailing dot),
// made once: several tables list it.
func (e *accEntry) dotted() string {
	if e.dot == "" {
		e.dot = "." + strings.TrimSuffix(e.key, ".")
	}
	return e.dot
}

// entryReport collects what became of one access entry in every table
// it went to.
type entryReport struct {
	// en is the entry: the item's construct and position are made of
	// it by accessItems, off the migration's way
	en       *ir.Entry
	targets  []entryTarget
	differs  []string
	examples []string
	affects  []Affect
	dead     string // why sendmail never uses it
}

// target records the table entry "file: key action" the entry became;
// the text is made by accessItems, off the migration's way.
func (r *entryReport) target(file, key, act string) {
	r.targets = append(r.targets, entryTarget{file, key, act})
}

type entryTarget struct{ file, key, act string }

// targetText is the report's text for the targets: "file: key action",
// joined by "; ".
func targetText(ts []entryTarget) string {
	n := 0
	for _, t := range ts {
		n += len(t.file) + len(t.key) + len(t.act) + 5
	}
	var b strings.Builder
	b.Grow(n)
	for i, t := range ts {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(t.file)
		b.WriteString(": ")
		b.WriteString(t.key)
		b.WriteByte(' ')
		b.WriteString(t.act)
	}
	return b.String()
}

func (r *entryReport) differ(d, example string, a ...Affect) {
	for _, x := range r.differs {
		if x == d {
			r.affects = append(r.affects, a...)
			return
		}
	}
	r.differs = append(r.differs, d)
	if example != "" {
		r.examples = append(r.examples, example)
	}
	r.affects = append(r.affects, a...)
}

// accessSet reads the access map's entries once.
type accessSet struct {
	all     []*accEntry
	reports []*entryReport
	// picked remembers pick's answers: several checks ask for the same
	// entries (the answer does not depend on the order of the kinds)
	picked map[string][]*accEntry
	// ids numbers the entries' keys (ids[j] for all[j], the same for
	// the same key): pick tells them apart without hashing them again
	ids   []int32
	nkeys int
}

func (m *migrator) readAccess(p *smPolicy) *accessSet {
	s := &accessSet{}
	if p.access == nil {
		return s
	}
	n := 0
	for i := range p.access.Entries {
		if p.access.Entries[i].Access != nil {
			n++
		}
	}
	// The entries and their reports in one allocation each (a large
	// map has a million).
	entries := make([]accEntry, 0, n)
	reports := make([]entryReport, 0, n)
	s.all = make([]*accEntry, 0, n)
	s.reports = make([]*entryReport, 0, n)
	// the keys are numbered meanwhile
	numbered := make(chan struct{})
	go func() {
		defer close(numbered)
		s.ids = make([]int32, 0, n)
		id := make(map[string]int32, n)
		for i := range p.access.Entries {
			en := &p.access.Entries[i]
			if en.Access == nil {
				continue
			}
			k := strings.ToLower(en.Access.Key.Value)
			x, ok := id[k]
			if !ok {
				x = int32(len(id))
				id[k] = x
			}
			s.ids = append(s.ids, x)
		}
		s.nkeys = len(id)
	}()
	// Most entries share their value with many others: each value is
	// read once.
	type verdict struct {
		v   accessVerdict
		r   smReply
		arg string
	}
	verdicts := map[string]verdict{}
	for i := range p.access.Entries {
		en := &p.access.Entries[i]
		if en.Access == nil {
			continue
		}
		vd, ok := verdicts[en.Value]
		if !ok {
			vd.v, vd.r, vd.arg = smAccess(en.Value, p.skip)
			verdicts[en.Value] = vd
		}
		reports = append(reports, entryReport{en: en})
		rep := &reports[len(reports)-1]
		entries = append(entries, accEntry{en: en, ae: en.Access, v: vd.v, r: vd.r, arg: vd.arg, rep: rep, key: strings.ToLower(en.Access.Key.Value),
			kind: en.Access.Key.Kind, tag: en.Access.Tag})
		s.all = append(s.all, &entries[len(entries)-1])
		s.reports = append(s.reports, rep)
	}
	<-numbered
	return s
}

// pick returns the entries for a lookup with a tag that falls back to
// untagged keys: per key, the tagged entry wins, and of two entries with
// the same key the first (makemap keeps the first).
func (s *accessSet) pick(tag string, untagged bool, kinds ...ir.KeyKind) []*accEntry {
	sorted := make([]string, len(kinds))
	for i, k := range kinds {
		sorted[i] = string(k)
	}
	slices.Sort(sorted)
	memo := strings.ToLower(tag) + "|" + strconv.FormatBool(untagged) + "|" + strings.Join(sorted, ",")
	if out, ok := s.picked[memo]; ok {
		return out
	}
	out := s.pickAll(tag, untagged, kinds)
	if s.picked == nil {
		s.picked = map[string][]*accEntry{}
	}
	s.picked[memo] = out
	return out
}

func (s *accessSet) pickAll(tag string, untagged bool, kinds []ir.KeyKind) []*accEntry {
	// per key in the order of its first entry: the tagged and the
	// untagged entry
	type slot struct{ tagged, plain *accEntry }
	eligible := func(e *accEntry) (ok, isTagged bool) {
		if !slices.Contains(kinds, e.kind) {
			return false, false
		}
		isTagged = strings.EqualFold(e.tag, tag)
		return isTagged || e.tag == "" && untagged, isTagged
	}
	// what each entry is to this lookup: 0 not looked up, 1 untagged,
	// 2 tagged (one pass to count, then the slots)
	const plain, tagged = 1, 2
	kind := make([]uint8, len(s.all))
	n := 0
	for j, e := range s.all {
		if ok, isTagged := eligible(e); ok {
			n++
			kind[j] = plain
			if isTagged {
				kind[j] = tagged
			}
		}
	}
	// slotOf[id]: the slot of the key with that id, plus one
	slotOf := make([]int32, s.nkeys)
	slots := make([]slot, 0, n)
	for j, e := range s.all {
		if kind[j] == 0 {
			continue
		}
		isTagged := kind[j] == tagged
		i := int(slotOf[s.ids[j]]) - 1
		if i < 0 {
			i = len(slots)
			slotOf[s.ids[j]] = int32(i + 1)
			slots = append(slots, slot{})
		}
		switch {
		case isTagged && slots[i].tagged == nil:
			slots[i].tagged = e
		case !isTagged && slots[i].plain == nil:
			slots[i].plain = e
		}
	}
	var out []*accEntry
	if len(slots) > 0 {
		out = make([]*accEntry, 0, len(slots))
	}
	for _, sl := range slots {
		if sl.tagged != nil {
			out = append(out, sl.tagged)
		} else {
			out = append(out, sl.plain)
		}
	}
	return out
}

// ctx is what an access value is used for.
type ctx int

const (
	ctxClient ctx = iota
	ctxSender
	ctxRecipient
	ctxRelay // relay permission: RELAY permits, anything else ends the search
)

// action is the Postfix access(5) action for an entry in a context.
func (m *migrator) action(p *smPolicy, e *accEntry, c ctx) string {
	if c == ctxRelay {
		if e.v == vRelay {
			return "OK"
		}
		return "DUNNO"
	}
	v, r := e.v, e.r
	if v == vFriend || v == vHater {
		v, r = vError, errorReply("", smreply.CatAddr(smreply.Tokenize(strings.TrimSpace(e.en.Value))))
	}
	switch v {
	case vAccept, vRelay:
		if c == ctxSender && m.delayed && len(m.clientRestr) > 0 {
			// delay_checks: a sender sendmail accepts still goes through
			// the client's checks (checkrelay comes after checkmail)
			m.delayedClientClass = true
			return "delayed_client_checks"
		}
		if c == ctxRecipient {
			// a blocklist entry that accepts only ends the blocklist
			// lookup; relay permission is decided after it
			return "DUNNO"
		}
		return "OK"
	case vReject:
		if c == ctxRecipient {
			return p.rcptReject.postfix()
		}
		return p.rejectReply.postfix()
	case vDiscard:
		return "DISCARD"
	case vQuarantine:
		return strings.TrimSpace("HOLD " + e.arg)
	case vSkip:
		return "DUNNO"
	}
	return r.postfix()
}

// postfixDSN is the enhanced status Postfix's smtpd sends for an access
// reply with this status in a context: it turns address statuses
// (X.1.Y) into ones that fit the context (measured with Postfix 3.7).
func postfixDSN(c ctx, dsn string) string {
	if len(dsn) < 5 || dsn[1:4] != ".1." {
		return dsn
	}
	y := dsn[4:]
	switch c {
	case ctxClient:
		return dsn[:1] + ".0.0"
	case ctxSender:
		switch y {
		case "0", "7", "8":
			return dsn
		case "2":
			return dsn[:4] + "8"
		}
		return dsn[:4] + "7"
	case ctxRecipient:
		switch y {
		case "7":
			return dsn[:4] + "3"
		case "8":
			return dsn[:4] + "2"
		}
	}
	return dsn
}

// notable says whether noteAction can record anything for the entry
// (callers skip building its Affect otherwise).
func notable(e *accEntry, c ctx) bool {
	switch e.v {
	case vError, vFriend, vHater, vDiscard:
		return true
	case vQuarantine:
		return c == ctxRecipient
	}
	return false
}

// noteAction records the per-action differences of an entry used in a
// context, with the probes it affects.
func (m *migrator) noteAction(e *accEntry, c ctx, affect Affect, example string) {
	if e.v == vError || e.v == vFriend || e.v == vHater {
		if d := postfixDSN(c, e.r.dsn); d != e.r.dsn {
			e.rep.differ("Postfix's smtpd sends the enhanced status "+d+" instead of "+e.r.dsn+" here (it fits address statuses to the context)", example, affect)
		}
	}
	switch e.v {
	case vDiscard:
		e.rep.differ("DISCARD: sendmail discards the message (its ruleset answers \"discard\"); Postfix answers 250 and discards the message after DATA, so the session goes on", example, affect)
	case vQuarantine:
		if c == ctxRecipient {
			e.rep.differ("QUARANTINE: in sendmail's blocklist it also ends the recipient's checks (relaying is then not checked); Postfix's HOLD does not", example, affect)
		}
	}
}

// policy writes the access map and relaying as Postfix restrictions.
func (m *migrator) policy() {
	p := m.readPolicy()
	m.pol = &p
	m.delayed = m.cfg.Policy.DelayChecks
	acc := m.readAccess(&p)
	m.acc = acc
	if p.access != nil {
		m.exact("FEATURE(access_db)", p.accessPos, p.access.Origin, "the access map, split into the tables below")
	}

	// Every step fills the tables it makes, and no later one adds to
	// them: each step's tables are ready when it returns.
	// --- clients (check_relay): names, then addresses
	if p.checkRelay {
		m.clientAccess(&p, acc)
		m.ready()
	}
	// --- senders (check_mail)
	m.senderChecks(&p, acc)
	m.ready()
	// --- recipients (blocklist_recipients)
	if p.blocklist {
		m.recipientAccess(&p, acc)
		m.ready()
	}
	// --- relaying
	m.relay(&p, acc)
	m.ready()
	// --- delay_checks
	m.delayChecks(&p, acc)
	m.ready()
	// --- DNS lists, rDNS, HELO, rate limits, local rules
	m.otherChecks()
	m.heloSyntax()
	// entries no check looks at (every entry has a report of its own)
	for _, e := range acc.all {
		if len(e.rep.targets) > 0 || e.rep.dead != "" {
			continue
		}
		switch {
		case e.ae.Tag == "Spam" && m.cfg.Policy.DelayMode == "":
			e.rep.dead = "Spam: entries are read only by FEATURE(delay_checks, friend|hater)"
		case e.ae.Tag == "To" && !p.blocklist && e.v != vRelay:
			e.rep.dead = "To: entries other than RELAY are read only by FEATURE(blocklist_recipients)"
		case e.ae.Tag == "":
			e.rep.dead = "no check of this configuration looks this key up"
		case e.ae.Tag == "AuthInfo" && m.cfg.Client.AuthTable == "":
			e.rep.dead = "the SMTP client's credentials, reported with smtp_sasl_password_maps"
		default:
			e.rep.dead = "no check of this configuration reads " + e.ae.Tag + ": entries"
		}
	}
	// Nothing changes the entries' reports after this: the items of
	// those that are not exact are made while the migration goes on
	// (restrictions adds them).
	m.accItems = make(chan *accessItems, 1)
	go func() { m.accItems <- acc.items() }()
}

// clientAccess: Connect: entries (and untagged host and address keys)
// for check_relay. sendmail walks the client's name and its parents
// first, and only when nothing is found its address and prefixes; SKIP
// ends a walk. One hash table for the names (".domain" style) and one
// cidr table for the addresses, in that order, do the same.
func (m *migrator) clientAccess(p *smPolicy, acc *accessSet) {
	names := acc.pick("Connect", true, ir.KeyDomain, ir.KeyDotDomain, ir.KeyBracketed)
	addrs := acc.pick("Connect", true, ir.KeyIPv4, ir.KeyIPv6)
	if len(names) > 0 {
		f := m.newMap("access_client", "hash",
			"Client host names (sendmail access Connect: and untagged host entries, check_relay): a name covers its subdomains through the \".name\" entry.")
		m.domainKeys(p, f, names, ctxClient, func(e *accEntry, key string) Affect {
			return Affect{Kinds: []string{"connect", "mail", "rcpt"}, Client: key}
		})
		if len(f.lines) > 0 {
			m.clientRestr = append(m.clientRestr, "check_client_access "+m.mapRef(f))
			m.final(f) // clientDiscard only reads it
		} else {
			m.dropMap(f)
		}
	}
	if len(addrs) > 0 {
		f := m.newMap("access_client.cidr", "cidr",
			"Client addresses (sendmail access Connect: and untagged address entries, check_relay): sendmail's octet and IPv6 group prefixes as networks, the most specific first.")
		m.addressKeys(p, f, addrs, ctxClient)
		if len(f.lines) > 0 {
			m.clientRestr = append(m.clientRestr, "check_client_access "+m.mapRef(f))
		} else {
			m.dropMap(f)
		}
	}
	m.clientDiscard()
}

// clientDiscard: with smtpd_delay_reject = no, smtpd skips DISCARD in
// the client restrictions (it cannot discard before there is a
// message). sendmail's check_relay DISCARD marks the whole session, so
// the client tables are asked again first thing at MAIL, in copies
// where only DISCARD is kept (every other value becomes DUNNO so that
// a more specific entry still shadows a DISCARD).
func (m *migrator) clientDiscard() {
	if m.delayed {
		return
	}
	var pre []string
	for _, r := range m.clientRestr {
		ref, ok := strings.CutPrefix(r, "check_client_access ")
		if !ok {
			continue
		}
		var f *mapFile
		for _, x := range m.maps {
			if m.mapRef(x) == ref {
				f = x
			}
		}
		if f == nil || !slices.ContainsFunc(f.lines, func(l mapLine) bool { return l.value == "DISCARD" }) {
			continue
		}
		name := strings.TrimSuffix(f.name, ".cidr") + "_discard"
		if f.typ == "cidr" {
			name += ".cidr"
		}
		d := m.newMap(name, f.typ, "The DISCARD entries of "+f.name+", asked at MAIL: smtpd skips DISCARD in client restrictions when smtpd_delay_reject = no, and sendmail's check_relay DISCARD discards the session's mail.")
		// f's keys, already told apart: d is indexed only if a key
		// is looked up or added
		d.lines = make([]mapLine, len(f.lines))
		for i, l := range f.lines {
			v := "DUNNO"
			if l.value == "DISCARD" {
				v = "DISCARD"
			}
			d.lines[i] = mapLine{key: l.key, value: v}
		}
		d.from = slices.Clone(f.from)
		pre = append(pre, "check_client_access "+m.mapRef(d))
	}
	m.senderPre = append(pre, m.senderPre...)
}

// domainKeys adds host or domain entries to a ".domain"-style hash
// table: "d" for the domain itself, ".d" for its subdomains (a sendmail
// ".d" key, with lookupdotdomain, wins for the subdomains).
func (m *migrator) domainKeys(p *smPolicy, f *mapFile, es []*accEntry, c ctx, affect func(*accEntry, string) Affect) {
	exactOnly := c == ctxRelay && m.cfg.Relay.HostsOnly
	// The keys of es are told apart already (pick), in lower case:
	// unless one ends with a dot, is not ASCII, or a ".d" key is added,
	// every "d" and ".d" is new to an empty table, and is added
	// without looking it up.
	dotKeys := p.dotDomain && !exactOnly
	add := f.add
	if len(f.lines) == 0 && !slices.ContainsFunc(es, func(e *accEntry) bool {
		switch e.kind {
		case ir.KeyDotDomain:
			return dotKeys
		case ir.KeyBracketed:
			return false
		}
		return e.key == "" || e.key[0] == '.' || e.key[len(e.key)-1] == '.' || !isASCII(e.key)
	}) {
		add = func(key, value string, from ir.Pos) bool {
			f.addNew(key, value, from)
			return true
		}
		f.lines = slices.Grow(f.lines, 2*len(es))
		if f.provenance {
			f.from = slices.Grow(f.from, 2*len(es))
		}
	} else {
		f.reserve(2 * len(es))
	}
	for _, e := range es {
		if e.kind != ir.KeyDotDomain {
			continue
		}
		if !dotKeys {
			if e.rep.dead == "" && len(e.rep.targets) == 0 {
				e.rep.dead = "a \".domain\" key is looked up only with FEATURE(access_db)'s lookupdotdomain option"
			}
			continue
		}
		act := m.action(p, e, c)
		if add(e.key, act, e.en.Pos) {
			e.rep.target(f.name, e.key, act)
			if notable(e, c) {
				m.noteAction(e, c, affect(e, e.ae.Key.Value), "")
			}
		}
	}
	for _, e := range es {
		switch e.kind {
		case ir.KeyDotDomain:
			continue
		case ir.KeyBracketed:
			k := e.ae.Key
			e.rep.differ("a bracketed name matches clients without a verified host name in sendmail; Postfix calls those \"unknown\": the entry is not migrated",
				"connect "+strings.Trim(k.Value, "[]"), Affect{Kinds: []string{"connect", "mail", "rcpt"}, Client: strings.Trim(k.Value, "[]"), When: WhenNoClientName})
			continue
		}
		dot := e.dotted()
		d := dot[1:]
		act := m.action(p, e, c)
		added := add(d, act, e.en.Pos)
		if !exactOnly {
			added = add(dot, act, e.en.Pos) || added
		}
		if added {
			e.rep.target(f.name, d, act)
			if notable(e, c) {
				m.noteAction(e, c, affect(e, d), "")
			}
		}
	}
}

// addressKeys adds IPv4 and IPv6 entries to a cidr table.
func (m *migrator) addressKeys(p *smPolicy, f *mapFile, es []*accEntry, c ctx) {
	f.reserve(len(es))
	for _, e := range es {
		pfx, ps, ok := e.network()
		if !ok {
			e.rep.differ("the address key could not be read as a network: not migrated", "")
			continue
		}
		act := m.action(p, e, c)
		if f.add(ps, act, e.en.Pos) {
			e.rep.target(f.name, ps, act)
			if notable(e, c) {
				m.noteAction(e, c, Affect{Kinds: []string{"connect", "mail", "rcpt"}, Client: ps}, "connect "+pfx.Addr().String())
			}
		}
	}
}

// keyPrefix reads a sendmail address key (octets "10.1", IPv6 groups
// "2001:db8:a") as a network.
func keyPrefix(k ir.Key) (netip.Prefix, bool) {
	v := strings.TrimPrefix(strings.ToLower(k.Value), "ipv6:")
	switch k.Kind {
	case ir.KeyIPv4:
		if strings.Count(v, ".") == 3 {
			// a whole address: nothing to fill in
			a, err := netip.ParseAddr(v)
			if err != nil {
				return netip.Prefix{}, false
			}
			return netip.PrefixFrom(a, 32), true
		}
		parts := strings.Split(v, ".")
		if len(parts) == 0 || len(parts) > 4 {
			return netip.Prefix{}, false
		}
		bits := 8 * len(parts)
		for len(parts) < 4 {
			parts = append(parts, "0")
		}
		a, err := netip.ParseAddr(strings.Join(parts, "."))
		if err != nil {
			return netip.Prefix{}, false
		}
		return netip.PrefixFrom(a, bits), true
	case ir.KeyIPv6:
		if strings.Contains(v, "::") {
			a, err := netip.ParseAddr(v)
			if err != nil {
				return netip.Prefix{}, false
			}
			bits := k.Prefix
			if bits == 0 {
				bits = 128
			}
			return netip.PrefixFrom(a, bits).Masked(), true
		}
		groups := strings.Split(v, ":")
		if len(groups) == 0 || len(groups) > 8 {
			return netip.Prefix{}, false
		}
		bits := 16 * len(groups)
		for len(groups) < 8 {
			groups = append(groups, "0")
		}
		a, err := netip.ParseAddr(strings.Join(groups, ":"))
		if err != nil {
			return netip.Prefix{}, false
		}
		return netip.PrefixFrom(a, bits), true
	}
	return netip.Prefix{}, false
}

// senderChecks: sendmail's check_mail. Before the access map: the null
// sender is accepted and a sender at localhost refused (unless
// accept_unqualified_senders); the From: (and untagged) entries are
// searched full address, then user@, then the domain and its parents;
// then unqualified senders are refused, and senders whose domain does
// not resolve.
func (m *migrator) senderChecks(p *smPolicy, acc *accessSet) {
	if p.unqualified != nil {
		doms := []string{"localhost", "localhost\\.uucp", "\\[127\\.0\\.0\\.1\\]", "\\[ipv6:0:0:0:0:0:0:0:1\\]", "\\[ipv6:::1\\]"}
		if m.domain != "" {
			doms = append(doms, "localhost\\."+reQuote(m.domain))
		}
		f := m.newMap("sender_localhost.regexp", "regexp",
			"sendmail's check_mail refuses a sender at localhost (unless the client is this host itself) when unqualified senders are refused.")
		f.add("/@("+strings.Join(doms, "|")+")$/", "553 5.5.4 Real domain name required for sender address", p.unqualified.Pos)
		m.senderPre = append(m.senderPre, "check_sender_access "+m.mapRef(f))
		var affects []Affect
		for _, l := range []string{"localhost", "localhost.uucp", "[127.0.0.1]"} {
			affects = append(affects, Affect{Kinds: []string{"mail", "rcpt"}, Sender: "@" + l, Client: "127.0.0.0/8"})
			for _, n := range m.local {
				affects = append(affects, Affect{Kinds: []string{"mail", "rcpt"}, Sender: "@" + l, Client: n})
			}
		}
		m.approx("sendmail's check_mail: a sender at localhost", p.unqualified.Pos, p.unqualified.Origin,
			f.name+": 553 5.5.4 Real domain name required for sender address",
			"sendmail lets a client whose name is one of this host's own names (class w) use localhost senders; the Postfix table refuses them from every client",
			"mail 127.0.0.1 user@localhost", affects...)
	}
	if p.checkMail {
		es := acc.pick("From", true, ir.KeyAddress, ir.KeyUserDetail, ir.KeyUser, ir.KeyDomain, ir.KeyDotDomain)
		m.addressAccess(p, es, ctxSender, "access_sender", "check_sender_access",
			"Senders (sendmail access From: and untagged entries, check_mail)", &m.senderAccess)
	}
	if p.unqualified != nil {
		m.unqualifiedSenders(p)
	} else {
		m.exact("FEATURE(accept_unqualified_senders)", ir.Pos{}, "unqualified senders are accepted", "Postfix accepts them too (no reject_non_fqdn_sender)")
	}
	if p.unresolvable == nil {
		m.exact("FEATURE(accept_unresolvable_domains)", ir.Pos{}, "senders whose domain does not resolve are accepted", "Postfix accepts them too (no reject_unknown_sender_domain)")
	}
	if c := p.unresolvable; c != nil {
		r := replyOf(*orReply(c.Reply), smReply{553, "5.1.8", "Domain of sender address does not exist"})
		m.senderPost = append(m.senderPost, "reject_unknown_sender_domain")
		m.main.set(secPolicy, "unknown_address_reject_code", fmt.Sprint(r.code),
			[]string{"sendmail refuses senders whose domain does not resolve with 553 5.1.8 (FEATURE(accept_unresolvable_domains) allows them)."}, c.Pos)
		m.approx("sendmail's check_mail: senders whose domain does not resolve are refused", c.Pos, c.Origin,
			"smtpd_sender_restrictions: reject_unknown_sender_domain, unknown_address_reject_code = "+fmt.Sprint(r.code),
			"when the DNS lookup fails for a while sendmail answers 451 4.1.8 and Postfix 450 4.1.8; a domain with an MX record but no address resolves for Postfix, and sendmail canonifies through the hosts file and DNS the same way only when its service switch says so",
			"mail 192.0.2.1 user@dns-is-down.example")
		// Postfix does not look up the final destinations (local and
		// virtual domains); sendmail refuses a sender at a local name
		// that does not resolve like any other.
		var affects []Affect
		for _, d := range m.local {
			if !strings.HasPrefix(d, "[") {
				affects = append(affects, Affect{Kinds: []string{"mail", "rcpt"}, Sender: "@" + d, When: WhenSenderUnresolvable})
			}
		}
		if len(affects) > 0 {
			m.approx("sendmail's check_mail: a sender at a local domain that does not resolve", c.Pos, c.Origin,
				"reject_unknown_sender_domain",
				"Postfix never looks up its final destinations (mydestination, virtual domains) and accepts senders there; sendmail refuses a sender at one of its own names when that name does not resolve",
				"mail 192.0.2.1 user@"+m.local[0], affects...)
		}
	}
}

func orReply(r *ir.Reply) *ir.Reply {
	if r == nil {
		return &ir.Reply{}
	}
	return r
}

// addressAccess writes the entries of an address lookup (check_mail's
// From:, the blocklist's To:) as hash tables in sendmail's search
// order. Postfix searches one table full address, domain and parents,
// user@; sendmail searches full address, user@, domain. When there are
// both user@ and domain keys the user@ keys get a table of their own,
// searched first (for recipients: restricted to local domains, as
// sendmail's To:user@ is).
func (m *migrator) addressAccess(p *smPolicy, es []*accEntry, c ctx, name, restr, what string, out *[]string) {
	var full, user, dom []*accEntry
	for _, e := range es {
		switch e.ae.Key.Kind {
		case ir.KeyUserDetail:
			k := e.ae.Key
			if k.Detail == "*" || k.Detail == "+" {
				e.rep.differ("a user+"+k.Detail+"@ key has no Postfix form (Postfix tries user+detail, then user): not migrated",
					"", Affect{Kinds: kindsOf(c), Sender: senderIf(c, k.User+"@"+k.Domain), Recipient: rcptIf(c, k.User+"@"+k.Domain)})
				continue
			}
			if k.Domain == "" {
				user = append(user, e)
			} else {
				full = append(full, e)
			}
		case ir.KeyAddress:
			full = append(full, e)
		case ir.KeyUser:
			user = append(user, e)
		default:
			dom = append(dom, e)
		}
	}
	if len(full)+len(user)+len(dom) == 0 {
		return
	}
	kinds := kindsOf(c)
	addKey := func(f *mapFile, e *accEntry, key string) {
		act := m.action(p, e, c)
		if f.add(key, act, e.en.Pos) {
			e.rep.target(f.name, key, act)
			a := Affect{Kinds: kinds}
			if c == ctxSender {
				a.Sender = key
			} else {
				a.Recipient = key
			}
			m.noteAction(e, c, a, "")
		}
	}
	main := m.newMap(name, "hash", what+": full addresses and domains (a domain covers its subdomains through the \".domain\" entry).")
	main.reserve(len(full) + len(user) + 2*len(dom))
	for _, e := range full {
		addKey(main, e, e.key)
	}
	affect := func(e *accEntry, key string) Affect {
		if c == ctxSender {
			return Affect{Kinds: kinds, Sender: key}
		}
		return Affect{Kinds: kinds, Recipient: key}
	}
	var userTab *mapFile
	switch {
	case len(user) == 0:
	case c == ctxRecipient:
		// To:user@ applies to local domains only (and unqualified
		// recipients)
		userTab = m.newMap(name+"_user.regexp", "regexp", what+": user@ entries, which sendmail applies to local domains only.")
		locals := m.localRegexp()
		for _, e := range user {
			u := strings.TrimSuffix(e.key, "@")
			re := "/^" + reQuote(u)
			if !strings.Contains(u, "+") {
				re += `(\+[^@]*)?`
			}
			re += "(@(" + locals + "))?$/"
			act := m.action(p, e, c)
			if userTab.add(re, act, e.en.Pos) {
				e.rep.target(userTab.name, re, act)
				m.noteAction(e, c, Affect{Kinds: kinds, Recipient: u + "@"}, "")
			}
		}
	case len(dom) == 0:
		for _, e := range user {
			addKey(main, e, e.key)
		}
	default:
		// sendmail tries user@ before the domain: a table of its own,
		// searched first (after the full addresses, which must then be
		// there too)
		userTab = m.newMap(name+"_user", "hash", what+": full addresses and user@ entries, which sendmail tries before the domain.")
		for _, e := range full {
			act := m.action(p, e, c)
			userTab.add(e.key, act, e.en.Pos)
		}
		for _, e := range user {
			addKey(userTab, e, e.key)
		}
		for _, e := range full {
			if e.v == vSkip || e.v == vAccept && c == ctxRecipient {
				e.rep.differ("a full address that sendmail answers with "+strings.TrimSpace(e.en.Value)+" ends sendmail's search; in Postfix the domain table is still consulted after it",
					"", affect(e, e.key))
			}
		}
		for _, e := range user {
			if e.v == vSkip {
				e.rep.differ("SKIP on a user@ key ends sendmail's search; in Postfix the domain table is still consulted after it", "", affect(e, e.key))
			}
		}
	}
	m.domainKeys(p, main, dom, c, affect)
	if c == ctxRecipient && userTab != nil && len(dom) > 0 {
		// sendmail: user@ before the domain for local recipients;
		// Postfix: the domain table first
		for _, d := range dom {
			dd := strings.ToLower(strings.TrimPrefix(d.ae.Key.Value, "."))
			for _, l := range m.local {
				if l == dd || strings.HasSuffix(l, "."+dd) {
					for _, u := range user {
						u.rep.differ("for a local domain covered by the domain key "+d.ae.Key.Value+" sendmail tries user@ first, Postfix the domain",
							"", Affect{Kinds: kinds, Recipient: u.key})
					}
				}
			}
		}
	}
	if len(main.lines) > 0 {
		if userTab != nil && c != ctxRecipient {
			*out = append(*out, restr+" "+m.mapRef(userTab))
		}
		*out = append(*out, restr+" "+m.mapRef(main))
	} else {
		m.dropMap(main)
		if userTab != nil && c != ctxRecipient {
			*out = append(*out, restr+" "+m.mapRef(userTab))
		}
	}
	if userTab != nil && c == ctxRecipient {
		*out = append(*out, restr+" "+m.mapRef(userTab))
	}
}

func kindsOf(c ctx) []string {
	if c == ctxSender {
		return []string{"mail", "rcpt"}
	}
	return []string{"rcpt"}
}

func senderIf(c ctx, s string) string {
	if c == ctxSender {
		return s
	}
	return ""
}

func rcptIf(c ctx, s string) string {
	if c != ctxSender {
		return s
	}
	return ""
}

// localRegexp is an alternation of the local domains.
func (m *migrator) localRegexp() string {
	var alts []string
	for _, d := range m.local {
		alts = append(alts, reQuote(d))
	}
	return strings.Join(alts, "|")
}

// recipientAccess: FEATURE(blocklist_recipients): To: (and untagged)
// entries that refuse a recipient, searched before relay permission.
func (m *migrator) recipientAccess(p *smPolicy, acc *accessSet) {
	es := acc.pick("To", true, ir.KeyAddress, ir.KeyUserDetail, ir.KeyUser, ir.KeyDomain, ir.KeyDotDomain)
	m.exact("FEATURE(blocklist_recipients)", p.blocklistPos, "", "check_recipient_access first in smtpd_relay_restrictions (sendmail checks the blocklist before relay permission)")
	m.addressAccess(p, es, ctxRecipient, "access_recipient", "check_recipient_access",
		"Recipients (sendmail access To: and untagged entries, FEATURE(blocklist_recipients)); accepting entries only end the search (DUNNO)", &m.blockRestr)
}

// relay: who may relay. sendmail: the recipient's domain (class w, class
// R, To: RELAY), then the client (loopback, class R networks, Connect:
// RELAY addresses, then its verified name: class w, class R, Connect:
// RELAY names), TRUST_AUTH_MECH. Postfix: smtpd_relay_restrictions,
// permitting each of these before reject_unauth_destination.
func (m *migrator) relay(p *smPolicy, acc *accessSet) {
	r := m.cfg.Relay
	// mynetworks: loopback and class R networks
	var nets []string
	var netFrom []ir.Pos
	for _, n := range r.Networks {
		if n.Negated || n.CIDR == "" {
			continue
		}
		pfx, err := netip.ParsePrefix(n.CIDR)
		if err != nil {
			m.approx("relay network "+n.Source, n.Pos, n.Origin, "", "not a network Postfix can read: not migrated", "")
			continue
		}
		s := pfx.String()
		if pfx.Addr().Is6() {
			s = "[" + pfx.Addr().String() + "]/" + fmt.Sprint(pfx.Bits())
		}
		nets = append(nets, s)
		netFrom = append(netFrom, n.Pos)
		src := n.Source
		if src == "" {
			src = n.CIDR
		}
		m.exact("relay network "+src, n.Pos, n.Origin, "main.cf: mynetworks "+s)
	}
	m.main.set(secNetworks, "mynetworks", strings.Join(nets, ", "),
		[]string{"Clients that may relay: sendmail's loopback addresses and the networks of class R (relay-domains, RELAY_DOMAIN)."}, netFrom...)

	// relay_domains: class R domains (VIRTUSER_DOMAIN too), relay_entire_domain
	var doms []string
	var domFrom []ir.Pos
	for _, d := range r.Domains {
		if d.Negated || d.Table != "" {
			continue
		}
		if !domainRE.MatchString(strings.TrimSuffix(d.Domain, ".")) {
			m.none("class R: "+d.Domain, d.Pos, d.Origin, "not a domain name Postfix can list", "add it to relay_domains by hand", "")
			continue
		}
		doms = append(doms, strings.ToLower(strings.TrimSuffix(d.Domain, ".")))
		domFrom = append(domFrom, d.Pos)
		m.exact("class R: "+d.Domain, d.Pos, d.Origin, "main.cf: relay_domains (recipients) and relay_clients (client names)")
	}
	if r.EntireDomain && m.domain != "" {
		doms = append(doms, "$mydomain")
		m.exact("FEATURE(relay_entire_domain)", r.Pos, "", "main.cf: relay_domains $mydomain, relay_clients: $mydomain")
	}
	pd := "debug_peer_list, fast_flush_domains, mynetworks, permit_mx_backup_networks, qmqpd_authorized_clients, relay_domains"
	if r.HostsOnly {
		pd = "debug_peer_list, fast_flush_domains, mynetworks, permit_mx_backup_networks, qmqpd_authorized_clients"
		m.exact("FEATURE(relay_hosts_only)", r.Pos, "", "relay_domains and the access tables match exact names (parent_domain_matches_subdomains)")
	}
	m.main.set(secPolicy, "parent_domain_matches_subdomains", pd,
		[]string{"The access tables are written in \".domain\" style: \"example.com\" matches only that name, \".example.com\" the names below it (so sendmail's walk up the domain can be exact or not, entry by entry)."})
	if len(doms) > 0 {
		m.main.set(secDomains, "relay_domains", strings.Join(doms, ", "),
			[]string{"Domains anyone may send to: sendmail's class R (relay-domains, RELAY_DOMAIN, VIRTUSER_DOMAIN)" +
				map[bool]string{true: ", exact names only (relay_hosts_only).", false: " and their subdomains."}[r.HostsOnly]}, domFrom...)
	}
	m.main.set(secPolicy, "relay_domains_reject_code", "550", []string{"sendmail refuses to relay with 550 5.7.1 (Postfix's default is 554)."})

	// client names that may relay: class w (exact), $m with
	// relay_entire_domain, class R names
	var named *mapFile
	ensure := func() *mapFile {
		if named == nil {
			named = m.newMap("relay_clients", "hash",
				"Client host names that may relay: this host's own names (class w, exact), "+
					"class R's names (relay-domains, RELAY_DOMAIN), with relay_entire_domain the local domain.")
		}
		return named
	}
	for _, d := range m.local {
		ensure().add(d, "OK", ir.Pos{})
	}
	if r.EntireDomain && m.domain != "" {
		ensure().add(m.domain, "OK", r.Pos)
		ensure().add("."+m.domain, "OK", r.Pos)
	}
	for _, d := range r.ClientNames {
		if d.Negated || d.Table != "" || !domainRE.MatchString(strings.TrimSuffix(d.Domain, ".")) {
			continue
		}
		dd := strings.ToLower(d.Domain)
		ensure().add(dd, "OK", d.Pos)
		if !r.HostsOnly && (d.Subdomains || !d.OnlySubdomains) {
			ensure().add("."+dd, "OK", d.Pos)
		}
	}
	if named != nil {
		m.relayPermit = append(m.relayPermit, "check_client_access "+m.mapRef(named))
	}
	// Connect: RELAY: the address walk, then the name walk
	if p.relayConnect {
		addrs := acc.pick("Connect", true, ir.KeyIPv4, ir.KeyIPv6)
		if hasRelay(addrs) {
			f := m.newMap("relay_clients.cidr", "cidr",
				"Client addresses that may relay (sendmail access Connect: RELAY); more specific entries that are not RELAY end sendmail's search (DUNNO).")
			m.addressKeys(p, f, addrs, ctxRelay)
			m.relayPermit = append(m.relayPermit, "check_client_access "+m.mapRef(f))
		}
		names := acc.pick("Connect", true, ir.KeyDomain, ir.KeyDotDomain)
		if hasRelay(names) {
			f := m.newMap("relay_client_access", "hash",
				"Client names that may relay (sendmail access Connect: RELAY); more specific entries that are not RELAY end sendmail's search (DUNNO).")
			m.domainKeys(p, f, names, ctxRelay, func(e *accEntry, key string) Affect {
				return Affect{Kinds: []string{"rcpt"}, Client: key}
			})
			m.final(f)
			m.relayPermit = append(m.relayPermit, "check_client_access "+m.mapRef(f))
		}
	}
	// To: RELAY: the recipient's domain walk (relaytofulladdress: full
	// address, domain, user@ — Postfix's own order)
	if p.relayTo {
		kinds := []ir.KeyKind{ir.KeyDomain, ir.KeyDotDomain}
		if p.relayToFull {
			kinds = append(kinds, ir.KeyAddress, ir.KeyUserDetail, ir.KeyUser)
		}
		es := acc.pick("To", true, kinds...)
		if hasRelay(es) {
			f := m.newMap("relay_recipients", "hash",
				"Recipients anyone may relay to (sendmail access To: RELAY); more specific entries that are not RELAY end sendmail's search (DUNNO).")
			var doms []*accEntry
			for _, e := range es {
				switch e.ae.Key.Kind {
				case ir.KeyDomain, ir.KeyDotDomain:
					doms = append(doms, e)
				default:
					act := m.action(p, e, ctxRelay)
					k := e.key
					if f.add(k, act, e.en.Pos) {
						e.rep.target(f.name, k, act)
					}
				}
			}
			m.domainKeys(p, f, doms, ctxRelay, func(e *accEntry, key string) Affect {
				return Affect{Kinds: []string{"rcpt"}, Recipient: key}
			})
			m.final(f)
			m.relayPermit = append(m.relayPermit, "check_recipient_access "+m.mapRef(f))
		}
	}
	if len(r.AuthMechanisms) > 0 {
		var mechs []string
		var from []ir.Pos
		for _, v := range r.AuthMechanisms {
			mechs = append(mechs, strings.ToUpper(v.Value))
			from = append(from, v.Pos)
		}
		m.relayAuth = true
		m.main.set(secPolicy, "smtpd_sasl_auth_enable", "yes",
			[]string{"TRUST_AUTH_MECH(" + strings.Join(mechs, " ") + "): clients that authenticate may relay. Postfix also needs a SASL server (smtpd_sasl_type, smtpd_sasl_path)."}, from...)
		m.approx("TRUST_AUTH_MECH("+strings.Join(mechs, " ")+")", firstPos(from), "", "smtpd_relay_restrictions: permit_sasl_authenticated",
			"Postfix lets a client that authenticated with any mechanism relay; sendmail only one that used "+strings.Join(mechs, " or ")+
				" (offer only those: smtpd_sasl_security_options, or the SASL server's mech_list)",
			"rcpt 192.0.2.1 a@example.net b@example.org user auth_type=CRAM-MD5",
			Affect{Kinds: []string{"rcpt"}, Authenticated: true, When: "auth-mechanism-not:" + strings.Join(mechs, " ")})
	}
	if r.Open {
		m.openRelay = true
		m.approx("FEATURE(promiscuous_relay)", r.Pos, "", "smtpd_relay_restrictions: check_client_access static:OK (every client may relay)",
			"none for relaying itself; note that this is an open relay", "")
	}
	if r.BasedOnMX {
		m.relayPermit = append(m.relayPermit, "permit_mx_backup")
		m.approx("FEATURE(relay_based_on_MX)", r.Pos, "", "smtpd_relay_restrictions: permit_mx_backup",
			"Postfix's permit_mx_backup also requires the MX to be one of this host's addresses, not a name in class w", "")
	}
	if r.LocalFrom || r.MailFrom {
		m.none("FEATURE(relay_local_from / relay_mail_from)", r.Pos, "",
			"relaying based on the envelope sender is forgeable, and the migration does not write it",
			"if you must: check_sender_access with OK entries in smtpd_relay_restrictions", "")
	}
	m.exact("sendmail's relay check (Relaying denied)", r.Pos, "cf library", "smtpd_relay_restrictions: reject_unauth_destination, relay_domains_reject_code = 550")
}

func hasRelay(es []*accEntry) bool {
	for _, e := range es {
		if e.v == vRelay {
			return true
		}
	}
	return false
}

func firstPos(ps []ir.Pos) ir.Pos {
	for _, p := range ps {
		if p.IsValid() {
			return p
		}
	}
	return ir.Pos{}
}

// delayChecks: FEATURE(delay_checks[, friend|hater]): the client's and
// the sender's checks run at RCPT, after the recipient's; Spam: FRIEND
// recipients skip them, or only Spam: HATER recipients get them.
func (m *migrator) delayChecks(p *smPolicy, acc *accessSet) {
	pol := m.cfg.Policy
	if !pol.DelayChecks {
		return
	}
	m.delayed = true
	mode := strings.ToLower(pol.DelayMode)
	m.exact("FEATURE(delay_checks"+map[bool]string{true: ", " + mode, false: ""}[mode != ""]+")", ir.Pos{}, "",
		"smtpd_delay_reject = yes; the client and sender checks in smtpd_recipient_restrictions, after relaying")
	if mode != "friend" && mode != "hater" {
		return
	}
	es := acc.pick("Spam", false, ir.KeyAddress, ir.KeyUserDetail, ir.KeyUser, ir.KeyDomain, ir.KeyDotDomain)
	verdict := vFriend
	if mode == "hater" {
		verdict = vHater
	}
	f := m.newMap("spam_"+mode, "hash", "sendmail access Spam: entries (FEATURE(delay_checks, "+mode+")).")
	var user *mapFile
	act := func(e *accEntry) string {
		if e.v != verdict {
			return "DUNNO"
		}
		if mode == "friend" {
			return "OK"
		}
		return "spam_hater_checks"
	}
	var doms []*accEntry
	for _, e := range es {
		k := e.key
		switch e.ae.Key.Kind {
		case ir.KeyDomain, ir.KeyDotDomain:
			doms = append(doms, e)
		case ir.KeyUser:
			if user == nil {
				user = m.newMap("spam_"+mode+"_user.regexp", "regexp", "sendmail access Spam: user@ entries, which apply to local domains only.")
			}
			u := strings.TrimSuffix(k, "@")
			re := "/^" + reQuote(u) + `(\+[^@]*)?(@(` + m.localRegexp() + "))?$/"
			if user.add(re, act(e), e.en.Pos) {
				e.rep.target(user.name, re, act(e))
			}
		default:
			if f.add(k, act(e), e.en.Pos) {
				e.rep.target(f.name, k, act(e))
			}
		}
	}
	for _, e := range doms {
		k := strings.ToLower(strings.TrimPrefix(e.ae.Key.Value, "."))
		added := false
		if e.ae.Key.Kind == ir.KeyDomain {
			added = f.add(k, act(e), e.en.Pos)
		}
		if p.dotDomain || e.ae.Key.Kind == ir.KeyDomain {
			added = f.add("."+k, act(e), e.en.Pos) || added
		}
		if added {
			e.rep.target(f.name, k, act(e))
		}
	}
	for _, t := range []*mapFile{f, user} {
		if t != nil && len(t.lines) > 0 {
			m.spamRestr = append(m.spamRestr, "check_recipient_access "+m.mapRef(t))
		}
	}
	if len(f.lines) == 0 {
		m.dropMap(f)
	}
	m.spamMode = mode
}

// otherChecks: the checks of sendmail's features that are neither the
// access map nor relaying.
func (m *migrator) otherChecks() {
	for _, st := range m.cfg.Policy.Stages {
		for _, c := range st.Checks {
			construct := c.Name
			if construct == "" {
				construct = string(c.Kind)
			}
			if len(c.Args) > 0 && c.Kind != ir.CheckOpaque {
				construct = strings.TrimSuffix(construct, ")") + ", " + strings.Join(c.Args, ", ") + ")"
			}
			switch c.Kind {
			case ir.CheckDNSBL:
				zone := ""
				if len(c.Args) > 0 {
					zone = c.Args[0]
				}
				if zone == "" {
					m.none(construct, c.Pos, c.Origin, "no zone given", "add reject_rbl_client ZONE to smtpd_client_restrictions", "")
					continue
				}
				m.clientRestr = append(m.clientRestr, "reject_rbl_client "+zone)
				m.main.set(secPolicy, "maps_rbl_reject_code", "550", []string{"sendmail's DNS block lists refuse with 550 (Postfix's default is 554)."})
				differs := "Postfix also looks IPv6 clients up, and its reply text differs"
				if strings.Contains(c.Name, "enhdnsbl") {
					differs += "; enhdnsbl's list of return values to match is not migrated (write reject_rbl_client " + zone + "=127.0.0.2 and so on)"
				}
				if len(c.Args) > 1 && c.Args[1] != "" {
					differs += "; the message (" + c.Args[1] + ") is not migrated (rbl_reply_maps)"
				}
				m.approx(construct, c.Pos, c.Origin, "smtpd_client_restrictions: reject_rbl_client "+zone, differs, "connect 127.0.0.2")
			case ir.CheckRHSBL:
				if len(c.Args) == 0 || c.Args[0] == "" {
					continue
				}
				m.senderPost = append(m.senderPost, "reject_rhsbl_sender "+c.Args[0])
				m.approx(construct, c.Pos, c.Origin, "smtpd_sender_restrictions: reject_rhsbl_sender "+c.Args[0],
					"Postfix's reply code is 554 by default, and the access map's rhs: exemptions are not migrated", "")
			case ir.CheckRejectUnknownClient:
				m.clientRestr = append(m.clientRestr, "reject_unknown_client_hostname")
				m.main.set(secPolicy, "unknown_client_reject_code", "550", []string{"FEATURE(require_rdns) refuses clients without a reverse DNS name with 550."})
				m.approx(construct, c.Pos, c.Origin, "smtpd_client_restrictions: reject_unknown_client_hostname",
					"sendmail exempts relay clients (class R) and answers 451 when DNS fails; Postfix checks every client and defers with 450",
					"connect 192.0.2.1", Affect{Kinds: []string{"connect", "mail", "rcpt"}, When: WhenNoClientName})
			case ir.CheckHelo:
				m.main.set(secPolicy, "smtpd_helo_restrictions", "permit_mynetworks, permit_sasl_authenticated, reject_invalid_helo_hostname, reject_non_fqdn_helo_hostname",
					[]string{"FEATURE(block_bad_helo): unqualified or invalid HELO names."}, c.Pos)
				m.approx(construct, c.Pos, c.Origin, "smtpd_helo_restrictions",
					"sendmail also refuses a HELO with this host's own name or address, exempts class R clients, and answers 550 5.7.1; Postfix answers 504 5.5.2 (invalid or unqualified names) and does not know the own-name case without a check_helo_access table",
					"rcpt 192.0.2.1 a@example.net b@example.com helo=localhost")
			case ir.CheckRate, ir.CheckConnLimit, ir.CheckGreetPause:
				what := map[ir.CheckKind]string{
					ir.CheckRate:       "smtpd_client_connection_rate_limit (one limit for all clients; exceptions in smtpd_client_event_limit_exceptions)",
					ir.CheckConnLimit:  "smtpd_client_connection_count_limit",
					ir.CheckGreetPause: "postscreen's greet wait (postscreen_greet_wait, postscreen_greet_action)",
				}[c.Kind]
				m.none(construct, c.Pos, c.Origin, "Postfix has no per-client table of limits like the access map's "+map[ir.CheckKind]string{ir.CheckRate: "ClientRate:", ir.CheckConnLimit: "ClientConn:", ir.CheckGreetPause: "GreetPause:"}[c.Kind]+" entries",
					"set "+what+" by hand", "")
			case ir.CheckOpaque:
				m.none(construct, c.Pos, c.Origin, "mailcc does not model this check", "rewrite it as Postfix restrictions, or a policy service", "")
			}
		}
	}
}

// restrictions writes the restriction lists once every table is known.
func (m *migrator) restrictions() {
	p := m.pol
	join := func(l ...[]string) string {
		var out []string
		for _, x := range l {
			out = append(out, x...)
		}
		return strings.Join(out, ", ")
	}
	senderAll := append(append(append([]string{}, m.senderPre...), m.senderAccess...), m.senderPost...)
	if !m.delayed {
		m.main.set(secPolicy, "smtpd_delay_reject", "no",
			[]string{"sendmail checks the client when it connects (check_relay) and the sender at MAIL (check_mail)."})
		if len(m.clientRestr) > 0 {
			m.main.set(secPolicy, "smtpd_client_restrictions", join(m.clientRestr), []string{"sendmail's check_relay: the client's name, then its address."}, p.accessPos)
		}
		if s := join(m.senderErrRestr, senderAll); s != "" {
			m.main.set(secPolicy, "smtpd_sender_restrictions", s,
				[]string{"sendmail's check_mail" + map[bool]string{true: " (and ruleset 0's errors for the sender)", false: ""}[len(m.senderErrRestr) > 0] + "."})
		}
	} else {
		if s := join(m.senderErrRestr); s != "" {
			m.main.set(secPolicy, "smtpd_sender_restrictions", s, []string{"ruleset 0's errors for the sender (sendmail refuses them at MAIL even with delay_checks)."})
		}
		var delayed []string
		delayed = append(delayed, senderAll...)
		delayed = append(delayed, m.clientRestr...)
		if m.delayedClientClass {
			m.addClass("delayed_client_checks", join(m.clientRestr, []string{"permit"}),
				"delay_checks: a sender the access map accepts (OK) still gets the client's checks, as sendmail runs check_relay after check_mail.")
		}
		switch m.spamMode {
		case "hater":
			m.addClass("spam_hater_checks", join(delayed), "delay_checks, hater: the sender's and the client's checks, for Spam: HATER recipients only.")
			m.main.set(secPolicy, "smtpd_recipient_restrictions", join(m.spamRestr, []string{"permit"}), []string{"delay_checks, hater: only Spam: HATER recipients get the sender's and client's checks."})
		default:
			if s := join(m.spamRestr, delayed); s != "" {
				m.main.set(secPolicy, "smtpd_recipient_restrictions", s,
					[]string{"delay_checks: the sender's and the client's checks run after the recipient's" + map[bool]string{true: "; Spam: FRIEND recipients skip them (OK).", false: "."}[m.spamMode == "friend"]})
			}
		}
	}
	var relay []string
	relay = append(relay, m.rcptErrRestr...)
	relay = append(relay, m.routeRestr...)
	relay = append(relay, m.blockRestr...)
	if m.openRelay {
		// a literal "permit" would make Postfix refuse the list: it
		// wants a reject_unauth_destination it can reach
		relay = append(relay, "check_client_access static:OK")
	}
	if m.relayAuth {
		relay = append(relay, "permit_sasl_authenticated")
	}
	if f := m.routingReject(p); f != "" {
		relay = append(relay, f)
	}
	relay = append(relay, "permit_mynetworks")
	relay = append(relay, m.relayPermit...)
	relay = append(relay, "reject_unauth_destination")
	var steps []string
	if len(m.rcptErrRestr)+len(m.routeRestr) > 0 {
		steps = append(steps, "ruleset 0's errors for the recipient (virtusertable, mailertable)")
	}
	if len(m.blockRestr) > 0 {
		steps = append(steps, "the blocklist")
	}
	steps = append(steps, "who may relay (authenticated clients, trusted networks and names, recipient domains)")
	m.main.set(secPolicy, "smtpd_relay_restrictions", join(relay),
		[]string{"sendmail's check_rcpt: " + strings.Join(steps, ", then ") + "."})
	// the access entries' report items
	if m.accItems != nil {
		m.rep.AddEntries(<-m.accItems)
	}
	if len(relay) > 3 || m.delayed || len(m.senderPost) > 0 {
		m.inherent("RCPT TO:<postmaster>", "Postfix's smtpd",
			"Postfix accepts the unqualified recipient postmaster before any restriction (RFC 5321); sendmail checks it like any other",
			"rcpt 192.0.2.1 spammer@example.net postmaster",
			Affect{Kinds: []string{"rcpt"}, Recipient: "postmaster@", When: WhenRecipientUnqualified})
	}
}

// heloSyntax: sendmail's HELO command refuses, before any ruleset and
// for every client, a name with a character other than an ASCII letter
// or digit or one of "[].-_#:", and one longer than MAXNAME (256), with
// 501 5.0.0 Invalid domain name (srvrsmtp.c), unless
// confALLOW_BOGUS_HELO is set. Postfix's smtpd takes any name unless a
// HELO restriction refuses it: a regexp check_helo_access table first
// in smtpd_helo_restrictions gives sendmail's reply. It refuses at HELO
// where the migration sets smtpd_delay_reject = no (no delay_checks),
// at RCPT otherwise.
func (m *migrator) heloSyntax() {
	construct, pos, origin := "sendmail's HELO command: the name's characters (without confALLOW_BOGUS_HELO)", ir.Pos{}, "sendmail's SMTP server"
	for _, o := range m.cfg.Options {
		if o.Name != "AllowBogusHELO" || !o.Pos.IsValid() {
			continue
		}
		if o.Bool {
			m.exact(o.Source+" "+o.Raw, o.Pos, "", "(nothing: Postfix's smtpd takes any HELO name unless smtpd_helo_restrictions refuse it)")
			return
		}
		construct, pos, origin = o.Source+" "+o.Raw, o.Pos, ""
	}
	const reply = "501 5.0.0 Invalid domain name"
	f := m.newMap("helo_syntax.regexp", "regexp",
		`sendmail's HELO command refuses a name with a character other than a letter, a digit or one of "[].-_#:", or longer than 256 characters, from every client (confALLOW_BOGUS_HELO is not set).`)
	f.add(`/[^][A-Za-z0-9._#:-]/`, reply, ir.Pos{})
	f.add(`/^.{257}/`, reply, ir.Pos{})
	ref := "check_helo_access " + m.mapRef(f)
	list := ref
	if cur, ok := m.main.get("smtpd_helo_restrictions"); ok && cur != "" {
		list += ", " + cur
	}
	m.main.set(secPolicy, "smtpd_helo_restrictions", list,
		[]string{"sendmail's HELO command refuses a name with characters it does not allow, first and for every client."})
	target := "smtpd_helo_restrictions: " + ref
	if !m.delayed {
		m.exact(construct, pos, origin, target)
		return
	}
	m.approx(construct, pos, origin, target,
		"with delay_checks the migration keeps smtpd_delay_reject = yes: Postfix refuses such a name at RCPT, sendmail at HELO (and a client may then go on without HELO)",
		"rcpt 203.0.113.9 a@example.net postmaster@example.com helo=bad!name",
		Affect{Kinds: []string{"rcpt"}, When: WhenHeloRefused})
}

// unqualifiedMark is the domain the command filter gives an unqualified
// sender: .invalid is reserved (RFC 2606), so no real sender has it.
const unqualifiedMark = "domain-name-required.invalid"

// unqualifiedSenders: sendmail's check_mail refuses a sender without a
// domain (553 5.5.4, after the access map's lookups of the sender,
// cf/m4/proto.m4 Basic_check_mail). Postfix's reject_non_fqdn_sender
// gives 5.5.2, hard-coded in smtpd_check.c, and an access table cannot
// see the sender as given: check_mail_access looks up the address
// trivial-rewrite has already qualified with $myorigin. So the MAIL
// command is rewritten first (smtpd_command_filter): a sender without
// a domain gets the domain unqualifiedMark, which a table at the place
// of sendmail's check refuses with sendmail's reply. What sendmail's
// ruleset 3 reads as a domain is left alone: host!user without
// FEATURE(nouucp) (user@host, swap_bangpath does the same) and
// user%host without FEATURE(nopercenthack) (allow_percent_hack).
// smtpd_data_restrictions asks the table again, so that a marked
// sender an earlier check accepted (an access entry user@ OK, a
// Spam:FRIEND recipient with delay_checks) is never queued.
func (m *migrator) unqualifiedSenders(p *smPolicy) {
	r := replyOf(*orReply(p.unqualified.Reply), smReply{553, "5.5.4", "Domain name required for sender address"})
	special := `@<>"[:space:]`
	var kept []string
	if m.cfg.Rewrite.BangPath {
		special += "!"
		kept = append(kept, "host!user (user@host: swap_bangpath)")
	}
	if m.cfg.Rewrite.PercentHack {
		special += "%"
		kept = append(kept, "user%host (user@host: allow_percent_hack)")
	}
	local := `[^]` + special + `[]+`
	f := m.newMap("command_filter.regexp", "regexp",
		"sendmail refuses a sender without a domain with 553 5.5.4 (check_mail). The MAIL command gives such a sender the domain "+unqualifiedMark+", which "+
			"smtpd_sender_restrictions refuse with sendmail's reply: Postfix's own reject_non_fqdn_sender answers 5.5.2.")
	f.add(`/^(MAIL[[:space:]]+FROM:[[:space:]]*<)(`+local+`|"[^"@]*")>(.*)$/`, "${1}${2}@"+unqualifiedMark+">${3}", p.unqualified.Pos)
	f.add(`/^(MAIL[[:space:]]+FROM:[[:space:]]*)(`+local+`)(([[:space:]].*)?)$/`, "${1}<${2}@"+unqualifiedMark+">${3}", p.unqualified.Pos)
	m.main.set(secPolicy, "smtpd_command_filter", m.mapRef(f),
		[]string{"MAIL FROM:<user> becomes MAIL FROM:<user@" + unqualifiedMark + ">, which the sender checks refuse as sendmail does."}, p.unqualified.Pos)
	t := m.newMap("sender_unqualified.regexp", "regexp",
		"A sender the command filter marked as unqualified: sendmail's reply.")
	t.add("/@"+reQuote(unqualifiedMark)+"$/", fmt.Sprintf("%d %s %s", r.code, r.dsn, r.text), p.unqualified.Pos)
	check := "check_sender_access " + m.mapRef(t)
	m.senderPost = append(m.senderPost, check)
	m.main.set(secPolicy, "smtpd_data_restrictions", check,
		[]string{"A sender marked as unqualified that an earlier check accepted is refused here: it is never queued."}, p.unqualified.Pos)
	differs := "Postfix's reply names the sender as user@" + unqualifiedMark + "; a sender without a domain that an earlier check accepts (an access entry user@ OK, a Spam:FRIEND recipient) is refused at DATA, where sendmail qualifies it and takes the message"
	if len(kept) > 0 {
		differs += "; " + strings.Join(kept, " and ") + " are not marked, as sendmail reads them as qualified"
	}
	m.approx("sendmail's check_mail: unqualified senders are refused", p.unqualified.Pos, p.unqualified.Origin,
		"smtpd_command_filter = "+m.mapRef(f)+"; the sender checks: "+check, differs, "mail 192.0.2.1 user")
}

// routingReject: FEATURE(nouucp, reject) and FEATURE(nopercenthack,
// reject): a recipient whose local part holds ! (or %) may only be
// relayed by a client that may relay. A restriction class does the same.
func (m *migrator) routingReject(p *smPolicy) string {
	if p.percentReject == nil && p.bangRej == nil {
		return ""
	}
	f := m.newMap("recipient_routing.regexp", "regexp",
		"FEATURE(nouucp, reject) / FEATURE(nopercenthack, reject): recipients whose local part holds ! or % are accepted only from clients that may relay.")
	if c := p.bangRej; c != nil {
		f.add("/^[^@]*!/", "relay_clients_only", c.Pos)
		m.exact("FEATURE(nouucp, reject)", c.Pos, c.Origin, f.name+": relay_clients_only")
	}
	if c := p.percentReject; c != nil {
		f.add("/^[^@]*%/", "relay_clients_only", c.Pos)
		m.exact("FEATURE(nopercenthack, reject)", c.Pos, c.Origin, f.name+": relay_clients_only")
	}
	deny := m.newMap("relay_denied.regexp", "regexp", "The end of relay_clients_only: sendmail's relay denial.")
	r := replyOf(m.cfg.Relay.Denied, smReply{550, "5.7.1", "Relaying denied"})
	deny.add("/^/", r.postfix(), m.cfg.Relay.Pos)
	var class []string
	if m.relayAuth {
		class = append(class, "permit_sasl_authenticated")
	}
	class = append(class, "permit_mynetworks")
	for _, x := range m.relayPermit {
		if strings.HasPrefix(x, "check_client_access") {
			class = append(class, x)
		}
	}
	class = append(class, "check_client_access "+m.mapRef(deny))
	m.addClass("relay_clients_only", strings.Join(class, ", "), "The clients that may relay, then sendmail's relay denial.")
	return "check_recipient_access " + m.mapRef(f)
}

// addClass defines a restriction class.
func (m *migrator) addClass(name, value, note string) {
	cur, _ := m.main.get("smtpd_restriction_classes")
	if cur != "" {
		cur += ", "
	}
	m.main.set(secPolicy, "smtpd_restriction_classes", cur+name, nil)
	m.main.set(secPolicy, name, value, []string{note})
}

// accessItems are the report items of the access entries
// (report.Entries): those that are not exact are made at once, the
// others when the report asks.
type accessItems struct {
	reports []*entryReport
	// the items of the entries that are not exact, made in parts of
	// part entries each
	part  int
	parts []itemPart
}

// itemPart lists the entries of a part that are not exact (idx) and
// their items.
type itemPart struct {
	idx   []int32
	items []Item
}

func (a *accessItems) Len() int          { return len(a.reports) }
func (a *accessItems) Exact(i int) bool  { return a.reports[i].exact() }
func (a *accessItems) File(i int) string { return a.reports[i].en.Pos.File }
func (a *accessItems) Item(i int) Item {
	p := &a.parts[i/a.part]
	if k, ok := slices.BinarySearch(p.idx, int32(i)); ok {
		return p.items[k]
	}
	return a.reports[i].item()
}

// items makes the items of the entries that are not exact (the reports
// are final once the policy is written), in as many parts at once as
// there are processors: restrictions waits for them.
func (s *accessSet) items() *accessItems {
	n := max(runtime.GOMAXPROCS(0), 1)
	a := &accessItems{reports: s.reports, part: max((len(s.reports)+n-1)/n, 1)}
	a.parts = make([]itemPart, (len(s.reports)+a.part-1)/a.part)
	var wg sync.WaitGroup
	for p := range a.parts {
		lo := p * a.part
		hi := min(lo+a.part, len(s.reports))
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &a.parts[p]
			n := 0
			for j := lo; j < hi; j++ {
				if !s.reports[j].exact() {
					n++
				}
			}
			r.idx, r.items = make([]int32, 0, n), make([]Item, 0, n)
			for j := lo; j < hi; j++ {
				if !s.reports[j].exact() {
					r.idx = append(r.idx, int32(j))
					r.items = append(r.items, s.reports[j].item())
				}
			}
		}()
	}
	wg.Wait()
	return a
}

// exact says whether the entry's item is exact (item's cases).
func (r *entryReport) exact() bool {
	if len(r.targets) == 0 {
		return r.dead != ""
	}
	return len(r.differs) == 0
}

// item is the report item of an access entry.
func (r *entryReport) item() Item {
	en := r.en
	colon := ""
	if en.Access.Tag != "" {
		colon = ":"
	}
	it := Item{Construct: "entry access " + en.Access.Tag + colon + en.Access.Key.Value + " " + strings.TrimSpace(en.Value), Pos: en.Pos.String()}
	switch {
	case r.dead != "" && len(r.targets) == 0:
		it.Fidelity, it.Why = Exact, ""
		it.Target = "(nothing: " + r.dead + ")"
	case len(r.targets) == 0:
		it.Fidelity = NotExpressible
		it.Why = strings.Join(r.differs, "; ")
		it.Affects = r.affects
		it.Action = "write the equivalent Postfix restriction by hand"
	case len(r.differs) > 0:
		it.Fidelity = Approximate
		it.Target = targetText(r.targets)
		it.Differs = strings.Join(r.differs, "; ")
		it.Affects = r.affects
	default:
		it.Fidelity = Exact
		it.Target = targetText(r.targets)
	}
	if len(r.examples) > 0 {
		it.Example = r.examples[0]
	}
	return it
}
