package sendmail

import (
	"strings"

	"mailcc/ir"
)

// sendmail mailers for Postfix transports.
var pfMailers = map[string]string{"smtp": "esmtp", "relay": "relay", "local": "local", "error": "error", "discard": "discard", "lmtp": ""}

func (m *migrator) pfRouting(st *pfState) {
	r := m.cfg.Routing
	if sh := r.SmartHost; sh != nil && sh.Host != "" {
		host := sh.Host
		if sh.NoMX && !strings.HasPrefix(host, "[") {
			host = "[" + host + "]"
		}
		differs := "sendmail sends to the smart host with its relay mailer, whose header rewriting is not esmtp's"
		if m.relayPort() {
			// the relay mailer named, so that address literals, which
			// the cf library sends to an unnamed smart host with esmtp
			// (port 25), take the port too
			host = "relay:" + host
			m.mc.add(grpDefine, call("define", "RELAY_MAILER_ARGS", "TCP $h "+sh.Port), "relayhost's port", sh.Pos)
		}
		m.mc.add(grpDefine, call("define", "SMART_HOST", host), "relayhost", sh.Pos)
		m.approx("relayhost = "+sh.Raw, sh.Pos, "SMART_HOST "+host, differs,
			"resolve\tuser@remote.example", Affect{Kinds: []string{"resolve"}, Address: "*"})
	}
	if tr := r.Transport; tr != nil {
		m.pfTransport(st, tr)
	}
	if lr := r.LuserRelay; lr != nil {
		m.none("luser_relay", lr.Pos, "mailcc does not translate luser_relay", "define LUSER_RELAY", "")
	}
}

// pfRoutedLocalRecipients adds to Local_check_rcpt (once) the check
// that Postfix makes of a recipient of a local domain whatever
// transport_maps does with it (smtpd_reject_unlisted_recipient,
// local_recipient_maps: passwd and the aliases): sendmail checks a local
// user only when it delivers locally, and a transport_maps address
// entry (pfTransportAddressRules) routes the recipient away.
func (m *migrator) pfRoutedLocalRecipients() {
	if m.routedLocal {
		return
	}
	m.routedLocal = true
	m.pfLocalUserRuleset()
	m.rcptRules = append(m.rcptRules,
		"# a recipient of a local domain that transport_maps routes away must still be a user or an alias",
		"R$*\t\t\t$: $1 $| $>CanonAddr $1",
		"R$* $| $+ < @ $=w . >\t$: $1 $| <PfT> < $(mailertable $2 @ $3 $: $) > $2 < @ $3 . >",
		"R$* $| <PfT> < > $+ + $* < @ $+ . >\t$: $1 $| <PfT> < $(mailertable $2 @ $4 $: $) > $2 + $3 < @ $4 . >",
		"R$* $| <PfT> < > $*\t$: $1",
		"R$* $| <PfT> < $+ > $+ < @ $+ . >\t$: $1 $| <PfU> $>PfLocalUser $3",
		"R$* $| <PfU> PfNo\t$#error $@ 5.1.1 $: \"550 User unknown in local recipient table\"",
		"R$* $| $*\t\t$: $1")
}

// pfDiscardMailer defines (once) a mailer that accepts a recipient and
// drops the message, as Postfix's discard transport does.
func (m *migrator) pfDiscardMailer(pos ir.Pos) string {
	m.mc.add(grpLocal, strings.Join([]string{
		"MAILER_DEFINITIONS",
		"Mpfdiscard,\tP=/bin/true, F=lsDFM, T=X-Unix/X-Unix/X-Unix,",
		"\t\tA=true",
	}, "\n"), "transport_maps: discard", pos)
	return "pfdiscard"
}

