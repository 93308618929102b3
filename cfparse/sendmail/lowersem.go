package sendmail

import (
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"mailcc/cfparse/table"
	"mailcc/ir"
	"mailcc/source"
)

// portOptions splits DaemonPortOptions/ClientPortOptions as sendmail
// does: comma-separated key=value pairs, the key known by its first
// letter.
func portOptions(v string) [][2]string {
	var out [][2]string
	for _, f := range strings.Split(v, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(f), "=")
		if !ok {
			continue
		}
		out = append(out, [2]string{strings.TrimSpace(k), strings.TrimSpace(val)})
	}
	return out
}

// listener lowers an O DaemonPortOptions line: one listening socket.
func (lw *lowerer) listener(l Line) {
	li := ir.Listener{Port: "smtp", Family: "inet", Spec: l.Value, Pos: l.Pos, Origin: l.Origin}
	for _, kv := range portOptions(l.Value) {
		k, v := kv[0], kv[1]
		if k == "" {
			continue
		}
		switch k[0] {
		case 'A', 'a':
			li.Addr = v
		case 'F', 'f':
			li.Family = strings.ToLower(v)
		case 'N', 'n':
			li.Name = v
		case 'P', 'p':
			li.Port = v
		case 'M', 'm':
			li.Modifiers = v
			li.RequireAuth = strings.ContainsRune(v, 'a')
			li.NoAuth = strings.ContainsRune(v, 'A')
			li.TLSWrapper = strings.ContainsRune(v, 's')
			li.NoSTARTTLS = strings.ContainsRune(v, 'S')
			li.NoETRN = strings.ContainsRune(v, 'E')
		default:
			li.Overrides = append(li.Overrides, ir.Setting{Name: k, Value: v, Pos: l.Pos})
		}
	}
	if li.Name == "" {
		li.Name = "Daemon" + strconv.Itoa(len(lw.cfg.Listeners))
	}
	lw.cfg.Listeners = append(lw.cfg.Listeners, li)
}

// clientOptions lowers an O ClientPortOptions line.
func (lw *lowerer) clientOptions(l Line) {
	c := &lw.cfg.Client
	c.Overrides = append(c.Overrides, ir.Setting{Name: "ClientPortOptions", Value: l.Value, Pos: l.Pos})
	for _, kv := range portOptions(l.Value) {
		k, v := kv[0], kv[1]
		if k == "" {
			continue
		}
		switch k[0] {
		case 'A', 'a':
			c.BindAddress = append(c.BindAddress, ir.Value{Value: v, Pos: l.Pos})
		case 'F', 'f':
			c.Families = append(c.Families, ir.Value{Value: strings.ToLower(v), Pos: l.Pos})
		}
	}
}

// mailerDecl lowers an M line.
func (lw *lowerer) mailerDecl(l Line) {
	m := ir.Mailer{Name: l.Name, Pos: l.Pos, Origin: l.Origin}
	for _, f := range Fields(l.Value) {
		if f.Name == "" {
			continue
		}
		switch f.Name[:1] {
		case "P":
			m.Path = f.Value
		case "A":
			m.Args = f.Value
		case "F":
			m.Flags = f.Value
		default:
			m.Equates = append(m.Equates, ir.Setting{Name: f.Name, Value: f.Value})
		}
	}
	for i := range lw.cfg.Mailers {
		if lw.cfg.Mailers[i].Name == m.Name {
			lw.warnf(l.Pos, "mailer %s is defined again (the definition at %s is replaced)", m.Name, lw.cfg.Mailers[i].Pos)
			lw.cfg.Mailers = append(lw.cfg.Mailers[:i], lw.cfg.Mailers[i+1:]...)
			break
		}
	}
	lw.cfg.Mailers = append(lw.cfg.Mailers, m)
}

// milter lowers an X line.
func (lw *lowerer) milter(l Line) {
	m := ir.Milter{Name: l.Name, OnFailure: "continue", Pos: l.Pos}
	for _, f := range Fields(l.Value) {
		f := ir.Setting{Name: f.Name, Value: f.Value}
		switch {
		case f.Name == "S":
			m.Socket = f.Value
		case f.Name == "F" && f.Value == "":
			// written, but empty: kept so that the line can be written back
			m.Equates = append(m.Equates, f)
		case f.Name == "F":
			m.Flags = f.Value
			switch {
			case strings.ContainsRune(f.Value, 'R'):
				m.OnFailure = "reject"
			case strings.ContainsRune(f.Value, 'T'):
				m.OnFailure = "tempfail"
			case strings.ContainsRune(f.Value, '4'):
				m.OnFailure = "tempfail-421"
			}
		case f.Name == "T":
			m.Timeouts = f.Value
		case f.Name != "":
			m.Equates = append(m.Equates, ir.Setting{Name: f.Name, Value: f.Value})
		}
	}
	if o, ok := lw.options["InputMailFilters"]; ok {
		for _, n := range splitList(o.Value) {
			if n == m.Name {
				m.Input = true
			}
		}
	}
	lw.cfg.Milters = append(lw.cfg.Milters, m)
}

