package sendmail

import (
	"path"
	"regexp"
	"strings"

	"mailcc/ir"
)

// classMacros are the cf macros that add words to a class, by class:
// the members written in the .mc are written back with them.
var classMacros = map[string]string{
	"w":             "LOCAL_DOMAIN",
	"R":             "RELAY_DOMAIN",
	"VirtHost":      "VIRTUSER_DOMAIN",
	"G":             "GENERICS_DOMAIN",
	"M":             "MASQUERADE_DOMAIN",
	"N":             "MASQUERADE_EXCEPTION",
	"E":             "EXPOSED_USER",
	"L":             "LOCAL_USER",
	"TrustAuthMech": "TRUST_AUTH_MECH",
	"Canonify":      "CANONIFY_DOMAIN",
	"LDAPRoute":     "LDAPROUTE_DOMAIN",
}

// mapFeatures are the features that declare a map, by the map's name
// in the IR, with the file the map's source is written to and the
// cf library's default spec.
var mapFeatures = []struct{ table, feature, file, spec string }{
	{"access", "access_db", fileAccess, "hash -T<TMPF> /etc/mail/access"},
	{"virtuser", "virtusertable", fileVirtuser, "hash /etc/mail/virtusertable"},
	{"generics", "genericstable", fileGenerics, "hash /etc/mail/genericstable"},
	{"mailertable", "mailertable", fileMailertable, "hash /etc/mail/mailertable"},
	{"domaintable", "domaintable", fileDomaintable, "hash /etc/mail/domaintable"},
	{"authinfo", "authinfo", fileAuthinfo, "hash /etc/mail/authinfo"},
}

// smtpArgsMacros are the macros that give the SMTP mailers of
// MAILER(smtp) their A= (cf/mailer/smtp.m4).
var smtpArgsMacros = map[string]string{"smtp": "SMTP_MAILER_ARGS", "esmtp": "ESMTP_MAILER_ARGS", "smtp8": "SMTP8_MAILER_ARGS",
	"dsmtp": "DSMTP_MAILER_ARGS", "relay": "RELAY_MAILER_ARGS"}

var mailerOrigin = regexp.MustCompile(`^MAILER\(([A-Za-z0-9_.-]+)\)$`)