// pfPortMailer defines (once) the mailer that connects to a port other
// than 25: esmtp's definition (cf/mailer/smtp.m4) with A=TCP $h PORT.
func (m *migrator) pfPortMailer(port string, pos ir.Pos) string {
	name := "esmtp" + port
	m.mc.add(grpLocal, strings.Join([]string{
		"MAILER_DEFINITIONS",
		"M" + name + ",\tP=[IPC], F=mDFMuXa, S=EnvFromSMTP/HdrFromSMTP, R=ifdef(`_ALL_MASQUERADE_', `EnvToSMTP/HdrFromSMTP', `EnvToSMTP'), E=\\r\\n, L=990,",
		"\t\tT=DNS/RFC822/SMTP,",
		"\t\tA=TCP $h " + port,
	}, "\n"), "transport_maps: next hops on port "+port, pos)
	return name
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// relayPort says whether relayhost names a port other than 25, which
// sendmail's relay mailer (the smart host's) then connects to.
func (m *migrator) relayPort() bool {
	sh := m.cfg.Routing.SmartHost
	return sh != nil && sh.Host != "" && sh.Port != "" && sh.Port != "25" && sh.Port != "smtp"
}

func (m *migrator) pfTransport(st *pfState, tr *ir.TransportRouting) {
	t := m.cfg.Table(tr.Table)
	if t == nil || !t.Loaded {
		m.none("transport_maps "+tr.Table, tr.Pos, "its entries were not read", "translate them into mailertable", "", Affect{Kinds: []string{"resolve"}, Address: "*"})
		return
	}
	mt := m.table(fileMailertable, mapTable, "mailertable: Postfix's transport_maps.")
	m.mc.add(grpFeature, call("FEATURE", "mailertable"), "transport_maps", tr.Pos)
	addresses := false
	defer func() {
		if addresses {
			m.pfTransportAddressRules(tr.Pos)
		}
	}()
	for _, e := range t.Entries {
		construct := "entry " + t.Name + ": " + e.Key + " " + e.Value
		te := e.Transport
		if te == nil {
			m.none(construct, e.Pos, "mailcc could not classify the entry", "translate it by hand", "")
			continue
		}
		k := te.Key
		var key string
		var aff []Affect
		switch k.Kind {
		case ir.KeyDomain:
			key = lower(k.Value)
			aff = []Affect{{Kinds: []string{"resolve"}, Address: "@" + key}, {Kinds: []string{"rcpt"}, Recipient: "@" + key}}
		case ir.KeyDotDomain:
			key = "." + strings.TrimPrefix(lower(k.Value), ".")
			aff = []Affect{{Kinds: []string{"resolve"}, Address: key}, {Kinds: []string{"rcpt"}, Recipient: key}}
		case ir.KeyWildcard:
			key = "."
			aff = []Affect{{Kinds: []string{"resolve"}, Address: "*"}}
		case ir.KeyAddress:
			// kept in mailertable too, looked up by pfTransportAddressRules
			// in ruleset 0 (the cf library's own lookups are by domain)
			key = lower(k.Value)
			aff = []Affect{{Kinds: []string{"resolve"}, Address: key}}
			addresses = true
		default:
			m.none(construct, e.Pos, "mailertable has only domain keys", "route the address another way (virtusertable to an address at a routed domain)", "",
				Affect{Kinds: []string{"resolve", "rcpt"}, Address: k.Value, Recipient: ""}, Affect{Kinds: []string{"resolve"}, Address: k.Value})
			continue
		}
		if k.Kind == ir.KeyDomain && st.local[key] {
			m.none(construct, e.Pos, "sendmail never consults mailertable for a domain in class w", "take the domain out of mydestination, or use MAIL_HUB", "", aff...)
			continue
		}
		var val string
		portMailer, discard := false, false
		switch {
		case te.Error != nil:
			rp := te.Error
			// Postfix's error: and retry: transports: 5.0.0 and 4.0.0
			// unless the next hop names an enhanced status
			code, dsn := rp.Code, rp.DSN
			if dsn == "" {
				dsn = "5.0.0"
				if code/100 == 4 {
					dsn = "4.0.0"
				}
			}
			if code == 0 {
				code = 550
				if strings.HasPrefix(dsn, "4") {
					code = 450
				}
			}
			val = strings.TrimPrefix(reply(code, dsn, rp.Text), "ERROR:")
			val = "error:" + val
		default:
			mailer, known := pfMailers[te.Mailer]
			if te.Mailer == "" {
				mailer, known = "esmtp", true
			}
			if !known || mailer == "" {
				m.none(construct, e.Pos, "no sendmail mailer stands for the Postfix transport "+te.Mailer, "define a mailer (MAILER_DEFINITIONS) and name it", "", aff...)
				continue
			}
			if mailer == "relay" && m.relayPort() {
				// the relay mailer connects to relayhost's port
				// (RELAY_MAILER_ARGS); Postfix's relay transport to port 25
				mailer = "esmtp"
			}
			host := te.Host
			if mailer == "discard" {
				// sendmail knows $#discard in its check rulesets only:
				// ruleset 0 needs a mailer, one that drops the message;
				// Postfix's discard: next hop is only logged
				mailer, host = m.pfDiscardMailer(e.Pos), "discard"
				discard = true
			}
			if te.Port != "" && te.Port != "25" && te.Port != "smtp" {
				if (mailer != "esmtp" && mailer != "relay") || !isDigits(te.Port) {
					m.none(construct, e.Pos, "a mailertable host has no port, and only an SMTP next hop's numeric port has a mailer of its own here", "define a mailer whose A= names the port", "", aff...)
					continue
				}
				mailer = m.pfPortMailer(te.Port, e.Pos)
				portMailer = true
			}
			if host == "" && mailer != "local" && mailer != "discard" {
				switch k.Kind {
				case ir.KeyDomain:
					host = key
				case ir.KeyAddress:
					_, host, _ = strings.Cut(key, "@")
				default:
					m.none(construct, e.Pos, "an empty next hop (the recipient's domain) has no mailertable form for a wildcard key", "name the host", "", aff...)
					continue
				}
			}
			val = mailer + ":" + host
		}
		mt.add(key, val, e.Pos)
		if te.Error != nil {
			m.approx(construct, e.Pos, "mailertable: "+key+" "+val,
				"sendmail's error mailer names an SMTP reply code, which Postfix's resolved error transport has not; sendmail refuses the recipient as it parses RCPT, before its relay check, where Postfix refuses a client that may not relay with Relay access denied", "", aff...)
			continue
		}
		if discard {
			m.approx(construct, e.Pos, "mailertable: "+key+" "+val+" (MAILER_DEFINITIONS: pfdiscard)",
				"sendmail has no discard mailer in ruleset 0 ($#discard works in its check rulesets only): the recipient goes to a mailer that runs /bin/true and so drops it, which a resolved address names as that mailer where Postfix says discard", "", aff...)
			continue
		}
		if portMailer {
			// sendmail gives a port to a mailer, not to a next hop: the
			// recipient goes to the same host and port through a
			// mailer of its own (esmtp's definition with A=TCP $h PORT)
			m.exact(construct, e.Pos, "", "mailertable: "+key+" "+val+" (MAILER_DEFINITIONS: "+strings.SplitN(val, ":", 2)[0]+", esmtp on port "+te.Port+")")
			continue
		}
		if _, dom, _ := strings.Cut(key, "@"); k.Kind == ir.KeyAddress && st.local[dom] {
			m.pfRoutedLocalRecipients()
			m.exact(construct, e.Pos, "", "mailertable: "+key+" "+val+" (LOCAL_RULE_0; Local_check_rcpt refuses it unless it is a user or an alias)")
			continue
		}
		m.exact(construct, e.Pos, "", "mailertable: "+key+" "+val)
	}
}

// pfTransportAddressRules looks a recipient up in mailertable as
// user@domain, then (recipient_delimiter +) without its +detail, before
// anything else of ruleset 0 (virtusertable, local delivery, the
// mailertable's domain walk): Postfix's transport_maps tries the full
// address before the domain, for local domains too. The value is turned
// into a mailer triple as the cf library's own mailertable rules do.
func (m *migrator) pfTransportAddressRules(pos ir.Pos) {
	m.mc.add(grpLocal, strings.Join([]string{
		"LOCAL_RULE_0",
		"# transport_maps: user@domain entries (in mailertable, whose own lookups are by domain)",
		"R$+ < @ $+ . >\t\t$: <PfT> < $(mailertable $1 @ $2 $: $) > $1 < @ $2 . >",
		"R<PfT> < > $+ + $* < @ $+ . >\t$: <PfT> < $(mailertable $1 @ $3 $: $) > $1 + $2 < @ $3 . >",
		"R<PfT> < > $*\t\t$: $1",
		"R<PfT> < $+ > $*\t\t$@ $>MailerToTriple < $1 > $2",
	}, "\n"), "transport_maps: address entries", pos)
}

// pfOptions translates the limits sendmail has options for.
var pfOptionMap = map[string]string{
	"message_size_limit":     "confMAX_MESSAGE_SIZE",
	"smtpd_recipient_limit":  "confMAX_RCPTS_PER_MESSAGE",
	"hopcount_limit":         "confMAX_HOP",
	"delay_warning_time":     "confTO_QUEUEWARN",
	"maximal_queue_lifetime": "confTO_QUEUERETURN",
}

func (m *migrator) pfOptions() {
	for _, o := range m.cfg.Options {
		conf := pfOptionMap[o.Name]
		if conf == "" || !o.Pos.IsValid() || strings.Contains(o.Raw, "$") {
			continue
		}
		m.mc.add(grpDefine, call("define", conf, o.Raw), o.Name, o.Pos)
		m.exact(o.Name, o.Pos, "", "define("+conf+")")
	}
}

func (m *migrator) pfOpaque() {
	for _, o := range m.cfg.Opaque {
		m.none(o.Kind+" "+o.Name, o.Pos, "mailcc keeps it without modelling it: "+o.Why, "translate it by hand", "")
	}
}
