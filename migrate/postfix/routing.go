package postfix

import (
	"cmp"
	"path/filepath"
	"strings"

	"mailcc/ir"
)

// transportName maps a sendmail mailer to a Postfix transport.
func transportName(mailer string) (string, bool) {
	switch strings.ToLower(mailer) {
	case "esmtp", "smtp", "smtp8", "dsmtp":
		return "smtp", true
	case "relay":
		return "relay", true
	case "local", "prog":
		return "local", true
	case "lmtp", "cyrusv2":
		return "lmtp", true
	}
	return strings.ToLower(mailer), false
}

// smtpPort: sendmail's esmtp mailer, which delivers to other domains
// when nothing routes them elsewhere, may connect to a port of its own
// (ESMTP_MAILER_ARGS `TCP $h 587'): Postfix's smtp client then does
// too (smtp_tcp_port), and every next hop through another mailer names
// its port (hopPort).
func (m *migrator) smtpPort() {
	ml := m.cfg.Mailer("esmtp")
	if ml == nil || ml.Port() == "" {
		return
	}
	m.esmtpPort = ml.Port()
	m.main.set(secRouting, "smtp_tcp_port", m.esmtpPort,
		[]string{"sendmail's esmtp mailer connects to port " + m.esmtpPort + " (A=" + ml.Args + "): mail Postfix delivers itself to other domains goes there too."}, ml.Pos)
	m.exact("mailer esmtp: A="+ml.Args, ml.Pos, ml.Origin, "main.cf: smtp_tcp_port = "+m.esmtpPort)
}

// hopPort is the port a Postfix next hop that stands for a route
// through the sendmail mailer named mailer must name: the mailer's own
// (A=TCP $h PORT), else 25 when smtp_tcp_port is another; "" when the
// next hop needs none (and for mailers that are not SMTP clients).
func (m *migrator) hopPort(mailer string) string {
	if name, _ := transportName(mailer); name != "smtp" && name != "relay" {
		return ""
	}
	if p := m.cfg.MailerPort(strings.ToLower(mailer)); p != "" {
		return p
	}
	if m.esmtpPort != "" {
		return "25"
	}
	return ""
}

