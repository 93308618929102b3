package postfix

import (
	"strings"

	"mailcc/ir"
)

// identity: compatibility_level, myhostname, mydomain, the +detail
// delimiter.
func (m *migrator) identity() {
	m.main.set(secIdentity, "compatibility_level", "3.6",
		[]string{"Postfix 3.6 defaults (relay restrictions before recipient restrictions, no implicit relay_domains)."})
	id := m.cfg.Identity
	if h := id.Hostname; concrete(h.Value) && hostRE.MatchString(strings.TrimSuffix(h.Value, ".")) {
		m.hostname = strings.ToLower(strings.TrimSuffix(h.Value, "."))
		m.main.set(secIdentity, "myhostname", m.hostname, nil, h.Pos)
		m.exact("confDOMAIN_NAME "+h.Value, h.Pos, h.Origin, "main.cf: myhostname")
	} else {
		m.none("the host name ($j)", h.Pos, "sendmail: the system's host name",
			"the .mc does not set confDOMAIN_NAME: sendmail takes the name of the machine it runs on",
			"set myhostname in main.cf if the machine's name is not the mail name", "")
	}
	if i := strings.IndexByte(m.hostname, '.'); i > 0 {
		m.domain = m.hostname[i+1:]
	}
	if d := id.Domain; concrete(d.Value) && !strings.EqualFold(d.Value, m.domain) {
		m.domain = strings.ToLower(d.Value)
		m.main.set(secIdentity, "mydomain", m.domain, nil, d.Pos)
		m.exact("$m "+d.Value, d.Pos, d.Origin, "main.cf: mydomain")
	}
	// sendmail always understands user+detail (aliases, virtusertable,
	// the access map); Postfix only with a delimiter.
	m.main.set(secIdentity, "recipient_delimiter", "+",
		[]string{"sendmail always splits user+detail (aliases, virtusertable, access)."})
	rw := m.cfg.Rewrite
	if !rw.PercentHack {
		m.main.set(secIdentity, "allow_percent_hack", "no", []string{"FEATURE(nopercenthack): % is an ordinary character of local parts."})
		m.exact("FEATURE(nopercenthack)", ir.Pos{}, "", "main.cf: allow_percent_hack = no")
	}
	if !rw.BangPath {
		m.main.set(secIdentity, "swap_bangpath", "no", []string{"FEATURE(nouucp): ! is an ordinary character of local parts."})
		m.exact("FEATURE(nouucp)", ir.Pos{}, "", "main.cf: swap_bangpath = no")
	}
	if rw.Canonify {
		m.approx("canonification of host names through DNS", ir.Pos{}, "sendmail's ruleset 3 (without FEATURE(nocanonify))",
			"(nothing)", "sendmail replaces a domain that is an alias in DNS (a CNAME) by its canonical name before it checks or routes the address; Postfix never does",
			"resolve user@cname.example", Affect{When: WhenDNSAlias})
	}
	if m.hostname != "" {
		m.inherent("user@localhost", "sendmail's ruleset 3",
			"sendmail reads user@localhost (and user@localhost.$m) as user@$j and rewrites the address that way; Postfix delivers it locally but keeps the name",
			"header_from user@localhost",
			Affect{Kinds: []string{"header_from"}, Address: "@localhost"}, Affect{Kinds: []string{"header_from"}, Address: "@localhost." + m.domain})
	}
	if !rw.AlwaysAddDomain {
		m.approx("unqualified sender names for the local mailer", ir.Pos{}, "sendmail's local mailer rules (without FEATURE(always_add_domain))",
			"(nothing)", "sendmail's local mailer leaves a bare sender name as it is; Postfix qualifies every address with $myorigin when the message is received",
			"header_from user mailer=local", Affect{Kinds: []string{"header_from"}, Mailer: "local", When: WhenUnqualified})
	}
	m.inherent("the envelope sender MAILER-DAEMON", "Postfix",
		"Postfix takes an envelope sender that is the bare name MAILER-DAEMON for the null sender; sendmail qualifies it like any name",
		"header_from MAILER-DAEMON", Affect{Kinds: []string{"header_from"}, Address: "mailer-daemon@", When: WhenUnqualified})
	if b := id.Banner; b.Pos.IsValid() {
		banner := strings.NewReplacer("${j}", "$myhostname", "$j", "$myhostname", "$v", "$mail_version", "$Z", "$mail_version", "$b", "").Replace(b.Value)
		rest := strings.NewReplacer("$myhostname", "", "$mail_version", "").Replace(banner)
		if strings.Contains(rest, "$") {
			m.none("confSMTP_LOGIN_MSG "+b.Value, b.Pos, b.Origin, "the greeting uses sendmail macros or conditionals Postfix's smtpd_banner has no equivalent for",
				"write smtpd_banner by hand (it must start with $myhostname ESMTP)", "")
		} else {
			banner = strings.Join(strings.Fields(strings.ReplaceAll(banner, "; ;", ";")), " ")
			banner = strings.TrimSuffix(strings.TrimSpace(banner), ";")
			if f := strings.Fields(banner); len(f) > 0 && !strings.Contains(banner, "ESMTP") {
				banner = f[0] + " ESMTP" + strings.TrimPrefix(banner, f[0])
			}
			m.main.set(secIdentity, "smtpd_banner", banner, nil, b.Pos)
			m.approx("confSMTP_LOGIN_MSG "+b.Value, b.Pos, b.Origin, "main.cf: smtpd_banner = "+banner,
				"sendmail's $b (the date) has no Postfix equivalent and is dropped; sendmail inserts ESMTP after the first word itself", "")
		}
	}
}

