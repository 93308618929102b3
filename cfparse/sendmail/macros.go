package sendmail

import (
	"strconv"
	"strings"

	"mailcc/m4"
)

// arg returns args[i], or "" when the call gave fewer arguments.
func arg(args []string, i int) string {
	if i < len(args) {
		return args[i]
	}
	return ""
}

// lowerASCII is m4's translit to lower case that the library's lower
// macro does.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if 'A' <= ch && ch <= 'Z' {
			b[i] = ch + 'a' - 'A'
		}
	}
	return string(b)
}

// installMacros defines the macros of the cf library's cfhead.m4 as Go
// builtins.
func (l *lib) installMacros() {
	reg := func(name string, fn m4.BuiltinFunc) { l.p.Register(name, fn, false) }

	reg("__mailcc_popdivert", func(c *m4.Call, args []string) string { l.popDivert(); return "" })
	reg("__mailcc_divert", func(c *m4.Call, args []string) string {
		if n, err := strconv.Atoi(strings.TrimSpace(arg(args, 1))); err == nil {
			l.p.SetDiversion(n)
		}
		return ""
	})
	reg("__mailcc_define", func(c *m4.Call, args []string) string {
		l.def(c, arg(args, 1), arg(args, 2))
		return ""
	})
	reg("__mailcc_smclient", func(c *m4.Call, args []string) string {
		s := arg(args, 1)
		if i := strings.Index(s, "sendmail.st"); i >= 0 {
			s = s[:i] + "sm-client.st"
		}
		return q(c, s)
	})
	reg("__mailcc_debian_autoconf", func(c *m4.Call, args []string) string {
		l.debianAutoconf(c)
		return ""
	})
	reg("PUSHDIVERT", func(c *m4.Call, args []string) string {
		n, err := strconv.Atoi(strings.TrimSpace(arg(args, 1)))
		if err != nil {
			n = -1
		}
		l.pushDivert(n)
		return ""
	})
	reg("POPDIVERT", func(c *m4.Call, args []string) string { l.popDivert(); return "" })

	reg("OSTYPE", func(c *m4.Call, args []string) string {
		l.enter(c, "OSTYPE", args)
		l.pushDivert(-1)
		name := arg(args, 1)
		if l.defined("__OSTYPE__") {
			l.warnf(c, "duplicate OSTYPE(%s)", name)
		}
		l.def(c, "__OSTYPE__", name)
		l.def(c, "_ARG_", arg(args, 2))
		return l.ostype(c, name) + "__mailcc_popdivert" + q(c, "")
	})
	reg("DOMAIN", func(c *m4.Call, args []string) string {
		l.enter(c, "DOMAIN", args)
		l.pushDivert(-1)
		l.def(c, "_ARG_", arg(args, 2))
		return l.domain(c, arg(args, 1)) + "__mailcc_popdivert" + q(c, "")
	})
	reg("FEATURE", func(c *m4.Call, args []string) string {
		l.enter(c, "FEATURE", args)
		l.pushDivert(-1)
		if l.defined("_MAILER_DEFINED_") {
			l.errorf(c, "FEATURE(%s) should be before MAILER(): its settings do not reach the mailers already defined", arg(args, 1))
		}
		l.def(c, "_ARG_", arg(args, 2))
		fa := []string{}
		if len(args) > 2 {
			fa = args[2:]
		}
		return l.feature(c, arg(args, 1), fa) + "__mailcc_popdivert" + q(c, "")
	})
	reg("HACK", func(c *m4.Call, args []string) string {
		l.enter(c, "HACK", args)
		l.pushDivert(-1)
		l.def(c, "_ARG_", arg(args, 2))
		ha := []string{}
		if len(args) > 2 {
			ha = args[2:]
		}
		return l.hack(c, arg(args, 1), ha) + "__mailcc_popdivert" + q(c, "")
	})
	reg("MAILER", func(c *m4.Call, args []string) string {
		name := arg(args, 1)
		mn := name
		if a := arg(args, 2); a != "" {
			mn = a
		}
		l.enter(c, "MAILER", args)
		l.defIfNot(c, "_MAILER_DEFINED_", "1")
		if l.defined("_MAILER_" + mn + "_") {
			l.errorf(c, "MAILER(%s) already included", mn)
			return ""
		}
		l.def(c, "_MAILER_"+mn+"_", "")
		l.def(c, "_ARG_", arg(args, 2))
		l.pushDivert(7)
		return l.mailer(c, name) + "__mailcc_popdivert" + q(c, "")
	})

	reg("DAEMON_OPTIONS", func(c *m4.Call, args []string) string {
		l.p.Define("_DPO_", l.defn("_DPO_")+"\nO DaemonPortOptions="+arg(args, 1))
		l.dpo = append(l.dpo, l.gen(c, "O DaemonPortOptions="+arg(args, 1)))
		return ""
	})
	reg("CLIENT_OPTIONS", func(c *m4.Call, args []string) string {
		l.p.Define("_CPO_", l.defn("_CPO_")+"\nO ClientPortOptions="+arg(args, 1))
		l.cpo = append(l.cpo, l.gen(c, "O ClientPortOptions="+arg(args, 1)))
		return ""
	})
	mailFilter := func(c *m4.Call, name, spec string) {
		x := "X" + name + ", " + spec
		l.p.Define("_MAIL_FILTERS_", l.defn("_MAIL_FILTERS_")+"\n"+x)
		l.p.Define("_MAIL_FILTERS_DEF", l.defn("_MAIL_FILTERS_DEF")+"X")
		l.filters = append(l.filters, l.gen(c, x))
	}
	reg("MAIL_FILTER", func(c *m4.Call, args []string) string {
		mailFilter(c, arg(args, 1), arg(args, 2))
		return ""
	})
	reg("INPUT_MAIL_FILTER", func(c *m4.Call, args []string) string {
		name := arg(args, 1)
		mailFilter(c, name, arg(args, 2))
		if old := l.defn("confINPUT_MAIL_FILTERS"); old == "" {
			l.def(c, "confINPUT_MAIL_FILTERS", name)
		} else {
			l.def(c, "confINPUT_MAIL_FILTERS", old+", "+name)
		}
		return ""
	})
	reg("QUEUE_GROUP", func(c *m4.Call, args []string) string {
		x := "Q" + arg(args, 1) + ", " + arg(args, 2)
		l.p.Define("_QUEUE_GROUP_", l.defn("_QUEUE_GROUP_")+"\n"+x)
		l.qgroups = append(l.qgroups, l.gen(c, x))
		return ""
	})
	reg("VERSIONID", func(c *m4.Call, args []string) string {
		return q(c, "#####  "+arg(args, 1)+"  #####")
	})

	divertTo := func(n int) m4.BuiltinFunc {
		return func(c *m4.Call, args []string) string { l.p.SetDiversion(n); return "" }
	}
	reg("LOCAL_RULE_0", divertTo(3))
	reg("LOCAL_UUCP", divertTo(4))
	reg("LOCAL_RULE_3", divertTo(2))
	reg("LOCAL_CONFIG", divertTo(6))
	reg("MAILER_DEFINITIONS", divertTo(7))
	reg("LOCAL_DNSBL", divertTo(8))
	reg("LOCAL_NET_CONFIG", func(c *m4.Call, args []string) string {
		l.p.Define("_LOCAL_RULES_", "1")
		l.p.SetDiversion(1)
		return ""
	})
	header := func(n, title, s string) string {
		bar := strings.Repeat("#", len(title)+8)
		return bar + "\n###  " + title + "  ###\n" + bar + "\n\nS" + s + "=" + n + "\n"
	}
	reg("LOCAL_RULE_1", func(c *m4.Call, args []string) string {
		l.p.SetDiversion(9)
		c.Output(header("1", "Ruleset 1 -- Sender Rewriting", "sender"))
		return ""
	})
	reg("LOCAL_RULE_2", func(c *m4.Call, args []string) string {
		l.p.SetDiversion(9)
		c.Output(header("2", "Ruleset 2 -- Recipient Rewriting", "recipient"))
		return ""
	})
	reg("LOCAL_RULESETS", func(c *m4.Call, args []string) string {
		l.p.SetDiversion(9)
		c.Output("\n\n")
		return ""
	})
	for _, f := range []struct{ macro, flag, set string }{
		{"LOCAL_SRV_FEATURES", "_LOCAL_SRV_FEATURES_", "Local_srv_features"},
		{"LOCAL_CLT_FEATURES", "_LOCAL_CLT_FEATURES_", "Local_clt_features"},
		{"LOCAL_TRY_TLS", "_LOCAL_TRY_TLS_", "Local_try_tls"},
		{"LOCAL_TLS_RCPT", "_LOCAL_TLS_RCPT_", "Local_tls_rcpt"},
		{"LOCAL_TLS_CLIENT", "_LOCAL_TLS_CLIENT_", "Local_tls_client"},
		{"LOCAL_TLS_SERVER", "_LOCAL_TLS_SERVER_", "Local_tls_server"},
	} {
		reg(f.macro, func(c *m4.Call, args []string) string {
			l.p.Define(f.flag, "")
			if !l.defined("_MAILER_DEFINED_") {
				l.warnf(c, "MAILER() should be before %s", f.macro)
			}
			l.p.SetDiversion(9)
			c.Output("\nS" + f.set)
			return ""
		})
	}

	dol := func(c *m4.Call) string { return q(c, "$") }
	reg("UUCPSMTP", func(c *m4.Call, args []string) string {
		d := dol(c)
		return "R " + d + "* < @ " + arg(args, 1) + " .UUCP > " + d + "*\t" + d + "1 < @ " + arg(args, 2) + " > " + d + "2"
	})
	reg("CONCAT", func(c *m4.Call, args []string) string {
		var b strings.Builder
		for i := 1; i <= 7; i++ {
			b.WriteString(arg(args, i))
		}
		return b.String()
	})
	reg("DOL", func(c *m4.Call, args []string) string { return dol(c) + arg(args, 1) })
	reg("SITECONFIG", func(c *m4.Call, args []string) string {
		file, host, class := arg(args, 1), arg(args, 2), arg(args, 3)
		l.enter(c, "SITECONFIG", args)
		l.p.Define("_CLASS_"+class+"_", "")
		l.p.Register("SITE", func(c *m4.Call, args []string) string {
			if arg(args, 2)+class == "SU" {
				return "CY" + arg(args, 1)
			}
			return "C" + class + arg(args, 1)
		}, false)
		l.warnf(c, "SITECONFIG(%s): mailcc does not read the site files of the cf library's siteconfig folder; the hosts they list are not in class %s", file, class)
		out := "D" + class + host + "\n"
		if class == "U" {
			out += "C{w}" + host + " " + host + ".UUCP\n"
		}
		return out
	})

	classLine := func(kind byte, class string) m4.BuiltinFunc {
		return func(c *m4.Call, args []string) string {
			l.output(c, 5, string(kind)+"{"+class+"}"+arg(args, 1)+"\n")
			return "dnl" + q(c, "")
		}
	}
	for _, m := range []struct {
		macro string
		kind  byte
		class string
	}{
		{"EXPOSED_USER", 'C', "E"}, {"EXPOSED_USER_FILE", 'F', "E"},
		{"LOCAL_USER", 'C', "L"}, {"LOCAL_USER_FILE", 'F', "L"},
		{"MASQUERADE_DOMAIN", 'C', "M"}, {"MASQUERADE_DOMAIN_FILE", 'F', "M"},
		{"MASQUERADE_EXCEPTION", 'C', "N"}, {"MASQUERADE_EXCEPTION_FILE", 'F', "N"},
		{"LOCAL_DOMAIN", 'C', "w"},
		{"CANONIFY_DOMAIN", 'C', "Canonify"}, {"CANONIFY_DOMAIN_FILE", 'F', "Canonify"},
		{"GENERICS_DOMAIN", 'C', "G"}, {"GENERICS_DOMAIN_FILE", 'F', "G"},
		{"LDAPROUTE_DOMAIN", 'C', "LDAPRoute"}, {"LDAPROUTE_DOMAIN_FILE", 'F', "LDAPRoute"},
		{"LDAPROUTE_EQUIVALENT", 'C', "LDAPRouteEquiv"}, {"LDAPROUTE_EQUIVALENT_FILE", 'F', "LDAPRouteEquiv"},
		{"RELAY_DOMAIN", 'C', "R"}, {"RELAY_DOMAIN_FILE", 'F', "R"},
	} {
		reg(m.macro, classLine(m.kind, m.class))
	}
	virt := func(kind byte) m4.BuiltinFunc {
		return func(c *m4.Call, args []string) string {
			l.output(c, 5, string(kind)+"{VirtHost}"+arg(args, 1)+"\n")
			l.p.Define("_VIRTHOSTS_", "")
			return "dnl" + q(c, "")
		}
	}
	reg("VIRTUSER_DOMAIN", virt('C'))
	reg("VIRTUSER_DOMAIN_FILE", virt('F'))
	reg("TRUST_AUTH_MECH", func(c *m4.Call, args []string) string {
		l.defIfNot(c, "_USE_AUTH_", "1")
		l.output(c, 5, "C{TrustAuthMech}"+arg(args, 1)+"\n")
		return "dnl" + q(c, "")
	})
	reg("MASQUERADE_AS", func(c *m4.Call, args []string) string {
		l.def(c, "MASQUERADE_NAME", arg(args, 1))
		return ""
	})
	reg("MODIFY_MAILER_FLAGS", func(c *m4.Call, args []string) string {
		l.modifyMailerFlags(c, arg(args, 1), arg(args, 2))
		return ""
	})
	reg("lower", func(c *m4.Call, args []string) string { return lowerASCII(arg(args, 1)) })
	reg("strcasecmp", func(c *m4.Call, args []string) string {
		if lowerASCII(arg(args, 1)) == lowerASCII(arg(args, 2)) {
			return "1"
		}
		return "0"
	})
	reg("_DEFIFNOT", func(c *m4.Call, args []string) string {
		l.defIfNot(c, arg(args, 1), arg(args, 2))
		return ""
	})
	reg("_OPTINS", func(c *m4.Call, args []string) string {
		if l.defined(arg(args, 1)) {
			return arg(args, 2) + arg(args, 1) + arg(args, 3)
		}
		return ""
	})
	reg("_MODMF_", func(c *m4.Call, args []string) string {
		return l.modmf(arg(args, 1), arg(args, 2))
	})
	l.p.Define("CF_LEVEL", "10")
}