// routing: mailertable becomes transport_maps, SMART_HOST relayhost;
// MAIL_HUB, LOCAL_RELAY and LUSER_RELAY as far as Postfix goes.
func (m *migrator) routing() {
	rt := m.cfg.Routing
	m.smtpPort()
	m.localDelivery()
	if tr := rt.Transport; tr != nil {
		m.mailertable(tr)
	}
	m.transportMaps()
	if sh := rt.SmartHost; sh != nil {
		host, ok := pfHost(sh.Host)
		if sh.NoMX {
			host = "[" + host + "]"
		}
		port := sh.Port
		if port == "" {
			// the smart host's mailer (relay unless named) may
			// connect to a port of its own (RELAY_MAILER_ARGS)
			port = m.hopPort(cmp.Or(sh.Mailer, "relay"))
		}
		if port != "" {
			host += ":" + port
		}
		_, known := transportName(sh.Mailer)
		switch {
		case !ok:
			m.none("SMART_HOST "+sh.Raw, sh.Pos, "", "the host "+sh.Raw+" is not a host name Postfix can use (a sendmail macro, a template)",
				"set relayhost by hand", "resolve user@example.org", Affect{Kinds: []string{"resolve"}, Address: "*"})
		case known || sh.Mailer == "":
			m.main.set(secRouting, "relayhost", host, []string{"SMART_HOST: mail for other domains (relay_domains too) goes through it."}, sh.Pos)
			m.exact("SMART_HOST "+sh.Raw, sh.Pos, "", "main.cf: relayhost = "+host)
		default:
			m.main.set(secRouting, "relayhost", host, []string{"SMART_HOST: mail for other domains (relay_domains too) goes through it."}, sh.Pos)
			m.approx("SMART_HOST "+sh.Raw, sh.Pos, "", "main.cf: relayhost = "+host,
				"the mailer "+sh.Mailer+" has no Postfix transport of that name: the smtp transport is used",
				"resolve user@example.org", Affect{Kinds: []string{"resolve"}, Address: "*"})
		}
	}
	if h := rt.MailHub; h != nil {
		hub, ok := pfHost(h.Host)
		if !ok {
			hub = "HUB"
		}
		if h.NoMX {
			hub = "[" + hub + "]"
		}
		if port := cmp.Or(h.Port, m.hopPort(cmp.Or(h.Mailer, "relay"))); port != "" && ok {
			hub += ":" + port
		}
		m.main.suggest(secDelivery, "mailbox_transport", "smtp:"+hub,
			[]string{"MAIL_HUB " + h.Raw + ": sendmail sends local users' mail to the hub after alias expansion. The nearest Postfix setting is this (after aliases and .forward); uncomment it if that is what you want."}, h.Pos)
		m.main.set(secDelivery, "local_recipient_maps", "",
			[]string{"MAIL_HUB: sendmail accepts every local name (the hub decides), so Postfix must not check local users."}, h.Pos)
		var users []string
		for _, u := range rt.LocalUsers {
			users = append(users, u.Value)
		}
		m.approx("MAIL_HUB "+h.Raw, h.Pos, "", "main.cf: local_recipient_maps = (empty); mailbox_transport suggested",
			"sendmail forwards every local user's mail to the hub after alias expansion (without .forward, the recipient becomes user@hub)"+
				map[bool]string{true: "; LOCAL_USER " + strings.Join(users, " ") + " stay local", false: ""}[len(users) > 0]+
				"; Postfix's mailbox_transport (suggested, not set) acts after .forward and keeps the recipient; and unknown local names are accepted at RCPT",
			"rcpt 192.0.2.1 a@example.net nosuchuser@"+m.hostname,
			Affect{Kinds: []string{"rcpt"}, Recipient: "@" + m.hostname})
	}
	if r := rt.LocalRelay; r != nil {
		m.none("LOCAL_RELAY "+r.Raw, r.Pos, "", "Postfix has no setting that sends unqualified names to another host",
			"if needed, route them with a transport_maps entry per user", "resolve user", Affect{Kinds: []string{"resolve"}, When: WhenUnqualified})
	}
	if l := rt.LuserRelay; l != nil {
		v := l.Host
		if l.User != "" {
			v = l.User
		}
		if l.Host != "" {
			h, ok := pfHost(l.Host)
			if !ok {
				m.none("LUSER_RELAY "+l.Raw, l.Pos, "", "the host "+l.Host+" is not a host name Postfix can use", "set luser_relay by hand", "")
				h = ""
			}
			v = "$local@" + h
		}
		m.main.set(secDelivery, "luser_relay", v, []string{"LUSER_RELAY: local names that are neither aliases nor users."}, l.Pos)
		m.main.set(secDelivery, "local_recipient_maps", "", []string{"luser_relay works only when smtpd does not refuse unknown local users."}, l.Pos)
		m.approx("LUSER_RELAY "+l.Raw, l.Pos, "", "main.cf: luser_relay, local_recipient_maps =",
			"Postfix's luser_relay acts in local(8) after .forward; the recipient becomes "+v, "")
	}
	for _, u := range rt.LocalUsers {
		if rt.MailHub == nil && rt.LocalRelay == nil {
			m.exact("LOCAL_USER("+u.Value+")", u.Pos, "", "(nothing: without MAIL_HUB or LOCAL_RELAY every user is local)")
		}
	}
	if rt.LDAP != nil {
		m.none("FEATURE(ldap_routing)", rt.LDAP.Pos, "", "LDAP routing is not migrated yet",
			"write ldap: tables for virtual_alias_maps and transport_maps (ldap_table(5))", "")
	}
	if v := rt.DefaultMailer; v.Pos.IsValid() {
		if t, ok := transportName(v.Value); ok && t != "local" {
			m.main.set(secRouting, "default_transport", t, nil, v.Pos)
			m.exact("confSMTP_MAILER "+v.Value, v.Pos, "", "main.cf: default_transport = "+t)
		} else {
			m.none("confSMTP_MAILER "+v.Value, v.Pos, "", "no Postfix transport corresponds to the mailer "+v.Value, "define a master.cf service for it", "")
		}
	}
}

