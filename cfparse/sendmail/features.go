package sendmail

import (
	"sort"
	"strings"

	"mailcc/m4"
)

// featureFunc performs FEATURE(name, a...): a[0] is the library's _ARG_,
// a[1] _ARG2_, and so on. It makes the feature's definitions and returns
// m4 text for the processor to read after them (LOCAL_CONFIG lines,
// macros the feature calls), as the feature file's text would be read.
type featureFunc func(l *lib, c *m4.Call, a []string) string

// localConfig returns text that writes lines to LOCAL_CONFIG (diversion
// 6) and goes back to the feature's diversion (-1).
func localConfig(lines ...string) string {
	return "__mailcc_divert(6)" + strings.Join(lines, "\n") + "\n__mailcc_divert(-1)"
}

// ldapSpec is the map specification the library gives map features
// whose argument is LDAP.
func ldapSpec(name string, tmpf bool) string {
	s := "ldap "
	if tmpf {
		s += "-T<TMPF> "
	}
	return s + "-1 -v sendmailMTAMapValue,sendmailMTAMapSearch:FILTER:sendmailMTAMapObject,sendmailMTAMapURL:URL:sendmailMTAMapObject -k (&(objectClass=sendmailMTAMapObject)(|(sendmailMTACluster=${sendmailMTACluster})(sendmailMTAHost=$j))(sendmailMTAMapName=" + name + ")(sendmailMTAKey=%0))"
}

// mapLine is the K line of a map feature: the default database under
// MAIL_SETTINGS_DIR, LDAP, or the argument as the map's specification.
func mapLine(c *m4.Call, kname, file, ldapName, arg string) string {
	switch arg {
	case "":
		return "K" + kname + " DATABASE_MAP_TYPE MAIL_SETTINGS_DIR" + q(c, file)
	case "LDAP":
		return "K" + kname + " " + q(c, ldapSpec(ldapName, false))
	}
	return "K" + kname + " " + arg
}

// mapFeature makes a feature that defines a flag and declares a map.
func mapFeature(flag, kname, file, ldapName string) featureFunc {
	return func(l *lib, c *m4.Call, a []string) string {
		l.def(c, flag, "")
		return localConfig(mapLine(c, kname, file, ldapName, arg(a, 0)))
	}
}

// flagFeature makes a feature that only defines a flag.
func flagFeature(flag, value string) featureFunc {
	return func(l *lib, c *m4.Call, a []string) string {
		l.def(c, flag, value)
		return ""
	}
}

// beforeLocal warns when a feature that changes the local mailer comes
// after MAILER(local).
func (l *lib) beforeLocal(c *m4.Call, feature string) {
	if l.defined("_MAILER_local_") {
		l.warnf(c, "FEATURE(%s) must occur before MAILER(local): the local mailer is already defined without it", feature)
	}
}

// requireAccess reports a feature used without FEATURE(access_db).
func (l *lib) requireAccess(c *m4.Call, feature string) bool {
	if l.defined("_ACCESS_TABLE_") {
		return true
	}
	l.errorf(c, "FEATURE(%s) requires FEATURE(access_db) before it", feature)
	return false
}

// control is conncontrol and ratecontrol.
func control(kind string) featureFunc {
	prefix := "_" + strings.ToUpper(kind[:4]) + "_CONTROL_"
	return func(l *lib, c *m4.Call, a []string) string {
		if l.requireAccess(c, kind) {
			l.def(c, prefix, "1")
			switch x := arg(a, 0); {
			case x == "":
			case lowerASCII(x) == "nodelay":
				if l.defined("_DELAY_CHECKS_") {
					l.def(c, prefix+"IMMEDIATE_", "1")
					l.def(c, "_CONTROL_IMMEDIATE_", "1")
				} else {
					l.errorf(c, "FEATURE(%s, nodelay) requires FEATURE(delay_checks)", kind)
				}
			default:
				l.errorf(c, "unknown parameter %q for FEATURE(%s)", x, kind)
			}
			l.def(c, "_FFR_SRCHLIST_A", "1")
			switch x := arg(a, 1); x {
			case "":
			case "terminate":
				l.def(c, prefix+"REPLY", "421")
			default:
				l.errorf(c, "FEATURE(%s): unknown argument %q", kind, x)
			}
		}
		l.defIfNot(c, prefix+"REPLY", "452")
		return ""
	}
}

// firstChar is the library's option parsing for nouucp and
// nopercenthack: reject or nospecial, by first letter.
func firstChar(flag, feature string) featureFunc {
	return func(l *lib, c *m4.Call, a []string) string {
		x := arg(a, 0)
		switch {
		case x == "":
			l.errorf(c, "missing argument for FEATURE(%s): use reject or nospecial", feature)
			l.def(c, flag, "e")
		case x[0] == 'r':
			l.def(c, flag, "r")
		case x[0] == 'n':
			l.def(c, flag, "n")
		default:
			l.errorf(c, "illegal argument %s for FEATURE(%s)", x, feature)
		}
		return ""
	}
}

