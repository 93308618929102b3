package postfix

import (
	"fmt"
	"path/filepath"
	"strings"

	"mailcc/ir"
)

// optionMap says how a sendmail option becomes a Postfix parameter.
type optionMap struct {
	param string
	// conv turns the option into the parameter's value; "" when it
	// cannot.
	conv func(o ir.Option) string
	// differs, when set, makes the item approximate.
	differs string
}

func intValue(o ir.Option) string {
	if o.Type == ir.TypeInt || o.Type == ir.TypeSize {
		return fmt.Sprint(o.Int)
	}
	return strings.TrimSpace(o.Raw)
}

func durValue(o ir.Option) string {
	if o.Type == ir.TypeDuration {
		return fmt.Sprintf("%ds", o.Seconds)
	}
	return ""
}

var optionMaps = map[string]optionMap{
	"MaxMessageSize":          {param: "message_size_limit", conv: intValue},
	"MaxRecipientsPerMessage": {param: "smtpd_recipient_limit", conv: intValue, differs: "sendmail answers 452 to the recipients over the limit and goes on; Postfix too, but counts per message differently after RSET"},
	"MaxHopCount":             {param: "hopcount_limit", conv: intValue},
	"Timeout.queuereturn":     {param: "maximal_queue_lifetime", conv: durValue},
	"Timeout.queuewarn":       {param: "delay_warning_time", conv: durValue},
	"HeloName":                {param: "smtp_helo_name", conv: func(o ir.Option) string { return strings.ReplaceAll(o.Raw, "$j", "$myhostname") }},
	"Timeout.command":         {param: "smtpd_timeout", conv: durValue},
	"Timeout.mail":            {param: "smtp_mail_timeout", conv: durValue},
	"Timeout.rcpt":            {param: "smtp_rcpt_timeout", conv: durValue},
	"Timeout.datainit":        {param: "smtp_data_init_timeout", conv: durValue},
	"Timeout.datablock":       {param: "smtp_data_xfer_timeout", conv: durValue},
	"Timeout.datafinal":       {param: "smtp_data_done_timeout", conv: durValue},
	"SoftBounce":              {param: "soft_bounce", conv: func(o ir.Option) string { return map[bool]string{true: "yes", false: "no"}[o.Bool] }},
	"ServerCertFile":          {param: "smtpd_tls_cert_file", conv: func(o ir.Option) string { return o.Raw }},
	"ServerKeyFile":           {param: "smtpd_tls_key_file", conv: func(o ir.Option) string { return o.Raw }},
	"CACertFile":              {param: "smtpd_tls_CAfile", conv: func(o ir.Option) string { return o.Raw }},
	"CACertPath":              {param: "smtpd_tls_CApath", conv: func(o ir.Option) string { return o.Raw }},
	"ClientCertFile":          {param: "smtp_tls_cert_file", conv: func(o ir.Option) string { return o.Raw }},
	"ClientKeyFile":           {param: "smtp_tls_key_file", conv: func(o ir.Option) string { return o.Raw }},
}

// handledOptions are read by other parts of the migration.
var handledOptions = map[string]bool{
	"AliasFile": true, "SmtpGreetingMessage": true, "InputMailFilters": true,
	"AllowBogusHELO": true, // heloSyntax
}

