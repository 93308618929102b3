package sendmail

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
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
// drops the message, as Postfix's discard transport does. It is named
// discard: sendmail reserves $#discard in its check rulesets (rscheck
// handles it before any mailer is looked up) but ruleset 0 needs a
// mailer of that name, which the cf library does not define; the real
// sendmail takes the definition (checked with -bt /parse and -bv:
// "deliverable: mailer discard"). A resolved address still names the
// mailer (an acceptance) where Postfix's resolution says discard.
func (m *migrator) pfDiscardMailer(pos ir.Pos) string {
	m.mc.add(grpLocal, strings.Join([]string{
		"MAILER_DEFINITIONS",
		"Mdiscard,\tP=/bin/true, F=lsDFM, T=X-Unix/X-Unix/X-Unix,",
		"\t\tA=true",
	}, "\n"), "transport_maps: discard", pos)
	return "discard"
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
	if len(tr.More) > 0 {
		m.none("transport_maps (more than one table)", tr.Pos, "sendmail has one mailertable: the first table of transport_maps is translated, and a key the first table has wins over the same key in the others, as in Postfix; keys only the others have are not translated",
			"merge the other tables' entries into the first", "", Affect{Kinds: []string{"resolve"}, Address: "*"})
	}
	for _, n := range tr.More {
		pos := tr.Pos
		if t := m.cfg.Table(n); t != nil && t.Pos.IsValid() {
			pos = t.Pos
		}
		m.none("transport_maps "+n, pos, "sendmail has one mailertable: only the first table of transport_maps is translated",
			"merge its entries into the first table (Postfix asks each form of the key of every table in turn)", "", Affect{Kinds: []string{"resolve"}, Address: "*"})
	}
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
			why := "sendmail's ruleset 0 has no discard result: the recipient is accepted and delivered to a mailer (discard, which runs /bin/true) that drops the message, so a resolved address (and sendmail -bv) names that mailer where Postfix says discard"
			if te.Host != "" {
				why += "; Postfix's discard(8) also logs the next hop text (" + te.Host + ") as the reason"
			}
			m.approx(construct, e.Pos, "mailertable: "+key+" "+val+" (MAILER_DEFINITIONS: discard)", why, "", aff...)
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

// pfOption says how a Postfix parameter becomes a sendmail option.
type pfOption struct {
	conf string // the cf library's m4 variable
	// conv turns the value into the option's; ok is false when it
	// cannot (a $parameter, say)
	conv func(o ir.Option) (string, bool)
}

// pfRaw is the value as written, unless it names other parameters.
func pfRaw(o ir.Option) (string, bool) {
	return o.Raw, o.Raw != "" && !strings.Contains(o.Raw, "$")
}

// pfSeconds is a duration in seconds: Postfix's default unit differs
// from parameter to parameter, sendmail's from option to option.
func pfSeconds(o ir.Option) (string, bool) {
	if o.Type == ir.TypeDuration {
		return fmt.Sprintf("%ds", o.Seconds), o.Seconds > 0
	}
	// a parameter whose default is computed (smtpd_timeout's
	// ${stress?...}) is not typed: its unit is the second
	m := durationRE.FindStringSubmatch(strings.TrimSpace(o.Raw))
	if m == nil {
		return "", false
	}
	n, _ := strconv.Atoi(m[1])
	n *= map[string]int{"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[m[2]]
	return fmt.Sprintf("%ds", n), n > 0
}

var durationRE = regexp.MustCompile(`^([0-9]+)([smhdw]?)$`)

// pfMacroRE: the sendmail macros pfLocalVars writes.
var pfMacroRE = regexp.MustCompile(`\$[uhfz]\b`)

// pfOptionMap: the Postfix parameters that have a sendmail option.
var pfOptionMap = map[string]pfOption{
	"message_size_limit":     {"confMAX_MESSAGE_SIZE", pfRaw},
	"smtpd_recipient_limit":  {"confMAX_RCPTS_PER_MESSAGE", pfRaw},
	"hopcount_limit":         {"confMAX_HOP", pfRaw},
	"delay_warning_time":     {"confTO_QUEUEWARN", pfSeconds},
	"maximal_queue_lifetime": {"confTO_QUEUERETURN", pfSeconds},
	"smtpd_timeout":          {"confTO_COMMAND", pfSeconds},
	"smtp_mail_timeout":      {"confTO_MAIL", pfSeconds},
	"smtp_rcpt_timeout":      {"confTO_RCPT", pfSeconds},
	"smtp_data_init_timeout": {"confTO_DATAINIT", pfSeconds},
	"smtp_data_xfer_timeout": {"confTO_DATABLOCK", pfSeconds},
	"smtp_data_done_timeout": {"confTO_DATAFINAL", pfSeconds},
	"soft_bounce": {"confSOFT_BOUNCE", func(o ir.Option) (string, bool) {
		return map[bool]string{true: "True", false: "False"}[o.Bool], o.Type == ir.TypeBool
	}},
	"smtp_helo_name": {"confHELO_NAME", func(o ir.Option) (string, bool) {
		v := strings.NewReplacer("${myhostname}", "$j", "$myhostname", "$j").Replace(o.Raw)
		return v, v != "" && !strings.Contains(v, "${") && strings.Count(v, "$") == strings.Count(v, "$j")
	}},
	// the certificates: sendmail offers STARTTLS once its server
	// certificate is set (pfTLS says where Postfix would not)
	"smtpd_tls_cert_file": {"confSERVER_CERT", pfRaw},
	"smtpd_tls_key_file":  {"confSERVER_KEY", pfRaw},
	"smtpd_tls_CAfile":    {"confCACERT", pfRaw},
	"smtpd_tls_CApath":    {"confCACERT_PATH", pfRaw},
	"smtp_tls_cert_file":  {"confCLIENT_CERT", pfRaw},
	"smtp_tls_key_file":   {"confCLIENT_KEY", pfRaw},
}

// pfOptions translates the parameters sendmail has options for.
func (m *migrator) pfOptions() {
	for _, o := range m.cfg.Options {
		po, ok := pfOptionMap[o.Name]
		if !ok || !o.Pos.IsValid() {
			continue
		}
		v, ok := po.conv(o)
		if !ok {
			continue // pfParams reports it
		}
		m.mc.add(grpDefine, call("define", po.conf, v), o.Name, o.Pos)
		m.exact(o.Name+" = "+o.Raw, o.Pos, "", "define("+po.conf+", "+v+")")
	}
	m.pfTLS()
	m.pfPrivacy()
	m.pfLocalLimits()
	m.pfLocalMailer()
}

// pfLocalVars are the environment variables local(8) gives a
// mailbox_command that stand for sendmail macros of a local mailer's
// arguments.
var pfLocalVars = strings.NewReplacer(`"$USER"`, "$u", "${USER}", "$u", "$USER", "$u",
	`"$EXTENSION"`, "$h", "${EXTENSION}", "$h", "$EXTENSION", "$h",
	`"$SENDER"`, "$f", "${SENDER}", "$f", "$SENDER", "$f", `"$HOME"`, "$z", "${HOME}", "$z", "$HOME", "$z")

// pfLocalMailer: Postfix's local(8) delivers to the mailbox itself, or
// through mailbox_command, which it runs as the recipient. sendmail's
// local mailer is a program run as root with the user on its command
// line: procmail (-d $u), OSTYPE(linux)'s default, or another
// (LOCAL_MAILER_PATH, LOCAL_MAILER_ARGS).
func (m *migrator) pfLocalMailer() {
	c := m.cfg.Routing.Local.Command
	cmd := strings.Fields(c.Value)
	switch {
	case !c.Pos.IsValid() || len(cmd) == 0:
		m.approx("local(8) mailbox delivery", c.Pos, "(OSTYPE(linux): procmail -a $h -d $u)",
			"Postfix's local(8) writes the mailbox itself and does not read ~/.procmailrc; the local mailer of sendmail on Linux is procmail, which does", "")
	case strings.ContainsAny(c.Value, "'\\|;&<>`") || strings.Contains(pfLocalVars.Replace(c.Value), "${"):
		m.none("mailbox_command = "+c.Value, c.Pos, "the command uses shell syntax or variables a sendmail mailer's arguments cannot hold",
			"set LOCAL_MAILER_PATH and LOCAL_MAILER_ARGS by hand", "")
	default:
		if !strings.HasPrefix(cmd[0], "/") {
			// local(8) finds it in its PATH, /usr/bin:/bin; a
			// mailer's P= is a full path
			cmd[0] = "/usr/bin/" + cmd[0]
		}
		args := []string{filepath.Base(cmd[0])}
		for _, a := range cmd[1:] {
			args = append(args, strings.Trim(pfLocalVars.Replace(a), `"`))
		}
		if v := pfMacroRE.ReplaceAllString(strings.Join(args, " "), ""); strings.Contains(v, "$") {
			m.none("mailbox_command = "+c.Value, c.Pos, "the command names a variable of local(8) that no sendmail macro stands for",
				"set LOCAL_MAILER_PATH and LOCAL_MAILER_ARGS by hand", "")
			return
		}
		if args[0] == "procmail" {
			args = append(args, "-d", "$u")
			m.mc.add(grpFeature, call("FEATURE", "local_procmail", cmd[0], strings.Join(args, " ")), "mailbox_command", c.Pos)
			m.exact("mailbox_command = "+c.Value, c.Pos, "", "FEATURE(local_procmail, "+cmd[0]+", "+strings.Join(args, " ")+") (sendmail runs it as root: -d $u)")
			return
		}
		m.mc.add(grpDefine, call("define", "LOCAL_MAILER_PATH", cmd[0]), "mailbox_command", c.Pos)
		m.mc.add(grpDefine, call("define", "LOCAL_MAILER_ARGS", strings.Join(args, " ")), "mailbox_command", c.Pos)
		m.approx("mailbox_command = "+c.Value, c.Pos, "LOCAL_MAILER_PATH "+cmd[0]+", LOCAL_MAILER_ARGS "+strings.Join(args, " "),
			"sendmail runs its local mailer as root, with the recipient only on its command line; Postfix's local(8) runs mailbox_command as the recipient: check that "+args[0]+" works that way", "")
	}
}

// pfPrivacy: Postfix's disable_vrfy_command and smtpd_helo_required are
// sendmail's PrivacyOptions novrfy and needmailhelo (with the cf
// library's default, authwarnings, kept).
func (m *migrator) pfPrivacy() {
	flags := []string{"authwarnings"}
	var pos ir.Pos
	for _, o := range m.cfg.Options {
		if !o.Pos.IsValid() || (o.Name != "disable_vrfy_command" && o.Name != "smtpd_helo_required") {
			continue
		}
		switch {
		case o.Type != ir.TypeBool:
			m.none(o.Name+" = "+o.Raw, o.Pos, "the value is not yes or no: this version of the migration does not translate it",
				"set confPRIVACY_FLAGS by hand", "")
			continue
		case o.Name == "disable_vrfy_command" && o.Bool:
			flags = append(flags, "novrfy")
			m.approx(o.Name+" = "+o.Raw, o.Pos, "define(confPRIVACY_FLAGS, novrfy)",
				"Postfix answers VRFY with 502 5.5.1 VRFY command is disabled, sendmail with 252 2.5.2 Cannot VRFY user", "")
		case o.Name == "smtpd_helo_required" && o.Bool:
			flags = append(flags, "needmailhelo")
			m.approx(o.Name+" = "+o.Raw, o.Pos, "define(confPRIVACY_FLAGS, needmailhelo)",
				"both refuse MAIL before HELO with 503: Postfix's enhanced status is 5.5.1, sendmail's 5.0.0 (Polite people say HELO first)", "")
		default:
			m.exact(o.Name+" = "+o.Raw, o.Pos, "", "(nothing: sendmail's default)")
			continue
		}
		pos = o.Pos
	}
	if len(flags) > 1 {
		m.mc.add(grpDefine, call("define", "confPRIVACY_FLAGS", strings.Join(flags, ",")), "disable_vrfy_command, smtpd_helo_required", pos)
	}
}

// pfLocalLimits: sendmail's local mailers set no mailbox size limit.
func (m *migrator) pfLocalLimits() {
	for _, o := range m.cfg.Options {
		if o.Name != "mailbox_size_limit" || !o.Pos.IsValid() {
			continue
		}
		if o.Int == 0 && strings.TrimSpace(o.Raw) == "0" {
			m.exact(o.Name+" = "+o.Raw, o.Pos, "", "(nothing: sendmail's local mailer sets no mailbox size limit either)")
			continue
		}
		m.approx(o.Name+" = "+o.Raw, o.Pos, "(nothing)",
			"sendmail's local mailer sets no limit on the size of a mailbox: Postfix's local(8) bounces a message that would make it larger than "+o.Raw+" bytes, sendmail delivers it", "")
	}
}

// pfTLS: sendmail offers STARTTLS on every daemon once its server
// certificate and key and a CA file and directory are set and exist
// (tls.h TLS_I_SRV_CERT), Postfix where smtpd_tls_security_level (or
// smtpd_use_tls) says so; and Postfix can require it.
func (m *migrator) pfTLS() {
	set := map[string]ir.Option{}
	for _, o := range m.cfg.Options {
		if _, ok := pfRaw(o); ok && o.Pos.IsValid() {
			set[o.Name] = o
		}
	}
	_, cert := set["smtpd_tls_cert_file"]
	_, key := set["smtpd_tls_key_file"]
	offered := false // by Postfix's smtpd (main.cf)
	if o, ok := set["smtpd_tls_security_level"]; ok {
		offered = strings.EqualFold(o.Raw, "may") || strings.EqualFold(o.Raw, "encrypt")
	} else if o, ok := set["smtpd_use_tls"]; ok {
		offered = o.Bool
	}
	offered = offered && cert && key
	// sendmail needs a CA file and directory as well: the system's,
	// when main.cf names none
	ca := 0
	for _, d := range []struct{ param, conf, def string }{
		{"smtpd_tls_CAfile", "confCACERT", "/etc/ssl/certs/ca-certificates.crt"},
		{"smtpd_tls_CApath", "confCACERT_PATH", "/etc/ssl/certs"},
	} {
		if _, ok := set[d.param]; ok {
			ca++
			continue
		}
		if !offered {
			continue
		}
		o := set["smtpd_tls_cert_file"]
		m.mc.add(grpDefine, call("define", d.conf, d.def), "smtpd_tls_cert_file", o.Pos)
		m.approx("STARTTLS: "+d.param+" (not set)", o.Pos, "define("+d.conf+", "+d.def+")",
			"sendmail makes its server's TLS context, and offers STARTTLS, only when a CA file and directory exist too; Postfix needs neither: the system's (Debian's) are named, check that they exist", "")
		ca++
	}
	sendmailOffers := cert && key && ca == 2
	for _, o := range m.cfg.Options {
		if !o.Pos.IsValid() {
			continue
		}
		switch {
		case o.Name == "smtpd_tls_security_level" && strings.EqualFold(o.Raw, "encrypt"),
			o.Name == "smtpd_enforce_tls" && o.Bool:
			m.approx(o.Name+" = "+o.Raw, o.Pos, "(nothing)",
				"Postfix requires STARTTLS before MAIL of every client; sendmail has no daemon option for it (the access map's TLS_Clt: and srv_features entries come closest)",
				"")
		case o.Name == "smtpd_enforce_tls":
			m.exact(o.Name+" = "+o.Raw, o.Pos, "", "(nothing: sendmail does not require STARTTLS either)")
		case o.Name == "smtpd_tls_security_level" || o.Name == "smtpd_use_tls":
			switch {
			case offered == sendmailOffers && offered:
				m.exact(o.Name+" = "+o.Raw, o.Pos, "", "(sendmail offers STARTTLS: its server certificate, key, CA file and directory are set)")
			case offered == sendmailOffers:
				m.exact(o.Name+" = "+o.Raw, o.Pos, "", "(nothing: sendmail offers no STARTTLS either, without all of a server certificate, key, CA file and directory)")
			default:
				m.approx(o.Name+" = "+o.Raw, o.Pos, "(nothing)",
					"Postfix offers no STARTTLS here, sendmail does: it has a server certificate, key, CA file and directory", "")
			}
		}
	}
	// the client: sendmail's starts TLS whenever the server offers it
	for _, o := range m.cfg.Options {
		if !o.Pos.IsValid() {
			continue
		}
		level := strings.ToLower(strings.TrimSpace(o.Raw))
		switch {
		case o.Name == "smtp_tls_security_level" && level == "may", o.Name == "smtp_use_tls" && o.Bool,
			o.Name == "smtp_enforce_tls" && o.Type == ir.TypeBool && !o.Bool:
			m.exact(o.Name+" = "+o.Raw, o.Pos, "", "(nothing: sendmail's SMTP client starts TLS whenever the server offers it)")
		case o.Name == "smtp_tls_security_level" && (level == "none" || level == ""), o.Name == "smtp_use_tls":
			m.approx(o.Name+" = "+o.Raw, o.Pos, "(nothing)",
				"sendmail's SMTP client starts TLS whenever the server offers it; an access map entry Try_TLS:host NO turns it off for a host", "")
		case o.Name == "smtp_tls_security_level" || o.Name == "smtp_enforce_tls":
			m.approx(o.Name+" = "+o.Raw, o.Pos, "(nothing)",
				"sendmail's SMTP client starts TLS when the server offers it but does not require it (or verify the server) unless the access map says so per host (TLS_Srv: entries)", "")
		}
	}
	if !sendmailOffers {
		return
	}
	for _, l := range m.cfg.Listeners {
		if l.NoSTARTTLS && !l.TLSWrapper {
			m.approx("master.cf "+l.Name+": no STARTTLS", l.Pos, "(nothing)",
				"Postfix offers no STARTTLS on this service (smtpd_tls_security_level = none); sendmail offers it on every daemon once confSERVER_CERT is set (DAEMON_OPTIONS M=S would turn it off there)",
				"")
		}
	}
}

func (m *migrator) pfOpaque() {
	for _, o := range m.cfg.Opaque {
		m.none(o.Kind+" "+o.Name, o.Pos, "mailcc keeps it without modelling it: "+o.Why, "translate it by hand", "")
	}
}