// modifyMailerFlags is MODIFY_MAILER_FLAGS: "+flags" adds to the
// mailer's flags, "-flags" removes, anything else replaces them.
func (l *lib) modifyMailerFlags(c *m4.Call, mailer, flags string) {
	if flags == "" {
		l.def(c, mailer+"_MF_", "")
		l.def(c, mailer+"_MF_A_", "")
		l.def(c, mailer+"_MF_D_", "")
		return
	}
	switch tail := flags[1:]; flags[0] {
	case '+':
		l.def(c, mailer+"_MF_A_", l.defn(mailer+"_MF_A_")+tail)
	case '-':
		l.def(c, mailer+"_MF_D_", l.defn(mailer+"_MF_D_")+tail)
	default:
		l.def(c, mailer+"_MF_", flags)
		l.def(c, mailer+"_MF_A_", "")
		l.def(c, mailer+"_MF_D_", "")
	}
}

// modmf is the library's _MODMF_: a mailer's flags after
// MODIFY_MAILER_FLAGS.
func (l *lib) modmf(flags, mailer string) string {
	if l.defined(mailer + "_MF_") {
		return l.defn(mailer + "_MF_")
	}
	for _, d := range l.defn(mailer + "_MF_D_") {
		if i := strings.IndexRune(flags, d); i >= 0 {
			flags = flags[:i] + flags[i+1:]
		}
	}
	for _, a := range l.defn(mailer + "_MF_A_") {
		if !strings.ContainsRune(flags, a) {
			flags += string(a)
		}
	}
	return flags
}