// features are the cf library's feature/*.m4 files.
var features = map[string]featureFunc{
	"accept_unqualified_senders":  flagFeature("_ACCEPT_UNQUALIFIED_SENDERS_", "1"),
	"accept_unresolvable_domains": flagFeature("_ACCEPT_UNRESOLVABLE_DOMAINS_", "1"),
	"access_db":                   featAccessDB,
	"allmasquerade": func(l *lib, c *m4.Call, a []string) string {
		if l.defined("_MAILER_local_") {
			l.warnf(c, "MAILER(local) must appear after FEATURE(allmasquerade)")
		}
		if l.defined("_MAILER_uucp_") {
			l.warnf(c, "MAILER(uucp) must appear after FEATURE(allmasquerade)")
		}
		l.def(c, "_ALL_MASQUERADE_", "1")
		return ""
	},
	"always_add_domain": func(l *lib, c *m4.Call, a []string) string {
		if l.defined("_MAILER_local_") {
			l.warnf(c, "MAILER(local) must appear after FEATURE(always_add_domain)")
		}
		l.def(c, "_ALWAYS_ADD_DOMAIN_", arg(a, 0))
		return ""
	},
	"authinfo": mapFeature("_AUTHINFO_TABLE_", "authinfo", "authinfo", "authinfo"),
	"badmx": func(l *lib, c *m4.Call, a []string) string {
		l.def(c, "_BADMX_CHK_", "1")
		ip := arg(a, 0)
		if ip == "" {
			ip = q(c, `^(127\.|10\.|0\.0\.0\.0)`)
		}
		return localConfig(q(c, "Kmxlist bestmx -z: -T<TEMP>"),
			q(c, `Kbadmx regex -a<BADMX> ^(([0-9]{1,3}\.){3}[0-9]){0,1}\.$`),
			q(c, "KdnsA dns -R A -a. -T<TEMP>"),
			q(c, "KBadMXIP regex -a<BADMXIP> ")+ip)
	},
	"bcc": func(l *lib, c *m4.Call, a []string) string {
		if lowerASCII(arg(a, 0)) == "access" {
			l.def(c, "_BCC_ACCESS_", "1")
		}
		l.def(c, "_ADD_BCC_", "1")
		var lines []string
		if l.defined("_BCC_ACCESS_") {
			l.requireAccess(c, "bcc")
		} else {
			lines = append(lines, mapLine(c, "bcctable", "bcctable", "", arg(a, 0)))
		}
		lines = append(lines, "O AddBcc=true")
		if x := arg(a, 1); x != "" {
			lines = append(lines, "DA"+x)
		}
		if x := arg(a, 3); x != "" {
			l.def(c, "_CANONIFY_BCC_", "1")
			l.def(c, "_NEED_SMTPOPMODES_", "1")
			lines = append(lines, "KcanonicalRcpt "+x)
		}
		return localConfig(lines...)
	},
	"bestmx_is_local": func(l *lib, c *m4.Call, a []string) string {
		l.def(c, "_BESTMX_IS_LOCAL_", arg(a, 0))
		lines := []string{"Kbestmx bestmx"}
		if x := arg(a, 0); x != "" {
			lines = append(lines, "CB"+x)
		}
		return localConfig(lines...)
	},
	"bitdomain": mapFeature("_BITDOMAIN_TABLE_", "bitdomain", "bitdomain", "bitdomain"),
	"blacklist_recipients": func(l *lib, c *m4.Call, a []string) string {
		l.warnf(c, "FEATURE(blacklist_recipients) is deprecated; use FEATURE(blocklist_recipients)")
		return "FEATURE(" + q(c, "blocklist_recipients") + ")"
	},
	"block_bad_helo": func(l *lib, c *m4.Call, a []string) string {
		l.def(c, "_BLOCK_BAD_HELO_", "")
		return "RELAY_DOMAIN(" + q(c, "127.0.0.1") + ")\nRELAY_DOMAIN(" + q(c, "IPv6:0:0:0:0:0:0:0:1 IPv6:::1") +
			")\nLOCAL_DOMAIN(" + q(c, "[127.0.0.1]") + ")\nLOCAL_DOMAIN(" + q(c, "[IPv6:0:0:0:0:0:0:0:1] [IPv6:::1]") + ")\n"
	},
	"blocklist_recipients": func(l *lib, c *m4.Call, a []string) string {
		if l.requireAccess(c, "blocklist_recipients") {
			l.def(c, "_BLOCKLIST_RCPT_", "1")
		}
		return ""
	},
	"check_cert_altnames": func(l *lib, c *m4.Call, a []string) string {
		l.def(c, "_FFR_TLS_ALTNAMES", "1")
		return localConfig("O SetCertAltnames=true")
	},
	"check_other": func(l *lib, c *m4.Call, a []string) string {
		rx := arg(a, 0)
		if rx == "" {
			rx = "^[[:print:]]+ *:"
		}
		l.def(c, "CHKORX", rx)
		return localConfig("Kbadcmd regex -m -a<BADCMD> " + q(c, rx))
	},
	"compat_check": func(l *lib, c *m4.Call, a []string) string {
		l.requireAccess(c, "compat_check")
		return ""
	},
	"conncontrol": control("conncontrol"),
	"delay_checks": func(l *lib, c *m4.Call, a []string) string {
		l.def(c, "_DELAY_CHECKS_", "1")
		if x := arg(a, 0); x != "" {
			switch lowerASCII(x[:1]) {
			case "f":
				l.def(c, "_SPAM_FRIEND_", "1")
				l.def(c, "_SPAM_FH_", "1")
			case "h":
				l.def(c, "_SPAM_HATER_", "1")
				l.def(c, "_SPAM_FH_", "1")
			default:
				l.errorf(c, "illegal argument %s for FEATURE(delay_checks)", x)
			}
		}
		if arg(a, 1) == "" {
			l.def(c, "_DELAY_COMPAT_8_10_", "1")
		}
		return ""
	},
	"dnsbl": func(l *lib, c *m4.Call, a []string) string {
		l.defIfNot(c, "DNSBL_MAP", "dns -R A")
		if arg(a, 0) == "" {
			l.errorf(c, "missing argument for FEATURE(dnsbl)")
		}
		if l.defined("_DNSBL_R_") {
			return ""
		}
		l.def(c, "_DNSBL_R_", "")
		opt := ""
		if l.defined("DNSBL_MAP_OPT") {
			opt = " DNSBL_MAP_OPT"
		}
		return localConfig("Kdnsbl DNSBL_MAP -T<TMP>" + opt)
	},
	"domainmap": func(l *lib, c *m4.Call, a []string) string {
		var lines []string
		if !l.defined("_DOMAIN_MAP_") {
			if !l.defined("DOMAINMAP_NO_REGEX") {
				lines = append(lines, q(c, `K domainmap_regex regex -a.:NOTDONE: -s1,2 -d_ (.*)[-\.]([^-\.]*)$`))
			}
			l.def(c, "_DOMAIN_MAP_", "1")
		}
		name := strings.NewReplacer(".", "_", "-", "_").Replace(arg(a, 0))
		lines = append(lines, "C{MappedDomain} "+arg(a, 0), "K "+q(c, "domain_"+name)+" "+arg(a, 1)+" -T<TEMP>")
		return localConfig(lines...)
	},
	"domaintable": mapFeature("_DOMAIN_TABLE_", "domaintable", "domaintable", "domain"),
	"drac": func(l *lib, c *m4.Call, a []string) string {
		l.def(c, "_DRAC_", "")
		return localConfig(mapLine(c, "drac", "drac", "", arg(a, 0)))
	},
	"enhdnsbl": func(l *lib, c *m4.Call, a []string) string {
		if arg(a, 0) == "" {
			l.errorf(c, "missing argument for FEATURE(enhdnsbl)")
		}
		if l.defined("_EDNSBL_R_") {
			return ""
		}
		l.def(c, "_EDNSBL_R_", "")
		return localConfig("Kednsbl dns -R A -a. -T<TMP> -r" + q(c, "") + "ifdef(" + q(c, "EDNSBL_TO") + "," + q(c, "EDNSBL_TO") + "," + q(c, "5") + ")")
	},
	"generics_entire_domain": flagFeature("_GENERICS_ENTIRE_DOMAIN_", "1"),
	"genericstable":          mapFeature("_GENERICS_TABLE_", "generics", "genericstable", "generics"),
	"greet_pause": func(l *lib, c *m4.Call, a []string) string {
		if arg(a, 0) == "" {
			l.requireAccess(c, "greet_pause")
		}
		l.def(c, "_GREET_PAUSE_", "")
		return ""
	},
	"ldap_routing": func(l *lib, c *m4.Call, a []string) string {
		if arg(a, 0) == "" || arg(a, 1) == "" {
			l.def(c, "_LDAP_ROUTING_WARN_", "yes")
		}
		if arg(a, 4) != "" {
			l.def(c, "_LDAP_ROUTE_NODOMAIN_", "yes")
		}
		switch arg(a, 2) {
		case "", "passthru":
			l.def(c, "_LDAP_ROUTING_", "_PASS_THROUGH_")
		case "sendertoo":
			l.def(c, "_LDAP_ROUTING_", "_MUST_EXIST_")
			l.def(c, "_LDAP_SENDER_MUST_EXIST_", "")
		default:
			l.def(c, "_LDAP_ROUTING_", "_MUST_EXIST_")
		}
		switch arg(a, 3) {
		case "strip":
			l.def(c, "_LDAP_ROUTE_DETAIL_", "_STRIP_")
		case "preserve":
			l.def(c, "_LDAP_ROUTE_DETAIL_", "_PRESERVE_")
		}
		switch arg(a, 5) {
		case "", "queue":
			l.def(c, "_LDAP_ROUTE_MAPTEMP_", "_QUEUE_")
		case "tempfail":
			l.def(c, "_LDAP_ROUTE_MAPTEMP_", "_TEMPFAIL_")
		}
		l.def(c, "_NEED_SMTPOPMODES_", "1")
		mh, mra := arg(a, 0), arg(a, 1)
		if mh == "" {
			mh = q(c, "ldap -1 -T<TMPF> -v mailHost -k (&(objectClass=inetLocalMailRecipient)(mailLocalAddress=%0))")
		}
		if mra == "" {
			mra = q(c, "ldap -1 -T<TMPF> -v mailRoutingAddress -k (&(objectClass=inetLocalMailRecipient)(mailLocalAddress=%0))")
		}
		return localConfig("Kldapmh "+mh, "Kldapmra "+mra)
	},
	"limited_masquerade": flagFeature("_LIMITED_MASQUERADE_", "1"),
	"local_lmtp": func(l *lib, c *m4.Call, a []string) string {
		l.beforeLocal(c, "local_lmtp")
		out := ""
		if x := arg(a, 0); x != "" {
			l.def(c, "LOCAL_MAILER_PATH", x)
		} else {
			out = "__mailcc_define(" + q(c, "LOCAL_MAILER_PATH") + ", ifdef(" + q(c, "confEBINDIR") + ", confEBINDIR, " + q(c, "/usr/libexec") + ")" + q(c, "/mail.local") + ")"
		}
		l.def(c, "LOCAL_MAILER_FLAGS", "PSXmnz9")
		args := arg(a, 1)
		if args == "" {
			args = "mail.local -l"
		}
		l.def(c, "LOCAL_MAILER_ARGS", args)
		l.def(c, "LOCAL_MAILER_DSN_DIAGNOSTIC_CODE", "SMTP")
		l.def(c, "_LOCAL_LMTP_", "1")
		return out
	},
	"local_no_masquerade": func(l *lib, c *m4.Call, a []string) string {
		if l.defined("_MAILER_local_") {
			l.warnf(c, "MAILER(local) must appear after FEATURE(local_no_masquerade)")
		}
		l.def(c, "_LOCAL_NO_MASQUERADE_", "1")
		return ""
	},
	"local_procmail": func(l *lib, c *m4.Call, a []string) string {
		l.beforeLocal(c, "local_procmail")
		out := ""
		if x := arg(a, 0); x != "" {
			l.def(c, "LOCAL_MAILER_PATH", x)
		} else {
			out = "__mailcc_define(" + q(c, "LOCAL_MAILER_PATH") + ", ifdef(" + q(c, "PROCMAIL_MAILER_PATH") + ", PROCMAIL_MAILER_PATH, " + q(c, "/usr/local/bin/procmail") + "))"
		}
		args := arg(a, 1)
		if args == "" {
			args = "procmail -a $h -d $u"
		}
		l.def(c, "LOCAL_MAILER_ARGS", args)
		flags := arg(a, 2)
		if flags == "" {
			flags = "SPfhn9"
		}
		l.def(c, "LOCAL_MAILER_FLAGS", flags)
		l.undef("_LOCAL_LMTP_")
		l.undef("LOCAL_MAILER_DSN_DIAGNOSTIC_CODE")
		return out
	},
	"lookupdotdomain": func(l *lib, c *m4.Call, a []string) string {
		if l.requireAccess(c, "lookupdotdomain") {
			l.def(c, "_LOOKUPDOTDOMAIN_", "")
		}
		if l.defined("_RELAY_HOSTS_ONLY_") {
			l.warnf(c, "FEATURE(lookupdotdomain) does not work well with FEATURE(relay_hosts_only)")
		}
		return ""
	},
	"loose_relay_check":        flagFeature("_LOOSE_RELAY_CHECK_", "1"),
	"mailertable":              mapFeature("_MAILER_TABLE_", "mailertable", "mailertable", "mailer"),
	"masquerade_entire_domain": flagFeature("_MASQUERADE_ENTIRE_DOMAIN_", "1"),
	"masquerade_envelope":      flagFeature("_MASQUERADE_ENVELOPE_", "1"),
	"msp":                      featMSP,
	"mtamark": func(l *lib, c *m4.Call, a []string) string {
		if l.defined("_MTAMARK_R") {
			return ""
		}
		l.def(c, "_MTAMARK_R", "")
		return localConfig("Kmtamark dns -R TXT -a. -T<TMP> -r" + q(c, "") + "ifdef(" + q(c, "MTAMARK_TO") + "," + q(c, "MTAMARK_TO") + "," + q(c, "5") + ")")
	},
	"no_default_msa": flagFeature("_NO_MSA_", "1"),
	"nocanonify": func(l *lib, c *m4.Call, a []string) string {
		l.def(c, "_NO_CANONIFY_", "1")
		switch x := arg(a, 0); {
		case x == "":
		case lowerASCII(x) == "canonify_hosts":
			l.def(c, "_CANONIFY_HOSTS_", "1")
		default:
			l.errorf(c, "unknown parameter %q for FEATURE(nocanonify)", x)
		}
		return ""
	},
	"nopercenthack": firstChar("_NO_PERCENTHACK_", "nopercenthack"),
	"notsticky":     func(l *lib, c *m4.Call, a []string) string { return "" },
	"nouucp":        firstChar("_NO_UUCP_", "nouucp"),
	"nullclient": func(l *lib, c *m4.Call, a []string) string {
		host := arg(a, 0)
		if host == "" {
			l.errorf(c, "FEATURE(nullclient) requires an argument: the host to send all mail to")
		} else {
			l.def(c, "_NULL_CLIENT_", host)
		}
		l.undef("ALIAS_FILE")
		l.def(c, "MAIL_HUB", host)
		l.def(c, "SMART_HOST", host)
		l.def(c, "confFORWARD_PATH", "")
		l.defIfNot(c, "confFROM_HEADER", "<$g>")
		l.def(c, "_DEF_LOCAL_MAILER_FLAGS", "lsDFM5q")
		return "MASQUERADE_AS(" + q(c, host) + ")FEATURE(" + q(c, "allmasquerade") + ")FEATURE(" + q(c, "masquerade_envelope") +
			")MAILER(" + q(c, "local") + ")MAILER(" + q(c, "smtp") + ")"
	},
	"prefixmod": func(l *lib, c *m4.Call, a []string) string {
		if x := arg(a, 0); x == "" {
			l.errorf(c, "FEATURE(prefixmod) requires an argument")
		} else {
			l.def(c, "_PREFIX_MOD_", x)
		}
		if x := arg(a, 1); x == "" {
			l.errorf(c, "FEATURE(prefixmod) requires two arguments")
		} else {
			l.def(c, "_PREFIX_FLAGS_", x)
		}
		l.def(c, "_NEED_MACRO_MAP_", "1")
		return ""
	},
	"preserve_local_plus_detail": flagFeature("_PRESERVE_LOCAL_PLUS_DETAIL_", "1"),
	"preserve_luser_host": func(l *lib, c *m4.Call, a []string) string {
		if !l.defined("LUSER_RELAY") {
			l.warnf(c, "LUSER_RELAY should be defined before FEATURE(preserve_luser_host)")
		}
		l.def(c, "_PRESERVE_LUSER_HOST_", "1")
		l.def(c, "_NEED_MACRO_MAP_", "1")
		return ""
	},
	"promiscuous_relay": func(l *lib, c *m4.Call, a []string) string {
		l.def(c, "_PROMISCUOUS_RELAY_", "1")
		l.warnf(c, "FEATURE(promiscuous_relay) configures the server as an open relay; do not use it on a server connected to the Internet")
		return ""
	},
	"queuegroup": func(l *lib, c *m4.Call, a []string) string {
		l.requireAccess(c, "queuegroup")
		return ""
	},
	"ratecontrol": control("ratecontrol"),
	"redirect": func(l *lib, c *m4.Call, a []string) string {
		return localConfig("CPREDIRECT")
	},
	"relay_based_on_MX": func(l *lib, c *m4.Call, a []string) string {
		l.def(c, "_RELAY_MX_SERVED_", "1")
		return localConfig("Kmxserved bestmx -z: -T<TEMP>")
	},
	"relay_entire_domain": flagFeature("_RELAY_ENTIRE_DOMAIN_", "1"),
	"relay_hosts_only":    flagFeature("_RELAY_HOSTS_ONLY_", "1"),
	"relay_local_from": func(l *lib, c *m4.Call, a []string) string {
		l.def(c, "_RELAY_LOCAL_FROM_", "1")
		l.warnf(c, "FEATURE(relay_local_from) may make the server an open relay (anyone can claim a local sender); use SMTP AUTH or STARTTLS instead")
		return ""
	},
	"relay_mail_from": func(l *lib, c *m4.Call, a []string) string {
		if l.requireAccess(c, "relay_mail_from") {
			l.def(c, "_RELAY_DB_FROM_", "1")
			if arg(a, 0) == "domain" {
				l.def(c, "_RELAY_DB_FROM_DOMAIN_", "1")
			}
		}
		l.warnf(c, "FEATURE(relay_mail_from) may make the server an open relay (senders can be forged); use SMTP AUTH or STARTTLS instead")
		return ""
	},
	"require_rdns": flagFeature("_REQUIRE_RDNS_", ""),
	"rhsbl": func(l *lib, c *m4.Call, a []string) string {
		if l.defined("_RHSBL_R_") {
			return ""
		}
		l.def(c, "_RHSBL_R_", "")
		if l.defined("_DNSBL_R_") {
			return ""
		}
		return localConfig("Kdnsbl host -T<TMP>")
	},
	"smrsh": func(l *lib, c *m4.Call, a []string) string {
		l.beforeLocal(c, "smrsh")
		out := ""
		if x := arg(a, 0); x != "" {
			l.def(c, "LOCAL_SHELL_PATH", x)
		} else {
			out = "__mailcc_define(" + q(c, "LOCAL_SHELL_PATH") + ", ifdef(" + q(c, "confEBINDIR") + ", confEBINDIR, " + q(c, "/usr/libexec") + ")" + q(c, "/smrsh") + ")"
		}
		l.defIfNot(c, "LOCAL_SHELL_ARGS", "smrsh -c $u")
		return out
	},
	"stickyhost": flagFeature("_STICKY_LOCAL_DOMAIN_", "1"),
	"sts": func(l *lib, c *m4.Call, a []string) string {
		l.def(c, "_MTA_STS_", "")
		l.def(c, "_NEED_MACRO_MAP_", "1")
		lines := []string{"O StrictTransportSecurity=true"}
		if arg(a, 1) != "NO_SAN_TST" {
			l.def(c, "_STS_SAN", "1")
			lines = append(lines, "O SetCertAltnames=true")
		}
		spec := arg(a, 0)
		switch {
		case spec == "":
			spec = "socket -d5 -T<TMPF> inet:5461@127.0.0.1"
		case l.defn("_NARG_") != "":
			// the library's sts.m4 reuses access_db's corrected argument
			spec = "_NARG_"
		}
		return localConfig(append(lines, "Ksts "+spec)...)
	},
	"tls_failures": func(l *lib, c *m4.Call, a []string) string {
		l.errorf(c, "FEATURE(tls_failures) has been replaced by confTLS_FALLBACK_TO_CLEAR")
		l.def(c, "confTLS_FALLBACK_TO_CLEAR", "true")
		return ""
	},
	"tls_session_features":   flagFeature("_TLS_SESSION_FEATURES_", "1"),
	"use_client_ptr":         flagFeature("_USE_CLIENT_PTR_", "1"),
	"use_ct_file":            flagFeature("_USE_CT_FILE_", ""),
	"use_cw_file":            flagFeature("USE_CW_FILE", ""),
	"uucpdomain":             mapFeature("_UUDOMAIN_TABLE_", "uudomain", "uudomain", "uucpdomain"),
	"virtuser_entire_domain": flagFeature("_VIRTUSER_ENTIRE_DOMAIN_", "1"),
	"virtusertable":          mapFeature("_VIRTUSER_TABLE_", "virtuser", "virtusertable", "virtuser"),
	"vnet": func(l *lib, c *m4.Call, a []string) string {
		return localConfig("CAvnet.ibm.com vnet rscs ipnet")
	},
}