// aliasTables makes a table of each AliasFile entry.
func (lw *lowerer) aliasTables() {
	o, ok := lw.options["AliasFile"]
	if !ok {
		return
	}
	for i, spec := range strings.Split(o.Value, ",") {
		spec = strings.TrimSpace(spec)
		if spec == "" {
			continue
		}
		b := ir.Backend{Type: "implicit", Spec: spec}
		path := spec
		if c := strings.IndexByte(spec, ':'); c > 0 && !strings.HasPrefix(spec, "/") {
			b.Type, path = spec[:c], spec[c+1:]
		}
		if strings.HasPrefix(path, "-") {
			fs := strings.Fields(path)
			for len(fs) > 1 && strings.HasPrefix(fs[0], "-") {
				b.Flags = append(b.Flags, fs[0])
				fs = fs[1:]
			}
			path = strings.Join(fs, " ")
		}
		b.Path, b.Source = path, path
		name := "aliases"
		if i > 0 {
			name = "aliases." + strconv.Itoa(i+1)
		}
		lw.cfg.Tables = append(lw.cfg.Tables, &ir.Table{Name: name, Kind: ir.AliasTable, Backend: b, Pos: o.Pos, Origin: o.Origin})
		lw.cfg.Routing.Local.Aliases = append(lw.cfg.Routing.Local.Aliases, name)
	}
}

// value is a cf variable as an ir.Value.
func (lw *lowerer) value(name string) (ir.Value, bool) {
	v, ok := lw.mc.Vars[name]
	if !ok {
		return ir.Value{}, false
	}
	return ir.Value{Value: v.Value, Pos: v.Pos, Origin: v.Origin}, true
}

// macroValue is a D line's value as an ir.Value.
func (lw *lowerer) macroValue(name string) (ir.Value, bool) {
	l, ok := lw.macros[name]
	if !ok {
		return ir.Value{}, false
	}
	return ir.Value{Value: l.Value, Pos: l.Pos, Origin: l.Origin}, true
}

func (lw *lowerer) flag(name string) bool { return lw.mc.Defined(name) }

// identity fills who the server is.
func (lw *lowerer) identity() {
	id := &lw.cfg.Identity
	if v, ok := lw.macroValue("j"); ok {
		id.Hostname = v
	} else {
		id.Hostname = ir.Value{Value: "$j", Origin: "sendmail: the host's fully qualified name, from the system"}
	}
	id.Domain = ir.Value{Value: "$m", Origin: "sendmail: the domain part of $j"}
	if v, ok := lw.macroValue("M"); ok && v.Value != "" {
		id.Origin = v
	} else {
		id.Origin = ir.Value{Value: id.Hostname.Value, Pos: id.Hostname.Pos, Origin: "sendmail: unqualified addresses get $j"}
	}
	if o, ok := lw.options["SmtpGreetingMessage"]; ok {
		id.Banner = ir.Value{Value: o.Value, Pos: o.Pos, Origin: o.Origin}
	}
	if o, ok := lw.options["HeloName"]; ok {
		id.HeloName = ir.Value{Value: o.Value, Pos: o.Pos, Origin: o.Origin}
		lw.cfg.Client.HeloName = id.HeloName
	}
	// FEATURE(authinfo): the client's credentials (without it the
	// authinfo ruleset reads the AuthInfo: entries of the access map)
	if t := lw.cfg.Table("authinfo"); t != nil && t.Kind == ir.AuthInfoTable {
		lw.cfg.Client.AuthTable = t.Name
	}
	if c := lw.classes["w"]; c != nil {
		for _, m := range c.Members {
			lw.cfg.LocalDomains = append(lw.cfg.LocalDomains, ir.DomainMatch{Domain: strings.ToLower(m.Value), Pos: m.Pos, Origin: memberOrigin(m)})
		}
	}
}

func memberOrigin(m ir.ClassMember) string {
	if m.From != "" {
		return "read from " + m.From
	}
	return m.Origin
}

// isIPPrefix reports whether a class R word is an address prefix, and
// returns it as a network.
func ipPrefix(w string) (ir.Network, bool) {
	if strings.HasPrefix(strings.ToLower(w), "ipv6:") {
		groups := strings.Split(w[5:], ":")
		addr := w[5:]
		bits := 128
		if !strings.Contains(addr, "::") && len(groups) < 8 {
			bits = 16 * len(groups)
			addr += strings.Repeat(":0", 8-len(groups))
		}
		if p, err := netip.ParseAddr(addr); err == nil {
			pf, _ := p.Prefix(bits)
			return ir.Network{CIDR: pf.String(), Source: w}, true
		}
		return ir.Network{}, false
	}
	parts := strings.Split(w, ".")
	if len(parts) > 4 {
		return ir.Network{}, false
	}
	for _, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 255 || p == "" {
			return ir.Network{}, false
		}
	}
	full := append(parts, make([]string, 4-len(parts))...)
	for i := len(parts); i < 4; i++ {
		full[i] = "0"
	}
	return ir.Network{CIDR: strings.Join(full, ".") + "/" + strconv.Itoa(8*len(parts)), Source: w}, true
}

