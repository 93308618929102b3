package sendmail_test

import (
	"os"
	"path/filepath"
	"regexp/syntax"
	"slices"
	"sort"
	"strings"
	"testing"

	"mailcc/cfparse"
	"mailcc/internal/oracle/smoracle"
	"mailcc/internal/testenv"
	"mailcc/ir"
	"mailcc/migrate/internal/irfacts"
	"mailcc/migrate/sendmail"
)

// postfixLookups lists the questions a Postfix IR's tables answer, one
// per entry of a table whose entries the IR holds (a pattern table's
// entry is asked with an address its pattern matches): virtual aliasing
// (virtual), sender canonical and generic mapping (generic), recipient
// canonical mapping (recipient-canonical), aliases (alias), transport
// (transport) and relocated. Want is left to the original's answer
// (PostfixAnswers, through the real postmap for pattern tables); a
// question the original does not answer itself is dropped, and counted
// in skipped.
func postfixLookups(t *testing.T, cfg *ir.Config, ans *irfacts.PostfixAnswers) (out []irfacts.Lookup, skipped int) {
	local := map[string]bool{}
	var locals []string
	for _, d := range cfg.LocalDomains {
		if d.Table == "" && !d.Negated && !strings.Contains(d.Domain, "$") {
			local[d.Domain] = true
			locals = append(locals, d.Domain)
		}
	}
	recipientCanonical := func() []ir.RewriteStage {
		var st []ir.RewriteStage
		for _, s := range cfg.Rewrite.Stages {
			if s.Kind == ir.RewriteCanonical && (s.Scope.EnvelopeRecipient || s.Scope.HeaderRecipient) {
				st = append(st, s)
			}
		}
		return st
	}
	ask := func(fam, key string, pos, decl ir.Pos) {
		if key == "" {
			skipped++
			return
		}
		var want string
		var ok bool
		if fam == "recipient-canonical" {
			want, ok, _ = ans.Rewrite(recipientCanonical(), key)
		} else {
			want, ok, _ = ans.Answer(irfacts.Lookup{Family: fam, Key: key})
		}
		if !ok {
			skipped++
			return
		}
		out = append(out, irfacts.Lookup{Family: fam, Key: key, Want: want, Pos: pos, Decl: decl})
	}
	for _, st := range cfg.Rewrite.Stages {
		var fams []string
		switch st.Kind {
		case ir.RewriteVirtual:
			fams = []string{"virtual"}
		case ir.RewriteGeneric:
			fams = []string{"generic"}
		case ir.RewriteCanonical:
			if st.Scope.EnvelopeSender || st.Scope.HeaderSender {
				fams = append(fams, "generic")
			}
			if st.Scope.EnvelopeRecipient || st.Scope.HeaderRecipient {
				fams = append(fams, "recipient-canonical")
			}
		case ir.RewriteAliases:
			fams = []string{"alias"}
		case ir.RewriteRelocated:
			fams = []string{"relocated"}
		}
		for _, name := range st.Tables {
			tab := cfg.Table(name)
			if tab == nil || !tab.Loaded {
				continue
			}
			pattern := irfacts.PatternTable(tab.Backend.Type)
			keys := map[string]bool{}
			for _, e := range tab.Entries {
				keys[strings.ToLower(e.Key)] = true
			}
			for _, e := range tab.Entries {
				var key string
				switch {
				case st.Kind == ir.RewriteAliases:
					if e.Alias != nil {
						key = strings.ToLower(e.Alias.Name)
					}
				case pattern:
					key = patternSample(e.Key)
				default:
					key = postfixSample(e.Key, cfg.Rewrite.RecipientDelimiter, locals, keys)
				}
				for _, fam := range fams {
					if fam == "relocated" {
						// sendmail has no relocated table: the question is
						// asked as it is, the original's answer its entry
						if key != "" {
							out = append(out, irfacts.Lookup{Family: fam, Key: key, Want: irfacts.ListValue(e.Value), Pos: e.Pos, Decl: st.Pos})
						}
						continue
					}
					ask(fam, key, e.Pos, st.Pos)
				}
			}
		}
	}
	for _, tab := range irfacts.TransportTables(cfg) {
		if !tab.Loaded || irfacts.PatternTable(tab.Backend.Type) {
			continue
		}
		for _, e := range tab.Entries {
			if e.Transport != nil {
				ask("transport", irfacts.TransportKey(e.Transport.Key), e.Pos, tab.Pos)
			}
		}
	}
	for i, l := range out {
		if l.Family == "transport" {
			out[i].Want = explicitTransport(cfg, l.Key, l.Want)
		}
	}
	return out, skipped
}