// FeatureNames lists the features of the cf library mailcc implements.
func FeatureNames() []string {
	var names []string
	for n := range features {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// feature performs FEATURE(name, a...).
func (l *lib) feature(c *m4.Call, name string, a []string) string {
	f, ok := features[name]
	if !ok {
		l.errorf(c, "FEATURE(%s): the cf library has no feature/%s.m4", name, name)
		return ""
	}
	return f(l, c, a)
}

func featAccessDB(l *lib, c *m4.Call, a []string) string {
	l.def(c, "_ACCESS_TABLE_", "")
	l.def(c, "_TAG_DELIM_", ":")
	for _, x := range []string{arg(a, 1), arg(a, 2), arg(a, 3)} {
		switch lowerASCII(x) {
		case "skip":
			l.def(c, "_ACCESS_SKIP_", "1")
		case "lookupdotdomain":
			l.def(c, "_LOOKUPDOTDOMAIN_", "1")
		case "relaytofulladdress":
			l.def(c, "_RELAY_FULL_ADDR_", "1")
		}
	}
	l.def(c, "_ATMPF_", "<TMPF>")
	spec := arg(a, 0)
	switch {
	case spec == "":
		spec = "DATABASE_MAP_TYPE -T<TMPF> MAIL_SETTINGS_DIR" + q(c, "access")
	case spec == "LDAP":
		spec = q(c, ldapSpec("access", true))
	case strings.HasPrefix(spec, "sequence "), strings.Contains(spec, "<TMPF>"):
	default:
		l.warnf(c, "missing -T<TMPF> in the argument of FEATURE(access_db, %s): a temporary map failure would not be a temporary error", spec)
		sp := strings.IndexByte(spec, ' ')
		if sp < 0 {
			sp = 0
		}
		narg := spec[:sp] + " -T<TMPF> " + spec[sp:]
		l.def(c, "_NARG_", narg)
		spec = "_NARG_"
	}
	if l.defined("_GREET_PAUSE_") {
		l.warnf(c, "FEATURE(greet_pause) before FEATURE(access_db): greet_pause will not use access_db")
	}
	return localConfig("Kaccess " + spec)
}

func featMSP(l *lib, c *m4.Call, a []string) string {
	l.undef("ALIAS_FILE")
	l.def(c, "confDELIVERY_MODE", "i")
	l.def(c, "confUSE_MSP", "True")
	l.def(c, "confFORWARD_PATH", "")
	l.def(c, "confPRIVACY_FLAGS", "goaway,noetrn,restrictqrun")
	l.def(c, "confDONT_PROBE_INTERFACES", "True")
	l.defIfNot(c, "confRUN_AS_USER", "smmsp")
	l.defIfNot(c, "confTRUSTED_USER", "ifelse(index(confRUN_AS_USER,"+q(c, ":")+"), -1, "+q(c, "confRUN_AS_USER")+", "+
		q(c, "substr(confRUN_AS_USER,0,index(confRUN_AS_USER,"+q(c, ":")+"))")+")")
	if l.defined("MSP_QUEUE_DIR") {
		l.def(c, "QUEUE_DIR", "MSP_QUEUE_DIR")
	} else {
		l.def(c, "QUEUE_DIR", "/var/spool/clientmqueue")
	}
	host := arg(a, 0)
	if host == "" {
		host = "[localhost]"
	}
	l.def(c, "_MTA_HOST_", host)
	if arg(a, 1) == "MSA" {
		l.def(c, "RELAY_MAILER_ARGS", "TCP $h 587")
	}
	out := "ifdef(" + q(c, "confPID_FILE") + ", , " + q(c, "__mailcc_define("+q(c, "confPID_FILE")+", QUEUE_DIR"+q(c, "/sm-client.pid")+")") + ")"
	l.def(c, "confQUEUE_FILE_MODE", "0660")
	out += "ifdef(" + q(c, "STATUS_FILE") + ", " +
		q(c, "__mailcc_define("+q(c, "STATUS_FILE")+", __mailcc_smclient(STATUS_FILE))") + ", " +
		q(c, "__mailcc_define("+q(c, "STATUS_FILE")+", QUEUE_DIR"+q(c, "/sm-client.st")+")") + ")"
	out += "FEATURE(" + q(c, "no_default_msa") + ")"
	if l.defn("_DPO_") == "" {
		out += "DAEMON_OPTIONS(" + q(c, "Name=NoMTA, Addr=127.0.0.1, M=E") + ")"
	}
	for _, d := range [][2]string{
		{"_DEF_LOCAL_MAILER_FLAGS", ""}, {"_DEF_LOCAL_SHELL_FLAGS", ""},
		{"LOCAL_MAILER_PATH", "[IPC]"}, {"LOCAL_MAILER_FLAGS", "lmDFMuXkw5"},
		{"LOCAL_MAILER_ARGS", "TCP $h"}, {"LOCAL_MAILER_DSN_DIAGNOSTIC_CODE", "SMTP"},
		{"LOCAL_SHELL_PATH", "[IPC]"}, {"LOCAL_SHELL_FLAGS", "lmDFMuXk5"}, {"LOCAL_SHELL_ARGS", "TCP $h"},
	} {
		l.def(c, d[0], d[1])
	}
	for _, m := range [][2]string{{"SMTP", "+k5"}, {"ESMTP", "+k5"}, {"DSMTP", "+k5"}, {"SMTP8", "+k5"}, {"RELAY", "+k"}} {
		l.modifyMailerFlags(c, m[0], m[1])
	}
	out += "MAILER(" + q(c, "local") + ")MAILER(" + q(c, "smtp") + ")"
	return out + localConfig("D{MTAHost}_MTA_HOST_")
}

// hack performs HACK(name, a...). Hacks are site customisations the
// library ships as examples; mailcc implements the settings they make
// and keeps their rules as opaque.
func (l *lib) hack(c *m4.Call, name string, a []string) string {
	switch name {
	case "cssubdomain":
		return ""
	case "debian_auth":
		l.def(c, "confDEF_AUTH_INFO", "MAIL_SETTINGS_DIR"+q(c, "")+"default-auth-info")
		if l.defined("confTRUSTED_USERS") {
			l.def(c, "confTRUSTED_USERS", l.defn("confTRUSTED_USERS")+",sendmail")
		} else {
			l.def(c, "confTRUSTED_USERS", "sendmail")
		}
		return ""
	case "dnsblaccess":
		l.requireAccess(c, "dnsblaccess")
		if l.defined("_EDNSBL_R_") {
			return ""
		}
		l.def(c, "_EDNSBL_R_", "1")
		return localConfig("Kednsbl dns -R A -a. -T<TMP> -r" + q(c, "") + "ifdef(" + q(c, "EDNSBL_TO") + "," + q(c, "EDNSBL_TO") + "," + q(c, "5") + ")")
	case "msp_nullclient":
		return l.hackMSPNullclient(c, a)
	case "nodns":
		l.undef("confBIND_OPTS")
		l.def(c, "confSERVICE_SWITCH_FILE", "/etc/mail/service.switch-nodns")
		l.def(c, "confDONT_PROBE_INTERFACES", "True")
		return "FEATURE(" + q(c, "nocanonify") + ")"
	case "spamtrap":
		return localConfig("Kmacro macro")
	case "virthost_by_ip":
		l.debianVersion(c)
		l.def(c, "confSMTP_LOGIN_MSG", "$?{if_name}${if_name}$|$j$. Sendmail $v/$Z; $b; (No UCE/UBE) $?{client_addr}logging access from: ${client_name}(${client_resolve})-$_$.")
		if l.defn("_CPO_") == "" {
			return "CLIENT_OPTIONS(" + q(c, "Modifier=h") + ")"
		}
		return ""
	case "xconnect":
		l.requireAccess(c, "xconnect")
		return ""
	}
	l.errorf(c, "HACK(%s): the cf library has no hack/%s.m4", name, name)
	return ""
}

func (l *lib) hackMSPNullclient(c *m4.Call, a []string) string {
	host := arg(a, 0)
	if host == "" {
		l.errorf(c, "HACK(msp_nullclient) requires an argument")
	} else {
		l.def(c, "_NULL_CLIENT_", host)
	}
	out := ""
	if !l.defined("DEBIAN_MSP") {
		out += "DOMAIN(" + q(c, "debian-msp") + ")"
	}
	if l.defn("_DPO_") == "" {
		out += "DAEMON_OPTIONS(" + q(c, "Name=NoMTA, Addr=127.0.0.1, M=E") + ")"
	}
	l.undef("ALIAS_FILE")
	l.def(c, "MAIL_HUB", host)
	l.def(c, "SMART_HOST", host)
	l.def(c, "confFORWARD_PATH", "")
	l.defIfNot(c, "confFROM_HEADER", "<$g>")
	out += "ifdef(" + q(c, "STATUS_FILE") + ", " +
		q(c, "__mailcc_define("+q(c, "STATUS_FILE")+", __mailcc_smclient(STATUS_FILE))") + ", " +
		q(c, "__mailcc_define("+q(c, "STATUS_FILE")+", "+q(c, "/var/run/sm-client.st")+")") + ")"
	l.def(c, "confUSE_MSP", "True")
	l.def(c, "confPRIVACY_FLAGS", "goaway,noetrn")
	l.def(c, "confRUN_AS_USER", "smmsp")
	l.def(c, "confTRUSTED_USER", "confRUN_AS_USER")
	if l.defined("MSP_QUEUE_DIR") {
		l.def(c, "QUEUE_DIR", "MSP_QUEUE_DIR")
	} else {
		l.def(c, "QUEUE_DIR", "/var/spool/clientmqueue")
	}
	out += "ifdef(" + q(c, "confPID_FILE") + ", , " + q(c, "__mailcc_define("+q(c, "confPID_FILE")+", QUEUE_DIR"+q(c, "/sm-client.pid")+")") + ")"
	l.def(c, "confQUEUE_FILE_MODE", "0660")
	out += "FEATURE(" + q(c, "no_default_msa") + ")"
	return out
}