// transportMap is the transport table, made when first needed (by
// virtusertable errors or mailertable).
func (m *migrator) transportMap() *mapFile {
	if m.transport == nil {
		m.transport = m.newMap("transport", "hash")
	}
	return m.transport
}

// transportMaps sets transport_maps once every entry is known.
func (m *migrator) transportMaps() {
	f := m.transport
	if f == nil {
		return
	}
	if len(f.lines) == 0 {
		m.dropMap(f)
		if m.transportLit != nil {
			m.dropMap(m.transportLit)
		}
		return
	}
	if len(f.notes) == 0 {
		f.notes = append(f.notes, "virtusertable error: entries: mail that reaches the queue without passing smtpd's checks bounces.")
	}
	v := m.mapRef(f)
	if m.transportLit != nil {
		v = m.mapRef(m.transportLit) + ", " + v
	}
	m.main.set(secRouting, "transport_maps", v, []string{"sendmail's mailertable and virtusertable errors."}, m.transportPos)
}

// localRouteApprox reports a mailertable local: route: sendmail checks
// the local user at RCPT time, Postfix only for mydestination domains.
func (m *migrator) localRouteApprox(construct string, pos ir.Pos, key, target string) {
	pat := "@" + key
	if strings.HasPrefix(key, ".") {
		pat = key
	}
	m.approx(construct, pos, "", target,
		"sendmail refuses an unknown local user of this domain at RCPT time (550 5.1.1 User unknown); Postfix checks local users only for mydestination domains, so it accepts the recipient and bounces it later",
		"rcpt 192.0.2.1 a@example.net nosuchuser"+pat, Affect{Kinds: []string{"rcpt"}, Recipient: pat})
}