// options: sendmail's options set in the .mc (defaults of the cf library
// are not repeated: Postfix's own defaults stand).
func (m *migrator) options() {
	for _, o := range m.cfg.Options {
		if !o.Pos.IsValid() || strings.HasPrefix(o.Name, "$") || handledOptions[o.Name] {
			continue
		}
		construct := o.Name + "=" + o.Raw
		if o.Source != "" {
			construct = o.Source + " " + o.Raw
		}
		if o.Name == "PrivacyOptions" {
			m.privacy(o, construct)
			continue
		}
		if o.Name == "AuthOptions" && m.clientAuthOn {
			continue // clientAuth
		}
		if o.Name == "DontProbeInterfaces" {
			m.exact(construct, o.Pos, "", "(nothing: Postfix does not add the interfaces' names to mydestination)")
			continue
		}
		if o.Name == "AuthMechanisms" {
			m.approx(construct, o.Pos, "", "(the SASL server's mech_list)",
				"Postfix's smtpd offers the mechanisms its SASL server (Cyrus or Dovecot) offers: set them there", "")
			continue
		}
		mp, ok := optionMaps[o.Name]
		v := ""
		if ok {
			v = mp.conv(o)
		}
		if !ok || v == "" {
			m.none(construct, o.Pos, "", "this version of the migration does not translate the option "+o.Name,
				"set the corresponding Postfix parameter by hand (see postconf(5))", "")
			continue
		}
		m.main.set(secLimits, mp.param, v, nil, o.Pos)
		if mp.differs != "" {
			m.approx(construct, o.Pos, "", "main.cf: "+mp.param+" = "+v, mp.differs, "")
		} else {
			m.exact(construct, o.Pos, "", "main.cf: "+mp.param+" = "+v)
		}
	}
	m.milters()
}

// privacy: confPRIVACY_FLAGS.
func (m *migrator) privacy(o ir.Option, construct string) {
	var left []string
	for _, f := range strings.FieldsFunc(strings.ToLower(o.Raw), func(r rune) bool { return r == ',' || r == ' ' }) {
		switch f {
		case "novrfy":
			m.main.set(secLimits, "disable_vrfy_command", "yes", nil, o.Pos)
		case "needmailhelo":
			m.main.set(secLimits, "smtpd_helo_required", "yes", nil, o.Pos)
		case "noetrn":
			m.main.set(secLimits, "smtpd_etrn_restrictions", "reject", nil, o.Pos)
		case "goaway":
			m.main.set(secLimits, "disable_vrfy_command", "yes", nil, o.Pos)
			m.main.set(secLimits, "smtpd_helo_required", "yes", nil, o.Pos)
			m.main.set(secLimits, "smtpd_etrn_restrictions", "reject", nil, o.Pos)
		case "noexpn", "authwarnings", "public":
		default:
			left = append(left, f)
		}
	}
	if len(left) > 0 {
		m.approx(construct, o.Pos, "", "main.cf: disable_vrfy_command, smtpd_helo_required, smtpd_etrn_restrictions",
			"no Postfix equivalent for "+strings.Join(left, ", "), "")
		return
	}
	m.exact(construct, o.Pos, "", "main.cf: disable_vrfy_command, smtpd_helo_required, smtpd_etrn_restrictions")
}

// milters: INPUT_MAIL_FILTER becomes smtpd_milters.
func (m *migrator) milters() {
	var list []string
	var from []ir.Pos
	for _, ml := range m.cfg.Milters {
		construct := "INPUT_MAIL_FILTER(" + ml.Name + ")"
		if !ml.Input {
			m.exact("MAIL_FILTER("+ml.Name+")", ml.Pos, "", "(nothing: declared but not used)")
			continue
		}
		sock := ml.Socket
		switch {
		case strings.HasPrefix(sock, "inet:"):
			port, host, _ := strings.Cut(strings.TrimPrefix(sock, "inet:"), "@")
			sock = "inet:" + host + ":" + port
		case strings.HasPrefix(sock, "inet6:"):
			port, host, _ := strings.Cut(strings.TrimPrefix(sock, "inet6:"), "@")
			sock = "inet:[" + host + "]:" + port
		case strings.HasPrefix(sock, "local:"), strings.HasPrefix(sock, "unix:"):
			sock = "unix:" + strings.TrimPrefix(strings.TrimPrefix(sock, "local:"), "unix:")
		default:
			m.none(construct, ml.Pos, "", "the socket "+ml.Socket+" could not be read", "add it to smtpd_milters by hand", "")
			continue
		}
		action := "accept"
		var differs []string
		switch strings.ToLower(ml.OnFailure) {
		case "reject":
			action = "reject"
		case "tempfail":
			action = "tempfail"
		case "tempfail-421":
			action = "tempfail"
			differs = append(differs, "F=4: when the filter cannot be reached sendmail answers 421 and closes the connection; Postfix (default_action=tempfail) greets and answers 451 to MAIL and what follows")
		}
		list = append(list, "{ "+sock+", default_action="+action+" }")
		from = append(from, ml.Pos)
		if ml.Timeouts != "" {
			differs = append(differs, "the timeouts T="+ml.Timeouts+" are not migrated (milter_*_timeout)")
		}
		if len(differs) > 0 {
			m.approx(construct, ml.Pos, "", "main.cf: smtpd_milters", strings.Join(differs, "; "), "")
		} else {
			m.exact(construct, ml.Pos, "", "main.cf: smtpd_milters")
		}
	}
	if len(list) > 0 {
		m.main.set(secLimits, "smtpd_milters", strings.Join(list, ", "),
			[]string{"INPUT_MAIL_FILTER: without F= sendmail goes on without a filter that fails (default_action=accept)."}, from...)
	}
}