// explicitTransport writes what a transport(5) answer leaves to
// Postfix's defaults, as a mailertable entry must say it: an empty
// transport is default_transport (smtp unless set), an empty next hop
// the recipient's domain itself (for a domain key), and relay, like
// smtp, Postfix's SMTP client.
func explicitTransport(cfg *ir.Config, key, v string) string {
	if strings.HasPrefix(v, "error ") {
		return v
	}
	m, rest, _ := strings.Cut(v, ":")
	hop, user, _ := strings.Cut(rest, " ")
	if m == "" {
		m = "smtp"
		if d := cfg.Routing.DefaultMailer.Value; d != "" {
			m = d
		}
	}
	if m == "relay" {
		m = "smtp"
	}
	if hop == "" && (m == "smtp" || m == "lmtp") && !strings.ContainsAny(key, "@*") {
		hop = strings.TrimPrefix(key, ".")
	}
	return m + ":" + hop + " " + user
}

// postfixSample is the address a Postfix table key is asked with: the
// key itself, "someone" for an @domain catch-all, and for a bare user
// the first local domain where no user@domain key of the table answers
// instead.
func postfixSample(key, delim string, locals []string, keys map[string]bool) string {
	key = strings.ToLower(key)
	switch {
	case strings.HasPrefix(key, "@"):
		return "someone" + key
	case strings.Contains(key, "@"):
		return key
	}
	for _, d := range locals {
		if !keys[key+"@"+d] {
			return key + "@" + d
		}
	}
	return ""
}

// patternSample makes an address a regexp: or pcre: table's pattern
// (/pattern/flags) matches: literals as written, a class's first
// letter or digit, one repetition of a star, plus or question mark, an
// alternation's first branch; "" when Go's parser does not read the
// pattern (the original's postmap then decides whether it matches).
func patternSample(key string) string {
	end := strings.LastIndexByte(key, '/')
	if len(key) < 2 || key[0] != '/' || end <= 0 {
		return ""
	}
	re, err := syntax.Parse(key[1:end], syntax.Perl)
	if err != nil {
		return ""
	}
	var b strings.Builder
	var gen func(r *syntax.Regexp)
	gen = func(r *syntax.Regexp) {
		switch r.Op {
		case syntax.OpLiteral:
			b.WriteString(strings.ToLower(string(r.Rune)))
		case syntax.OpCharClass:
			b.WriteRune(classSample(r.Rune))
		case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
			b.WriteByte('x')
		case syntax.OpCapture, syntax.OpStar, syntax.OpPlus, syntax.OpQuest:
			gen(r.Sub[0])
		case syntax.OpRepeat:
			for range max(r.Min, 1) {
				gen(r.Sub[0])
			}
		case syntax.OpConcat:
			for _, s := range r.Sub {
				gen(s)
			}
		case syntax.OpAlternate:
			gen(r.Sub[0])
		}
	}
	gen(re)
	s := b.String()
	if !strings.Contains(s, "@") || strings.HasPrefix(s, "@") {
		// an address: a pattern for the domain alone is asked with a user
		s = "someone" + s
	}
	if strings.HasSuffix(s, "@") {
		s += "example.org"
	}
	return s
}

// classSample picks a letter, else a digit, else the first printable
// character of a character class (pairs of ranges).
func classSample(ranges []rune) rune {
	for _, want := range []string{"abcdefghijklmnopqrstuvwxyz", "0123456789", "-._"} {
		for _, c := range want {
			for i := 0; i+1 < len(ranges); i += 2 {
				if ranges[i] <= c && c <= ranges[i+1] {
					return c
				}
			}
		}
	}
	if len(ranges) > 0 {
		return ranges[0]
	}
	return 'x'
}

// smAnswers asks a migrated sendmail configuration what the original's
// lookups ask: its IR's tables in sendmail's lookup order, and the maps
// its IR keeps opaque (the K lines of LOCAL_CONFIG that the
// LOCAL_RULE_0 rules consult, in the order the rules name them) through
// the real sendmail (smoracle.Maps, /map in address test mode).
type smAnswers struct {
	t    *testing.T
	cfg  *ir.Config
	orig *ir.Config
	// opaque are the opaque maps of each family, in the rules' order
	opaque map[string][]*ir.Table
	// maps caches sendmail's answers, by "map key"
	maps map[string]smoracle.MapAnswer
}

