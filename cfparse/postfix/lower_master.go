package postfix

import (
	"strconv"
	"strings"

	"mailcc/ir"
)

// defaultMasterCF is the master.cf Postfix 3.7 installs (Debian 12's,
// without its commented-out entries): what a configuration without a
// master.cf runs.
const defaultMasterCF = `smtp      inet  n       -       y       -       -       smtpd
pickup    unix  n       -       y       60      1       pickup
cleanup   unix  n       -       y       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       y       1000?   1       tlsmgr
rewrite   unix  -       -       y       -       -       trivial-rewrite
bounce    unix  -       -       y       -       0       bounce
defer     unix  -       -       y       -       0       bounce
trace     unix  -       -       y       -       0       bounce
verify    unix  -       -       y       -       1       verify
flush     unix  n       -       y       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       y       -       -       smtp
relay     unix  -       -       y       -       -       smtp
        -o syslog_name=postfix/$service_name
showq     unix  n       -       y       -       -       showq
error     unix  -       -       y       -       -       error
retry     unix  -       -       y       -       -       error
discard   unix  -       -       y       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       y       -       -       lmtp
anvil     unix  -       -       y       -       1       anvil
scache    unix  -       -       y       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`

// defaultMaster is Postfix's default master.cf, without positions.
func defaultMaster() *MasterCF {
	m, _ := ParseMasterCF("", []byte(defaultMasterCF))
	return m
}

// deliveryAgents are the master.cf commands that deliver mail: the
// IR's mailers.
var deliveryAgents = map[string]bool{"smtp": true, "lmtp": true, "local": true, "virtual": true,
	"pipe": true, "error": true, "discard": true}

// services: master.cf's SMTP listeners and delivery agents.
func (l *lowerer) services() {
	origin := ""
	if l.master.Path == "" {
		origin = "Postfix default master.cf"
	}
	for _, s := range l.master.Services {
		cmd := s.ProcessName()
		sc := scope{}
		for _, o := range s.Overrides {
			sc[o.Name] = o
		}
		var overrides []ir.Setting
		for _, o := range s.Overrides {
			overrides = append(overrides, ir.Setting{Name: o.Name, Value: o.Value, Pos: irPos(o.Pos)})
		}
		pos := irPos(s.Fields[FieldService].Pos)
		switch {
		case s.Type() == "inet" && (cmd == "smtpd" || cmd == "postscreen"):
			li := ir.Listener{Name: s.Name(), Overrides: overrides, Spec: serviceSpec(s), Pos: pos, Origin: origin}
			li.Addr, li.Port = splitService(s.Name())
			li.TLSWrapper = l.bool("smtpd_tls_wrappermode", sc)
			li.NoAuth = !l.bool("smtpd_sasl_auth_enable", sc)
			level := strings.ToLower(l.param("smtpd_tls_security_level", sc).Value)
			li.NoSTARTTLS = level == "none" || (level == "" && !l.bool("smtpd_use_tls", sc) && !l.bool("smtpd_enforce_tls", sc))
			li.RequireAuth = l.requiresAuth(sc)
			switch fam := strings.ToLower(l.param("inet_protocols", nil).Value); fam {
			case "ipv4", "ipv6":
				li.Family = fam
			}
			l.cfg.Listeners = append(l.cfg.Listeners, li)
		case deliveryAgents[cmd] && s.Type() == "unix":
			m := ir.Mailer{Name: s.Name(), Path: cmd, Pos: pos, Origin: origin}
			for f := FieldType; f < FieldCommand; f++ {
				m.Equates = append(m.Equates, ir.Setting{Name: fieldNames[f], Value: s.Fields[f].Text, Pos: irPos(s.Fields[f].Pos)})
			}
			var args []string
			for i := 0; i < len(s.Args); i++ {
				a := s.Args[i].Text
				if a == "-o" && i+1 < len(s.Args) {
					i++
					continue
				}
				if cmd == "pipe" && strings.HasPrefix(a, "flags=") {
					m.Flags = strings.TrimPrefix(a, "flags=")
				}
				args = append(args, a)
			}
			m.Args = strings.Join(args, " ")
			m.Equates = append(m.Equates, overrides...)
			l.cfg.Mailers = append(l.cfg.Mailers, m)
		}
		for _, o := range s.Overrides {
			if _, isRestriction := restrictionLists[o.Name]; isRestriction {
				l.restrictions(o.Name, sc, l.classes)
			}
			l.tablesIn(o.Name, sc)
		}
	}
}