// opaque: what mailcc keeps without modelling it.
func (m *migrator) opaque() {
	for _, o := range m.cfg.Opaque {
		construct := o.Kind
		if o.Name != "" {
			construct += "(" + o.Name + ")"
		}
		why := o.Why
		if why == "" {
			why = "mailcc does not model it"
		}
		m.none(construct, o.Pos, "", why, "rewrite what it does with Postfix restrictions, header_checks or a milter", "")
	}
}

// features: what some of the cf library's features change that no
// other step migrates.
func (m *migrator) features() {
	for _, ml := range m.cfg.Mailers {
		if ml.Name == "prog" && filepath.Base(ml.Path) == "smrsh" {
			m.approx("FEATURE(smrsh)", ml.Pos, ml.Origin, "(nothing)",
				"sendmail runs the |program deliveries of aliases and .forward files through smrsh, which runs only the programs linked into its directory; Postfix's local(8) runs them with /bin/sh",
				"")
		}
	}
	for _, c := range m.cfg.Classes {
		if c.Name != "t" {
			continue
		}
		for _, f := range c.Files {
			if f.Pos.IsValid() {
				m.approx("trusted users "+f.Path, f.Pos, "", "(nothing)",
					"sendmail lets only its trusted users set the envelope sender (sendmail -f) without an X-Authentication-Warning header; Postfix lets every local user set it and adds no warning",
					"")
			}
		}
	}
}

// tlsLevels: sendmail offers STARTTLS once its server certificate and
// key, and its CA certificate file and directory, are set and exist
// (tls.h TLS_I_SRV_CERT: the server's TLS context is made only then),
// and its SMTP client starts TLS whenever the server offers it
// (deliver.c: the client's context needs no certificate). Postfix does
// either only at security level may.
func (m *migrator) tlsLevels() {
	set := map[string]*ir.Option{}
	for i := range m.cfg.Options {
		o := &m.cfg.Options[i]
		if o.Pos.IsValid() && concrete(o.Raw) {
			set[o.Name] = o
		}
	}
	cert := set["ServerCertFile"]
	switch {
	case cert == nil:
	case set["ServerKeyFile"] != nil && set["CACertFile"] != nil && set["CACertPath"] != nil:
		m.main.set(secLimits, "smtpd_tls_security_level", "may",
			[]string{"sendmail offers STARTTLS once it has a server certificate and key and a CA file and directory (confSERVER_CERT, confSERVER_KEY, confCACERT, confCACERT_PATH)."}, cert.Pos)
		m.exact("STARTTLS offered (confSERVER_CERT, confSERVER_KEY, confCACERT, confCACERT_PATH)", cert.Pos, "", "main.cf: smtpd_tls_security_level = may")
	default:
		m.exact("STARTTLS not offered (confSERVER_CERT without all of confSERVER_KEY, confCACERT, confCACERT_PATH)", cert.Pos, "",
			"(nothing: sendmail makes its server's TLS context, and offers STARTTLS, only with all four; Postfix's smtpd_tls_security_level stays unset)")
	}
	m.main.set(secLimits, "smtp_tls_security_level", "may",
		[]string{"sendmail's SMTP client starts TLS whenever the server offers it."})
	m.exact("sendmail's SMTP client: STARTTLS when offered", ir.Pos{}, "sendmail (deliver.c)", "main.cf: smtp_tls_security_level = may")
}