// mailertable: transport_maps. Keys keep their meaning (a domain
// exactly, ".domain" below it, "." for everything else: "*"), but
// Postfix also consults the table for local domains, which sendmail
// never does: they are listed with local: when a key would cover them.
// error: routes refuse the recipient at RCPT time in sendmail: they also
// go to a recipient access table.
func (m *migrator) mailertable(tr *ir.TransportRouting) {
	t := m.cfg.Table(tr.Table)
	if t == nil {
		return
	}
	m.exact("FEATURE(mailertable)", tr.Pos, t.Origin, "main.cf: transport_maps")
	f := m.transportMap()
	f.notes = append(f.notes, "sendmail's mailertable: \"domain\" is that domain only, \".domain\" the names below it, \"*\" (mailertable's \".\") everything else.")
	errs := m.newMap("transport_errors", "hash",
		"mailertable error: routes: sendmail refuses these recipients at RCPT time; the other keys are listed with DUNNO so that a parent's error does not hide them.")
	virt := m.newMap("transport_local.regexp", "regexp",
		"mailertable local:user routes: every address of the domain goes to the local user.")
	hasErr := false
	covers := func(key, dom string) bool {
		switch {
		case key == "*":
			return true
		case strings.HasPrefix(key, "."):
			return strings.HasSuffix(dom, key)
		}
		return key == dom
	}
	var keys []string
	for i := range t.Entries {
		en := &t.Entries[i]
		te := en.Transport
		construct, read := m.entry("mailertable", en, te != nil)
		if !read {
			continue
		}
		key := strings.ToLower(en.Key)
		if te.Key.Kind == ir.KeyWildcard || key == "." {
			key = "*"
		}
		if key != "*" && !strings.HasPrefix(key, ".") && m.isLocal(key) {
			m.exact(construct, en.Pos, "", "(nothing: sendmail does not consult mailertable for the local domain "+key+")")
			continue
		}
		keys = append(keys, key)
		aff := Affect{Kinds: []string{"resolve"}, Address: strings.TrimPrefix(key, ".")}
		if strings.HasPrefix(key, ".") {
			aff.Address = key
		} else if key != "*" {
			aff.Address = "@" + key
		} else {
			aff.Address = "*"
		}
		if te.Error != nil {
			r := virtError(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(en.Value), "error:")))
			hasErr = true
			tp := "error"
			if r.temp() {
				tp = "retry"
			}
			val := tp + ":" + r.dsn + " " + r.text
			f.add(key, val, en.Pos)
			if key != "*" {
				errs.add(key, r.postfix(), en.Pos)
				dom := "@" + key
				if strings.HasPrefix(key, ".") {
					dom = key
				}
				m.errDSN("mailertable", en, &r, Affect{Kinds: []string{"mail", "rcpt"}, Sender: dom}, Affect{Kinds: []string{"rcpt"}, Recipient: dom})
			}
			m.approx(construct, en.Pos, "", "transport: "+key+" "+val+"; transport_errors: "+key+" "+r.postfix(),
				"Postfix refuses the recipients at RCPT time as sendmail does (transport_errors), but a message that reaches the queue another way bounces without an SMTP reply code",
				"resolve user@"+strings.TrimPrefix(strings.TrimPrefix(key, "*"), "."), aff)
			continue
		}
		if key != "*" {
			errs.add(key, "DUNNO", en.Pos)
		}
		name, known := transportName(te.Mailer)
		host := te.Host
		if port := cmp.Or(te.Port, m.hopPort(te.Mailer)); port != "" && host != "" {
			host += ":" + port
		}
		hostOK := true
		if host != "" && !strings.Contains(host, "%") && name != "local" {
			host, hostOK = pfHost(host)
		}
		switch {
		case !hostOK:
			m.none(construct, en.Pos, "", "the next hop "+te.Host+" is not a host name Postfix can use (a list of hosts, a sendmail macro)",
				"write the transport entry by hand (transport(5))", "resolve user@"+strings.TrimPrefix(key, "."), aff)
			continue
		case strings.Contains(host, "%"):
			m.none(construct, en.Pos, "", "Postfix's transport table cannot put part of the recipient's domain into the next hop (sendmail's %1): trivial-rewrite refuses $1 substitution in regexp and pcre transport tables",
				"list the hosts one by one", "resolve user@x"+key, aff)
			continue
		case name == "local":
			if te.Host != "" && key != "*" {
				// local:user: every address becomes the user
				pat := "/@" + reQuote(strings.TrimPrefix(key, ".")) + "$/"
				if strings.HasPrefix(key, ".") {
					pat = `/@[^@]+\.` + reQuote(key[1:]) + "$/"
				}
				virt.add(pat, te.Host, en.Pos)
				f.add(key, "local:", en.Pos)
				m.localRouteApprox(construct, en.Pos, key, "transport: "+key+" local:; transport_local.regexp: "+pat+" "+te.Host)
				continue
			}
			f.add(key, "local:", en.Pos)
			m.localRouteApprox(construct, en.Pos, key, "transport: "+key+" local:")
			continue
		case te.User != "":
			f.add(key, name+":"+host, en.Pos)
			m.approx(construct, en.Pos, "", "transport: "+key+" "+name+":"+host,
				"sendmail's mailer:user@host also replaces the recipient with "+te.User+"; Postfix's transport keeps the recipient",
				"resolve user@"+strings.TrimPrefix(key, "."), aff)
			continue
		}
		val := name + ":" + host
		f.add(key, val, en.Pos)
		if known {
			m.exact(construct, en.Pos, "", "transport: "+key+" "+val)
		} else {
			m.approx(construct, en.Pos, "", "transport: "+key+" "+val,
				"the mailer "+te.Mailer+" needs a master.cf service of that name (a pipe(8) entry): none is written", "resolve user@"+strings.TrimPrefix(key, "."), aff)
		}
	}
	// Postfix consults transport_maps for local domains too
	for _, d := range m.local {
		for _, k := range keys {
			if covers(k, d) {
				f.add(d, "local:", ir.Pos{})
				break
			}
		}
	}
	var lit *mapFile
	m.transportPos = tr.Pos
	for _, k := range keys {
		if k == "*" {
			// sendmail routes user@[address] without mailertable
			lit = m.newMap("transport_literals.regexp", "regexp",
				"sendmail routes mail for address literals (user@[192.0.2.1]) without consulting mailertable: they keep the default route, ahead of the \"*\" entry.")
			lit.add(`/@\[[^]]*\]$/`, "smtp:", ir.Pos{})
		}
	}
	m.transportLit = lit
	if hasErr && len(errs.lines) > 0 {
		m.routeRestr = append(m.routeRestr, "check_recipient_access "+m.mapRef(errs))
		m.senderErrRestr = append(m.senderErrRestr, "check_sender_access "+m.mapRef(errs))
	} else {
		m.dropMap(errs)
	}
	if len(virt.lines) > 0 {
		cur, _ := m.main.get("virtual_alias_maps")
		if cur != "" {
			cur += ", "
		}
		m.main.set(secRewrite, "virtual_alias_maps", cur+m.mapRef(virt), nil)
	} else {
		m.dropMap(virt)
	}
}