// gen makes a generated line attributed to a call.
func (l *lib) gen(c *m4.Call, text string) genLine {
	g := genLine{text: text, pos: l.posOf(c)}
	if ci := l.current(c); ci != nil {
		g.pos, g.origin = ci.pos, ci.origin()
	}
	return g
}

// installDefaults makes cfhead.m4's definitions.
func (l *lib) installDefaults(c *m4.Call) {
	d := func(name, value string) {
		l.p.Define(name, value)
		l.libDefs[name] = libDef{text: value, origin: "cf library default"}
	}
	if !l.defined("MAIL_SETTINGS_DIR") {
		d("MAIL_SETTINGS_DIR", "/etc/mail/")
	}
	e := q(c, "")
	d("DATABASE_MAP_TYPE", "hash")
	d("ALIAS_FILE", "MAIL_SETTINGS_DIR"+e+"aliases")
	d("confMAILER_NAME", q(c, "MAILER-DAEMON"))
	d("confFROM_LINE", "From $g $d")
	d("confOPERATORS", ".:%@!^/[]+")
	d("confSMTP_LOGIN_MSG", "$j Sendmail $v/$Z; $b")
	d("confSEVEN_BIT_INPUT", "False")
	d("confALIAS_WAIT", "10")
	d("confMIN_FREE_BLOCKS", "100")
	d("confBLANK_SUB", ".")
	d("confCON_EXPENSIVE", "False")
	d("confDELIVERY_MODE", "background")
	d("confTEMP_FILE_MODE", "0600")
	d("confMCI_CACHE_SIZE", "2")
	d("confMCI_CACHE_TIMEOUT", "5m")
	d("confUSE_ERRORS_TO", "False")
	d("confLOG_LEVEL", "9")
	d("confCHECK_ALIASES", "False")
	d("confOLD_STYLE_HEADERS", "True")
	d("confPRIVACY_FLAGS", "authwarnings")
	d("confSAFE_QUEUE", "True")
	d("confTO_QUEUERETURN", "5d")
	d("confTO_QUEUEWARN", "4h")
	d("confTIME_ZONE", "USE_SYSTEM")
	d("confCW_FILE", "MAIL_SETTINGS_DIR"+e+"local-host-names")
	d("confMIME_FORMAT_ERRORS", "True")
	d("confFORWARD_PATH", "$z/.forward.$w:$z/.forward")
	d("confCR_FILE", "-o MAIL_SETTINGS_DIR"+e+"relay-domains")
	d("confMILTER_MACROS_CONNECT", q(c, "j, _, {daemon_name}, {if_name}, {if_addr}"))
	d("confMILTER_MACROS_HELO", q(c, "{tls_version}, {cipher}, {cipher_bits}, {cert_subject}, {cert_issuer}"))
	d("confMILTER_MACROS_ENVFROM", q(c, "i, {auth_type}, {auth_authen}, {auth_ssf}, {auth_author}, {mail_mailer}, {mail_host}, {mail_addr}"))
	d("confMILTER_MACROS_ENVRCPT", q(c, "{rcpt_mailer}, {rcpt_host}, {rcpt_addr}"))
	d("confMILTER_MACROS_EOM", "{msg_id}")
	for _, name := range []string{"_DPO_", "_CPO_", "_MAIL_FILTERS_", "_MAIL_FILTERS_DEF", "_QUEUE_GROUP_"} {
		l.p.Define(name, "")
	}
}