// relay fills who may relay.
func (lw *lowerer) relay() {
	r := &lw.cfg.Relay
	r.Open = lw.flag("_PROMISCUOUS_RELAY_")
	r.EntireDomain = lw.flag("_RELAY_ENTIRE_DOMAIN_")
	r.HostsOnly = lw.flag("_RELAY_HOSTS_ONLY_")
	r.BasedOnMX = lw.flag("_RELAY_MX_SERVED_")
	r.LocalFrom = lw.flag("_RELAY_LOCAL_FROM_")
	r.MailFrom = lw.flag("_RELAY_DB_FROM_")
	if c := lw.classes["R"]; c != nil {
		for _, m := range c.Members {
			if n, ok := ipPrefix(m.Value); ok {
				n.Pos, n.Origin = m.Pos, memberOrigin(m)
				r.Networks = append(r.Networks, n)
				continue
			}
			d := ir.DomainMatch{Domain: strings.ToLower(m.Value), Subdomains: !r.HostsOnly, Pos: m.Pos, Origin: memberOrigin(m)}
			r.Domains = append(r.Domains, d)
			r.ClientNames = append(r.ClientNames, d)
		}
	}
	r.Networks = append(r.Networks,
		ir.Network{CIDR: "127.0.0.1/32", Origin: "sendmail: a client at 127.0.0.1 may always relay"},
		ir.Network{CIDR: "::1/128", Origin: "sendmail: a client at IPv6 ::1 may always relay"})
	if c := lw.classes["TrustAuthMech"]; c != nil {
		for _, m := range c.Members {
			r.AuthMechanisms = append(r.AuthMechanisms, ir.Value{Value: m.Value, Pos: m.Pos, Origin: memberOrigin(m)})
		}
	}
	msg, _ := lw.value("confRELAY_MSG")
	r.Denied = parseReply(msg.Value, 550, "5.7.1")
}

// parseReply reads a cf reply text such as `"550 Relaying denied"`.
func parseReply(s string, code int, dsn string) ir.Reply {
	s = strings.TrimSpace(s)
	s = strings.Trim(s, `"`)
	r := ir.Reply{Code: code, DSN: dsn, Text: s}
	if len(s) >= 3 {
		if n, err := strconv.Atoi(s[:3]); err == nil && (len(s) == 3 || s[3] == ' ' || s[3] == '-') {
			r.Code = n
			r.Text = strings.TrimSpace(s[3:])
		}
	}
	return r
}

// accessLookup is how sendmail looks a tag up in the access map.
func (lw *lowerer) accessLookup(tag string, order ...string) *ir.LookupStyle {
	return &ir.LookupStyle{
		Tag: tag, Untagged: true, Order: order, ParentDomains: true,
		DotDomain: lw.flag("_LOOKUPDOTDOMAIN_"), IPv6: "full", Detail: "+",
		Skip: lw.flag("_ACCESS_SKIP_"),
	}
}

// featurePos is the position and origin of a FEATURE call.
func (lw *lowerer) featurePos(name string) (ir.Pos, []string, bool) {
	args, c := lw.mc.Feature(name)
	if c == nil {
		return ir.Pos{}, nil, false
	}
	return c.Pos, args, true
}

// allFeatures lists every call of FEATURE(name).
func (lw *lowerer) allFeatures(name string) []Call {
	var out []Call
	for _, c := range lw.mc.Calls {
		if c.Name == "FEATURE" && len(c.Args) > 0 && c.Args[0] == name {
			out = append(out, c)
		}
	}
	return out
}