// localMacros are the sendmail macros of a local mailer's argument
// vector that Postfix's local(8) gives a mailbox_command (pipe-like
// environment variables).
var localMacros = map[string]string{"$u": `"$USER"`, "$h": `"$EXTENSION"`, "$f": `"$SENDER"`, "$g": `"$SENDER"`, "$z": `"$HOME"`}

// localDelivery: sendmail's local mailer, which delivers to a user's
// mailbox after aliases and .forward, as Postfix's local(8) does. A
// mailbox program (procmail, which OSTYPE(linux) makes the local
// mailer, or LOCAL_MAILER_PATH) becomes mailbox_command, which local(8)
// runs as the recipient; mail.local and /bin/mail deliver to the
// mailbox file as local(8) does itself; an LMTP local mailer (cyrusv2)
// becomes mailbox_transport.
func (m *migrator) localDelivery() {
	l := m.cfg.Routing.Local
	name := cmp.Or(l.Mailer.Value, "local")
	ml := m.cfg.Mailer(name)
	if ml == nil {
		return
	}
	pos := cmp.Or(l.Mailer.Pos, l.Command.Pos)
	construct := "local mailer " + name + ": P=" + ml.Path + ", A=" + ml.Args
	args := strings.Fields(ml.Args)
	prog := filepath.Base(ml.Path)
	switch {
	case ml.Path == "[IPC]" && len(args) == 2 && args[0] == "FILE":
		v := "lmtp:unix:" + args[1]
		m.main.set(secDelivery, "mailbox_transport", v, []string{"sendmail's local mailer " + name + " delivers over LMTP to " + args[1] + "."}, pos)
		m.approx(construct, pos, l.Mailer.Origin, "main.cf: mailbox_transport = "+v,
			"Postfix hands the message to the LMTP server after aliases and .forward, as sendmail does; the recipient it sends is the local user, where sendmail's "+name+" mailer sends the user with its +detail",
			"")
	case ml.Path == "[IPC]":
		m.none(construct, pos, l.Mailer.Origin, "a local mailer that connects to "+ml.Args+" has no Postfix setting mailcc writes",
			"set mailbox_transport by hand", "")
	case prog == "mail.local" || prog == "mail":
		m.exact(construct, pos, l.Command.Origin, "(nothing: Postfix's local(8) delivers to the mailbox file itself)")
	default:
		cmd := []string{ml.Path}
		if len(args) > 0 {
			args = args[1:] // argv[0]
		}
		for i := 0; i < len(args); i++ {
			a := args[i]
			if prog == "procmail" && a == "-d" && i+1 < len(args) && args[i+1] == "$u" {
				i++ // local(8) runs the command as the recipient
				continue
			}
			if strings.Contains(a, "$") {
				v, ok := localMacros[a]
				if !ok {
					m.none(construct, pos, l.Command.Origin, "the argument "+a+" has no Postfix counterpart in mailbox_command",
						"set mailbox_command by hand (local(8): USER, EXTENSION, SENDER, HOME, ...)", "")
					return
				}
				a = v
			}
			cmd = append(cmd, a)
		}
		v := strings.Join(cmd, " ")
		m.main.set(secDelivery, "mailbox_command", v, []string{"sendmail's local mailer: " + ml.Path + " " + ml.Args + "."}, pos)
		if prog == "procmail" {
			m.exact(construct, pos, l.Command.Origin, "main.cf: mailbox_command = "+v+" (local(8) runs it as the recipient, so without -d)")
			return
		}
		m.approx(construct, pos, l.Command.Origin, "main.cf: mailbox_command = "+v,
			"Postfix's local(8) runs the command as the recipient, sendmail's local mailer as root (with the user named on its command line): check that "+prog+" works that way",
			"")
	}
}