// fromSendmail writes a sendmail configuration back as a .mc: what the
// .mc set (its positions are in the .mc) is written with the macro that
// sets it; what the cf library derives is left to the cf library.
func (m *migrator) fromSendmail() error {
	cfg := m.cfg
	mcPath := ""
	for _, s := range cfg.Sources {
		if s.Role == "sendmail.mc" {
			mcPath = s.Path
			break
		}
	}
	inMC := func(p ir.Pos) bool {
		return p.IsValid() && (p.File == mcPath || path.Base(p.File) == path.Base(mcPath))
	}
	if strings.Contains(cfg.Routing.Local.Mailer.Value+cfg.Routing.Local.Command.Value, "sensible-mda") {
		m.mc.ostype = "debian"
	}
	m.mc.head = append(m.mc.head, "A sendmail configuration written back by mailcc from its IR: what the original .mc set, with the macros that set it.")

	// definitions written in the .mc
	if h := cfg.Identity.Hostname; h.Value != "" && h.Origin == "" {
		m.mc.add(grpDefine, call("define", "confDOMAIN_NAME", h.Value), "", h.Pos)
		m.exact("confDOMAIN_NAME", h.Pos, "", "sendmail.mc: define(confDOMAIN_NAME)")
	}
	for _, o := range cfg.Options {
		if !inMC(o.Pos) || o.Source == "" || o.Source == "confDOMAIN_NAME" || strings.HasPrefix(o.Source, "$") {
			continue
		}
		m.mc.add(grpDefine, call("define", o.Source, o.Raw), "", o.Pos)
		m.exact("define("+o.Source+")", o.Pos, "", "sendmail.mc")
	}
	r := cfg.Routing
	for _, nh := range []struct {
		macro string
		hop   *ir.NextHop
	}{{"SMART_HOST", r.SmartHost}, {"MAIL_HUB", r.MailHub}, {"LOCAL_RELAY", r.LocalRelay}, {"LUSER_RELAY", r.LuserRelay}} {
		if nh.hop != nil && nh.hop.Raw != "" {
			m.mc.add(grpDefine, call("define", nh.macro, nh.hop.Raw), "", nh.hop.Pos)
			m.exact(nh.macro, nh.hop.Pos, "", "sendmail.mc")
		}
	}

	// features: the maps
	for _, mf := range mapFeatures {
		t := cfg.Table(mf.table)
		if t == nil || !inMC(t.Pos) && !strings.Contains(t.Origin, "FEATURE(") {
			continue
		}
		args := []string{mf.feature}
		if t.Backend.Spec != "" && t.Backend.Spec != mf.spec {
			args = append(args, t.Backend.Spec)
		}
		if mf.table == "access" {
			args = append(args, m.accessOptions(len(args) == 1)...)
		}
		m.mc.add(grpFeature, call("FEATURE", args...), "", t.Pos)
		m.exact("FEATURE("+mf.feature+")", t.Pos, t.Origin, "sendmail.mc")
		m.writeEntries(t, mf.file, mapTable)
	}
	// the aliases
	for _, name := range cfg.Routing.Local.Aliases {
		if t := cfg.Table(name); t != nil && t.Loaded {
			m.writeEntries(t, fileAliases, aliasTable)
		}
	}

	// features of the policy
	pol := cfg.Policy
	var hasNonFQDN, hasUnresolvable bool
	for _, st := range pol.Stages {
		for _, ch := range st.Checks {
			switch {
			case ch.Kind == ir.CheckRejectUnqualifiedSender:
				hasNonFQDN = true
			case ch.Kind == ir.CheckRejectUnknownSenderDomain:
				hasUnresolvable = true
			}
			if f, ok := strings.CutPrefix(ch.Name, "FEATURE("); ok && inMC(ch.Pos) {
				name := strings.TrimSuffix(f, ")")
				if name == "access_db" {
					continue
				}
				args := []string{name}
				switch ch.Kind {
				case ir.CheckPercentHack, ir.CheckBangPath:
					args = append(args, "reject")
				}
				m.mc.add(grpFeature, call("FEATURE", args...), "", ch.Pos)
			}
		}
	}
	if !hasNonFQDN {
		m.mc.add(grpFeature, call("FEATURE", "accept_unqualified_senders"), "", ir.Pos{})
	}
	if !hasUnresolvable {
		m.mc.add(grpFeature, call("FEATURE", "accept_unresolvable_domains"), "", ir.Pos{})
	}
	if pol.DelayChecks {
		args := []string{"delay_checks"}
		if pol.DelayMode != "" {
			args = append(args, pol.DelayMode)
		}
		m.mc.add(grpFeature, call("FEATURE", args...), "", ir.Pos{})
	}
	rel := cfg.Relay
	for _, f := range []struct {
		on   bool
		name string
	}{{rel.Open, "promiscuous_relay"}, {rel.EntireDomain, "relay_entire_domain"}, {rel.HostsOnly, "relay_hosts_only"},
		{rel.BasedOnMX, "relay_based_on_MX"}, {rel.LocalFrom, "relay_local_from"}, {rel.MailFrom, "relay_mail_from"},
		{r.StickyHost, "stickyhost"}, {!cfg.Rewrite.Canonify, "nocanonify"}, {cfg.Rewrite.AlwaysAddDomain, "always_add_domain"},
		{r.Local.PreserveDetail, "preserve_local_plus_detail"}} {
		if f.on {
			m.mc.add(grpFeature, call("FEATURE", f.name), "", ir.Pos{})
		}
	}
	if !cfg.Rewrite.PercentHack {
		m.mc.add(grpFeature, call("FEATURE", "nopercenthack", "nospecial"), "", ir.Pos{})
	}
	if !cfg.Rewrite.BangPath {
		m.mc.add(grpFeature, call("FEATURE", "nouucp", "nospecial"), "", ir.Pos{})
	}

	// rewriting stages
	for _, rs := range cfg.Rewrite.Stages {
		switch rs.Kind {
		case ir.RewriteMasquerade:
			mq := rs.Masquerade
			if mq == nil {
				continue
			}
			if mq.As.Value != "" {
				m.mc.add(grpMacro, call("MASQUERADE_AS", mq.As.Value), "", mq.As.Pos)
			}
			for _, f := range []struct {
				on   bool
				name string
			}{{mq.EntireDomain, "masquerade_entire_domain"}, {mq.Limited, "limited_masquerade"},
				{rs.Scope.EnvelopeSender, "masquerade_envelope"}, {rs.Scope.HeaderRecipient, "allmasquerade"},
				{!rs.LocalMailer, "local_no_masquerade"}} {
				if f.on {
					m.mc.add(grpFeature, call("FEATURE", f.name), "", rs.Pos)
				}
			}
			m.exact("masquerading", rs.Pos, rs.Origin, "sendmail.mc: MASQUERADE_AS and its features")
		case ir.RewriteGeneric:
			for _, d := range rs.Domains {
				if d.Subdomains {
					m.mc.add(grpFeature, call("FEATURE", "generics_entire_domain"), "", rs.Pos)
				}
			}
			if rs.Scope.EnvelopeSender {
				m.mc.add(grpFeature, call("FEATURE", "masquerade_envelope"), "", rs.Pos)
			}
			if rs.Scope.HeaderRecipient {
				m.mc.add(grpFeature, call("FEATURE", "allmasquerade"), "", rs.Pos)
			}
		case ir.RewriteVirtual:
			for _, d := range rs.Domains {
				if d.Subdomains {
					m.mc.add(grpFeature, call("FEATURE", "virtuser_entire_domain"), "", rs.Pos)
				}
			}
		}
	}

	// classes: the words the .mc added, and the class files
	for _, c := range cfg.Classes {
		macro := classMacros[c.Name]
		if macro == "" {
			continue
		}
		var words []string
		var from []ir.Pos
		for _, w := range c.Members {
			if w.From == "" && w.Origin == "" && inMC(w.Pos) {
				words = append(words, w.Value)
				from = append(from, w.Pos)
			}
		}
		if len(words) > 0 {
			m.mc.add(grpMacro, call(macro, strings.Join(words, " ")), "", from...)
			m.exact(macro, from[0], "", "sendmail.mc")
		}
		for _, f := range c.Files {
			if f.Program {
				continue
			}
			name := path.Base(f.Path)
			switch {
			case c.Name == "w" && f.Path == "/etc/mail/local-host-names":
				m.mc.add(grpFeature, call("FEATURE", "use_cw_file"), "", f.Pos)
			case c.Name == "R" && f.Path == "/etc/mail/relay-domains":
				// read by every configuration
			default:
				m.mc.add(grpMacro, call(macro+"_FILE", f.Path), "", f.Pos)
			}
			if !f.Read {
				continue
			}
			t := m.table(name, classFile)
			for _, w := range c.Members {
				if w.From == f.Path {
					t.add(w.Value, "", w.Pos)
				}
			}
		}
	}

	// listeners the .mc declared; without the cf library's MSA, the
	// .mc said FEATURE(no_default_msa)
	msa := false
	for _, l := range cfg.Listeners {
		msa = msa || l.Origin == "cf library default" && l.Name == "MSA"
	}
	if !msa {
		m.mc.add(grpFeature, call("FEATURE", "no_default_msa"), "", ir.Pos{})
	}
	for _, l := range cfg.Listeners {
		if l.Origin == "" && inMC(l.Pos) && l.Spec != "" {
			m.mc.add(grpDaemon, call("DAEMON_OPTIONS", l.Spec), "", l.Pos)
		}
	}
	// milters the .mc declared
	for _, ml := range cfg.Milters {
		if !inMC(ml.Pos) {
			continue
		}
		var eq []string
		if ml.Socket != "" {
			eq = append(eq, "S="+ml.Socket)
		}
		if ml.Flags != "" {
			eq = append(eq, "F="+ml.Flags)
		}
		if ml.Timeouts != "" {
			eq = append(eq, "T="+ml.Timeouts)
		}
		for _, e := range ml.Equates {
			eq = append(eq, e.Name+"="+e.Value)
		}
		// MAIL_FILTER declares the filter; which of them run is the
		// InputMailFilters option (confINPUT_MAIL_FILTERS, written with
		// the other options), which INPUT_MAIL_FILTER would extend a
		// second time
		m.mc.add(grpFilter, call("MAIL_FILTER", ml.Name, strings.Join(eq, ", ")), "", ml.Pos)
	}
	// what mailcc keeps without modelling it
	for _, o := range cfg.Opaque {
		switch o.Kind {
		case "FEATURE":
			m.mc.add(grpFeature, call("FEATURE", append([]string{o.Name}, o.Args...)...), "", o.Pos)
		case "HACK":
			m.mc.add(grpFeature, call("HACK", append([]string{o.Name}, o.Args...)...), "", o.Pos)
		case "LOCAL_CONFIG", "LOCAL_RULESETS", "MAILER_DEFINITIONS", "LOCAL_RULE_0", "LOCAL_RULE_1", "LOCAL_RULE_2", "LOCAL_RULE_3", "LOCAL_NET_CONFIG":
			m.mc.addVerbatim(grpLocal, o.Kind+"\n"+strings.TrimRight(o.Text, "\n"), "", o.Pos)
		default:
			continue
		}
		m.item(Item{Construct: o.Kind + " " + o.Name, Pos: o.Pos.String(), Fidelity: Exact, Target: "sendmail.mc (verbatim)"})
	}
	// the SMTP mailers' argument vectors (RELAY_MAILER_ARGS `TCP $h 587'
	// and the like; the cf library's default is TCP $h)
	for _, ml := range cfg.Mailers {
		if macro, ok := smtpArgsMacros[ml.Name]; ok && ml.Path == "[IPC]" && ml.Args != "" && ml.Args != "TCP $h" {
			m.mc.add(grpDefine, call("define", macro, ml.Args), "", ml.Pos)
			m.exact(macro+" "+ml.Args, ml.Pos, "", "sendmail.mc")
		}
	}
	// mailers: local and smtp always, others as declared
	m.mc.add(grpMailer, call("MAILER", "local"), "", ir.Pos{})
	m.mc.add(grpMailer, call("MAILER", "smtp"), "", ir.Pos{})
	for _, ml := range cfg.Mailers {
		if sm := mailerOrigin.FindStringSubmatch(ml.Origin); sm != nil {
			m.mc.add(grpMailer, call("MAILER", sm[1]), "", ml.Pos)
		}
	}
	return nil
}