// policy lowers check_relay, check_mail and check_rcpt.
func (lw *lowerer) policy() {
	p := &lw.cfg.Policy
	access := lw.flag("_ACCESS_TABLE_")
	p.DelayChecks = lw.flag("_DELAY_CHECKS_")
	switch {
	case lw.flag("_SPAM_FRIEND_"):
		p.DelayMode = "friend"
	case lw.flag("_SPAM_HATER_"):
		p.DelayMode = "hater"
	}
	rej := ir.Reply{Code: 550, DSN: "5.7.1", Text: "Access denied"}
	if v, ok := lw.mc.Vars["confREJECT_MSG"]; ok {
		rej = parseReply(v.Value, 550, "5.7.1")
	}
	p.Defaults.Reject = rej
	rcptRej, _ := lw.value("confRCPTREJ_MSG")
	p.Defaults.RecipientReject = parseReply(rcptRej.Value, 550, "5.2.1")

	// check_relay: the connecting client
	connect := ir.StagePolicy{Stage: ir.StageConnect, List: "check_relay", Origin: "sendmail cf library: check_relay"}
	if access {
		pos, _, _ := lw.featurePos("access_db")
		connect.Checks = append(connect.Checks, ir.Check{Kind: ir.CheckAccess, Subject: "client", Table: "access",
			Lookup: lw.accessLookup("Connect", "client-name", "client-address"), Name: "FEATURE(access_db)", Pos: pos})
	}
	for _, f := range []string{"dnsbl", "enhdnsbl"} {
		for _, c := range lw.allFeatures(f) {
			ck := ir.Check{Kind: ir.CheckDNSBL, Subject: "client", Name: "FEATURE(" + f + ")", Args: c.Args[1:], Pos: c.Pos}
			zone := arg(c.Args, 1)
			msg := arg(c.Args, 2)
			switch msg {
			case "":
				ck.Reply = &ir.Reply{Code: 550, DSN: "5.7.1", Text: "Rejected: $&{client_addr} listed at " + zone}
			case "quarantine", "discard":
			default:
				r := parseReply(msg, 550, "5.7.1")
				ck.Reply = &r
			}
			connect.Checks = append(connect.Checks, ck)
		}
	}
	if lw.flag("_REQUIRE_RDNS_") {
		pos, _, _ := lw.featurePos("require_rdns")
		connect.Checks = append(connect.Checks, ir.Check{Kind: ir.CheckRejectUnknownClient, Subject: "client", Name: "FEATURE(require_rdns)", Pos: pos,
			Reply: &ir.Reply{Code: 550, DSN: "5.7.1", Text: "Fix reverse DNS for $&{client_addr}"}})
	}
	for _, f := range []struct {
		flag, name string
		kind       ir.CheckKind
		tag        string
	}{
		{"_RATE_CONTROL_", "ratecontrol", ir.CheckRate, "ClientRate"},
		{"_CONN_CONTROL_", "conncontrol", ir.CheckConnLimit, "ClientConn"},
	} {
		if lw.flag(f.flag) {
			pos, args, _ := lw.featurePos(f.name)
			code := 452
			if v, ok := lw.mc.Value(f.flag + "REPLY"); ok {
				code, _ = strconv.Atoi(v)
			}
			connect.Checks = append(connect.Checks, ir.Check{Kind: f.kind, Subject: "client", Table: "access", Name: "FEATURE(" + f.name + ")", Args: args, Pos: pos,
				Lookup: &ir.LookupStyle{Tag: f.tag, Order: []string{"client-address", "tag-default"}, IPv6: "full"},
				Reply:  &ir.Reply{Code: code, DSN: "4.3.2"}})
		}
	}
	if lw.flag("_GREET_PAUSE_") {
		pos, args, _ := lw.featurePos("greet_pause")
		ck := ir.Check{Kind: ir.CheckGreetPause, Subject: "client", Name: "FEATURE(greet_pause)", Args: args, Pos: pos}
		if access {
			ck.Table = "access"
			ck.Lookup = &ir.LookupStyle{Tag: "GreetPause", Order: []string{"client-name", "client-address", "tag-default"}, ParentDomains: true, IPv6: "full"}
		}
		connect.Checks = append(connect.Checks, ck)
	}
	for _, f := range []string{"mtamark", "check_other", "use_client_ptr"} {
		if pos, args, ok := lw.featurePos(f); ok {
			connect.Checks = append(connect.Checks, ir.Check{Kind: ir.CheckOpaque, Subject: "client", Name: "FEATURE(" + f + ")", Args: args, Pos: pos})
		}
	}

	// helo
	var helo ir.StagePolicy
	if lw.flag("_BLOCK_BAD_HELO_") {
		pos, _, _ := lw.featurePos("block_bad_helo")
		helo = ir.StagePolicy{Stage: ir.StageHelo, List: "check_rcpt (block_bad_helo)", Origin: "sendmail cf library: FEATURE(block_bad_helo)",
			Checks: []ir.Check{{Kind: ir.CheckHelo, Subject: "helo", Name: "FEATURE(block_bad_helo)", Pos: pos,
				Reply: &ir.Reply{Code: 550, DSN: "5.7.1", Text: "bogus HELO name used: $&{s}"}}}}
	}

	// check_mail: the envelope sender
	mail := ir.StagePolicy{Stage: ir.StageMail, List: "check_mail", Origin: "sendmail cf library: check_mail",
		Checks: []ir.Check{{Kind: ir.CheckNullSender, Subject: "sender", Origin: "sendmail cf library: <> is accepted before any lookup"}}}
	if access {
		pos, _, _ := lw.featurePos("access_db")
		mail.Checks = append(mail.Checks, ir.Check{Kind: ir.CheckAccess, Subject: "sender", Table: "access",
			Lookup: lw.accessLookup("From", "address", "user", "domain"), Name: "FEATURE(access_db)", Pos: pos})
	}
	if !lw.flag("_ACCEPT_UNQUALIFIED_SENDERS_") {
		mail.Checks = append(mail.Checks, ir.Check{Kind: ir.CheckRejectUnqualifiedSender, Subject: "sender",
			Reply: &ir.Reply{Code: 553, DSN: "5.5.4", Text: "Domain name required for sender address"}, Origin: "sendmail cf library default (FEATURE(accept_unqualified_senders) turns it off)"})
	}
	if !lw.flag("_ACCEPT_UNRESOLVABLE_DOMAINS_") {
		mail.Checks = append(mail.Checks, ir.Check{Kind: ir.CheckRejectUnknownSenderDomain, Subject: "sender", Table: "resolve",
			Reply: &ir.Reply{Code: 553, DSN: "5.1.8", Text: "Domain of sender address does not exist"}, Origin: "sendmail cf library default (FEATURE(accept_unresolvable_domains) turns it off)"})
	}
	for _, c := range lw.allFeatures("rhsbl") {
		mail.Checks = append(mail.Checks, ir.Check{Kind: ir.CheckRHSBL, Subject: "sender", Name: "FEATURE(rhsbl)", Args: c.Args[1:], Pos: c.Pos})
	}
	if pos, args, ok := lw.featurePos("badmx"); ok {
		mail.Checks = append(mail.Checks, ir.Check{Kind: ir.CheckOpaque, Subject: "sender", Name: "FEATURE(badmx)", Args: args, Pos: pos})
	}

	// check_rcpt: the recipient, and relaying
	rcpt := ir.StagePolicy{Stage: ir.StageRcpt, List: "check_rcpt", Origin: "sendmail cf library: check_rcpt"}
	for _, o := range lw.mc.Opaque {
		if o.Name == "Local_check_rcpt" || o.Name == "Local_check_mail" || o.Name == "Local_check_relay" {
			stage := map[string]*ir.StagePolicy{"Local_check_rcpt": &rcpt, "Local_check_mail": &mail, "Local_check_relay": &connect}[o.Name]
			stage.Checks = append([]ir.Check{{Kind: ir.CheckOpaque, Name: o.Name, Pos: o.Pos}}, stage.Checks...)
		}
	}
	if lw.flag("_BLOCKLIST_RCPT_") {
		pos, _, _ := lw.featurePos("blocklist_recipients")
		if !pos.IsValid() {
			pos, _, _ = lw.featurePos("blacklist_recipients")
		}
		lk := lw.accessLookup("To", "address", "user", "domain")
		lk.UserOnlyLocal = true
		rcpt.Checks = append(rcpt.Checks, ir.Check{Kind: ir.CheckAccess, Subject: "recipient", Table: "access", Lookup: lk,
			Name: "FEATURE(blocklist_recipients)", Pos: pos, Reply: &p.Defaults.RecipientReject})
	}
	// FEATURE(nouucp, reject), FEATURE(nopercenthack, reject): a
	// recipient routed through its local part is relayed only for a
	// client that may relay (check_rcpt's <REMOTE> rules).
	for _, f := range []struct {
		flag, feature string
		kind          ir.CheckKind
	}{{"_NO_UUCP_", "nouucp", ir.CheckBangPath}, {"_NO_PERCENTHACK_", "nopercenthack", ir.CheckPercentHack}} {
		if v, ok := lw.mc.Value(f.flag); ok && v == "r" {
			pos, args, _ := lw.featurePos(f.feature)
			rcpt.Checks = append(rcpt.Checks, ir.Check{Kind: f.kind, Subject: "recipient", Name: "FEATURE(" + f.feature + ")", Args: args, Pos: pos,
				Origin: "sendmail cf library: check_rcpt relays such recipients only for clients that may relay"})
		}
	}
	if pos, args, ok := lw.featurePos("compat_check"); ok {
		rcpt.Checks = append(rcpt.Checks, ir.Check{Kind: ir.CheckOpaque, Subject: "sender-recipient", Name: "FEATURE(compat_check)", Args: args, Pos: pos, Table: "access"})
	}
	if lw.cfg.Relay.Open {
		pos, _, _ := lw.featurePos("promiscuous_relay")
		rcpt.Checks = append(rcpt.Checks, ir.Check{Kind: ir.CheckPermit, Name: "FEATURE(promiscuous_relay)", Pos: pos})
	} else {
		if access {
			order := []string{"domain"}
			if lw.flag("_RELAY_FULL_ADDR_") {
				order = []string{"address", "domain", "user"}
			}
			lk := &ir.LookupStyle{Tag: "To", Untagged: true, Order: order, ParentDomains: !lw.flag("_RELAY_HOSTS_ONLY_"), IPv6: "full", Detail: "+"}
			rcpt.Checks = append(rcpt.Checks, ir.Check{Kind: ir.CheckAccess, Subject: "recipient", Table: "access", Lookup: lk, Args: []string{"RELAY"},
				Name: "relay: To: RELAY entries", Origin: "sendmail cf library: check_rcpt (Rcpt_ok)"})
		}
		rcpt.Checks = append(rcpt.Checks, ir.Check{Kind: ir.CheckPermitRelayClients, Subject: "client", Origin: "sendmail cf library: check_rcpt (Relay_ok)"})
		if access {
			rcpt.Checks = append(rcpt.Checks, ir.Check{Kind: ir.CheckAccess, Subject: "client", Table: "access", Args: []string{"RELAY"},
				Lookup: &ir.LookupStyle{Tag: "Connect", Untagged: true, Order: []string{"client-address", "client-name"}, ParentDomains: !lw.flag("_RELAY_HOSTS_ONLY_"), IPv6: "full"},
				Name:   "relay: Connect: RELAY entries", Origin: "sendmail cf library: check_rcpt (Relay_ok)"})
		}
		if len(lw.cfg.Relay.AuthMechanisms) > 0 {
			rcpt.Checks = append(rcpt.Checks, ir.Check{Kind: ir.CheckPermitAuth, Subject: "client", Args: mechanisms(lw.cfg.Relay.AuthMechanisms), Pos: lw.cfg.Relay.AuthMechanisms[0].Pos})
		}
		deny := lw.cfg.Relay.Denied
		rcpt.Checks = append(rcpt.Checks, ir.Check{Kind: ir.CheckRejectUnauthDestination, Subject: "recipient", Reply: &deny, Origin: "sendmail cf library: check_rcpt"})
	}
	p.Stages = append(p.Stages, connect)
	if len(helo.Checks) > 0 {
		p.Stages = append(p.Stages, helo)
	}
	p.Stages = append(p.Stages, mail, rcpt)
}