// restrictionLists are the smtpd restriction parameters.
var restrictionLists = map[string]bool{
	"smtpd_client_restrictions": true, "smtpd_helo_restrictions": true, "smtpd_sender_restrictions": true,
	"smtpd_relay_restrictions": true, "smtpd_recipient_restrictions": true, "smtpd_data_restrictions": true,
	"smtpd_end_of_data_restrictions": true, "smtpd_etrn_restrictions": true,
}

// requiresAuth reports whether a listener's restrictions let only
// authenticated clients through: a client, sender, relay or recipient
// list that is "permit_sasl_authenticated, reject" (the usual
// submission service).
func (l *lowerer) requiresAuth(sc scope) bool {
	for _, p := range []string{"smtpd_client_restrictions", "smtpd_sender_restrictions", "smtpd_relay_restrictions", "smtpd_recipient_restrictions"} {
		if _, over := sc[p]; !over {
			continue
		}
		var words []string
		for _, it := range l.items(p, sc) {
			words = append(words, strings.ToLower(it.Text))
		}
		if len(words) == 2 && words[0] == "permit_sasl_authenticated" && words[1] == "reject" {
			return true
		}
	}
	return false
}

// serviceSpec is the entry's eight fields as written.
func serviceSpec(s *Service) string {
	var f []string
	for _, w := range s.Fields {
		f = append(f, w.Text)
	}
	return strings.Join(f, " ")
}

// splitService splits an inet service name: [host]:port, host:port or
// port.
func splitService(name string) (addr, port string) {
	if strings.HasPrefix(name, "[") {
		if i := strings.Index(name, "]:"); i > 0 {
			return name[1:i], name[i+2:]
		}
	}
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		return name[:i], name[i+1:]
	}
	return "", name
}

// client: the SMTP client's settings.
func (l *lowerer) client() {
	c := &l.cfg.Client
	for _, p := range []string{"smtp_bind_address", "smtp_bind_address6"} {
		if v := l.param(p, nil); v.Value != "" {
			c.BindAddress = append(c.BindAddress, v.irValue())
		}
	}
	c.HeloName = l.param("smtp_helo_name", nil).irValue()
	for _, it := range l.items("inet_protocols", nil) {
		c.Families = append(c.Families, ir.Value{Value: it.Text, Pos: it.Pos, Origin: it.Origin})
	}
	if names, _ := l.tablesOf("smtp_sasl_password_maps", ir.AuthInfoTable); len(names) > 0 {
		c.AuthTable = names[0]
	}
	tls := l.param("smtp_tls_security_level", nil)
	if tls.Value == "" {
		tls.Value = "none"
		if l.bool("smtp_enforce_tls", nil) {
			tls.Value = "encrypt"
		} else if l.bool("smtp_use_tls", nil) {
			tls.Value = "may"
		}
	}
	c.TLS = tls.irValue()
	for _, p := range []string{"smtp_sasl_auth_enable", "smtp_tls_wrappermode", "smtp_address_preference"} {
		if v := l.param(p, nil); v.Set {
			c.Overrides = append(c.Overrides, ir.Setting{Name: p, Value: v.Value, Pos: v.Pos})
		}
	}
}

// milters: smtpd_milters and non_smtpd_milters, each element a socket
// or {socket, name=value...}.
func (l *lowerer) milters() {
	def := l.param("milter_default_action", nil).Value
	for _, p := range []string{"smtpd_milters", "non_smtpd_milters"} {
		for _, it := range l.items(p, nil) {
			m := ir.Milter{Socket: it.Text, OnFailure: def, Input: p == "smtpd_milters", Pos: it.Pos}
			if strings.HasPrefix(it.Text, "{") {
				inner, bad := extpar(it.Text)
				if bad != "" {
					l.errorf(it.Pos, "%s: %s", p, bad)
				}
				words := tokenize(inner)
				if len(words) == 0 {
					l.errorf(it.Pos, "%s: empty milter {...}", p)
					continue
				}
				m.Socket = words[0].text
				for _, w := range words[1:] {
					name, value, ok := strings.Cut(w.text, "=")
					name, value = strings.TrimSpace(name), strings.TrimSpace(value)
					if !ok {
						l.errorf(it.Pos, "%s: %q is not name=value", p, w.text)
						continue
					}
					if name == "default_action" {
						m.OnFailure = value
						continue
					}
					m.Equates = append(m.Equates, ir.Setting{Name: name, Value: value})
				}
			}
			m.Name = m.Socket
			if p == "non_smtpd_milters" {
				m.Equates = append(m.Equates, ir.Setting{Name: "applies_to", Value: "non_smtpd"})
			}
			l.cfg.Milters = append(l.cfg.Milters, m)
		}
	}
}