func newSMAnswers(t *testing.T, cfg, orig *ir.Config, prov map[string][]string) *smAnswers {
	a := &smAnswers{t: t, cfg: cfg, orig: orig, opaque: map[string][]*ir.Table{}, maps: map[string]smoracle.MapAnswer{}}
	// the rules' order: where the LOCAL_RULE_0 text (recipients), then
	// the LOCAL_RULE_1 text (senders: read back as the rules of ruleset
	// sender) first names a map
	var rules string
	for _, sender := range []bool{false, true} {
		for _, o := range cfg.Opaque {
			if !sender && o.Kind == "LOCAL_RULE_0" || sender && o.Kind == "LOCAL_RULESETS" && o.Name == "sender" {
				rules += o.Text + "\n"
			}
		}
	}
	var named []*ir.Table
	for _, tab := range cfg.Tables {
		if tab.Kind == ir.OtherTable && strings.Contains(rules, "$("+tab.Name+" ") {
			named = append(named, tab)
		}
	}
	sort.SliceStable(named, func(i, j int) bool {
		return strings.Index(rules, "$("+named[i].Name+" ") < strings.Index(rules, "$("+named[j].Name+" ")
	})
	// the family of an opaque map: the original stage its provenance
	// names
	for _, st := range orig.Rewrite.Stages {
		var fams []string
		switch {
		case st.Kind == ir.RewriteVirtual:
			fams = []string{"virtual"}
		case st.Kind == ir.RewriteCanonical:
			if st.Scope.EnvelopeRecipient || st.Scope.HeaderRecipient {
				fams = append(fams, "recipient-canonical")
			}
			// one sender class only: LOCAL_RULE_1 rules, before
			// genericstable
			if st.Scope.EnvelopeSender != st.Scope.HeaderSender {
				fams = append(fams, "generic")
			}
		}
		for _, tab := range named {
			if slices.Contains(prov[irfacts.LineOf(tab.Pos.String())], irfacts.LineOf(st.Pos.String())) {
				for _, f := range fams {
					if !slices.Contains(a.opaque[f], tab) {
						a.opaque[f] = append(a.opaque[f], tab)
					}
				}
			}
		}
	}
	return a
}

// mapForms are the keys sendmail's rules try in a map, in order, with
// the %1, %2 and %3 they hand on: user+detail@domain, user+*@domain,
// user@domain, @domain (a regex map is asked the whole address).
func mapForms(addr string, regex bool) (forms []string, user, detail string) {
	local, domain, _ := strings.Cut(addr, "@")
	user, detail, hasDetail := strings.Cut(local, "+")
	if regex {
		return []string{addr}, user, detail
	}
	forms = []string{addr}
	if hasDetail {
		forms = append(forms, user+"+*@"+domain, user+"@"+domain)
	}
	return append(forms, "@"+domain), user, detail
}

// queries lists the /map questions the lookups need.
func (a *smAnswers) queries(ls []irfacts.Lookup) []smoracle.MapQuery {
	var qs []smoracle.MapQuery
	seen := map[string]bool{}
	for _, l := range ls {
		for _, tab := range a.opaque[l.Family] {
			forms, _, _ := mapForms(l.Key, tab.Backend.Type == "regex")
			for _, f := range forms {
				if !seen[tab.Name+" "+f] {
					seen[tab.Name+" "+f] = true
					qs = append(qs, smoracle.MapQuery{Map: tab.Name, Key: f})
				}
			}
		}
	}
	return qs
}

func (a *smAnswers) Answer(l irfacts.Lookup) (string, bool, []ir.Pos) {
	switch l.Family {
	case "alias":
		for _, e := range a.aliases() {
			if strings.EqualFold(e.Alias.Name, l.Key) {
				return irfacts.AliasValue(e.Alias), true, []ir.Pos{e.Pos}
			}
		}
		return "", false, nil
	case "transport":
		for _, tab := range a.cfg.Tables {
			if tab.Kind != ir.TransportTable {
				continue
			}
			for _, e := range tab.Entries {
				if e.Transport != nil && irfacts.TransportKey(e.Transport.Key) == l.Key {
					return irfacts.TransportValueIn(a.cfg, e.Transport), true, []ir.Pos{e.Pos}
				}
			}
		}
		return "", false, nil
	case "virtual", "recipient-canonical":
		// LOCAL_RULE_0 runs before the cf library's virtusertable rules
		if v, ok := a.opaqueAnswer(l); ok {
			return v, true, nil
		}
		return a.table(ir.RewriteVirtual, l.Key)
	case "generic":
		// LOCAL_RULE_1 runs before the mailers' rulesets, where
		// genericstable maps
		if v, ok := a.opaqueAnswer(l); ok {
			return v, true, nil
		}
		return a.table(ir.RewriteGeneric, l.Key)
	case "relocated":
		return "", false, nil
	}
	a.t.Fatalf("no such lookup family %q", l.Family)
	return "", false, nil
}