func mechanisms(vs []ir.Value) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Value)
	}
	return out
}

// classDomains lists a class's members as domain matches.
func (lw *lowerer) classDomains(name string, subdomains bool) []ir.DomainMatch {
	var out []ir.DomainMatch
	if c := lw.classes[name]; c != nil {
		for _, m := range c.Members {
			out = append(out, ir.DomainMatch{Domain: strings.ToLower(m.Value), Subdomains: subdomains, Pos: m.Pos, Origin: memberOrigin(m)})
		}
	}
	return out
}

func (lw *lowerer) classValues(name string) []ir.Value {
	var out []ir.Value
	if c := lw.classes[name]; c != nil {
		for _, m := range c.Members {
			out = append(out, ir.Value{Value: m.Value, Pos: m.Pos, Origin: memberOrigin(m)})
		}
	}
	return out
}

// rewrite lowers the address rewriting the features set up, in the
// order sendmail applies it.
func (lw *lowerer) rewrite() {
	rw := &lw.cfg.Rewrite
	rw.RecipientDelimiter = "+"
	rw.PercentHack = !lw.flag("_NO_PERCENTHACK_")
	rw.BangPath = !lw.flag("_NO_UUCP_")
	rw.AlwaysAddDomain = lw.flag("_ALWAYS_ADD_DOMAIN_")
	rw.Canonify = !lw.flag("_NO_CANONIFY_")
	all := ir.Scope{EnvelopeSender: true, EnvelopeRecipient: true, HeaderSender: true, HeaderRecipient: true}
	if lw.flag("_DOMAIN_TABLE_") {
		pos, _, _ := lw.featurePos("domaintable")
		rw.Stages = append(rw.Stages, ir.RewriteStage{Kind: ir.RewriteDomainTable, Tables: []string{"domaintable"}, Scope: all, When: "receive", Pos: pos,
			Order: []string{"domain"}})
	}
	if lw.flag("_VIRTUSER_TABLE_") {
		pos, _, _ := lw.featurePos("virtusertable")
		doms := lw.classDomains("w", false)
		doms = append(doms, lw.classDomains("VirtHost", lw.flag("_VIRTUSER_ENTIRE_DOMAIN_"))...)
		rw.Stages = append(rw.Stages, ir.RewriteStage{Kind: ir.RewriteVirtual, Tables: []string{"virtuser"},
			Scope: ir.Scope{EnvelopeRecipient: true}, When: "receive", Domains: doms, Pos: pos,
			Order: []string{"user+detail@domain", "user+*@domain", "user@domain", "@domain+detail", "@domain"}})
	}
	if len(lw.cfg.Routing.Local.Aliases) > 0 {
		rw.Stages = append(rw.Stages, ir.RewriteStage{Kind: ir.RewriteAliases, Tables: lw.cfg.Routing.Local.Aliases,
			Scope: ir.Scope{EnvelopeRecipient: true}, When: "receive", Origin: "sendmail: local recipients are looked up in the aliases",
			Order: []string{"user+detail", "user+*", "user"}})
	}
	if lw.mc.Defined("MASQUERADE_NAME") {
		as, _ := lw.macroValue("M")
		m := &ir.Masquerade{As: as, Limited: lw.flag("_LIMITED_MASQUERADE_"), EntireDomain: lw.flag("_MASQUERADE_ENTIRE_DOMAIN_")}
		m.Domains = lw.classDomains("M", m.EntireDomain)
		if !m.Limited {
			m.Domains = append(m.Domains, lw.classDomains("w", false)...)
		}
		m.Exceptions = lw.classDomains("N", false)
		m.ExposedUsers = lw.classValues("E")
		sc := ir.Scope{HeaderSender: true}
		if lw.flag("_MASQUERADE_ENVELOPE_") {
			sc.EnvelopeSender = true
		}
		if lw.flag("_ALL_MASQUERADE_") {
			sc.HeaderRecipient = true
			if sc.EnvelopeSender {
				sc.EnvelopeRecipient = true
			}
		}
		rw.Stages = append(rw.Stages, ir.RewriteStage{Kind: ir.RewriteMasquerade, Scope: sc, When: "delivery", Masquerade: m,
			LocalMailer: !lw.flag("_LOCAL_NO_MASQUERADE_"), Unqualified: true, Pos: as.Pos, Origin: as.Origin})
	}
	if lw.flag("_GENERICS_TABLE_") {
		pos, _, _ := lw.featurePos("genericstable")
		sc := ir.Scope{HeaderSender: true}
		if lw.flag("_MASQUERADE_ENVELOPE_") {
			sc.EnvelopeSender = true
		}
		rw.Stages = append(rw.Stages, ir.RewriteStage{Kind: ir.RewriteGeneric, Tables: []string{"generics"}, Scope: sc, When: "delivery",
			Domains: lw.classDomains("G", lw.flag("_GENERICS_ENTIRE_DOMAIN_")), Unqualified: true, Pos: pos,
			Order: []string{"user@domain", "user"}})
	}
	if pos, _, ok := lw.featurePos("redirect"); ok {
		rw.Stages = append(rw.Stages, ir.RewriteStage{Kind: ir.RewriteRelocated, Scope: ir.Scope{EnvelopeRecipient: true}, When: "receive", Pos: pos,
			Origin: "FEATURE(redirect): an alias to address.REDIRECT answers 551 User has moved"})
	}
}