// options: every parameter main.cf sets, typed by its built-in default.
func (l *lowerer) options() {
	defaults := map[string]string{}
	for _, b := range builtinParams {
		defaults[b.name] = b.def
	}
	for _, name := range l.main.Names() {
		p, _ := l.main.Lookup(name)
		v := l.param(name, nil)
		o := ir.Option{Name: name, Raw: p.Value, Pos: irPos(p.NamePos())}
		def, known := defaults[name]
		o.Type = optionType(name, def, known)
		switch o.Type {
		case ir.TypeBool:
			switch strings.ToLower(v.Value) {
			case "yes":
				o.Bool = true
			case "no":
			default:
				l.errorf(v.Pos, "%s: bad boolean value %q (yes or no)", name, v.Value)
			}
		case ir.TypeInt, ir.TypeSize:
			n, err := strconv.ParseInt(strings.TrimSpace(v.Value), 10, 64)
			if err != nil {
				l.errorf(v.Pos, "%s: bad numerical configuration: %s", name, v.Value)
			}
			o.Int = n
		case ir.TypeDuration:
			unit := def[len(def)-1]
			secs, ok := postfixDuration(v.Value, unit)
			if !ok {
				l.errorf(v.Pos, "%s: invalid time value %q (a number with an optional unit: s, m, h, d, w)", name, v.Value)
			}
			o.Seconds = secs
		case ir.TypeList:
			for _, it := range l.items(name, nil) {
				o.List = append(o.List, it.Text)
			}
		}
		l.cfg.Options = append(l.cfg.Options, o)
		l.tablesIn(name, nil)
		if contentChecks[name] && v.Value != "" {
			why := name + " inspects message content: mailcc keeps the setting but does not evaluate it"
			l.cfg.Opaque = append(l.cfg.Opaque, ir.Opaque{Kind: "parameter", Name: name, Text: v.Value, Pos: v.Pos, Why: why})
			l.warnf(v.Pos, "%s", why)
		}
	}
}

// contentChecks are the parameters of content inspection.
var contentChecks = map[string]bool{"header_checks": true, "body_checks": true, "mime_header_checks": true,
	"nested_header_checks": true, "smtp_header_checks": true, "smtp_body_checks": true,
	"smtp_mime_header_checks": true, "smtp_nested_header_checks": true, "content_filter": true,
	"smtpd_proxy_filter": true, "milter_header_checks": true}

// optionType types a parameter by its built-in default.
func optionType(name, def string, known bool) ir.ValueType {
	switch {
	case !known || name == "compatibility_level":
		return ir.TypeString
	case def == "yes" || def == "no":
		return ir.TypeBool
	case len(def) > 1 && allDigits(def[:len(def)-1]) && strings.ContainsRune("smhdw", rune(def[len(def)-1])):
		return ir.TypeDuration
	case def != "" && allDigits(def):
		if strings.Contains(name, "size") || strings.HasSuffix(name, "_limit") && strings.Contains(name, "mailbox") {
			return ir.TypeSize
		}
		return ir.TypeInt
	}
	for _, suffix := range []string{"_maps", "_restrictions", "_domains", "_networks", "_classes", "_milters", "_interfaces", "_protocols", "_exceptions", "_clients", "mydestination", "mynetworks"} {
		if strings.HasSuffix(name, suffix) {
			return ir.TypeList
		}
	}
	if strings.HasSuffix(name, "_directory") || strings.HasSuffix(name, "_file") || strings.HasSuffix(name, "_path") {
		return ir.TypePath
	}
	return ir.TypeString
}

// postfixDuration parses a Postfix time value: a number with an
// optional unit (s, m, h, d, w); def is the unit when none is given.
func postfixDuration(s string, def byte) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	unit := def
	if c := s[len(s)-1]; c < '0' || c > '9' {
		unit = c
		s = s[:len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	mult := map[byte]int64{'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800}[unit|0x20]
	if mult == 0 {
		return 0, false
	}
	return n * mult, true
}