// localDomains: class w becomes mydestination.
func (m *migrator) localDomains() {
	add := func(d string) bool {
		d = strings.TrimSuffix(strings.ToLower(d), ".")
		if d == "" || m.localSet[d] {
			return false
		}
		if !domainRE.MatchString(d) {
			m.none("class w: "+d, ir.Pos{}, "", "not a domain name Postfix can list (a sendmail macro, or stray characters)",
				"add the names this host receives mail for to mydestination by hand", "")
			return false
		}
		m.localSet[d] = true
		m.local = append(m.local, d)
		return true
	}
	var items []string
	var from []ir.Pos
	// sendmail puts $j in class w when it starts, set or not (main.c);
	// without confDOMAIN_NAME both $j and Postfix's default myhostname
	// are the machine's name
	items = append(items, "$myhostname")
	if m.hostname != "" {
		add(m.hostname)
	}
	add("localhost")
	items = append(items, "localhost")
	if m.domain != "" {
		// sendmail reads localhost.$m as the host itself
		add("localhost." + m.domain)
		items = append(items, "localhost.$mydomain")
	}
	if i := strings.IndexByte(m.hostname, '.'); i > 0 {
		if add(m.hostname[:i]) {
			items = append(items, m.hostname[:i])
		}
	}
	var literal []ir.DomainMatch
	for _, d := range m.cfg.LocalDomains {
		if d.Negated || d.Table != "" {
			continue
		}
		if strings.HasPrefix(d.Domain, "[") {
			literal = append(literal, d)
			continue
		}
		if add(d.Domain) {
			items = append(items, strings.ToLower(d.Domain))
		}
		if d.Pos.IsValid() {
			from = append(from, d.Pos)
			m.exact("class w: "+d.Domain, d.Pos, d.Origin, "main.cf: mydestination")
		}
	}
	if c := m.cfg.Class("w"); c != nil {
		for _, mb := range c.Members {
			if strings.HasPrefix(mb.Value, "[") {
				dup := false
				for _, l := range literal {
					dup = dup || strings.EqualFold(l.Domain, mb.Value)
				}
				if !dup {
					literal = append(literal, ir.DomainMatch{Domain: mb.Value, Pos: mb.Pos, Origin: mb.Origin})
				}
				continue
			}
			if add(mb.Value) {
				items = append(items, strings.ToLower(mb.Value))
				from = append(from, mb.Pos)
				m.exact("class w: "+mb.Value, mb.Pos, mb.Origin, "main.cf: mydestination")
			}
		}
	}
	m.main.set(secDomains, "mydestination", strings.Join(items, ", "),
		[]string{"sendmail's class w: the host's names (sendmail adds the short name and localhost itself), local-host-names, LOCAL_DOMAIN."}, from...)
	var proxy []string
	var proxyFrom []ir.Pos
	for _, d := range literal {
		a := strings.Trim(d.Domain, "[]")
		a = strings.TrimPrefix(strings.TrimPrefix(a, "IPv6:"), "ipv6:")
		proxy = append(proxy, a)
		proxyFrom = append(proxyFrom, d.Pos)
		m.wExtra = append(m.wExtra, strings.ToLower(d.Domain))
		m.exact("class w: "+d.Domain, d.Pos, d.Origin, "main.cf: proxy_interfaces "+a)
	}
	if len(proxy) > 0 {
		m.main.set(secDomains, "proxy_interfaces", strings.Join(proxy, ", "),
			[]string{"Address literals in class w: Postfix takes user@[address] as local for the addresses it listens on and these."}, proxyFrom...)
	}
	probe := true
	for _, o := range m.cfg.Options {
		if o.Name == "DontProbeInterfaces" && (o.Bool || strings.EqualFold(o.Raw, "true") || strings.EqualFold(o.Raw, "loopback")) {
			probe = false
		}
	}
	if probe {
		m.approx("class w: the names of the machine's interfaces", ir.Pos{}, "sendmail probes the network interfaces (confDONT_PROBE_INTERFACES is not set)",
			"main.cf: mydestination",
			"sendmail adds the host names and [addresses] of every interface to class w when it starts; Postfix's mydestination holds only what is listed (user@[address] is local for the addresses it listens on)",
			"resolve user@[192.0.2.10]")
	}
}