// nextHop parses "[mailer:]host" (SMART_HOST, MAIL_HUB, ...).
func nextHop(v ir.Value) *ir.NextHop {
	raw := v.Value
	h := &ir.NextHop{Raw: raw, Pos: v.Pos}
	host := raw
	if i := strings.IndexByte(raw, ':'); i > 0 && !strings.HasPrefix(raw, "[") {
		h.Mailer, host = raw[:i], raw[i+1:]
	}
	if h.Mailer == "local" {
		h.User = host
		return h
	}
	if strings.HasPrefix(host, "[") {
		if e := strings.IndexByte(host, ']'); e > 0 {
			h.NoMX = true
			host = host[1:e]
		}
	}
	h.Host = strings.TrimSuffix(host, ".")
	return h
}

// routing lowers where mail goes.
func (lw *lowerer) routing() {
	rt := &lw.cfg.Routing
	if lw.flag("_MAILER_TABLE_") {
		pos, _, _ := lw.featurePos("mailertable")
		rt.Transport = &ir.TransportRouting{Table: "mailertable", ParentDomains: true, Pos: pos}
	}
	for _, m := range []struct {
		macro string
		dst   **ir.NextHop
	}{{"S", &rt.SmartHost}, {"H", &rt.MailHub}, {"R", &rt.LocalRelay}, {"L", &rt.LuserRelay}} {
		if v, ok := lw.macroValue(m.macro); ok && strings.TrimSpace(v.Value) != "" {
			*m.dst = nextHop(v)
		}
	}
	rt.LocalUsers = lw.classValues("L")
	rt.StickyHost = lw.flag("_STICKY_LOCAL_DOMAIN_")
	if v, ok := lw.value("confLOCAL_MAILER"); ok {
		rt.Local.Mailer = v
	}
	for _, m := range lw.cfg.Mailers {
		if m.Name == rt.Local.Mailer.Value {
			rt.Local.Command = ir.Value{Value: strings.TrimSpace(m.Path + " " + m.Args), Pos: m.Pos, Origin: m.Origin}
		}
	}
	if o, ok := lw.options["ForwardPath"]; ok {
		rt.Local.ForwardPath = ir.Value{Value: o.Value, Pos: o.Pos, Origin: o.Origin}
	}
	rt.Local.PreserveDetail = lw.flag("_PRESERVE_LOCAL_PLUS_DETAIL_")
	if v, ok := lw.value("confSMTP_MAILER"); ok {
		rt.DefaultMailer = v
	}
	if v, ok := lw.value("confRELAY_MAILER"); ok {
		rt.RelayMailer = v
	}
	if lw.flag("_LDAP_ROUTING_") {
		pos, args, _ := lw.featurePos("ldap_routing")
		ld := &ir.LDAPRouting{MailHostTable: "ldapmh", AddressTable: "ldapmra", Pos: pos,
			Domains: lw.classDomains("LDAPRoute", false), Equivalents: lw.classDomains("LDAPRouteEquiv", false)}
		switch arg(args, 2) {
		case "", "passthru":
			ld.NotFound = "passthru"
		case "sendertoo":
			ld.NotFound = "sendertoo"
		default:
			ld.NotFound = "bounce"
		}
		ld.Detail = arg(args, 3)
		ld.NoDomain = arg(args, 4) != ""
		ld.TempFail = "queue"
		if arg(args, 5) == "tempfail" {
			ld.TempFail = "tempfail"
		}
		rt.LDAP = ld
	}
}