// opaqueAnswer asks the family's opaque maps, in the rules' order.
func (a *smAnswers) opaqueAnswer(l irfacts.Lookup) (string, bool) {
	for _, tab := range a.opaque[l.Family] {
		forms, user, detail := mapForms(l.Key, tab.Backend.Type == "regex")
		for _, f := range forms {
			r, ok := a.maps[tab.Name+" "+f]
			if !ok {
				a.t.Fatalf("/map %s %s was not asked", tab.Name, f)
			}
			if r.Status != 0 {
				a.t.Errorf("/map %s %s: sendmail's status %d", tab.Name, f, r.Status)
			}
			if r.Found {
				return a.expand(irfacts.ListValue(irfacts.Fill(r.Value, user, detail))), true
			}
		}
	}
	return "", false
}

// table looks an address up in the IR's tables of the migrated stages
// of a kind, in sendmail's order, where the stage consults the address's
// domain (class w and VirtHost for virtusertable, class G for
// genericstable); %1, %2 and %3 are filled as sendmail fills them.
func (a *smAnswers) table(kind ir.RewriteKind, addr string) (string, bool, []ir.Pos) {
	forms, user, detail := mapForms(addr, false)
	for _, st := range a.cfg.Rewrite.Stages {
		if st.Kind != kind || !irfacts.Consulted(st, addr) {
			continue
		}
		for _, name := range st.Tables {
			for _, f := range forms {
				for _, e := range irfacts.TableEntries(a.cfg, name) {
					v := e.Virtual
					if v == nil {
						v = e.Generic
					}
					if v == nil || !strings.EqualFold(e.Key, f) {
						continue
					}
					return a.expand(irfacts.Fill(irfacts.AddressValue(v), user, detail)), true, []ir.Pos{e.Pos}
				}
			}
		}
	}
	return "", false, nil
}

// expand replaces a local name the migration made an alias of (one the
// original's aliases do not hold) by the addresses it lists: a
// virtusertable value is one address, so a list becomes such an alias.
func (a *smAnswers) expand(v string) string {
	if strings.ContainsAny(v, "@ ,") {
		return v
	}
	for _, st := range a.orig.Rewrite.Stages {
		if st.Kind != ir.RewriteAliases {
			continue
		}
		for _, name := range st.Tables {
			for _, e := range irfacts.TableEntries(a.orig, name) {
				if e.Alias != nil && strings.EqualFold(e.Alias.Name, v) {
					return v
				}
			}
		}
	}
	for _, e := range a.aliases() {
		if strings.EqualFold(e.Alias.Name, v) {
			var ts []string
			for _, x := range e.Alias.Targets {
				ts = append(ts, x.Value)
			}
			return strings.Join(ts, ", ")
		}
	}
	return v
}

func (a *smAnswers) aliases() []ir.Entry {
	var out []ir.Entry
	for _, st := range a.cfg.Rewrite.Stages {
		if st.Kind != ir.RewriteAliases {
			continue
		}
		for _, name := range st.Tables {
			for _, e := range irfacts.TableEntries(a.cfg, name) {
				if e.Alias != nil {
					out = append(out, e)
				}
			}
		}
	}
	return out
}

// extras are the aliases and mailertable entries of the migrated
// configuration.
func (a *smAnswers) extras() []irfacts.Extra {
	var out []irfacts.Extra
	for _, tab := range a.cfg.Tables {
		if tab.Kind != ir.TransportTable {
			continue
		}
		for _, e := range tab.Entries {
			if t := e.Transport; t != nil {
				out = append(out, irfacts.Extra{Family: "transport", Key: irfacts.TransportKey(t.Key), Value: irfacts.TransportValueIn(a.cfg, t), Param: "mailertable", Pos: e.Pos})
			}
		}
	}
	for _, e := range a.aliases() {
		out = append(out, irfacts.Extra{Family: "alias", Key: strings.ToLower(e.Alias.Name), Value: irfacts.AliasValue(e.Alias), Param: "aliases", Pos: e.Pos})
	}
	return out
}