// accessOptions are the access_db options the access checks show
// (skip, lookupdotdomain, relaytofulladdress); with the default spec an
// empty spec argument is passed first.
func (m *migrator) accessOptions(defaultSpec bool) []string {
	var skip, dot, full bool
	for _, st := range m.cfg.Policy.Stages {
		for _, ch := range st.Checks {
			if ch.Kind != ir.CheckAccess || ch.Lookup == nil || ch.Table != "access" {
				continue
			}
			skip = skip || ch.Lookup.Skip
			dot = dot || ch.Lookup.DotDomain
			if ch.Lookup.Tag == "To" && strings.HasPrefix(ch.Name, "relay:") {
				for _, o := range ch.Lookup.Order {
					if o == "address" {
						full = true
					}
				}
			}
		}
	}
	var out []string
	for _, o := range []struct {
		on   bool
		name string
	}{{skip, "skip"}, {dot, "lookupdotdomain"}, {full, "relaytofulladdress"}} {
		if o.on {
			out = append(out, o.name)
		}
	}
	if len(out) > 0 && defaultSpec {
		out = append([]string{""}, out...)
	}
	return out
}

// writeEntries writes a table's entries back as its source.
func (m *migrator) writeEntries(t *ir.Table, file string, kind tableKind) {
	if !t.Loaded {
		return
	}
	tf := m.table(file, kind)
	for _, e := range t.Entries {
		key := e.Key
		if kind == aliasTable && e.Alias != nil && e.Alias.Name != "" {
			key = e.Alias.Name
		}
		tf.add(key, e.Value, e.Pos)
	}
	m.item(Item{Construct: "table " + t.Name, Pos: t.Pos.String(), Origin: t.Origin, Fidelity: Exact, Target: file})
}