// modelled are the features whose meaning the IR holds; the others are
// kept as opaque items with a warning.
var modelled = map[string]bool{
	"use_cw_file": true, "use_ct_file": true, "mailertable": true, "domaintable": true, "virtusertable": true,
	"virtuser_entire_domain": true, "genericstable": true, "generics_entire_domain": true, "nullclient": true,
	"always_add_domain": true, "stickyhost": true, "notsticky": true, "nocanonify": true, "redirect": true,
	"nouucp": true, "nopercenthack": true, "local_lmtp": true, "local_procmail": true, "smrsh": true,
	"no_default_msa": true, "msp": true, "allmasquerade": true, "limited_masquerade": true,
	"masquerade_entire_domain": true, "masquerade_envelope": true, "local_no_masquerade": true,
	"access_db": true, "blacklist_recipients": true, "blocklist_recipients": true, "delay_checks": true,
	"lookupdotdomain": true, "promiscuous_relay": true, "relay_entire_domain": true, "relay_hosts_only": true,
	"relay_based_on_MX": true, "relay_mail_from": true, "relay_local_from": true,
	"accept_unqualified_senders": true, "accept_unresolvable_domains": true, "dnsbl": true, "enhdnsbl": true,
	"ratecontrol": true, "conncontrol": true, "greet_pause": true, "block_bad_helo": true, "require_rdns": true,
	"authinfo": true, "preserve_local_plus_detail": true, "rhsbl": true, "ldap_routing": true,
	"check_cert_altnames": true, "tls_failures": true,
}