// loadMigrated lowers the migrated sendmail.mc from inside its folder
// (the positions are then the emitted files' names, as the provenance
// comments name them), with an empty root: the tables are read beside
// the .mc, as `mailcc ir` reads them.
func loadMigrated(t *testing.T, dir string) *ir.Config {
	t.Helper()
	var cfg *ir.Config
	testenv.InDir(t, dir, func() {
		c, diags, err := cfparse.Load([]string{"sendmail.mc"}, cfparse.Options{Root: t.TempDir()})
		if err != nil {
			t.Fatalf("loading the migrated %s: %v", dir, err)
		}
		if errs := diags.Errors(); len(errs) > 0 {
			// a table the original names but the corpus does not hold
			// (the report says it was not read) is not written
			t.Logf("loading the migrated sendmail.mc: %v", errs)
		}
		cfg = c
	})
	return cfg
}

// TestMigratedIR: Postfix → sendmail → IR differs from the original IR
// only in what the report lists. Every Postfix configuration of the
// corpora (postfixConfigs) is migrated and the emitted sendmail.mc,
// tables and aliases lowered with mailcc's sendmail front end; the facts
// both IRs hold (irfacts.Facts: host name, local and relay domains,
// trusted networks, smart host, listeners) are compared, and every
// question the original's tables answer (postfixLookups, Postfix's
// answer from the IR or the real postmap) is put to the migrated
// tables in sendmail's order (from the IR, and through the real
// sendmail for the maps the IR keeps opaque). Every difference must be
// named by a report item that is not exact.
func TestMigratedIR(t *testing.T) {
	testenv.Tool(t, "postmap")
	cfgs := postfixConfigs(t)
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range cfgs {
			if !yield(n) {
				return
			}
		}
	})
	total, same, listed, skipped, viaSendmail := 0, 0, 0, 0, 0
	// postmap reads the original's pattern tables with Postfix's
	// defaults: an original's main.cf may name a group this machine has
	// not
	emptyConf := t.TempDir()
	if err := os.WriteFile(filepath.Join(emptyConf, "main.cf"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		dir := cfgs[name]
		orig, _, err := cfparse.Load([]string{dir}, cfparse.Options{Root: t.TempDir()})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		res := migrate(t, orig, sendmail.Options{Provenance: true})
		out := t.TempDir()
		writeFiles(t, out, res)
		mig := loadMigrated(t, out)
		prov := irfacts.Provenance(res.Files)
		x := irfacts.NewExplainer(&res.Report.Report, prov)
		n1, d1 := irfacts.CompareFacts(irfacts.FactsWithAccess(orig), irfacts.FactsWithAccess(mig), x)
		origAns := irfacts.NewPostfixAnswers(t, orig, dir)
		origAns.SkipUnread = true
		origAns.ConfDir = emptyConf
		ls, sk := postfixLookups(t, orig, origAns)
		skipped += sk
		ans := newSMAnswers(t, mig, orig, prov)
		if qs := ans.queries(ls); len(qs) > 0 {
			copyCaseFile(t, dir, out, "hosts")
			copyCaseFile(t, dir, out, "hostname")
			rs := mapLookups(t, out, qs)
			for i, q := range qs {
				ans.maps[q.Map+" "+q.Key] = rs[i]
			}
			viaSendmail += len(qs)
		}
		n2, d2 := irfacts.CompareLookups(ls, ans, ans.extras(), x)
		total += n1 + n2
		same += n1 + n2 - len(d1) - len(d2)
		listed += irfacts.Check(t, name, "Postfix → sendmail", append(d1, d2...))
	}
	t.Logf("Postfix → sendmail → IR on %d configurations: %d facts and lookups, %d the same, %d differ as the report lists (%d map lookups asked of the real sendmail; %d entries not asked: the original's own tables do not answer the sample)",
		len(cfgs), total, same, listed, viaSendmail, skipped)
}

// mapLookups asks the real sendmail (smoracle.Maps: the .mc compiled,
// the maps built, in private namespaces) the map questions.
func mapLookups(t *testing.T, dir string, qs []smoracle.MapQuery) []smoracle.MapAnswer {
	t.Helper()
	testenv.Tool(t, "m4")
	testenv.CFDir(t)
	bin := filepath.Join(testenv.SendmailBin(), "usr", "libexec", "sendmail")
	rs, _, err := smoracle.Maps(dir, qs, smoracle.Options{BinDir: bin})
	if err != nil && strings.Contains(err.Error(), "private UTS") {
		testenv.Missing(t, "private namespaces for sendmail (run as root)")
	}
	if err != nil {
		t.Fatalf("sendmail's map lookups: %v", err)
	}
	return rs
}