// opaque collects what is kept verbatim.
func (lw *lowerer) opaque() {
	seen := map[string]bool{}
	for _, c := range lw.mc.Calls {
		switch c.Name {
		case "FEATURE":
			name := arg(c.Args, 0)
			if modelled[name] || seen[name] || features[name] == nil {
				continue
			}
			seen[name] = true
			why := "mailcc does not model FEATURE(" + name + "): its settings (maps, options) are in the IR, what its rules do is not"
			lw.cfg.Opaque = append(lw.cfg.Opaque, ir.Opaque{Kind: "FEATURE", Name: name, Args: c.Args[1:], Pos: c.Pos, Why: why})
			lw.warnf(c.Pos, "%s", why)
		case "HACK":
			name := arg(c.Args, 0)
			why := "HACK(" + name + ") is a site customisation: its settings are in the IR, its rules are not modelled"
			lw.cfg.Opaque = append(lw.cfg.Opaque, ir.Opaque{Kind: "HACK", Name: name, Args: c.Args[1:], Pos: c.Pos, Why: why})
			lw.warnf(c.Pos, "%s", why)
		}
	}
	for _, o := range lw.mc.Opaque {
		lw.cfg.Opaque = append(lw.cfg.Opaque, o)
	}
	kinds := map[string]bool{}
	for _, o := range lw.mc.Opaque {
		if !kinds[o.Kind] {
			kinds[o.Kind] = true
			lw.warnf(o.Pos, "%s rules are kept verbatim: mailcc does not model rewriting rules, so trace and migrate do not see what they do", o.Kind)
		}
	}
}

// loadTables reads the text source of every file-based map.
func (lw *lowerer) loadTables() {
	isLocal := func(d string) bool {
		d = strings.ToLower(strings.TrimSuffix(d, "."))
		for _, m := range lw.cfg.LocalDomains {
			if m.Domain == d {
				return true
			}
		}
		return false
	}
	// The tables are read and parsed at once, as many as there are
	// processors (an access map and the aliases, say); what they give
	// is then taken in the order of the tables.
	type load struct {
		t           *ir.Table
		read        bool
		where, note string
		entries     []ir.Entry
		diags       source.Diagnostics
	}
	var loads []*load
	for _, t := range lw.cfg.Tables {
		b := &t.Backend
		if b.Source == "" || !(fileMapTypes[b.Type] || t.Kind == ir.AliasTable) {
			continue
		}
		loads = append(loads, &load{t: t})
	}
	next := make(chan *load)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(loads)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for l := range next {
				b := &l.t.Backend
				var data []byte
				data, l.where, l.note = lw.readFile(b.Source)
				if data == nil {
					continue
				}
				l.read = true
				l.entries, l.diags = table.Parse(l.t.Kind, l.where, data, table.Options{Dialect: ir.Sendmail, KeepCase: b.KeepCase, IsLocal: isLocal})
			}
		}()
	}
	for _, l := range loads {
		next <- l
	}
	close(next)
	wg.Wait()
	for _, l := range loads {
		t, b := l.t, &l.t.Backend
		if !l.read {
			switch {
			case b.Optional:
			default:
				lw.errorf(t.Pos, "map %s: its source %s cannot be read: %s", t.Name, b.Source, l.note)
			}
			continue
		}
		role := string(t.Kind)
		if t.Kind == ir.OtherTable {
			role = "map:" + t.Name
		}
		lw.source(l.where, role, l.note)
		lw.diags = append(lw.diags, l.diags...)
		t.Entries, t.Loaded = l.entries, true
	}
}
