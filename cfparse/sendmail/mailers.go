package sendmail

import (
	"strings"

	"mailcc/m4"
)

// mailer performs MAILER(name): the mailer file's defaults, then its M
// lines as m4 text for the processor to read (they name the library's
// variables, which expand when the text is read, as in the library).
// Rule sets the mailer files define are not produced: they are the
// library's, not the configuration's.
func (l *lib) mailer(c *m4.Call, name string) string {
	qq := func(s string) string { return q(c, s) }
	optins := func(v, field string) string {
		return "_OPTINS(" + qq(v) + ", " + qq(field) + ", " + qq(", ") + ")"
	}
	qgrp := func(v string) string {
		if l.defn(v) != "" {
			return " Q=" + v + ","
		}
		return ""
	}
	modmf := func(flags, name string) string {
		return "_MODMF_(CONCAT(" + flags + "), " + qq(name) + ")"
	}
	allMasq := func(yes, no string) string {
		if l.defined("_ALL_MASQUERADE_") {
			return yes
		}
		return no
	}
	switch name {
	case "local":
		l.defIfNot(c, "_DEF_LOCAL_MAILER_FLAGS", "lsDFMAw5:/|@q")
		l.defIfNot(c, "LOCAL_MAILER_FLAGS", "Prmn9")
		l.defIfNot(c, "LOCAL_MAILER_PATH", "/bin/mail")
		l.defIfNot(c, "LOCAL_MAILER_ARGS", "mail -d $u")
		l.defIfNot(c, "LOCAL_MAILER_DSN_DIAGNOSTIC_CODE", "X-Unix")
		l.defIfNot(c, "_DEF_LOCAL_SHELL_FLAGS", "lsDFMoq")
		l.defIfNot(c, "LOCAL_SHELL_FLAGS", "eu9")
		l.defIfNot(c, "LOCAL_SHELL_PATH", "/bin/sh")
		l.defIfNot(c, "LOCAL_SHELL_ARGS", "sh -c $u")
		l.defIfNot(c, "LOCAL_SHELL_DIR", "$z:/")
		rwr := "S=EnvFromL/HdrFromL, R=EnvToL/HdrToL"
		if l.defined("_LOCAL_LMTP_") {
			rwr = "S=EnvFromSMTP/HdrFromL, R=EnvToL/HdrToL"
		}
		return "Mlocal,\t\tP=LOCAL_MAILER_PATH, F=" + modmf("_DEF_LOCAL_MAILER_FLAGS, LOCAL_MAILER_FLAGS", "LOCAL") + ", " + rwr + "," +
			optins("LOCAL_MAILER_EOL", " E=") + "\n\t\t" +
			optins("LOCAL_MAILER_MAX", "M=") + optins("LOCAL_MAILER_MAXMSGS", "m=") + optins("LOCAL_MAILER_MAXRCPTS", "r=") +
			optins("LOCAL_MAILER_CHARSET", "C=") + "T=DNS/RFC822/LOCAL_MAILER_DSN_DIAGNOSTIC_CODE," + qgrp("LOCAL_MAILER_QGRP") +
			"\n\t\tA=LOCAL_MAILER_ARGS\n" +
			"Mprog,\t\tP=LOCAL_SHELL_PATH, F=" + modmf("_DEF_LOCAL_SHELL_FLAGS, LOCAL_SHELL_FLAGS", "SHELL") +
			", S=EnvFromL/HdrFromL, R=EnvToL/HdrToL, D=LOCAL_SHELL_DIR,\n\t\t" +
			optins("LOCAL_MAILER_MAX", "M=") + "T=X-Unix/X-Unix/X-Unix," + qgrp("LOCAL_PROG_QGRP") +
			"\n\t\tA=LOCAL_SHELL_ARGS\n"
	case "smtp":
		l.defIfNot(c, "_DEF_SMTP_MAILER_FLAGS", "mDFMuX")
		l.defIfNot(c, "SMTP_MAILER_FLAGS", "")
		l.defIfNot(c, "SMTP_MAILER_LL", "990")
		l.defIfNot(c, "RELAY_MAILER_LL", "2040")
		l.defIfNot(c, "RELAY_MAILER_FLAGS", "SMTP_MAILER_FLAGS")
		for _, v := range []string{"SMTP", "ESMTP", "SMTP8", "DSMTP", "RELAY"} {
			l.defIfNot(c, v+"_MAILER_ARGS", "TCP $h")
		}
		rcpt := allMasq("EnvToSMTP/HdrFromSMTP", "EnvToSMTP")
		limits := optins("SMTP_MAILER_MAX", "M=") + optins("SMTP_MAILER_MAXMSGS", "m=") +
			optins("SMTP_MAILER_MAXRCPTS", "r=") + optins("SMTP_MAILER_CHARSET", "C=")
		var out strings.Builder
		for _, m := range []struct{ name, extra, mf, args, qg string }{
			{"smtp", "", "SMTP", "SMTP_MAILER_ARGS", "SMTP_MAILER_QGRP"},
			{"esmtp", "a", "ESMTP", "ESMTP_MAILER_ARGS", "ESMTP_MAILER_QGRP"},
			{"smtp8", "8", "SMTP8", "SMTP8_MAILER_ARGS", "SMTP8_MAILER_QGRP"},
			{"dsmtp", "a%", "DSMTP", "DSMTP_MAILER_ARGS", "DSMTP_MAILER_QGRP"},
		} {
			flags := "_DEF_SMTP_MAILER_FLAGS, " + qq(m.extra) + ", SMTP_MAILER_FLAGS"
			if m.extra == "" {
				flags = "_DEF_SMTP_MAILER_FLAGS, SMTP_MAILER_FLAGS"
			}
			out.WriteString("M" + m.name + ",\t\tP=[IPC], F=" + modmf(flags, m.mf) + ", S=EnvFromSMTP/HdrFromSMTP, R=" + rcpt +
				", E=\\r\\n, L=SMTP_MAILER_LL,\n\t\t" + limits + "T=DNS/RFC822/SMTP," + qgrp(m.qg) + "\n\t\tA=" + m.args + "\n")
		}
		out.WriteString("Mrelay,\t\tP=[IPC], F=" + modmf("_DEF_SMTP_MAILER_FLAGS, "+qq("a8")+", RELAY_MAILER_FLAGS", "RELAY") +
			", S=EnvFromSMTP/HdrFromSMTP, R=" + allMasq("MasqSMTP/MasqRelay", "MasqSMTP") + ", E=\\r\\n, L=RELAY_MAILER_LL,\n\t\t" +
			optins("RELAY_MAILER_CHARSET", "C=") + optins("RELAY_MAILER_MAXMSGS", "m=") + optins("SMTP_MAILER_MAXRCPTS", "r=") +
			"T=DNS/RFC822/SMTP," + qgrp("RELAY_MAILER_QGRP") + "\n\t\tA=RELAY_MAILER_ARGS\n")
		return out.String()
	case "procmail":
		if !l.defined("PROCMAIL_MAILER_PATH") {
			if l.defined("PROCMAIL_PATH") {
				l.def(c, "PROCMAIL_MAILER_PATH", "PROCMAIL_PATH")
			} else {
				l.def(c, "PROCMAIL_MAILER_PATH", "/usr/local/bin/procmail")
			}
		}
		l.defIfNot(c, "PROCMAIL_MAILER_FLAGS", "SPhnu9")
		l.defIfNot(c, "PROCMAIL_MAILER_ARGS", "procmail -Y -m $h $f $u")
		max := ""
		if l.defined("PROCMAIL_MAILER_MAX") {
			max = "M=PROCMAIL_MAILER_MAX, "
		}
		return "Mprocmail,\tP=PROCMAIL_MAILER_PATH, F=" + modmf(qq("DFM")+", PROCMAIL_MAILER_FLAGS", "PROCMAIL") +
			", S=EnvFromSMTP/HdrFromSMTP, R=EnvToSMTP/HdrFromSMTP,\n\t\t" + max + "T=DNS/RFC822/X-Unix," + qgrp("PROCMAIL_MAILER_QGRP") +
			"\n\t\tA=PROCMAIL_MAILER_ARGS\n"
	case "cyrusv2":
		l.defIfNot(c, "_DEF_CYRUSV2_MAILER_FLAGS", "lsDFMnqXz")
		l.defIfNot(c, "CYRUSV2_MAILER_FLAGS", "A@/:|m")
		l.defIfNot(c, "CYRUSV2_MAILER_ARGS", "FILE /var/run/cyrus/socket/lmtp")
		return "Mcyrusv2,\tP=[IPC], F=" + modmf("_DEF_CYRUSV2_MAILER_FLAGS, CYRUSV2_MAILER_FLAGS", "CYRUSV2") +
			",\n\t\tS=EnvFromSMTP/HdrFromL, R=EnvToL/HdrToL, E=\\r\\n,\n\t\t" +
			optins("CYRUSV2_MAILER_MAXMSGS", "m=") + optins("CYRUSV2_MAILER_MAXRCPTS", "r=") + optins("CYRUSV2_MAILER_CHARSET", "C=") +
			"T=DNS/RFC822/SMTP," + qgrp("CYRUSV2_MAILER_QGRP") + "\n\t\tA=CYRUSV2_MAILER_ARGS\n"
	case "cyrus":
		l.defIfNot(c, "CYRUS_MAILER_FLAGS", "Ah5@/:|")
		l.defIfNot(c, "CYRUS_MAILER_PATH", "/usr/sbin/cyrdeliver")
		l.defIfNot(c, "CYRUS_MAILER_ARGS", "cyrdeliver -e -m $h -- $u")
		l.defIfNot(c, "CYRUS_MAILER_USER", "cyrus:mail")
		l.defIfNot(c, "CYRUS_BB_MAILER_FLAGS", "u")
		l.defIfNot(c, "CYRUS_BB_MAILER_ARGS", "cyrdeliver -e -m $u")
		max := ""
		if l.defined("CYRUS_MAILER_MAX") {
			max = "M=CYRUS_MAILER_MAX, "
		}
		g := qgrp("CYRUS_MAILER_QGRP")
		return "Mcyrus,\t\tP=CYRUS_MAILER_PATH, F=" + modmf(qq("lsDFMnPq")+", CYRUS_MAILER_FLAGS", "CYRUS") +
			", S=EnvFromL, R=EnvToL/HdrToL,\n\t\t" + max + "U=CYRUS_MAILER_USER, T=DNS/RFC822/X-Unix," + g + "\n\t\tA=CYRUS_MAILER_ARGS\n" +
			"Mcyrusbb,\tP=CYRUS_MAILER_PATH, F=" + modmf(qq("lsDFMnP")+", CYRUS_BB_MAILER_FLAGS", "CYRUS") +
			", S=EnvFromL, R=EnvToL/HdrToL,\n\t\t" + max + "U=CYRUS_MAILER_USER, T=DNS/RFC822/X-Unix," + g + "\n\t\tA=CYRUS_BB_MAILER_ARGS\n"
	case "uucp":
		l.defIfNot(c, "UUCP_MAILER_PATH", "/usr/bin/uux")
		l.defIfNot(c, "UUCP_MAILER_ARGS", "uux - -r -a$g -gC $h!rmail ($u)")
		l.defIfNot(c, "UUCP_MAILER_FLAGS", "")
		l.defIfNot(c, "UUCP_MAILER_MAX", "ifdef("+qq("UUCP_MAX_SIZE")+", "+qq("UUCP_MAX_SIZE")+", 100000)")
		rest := ", S=FromU, R=EnvToU/HdrToU,\n\t\tM=UUCP_MAILER_MAX, " + optins("UUCP_MAILER_CHARSET", "C=") +
			"T=X-UUCP/X-UUCP/X-Unix," + qgrp("UUCP_MAILER_QGRP") + "\n\t\tA=UUCP_MAILER_ARGS\n"
		out := ""
		for _, m := range []struct{ name, flags string }{
			{"uucp", "DFMhuUd"}, {"uucp-old", "DFMhuUd"}, {"suucp", "mDFMhuUd"}, {"uucp-new", "mDFMhuUd"},
		} {
			out += "M" + m.name + ",\t\tP=UUCP_MAILER_PATH, F=" + modmf(qq(m.flags)+", UUCP_MAILER_FLAGS", "UUCP") + rest
		}
		if l.defined("_MAILER_smtp_") {
			rest := ", R=" + allMasq("EnvToSMTP/HdrFromSMTP", "EnvToSMTP") + ",\n\t\tM=UUCP_MAILER_MAX, " + optins("UUCP_MAILER_CHARSET", "C=") +
				"T=X-UUCP/X-UUCP/X-Unix," + qgrp("UUCP_MAILER_QGRP") + "\n\t\tA=UUCP_MAILER_ARGS\n"
			out += "Muucp-dom,\tP=UUCP_MAILER_PATH, F=" + modmf(qq("mDFMhud")+", UUCP_MAILER_FLAGS", "UUCP") + ", S=EnvFromUD/HdrFromSMTP" + rest
			out += "Muucp-uudom,\tP=UUCP_MAILER_PATH, F=" + modmf(qq("mDFMhud")+", UUCP_MAILER_FLAGS", "UUCP") + ", S=EnvFromUUD/HdrFromSMTP" + rest
		}
		return out
	case "usenet":
		l.defIfNot(c, "USENET_MAILER_PATH", "/usr/lib/news/inews")
		l.defIfNot(c, "USENET_MAILER_FLAGS", "rsDFMmn")
		l.defIfNot(c, "USENET_MAILER_ARGS", "inews -m -h -n")
		return "Musenet,\tP=USENET_MAILER_PATH, F=_MODMF_(USENET_MAILER_FLAGS, " + qq("USENET") + "), S=EnvFromL, R=EnvToL,\n\t\t" +
			optins("USENET_MAILER_MAX", "M=") + "T=X-Usenet/X-Usenet/X-Unix," + qgrp("USENET_MAILER_QGRP") + "\n\t\tA=USENET_MAILER_ARGS $u\n"
	case "fax":
		l.defIfNot(c, "FAX_MAILER_ARGS", "faxmail -d $u@$h $f")
		l.defIfNot(c, "FAX_MAILER_PATH", "/usr/bin/faxmail")
		l.defIfNot(c, "FAX_MAILER_MAX", "100000")
		return "Mfax,\t\tP=FAX_MAILER_PATH, F=DFMhu, S=14, R=24,\n\t\tM=FAX_MAILER_MAX, T=X-Phone/X-FAX/X-Unix," + qgrp("FAX_MAILER_QGRP") +
			"\n\t\tA=FAX_MAILER_ARGS\n" + localConfig("CPFAX") + "__mailcc_divert(7)"
	case "pop":
		l.defIfNot(c, "POP_MAILER_PATH", "/usr/lib/mh/spop")
		l.defIfNot(c, "POP_MAILER_FLAGS", "Penu")
		l.defIfNot(c, "POP_MAILER_ARGS", "pop $u")
		return "Mpop,\t\tP=POP_MAILER_PATH, F=" + modmf(qq("lsDFMq")+", POP_MAILER_FLAGS", "POP") + ", S=EnvFromL, R=EnvToL/HdrToL,\n\t\t" +
			"T=DNS/RFC822/X-Unix," + qgrp("POP_MAILER_QGRP") + "\n\t\tA=POP_MAILER_ARGS\n" + localConfig("CPPOP") + "__mailcc_divert(7)"
	case "qpage":
		l.defIfNot(c, "QPAGE_MAILER_PATH", "/usr/local/bin/qpage")
		l.defIfNot(c, "QPAGE_MAILER_FLAGS", "mDFMs")
		l.defIfNot(c, "QPAGE_MAILER_ARGS", "qpage -l0 -m -P$u")
		l.defIfNot(c, "QPAGE_MAILER_MAX", "4096")
		return "Mqpage, P=QPAGE_MAILER_PATH, F=_MODMF_(QPAGE_MAILER_FLAGS, " + qq("QPAGE") + "),\n\tM=QPAGE_MAILER_MAX,  T=DNS/RFC822/X-Unix," +
			qgrp("QPAGE_MAILER_QGRP") + "\n\tA=QPAGE_MAILER_ARGS\n"
	case "phquery":
		l.defIfNot(c, "PH_MAILER_PATH", "/usr/local/etc/phquery")
		l.defIfNot(c, "PH_MAILER_FLAGS", "ehmu")
		l.defIfNot(c, "PH_MAILER_ARGS", "phquery -- $u")
		return "Mph,\t\tP=PH_MAILER_PATH, F=" + modmf(qq("nrDFM")+", PH_MAILER_FLAGS", "PH") + ", S=EnvFromL, R=EnvToL/HdrToL,\n\t\t" +
			"T=DNS/RFC822/X-Unix," + qgrp("PH_MAILER_QGRP") + "\n\t\tA=PH_MAILER_ARGS\n"
	case "mail11":
		l.defIfNot(c, "MAIL11_MAILER_PATH", "/usr/etc/mail11")
		l.defIfNot(c, "MAIL11_MAILER_FLAGS", "nsFx")
		l.defIfNot(c, "MAIL11_MAILER_ARGS", "mail11 $g $x $h $u")
		l.def(c, "_USE_DECNET_SYNTAX_", "")
		return localConfig("CPDECNET") + "__mailcc_divert(7)" +
			"Mmail11, P=MAIL11_MAILER_PATH, F=_MODMF_(MAIL11_MAILER_FLAGS, " + qq("MAIL11") + "), S=Mail11From, R=Mail11To,\n\t" +
			"T=DNS/X-DECnet/X-Unix," + qgrp("MAIL11_MAILER_QGRP") + "\n\tA=MAIL11_MAILER_ARGS\n"
	case "ssh":
		if !l.defined("SSH_MAILER_PATH") {
			if l.defined("SSH_PATH") {
				l.def(c, "SSH_MAILER_PATH", "SSH_PATH")
			} else {
				l.def(c, "SSH_MAILER_PATH", "/usr/bin/ssh")
			}
		}
		l.defIfNot(c, "SSH_REMOTE_COMMAND", "/usr/sbin/sendmail -bs")
		l.defIfNot(c, "_DEF_SSH_MAILER_FLAGS", "mDFMuX")
		l.defIfNot(c, "SSH_MAILER_FLAGS", "")
		l.defIfNot(c, "SSH_MAILER_ARGS", "ssh -o BatchMode=yes -o EscapeChar=none  -- SSH_MAILER_HOST SSH_REMOTE_COMMAND")
		l.defIfNot(c, "SSH_MAILER_HOST", "$h")
		if !l.defined("SSH_MAILER_USER") {
			l.errorf(c, "SSH_MAILER_USER must be defined before MAILER(ssh)")
		}
		if !l.defined("SSH_MAILER_DIR") {
			l.errorf(c, "SSH_MAILER_DIR must be defined before MAILER(ssh)")
		}
		return "Mssh,\tP=SSH_MAILER_PATH, F=" + modmf("_DEF_SSH_MAILER_FLAGS, SSH_MAILER_FLAGS", "SSH") + ", S=EnvFromSMTP/HdrFromSMTP, R=" +
			allMasq("EnvToSMTP/HdrFromSMTP", "EnvToSMTP") + ", E=\\r\\n, L=990,\n\t" +
			optins("SSH_MAILER_MAX", "M=") + optins("SSH_MAILER_MAXMSGS", "m=") + optins("SSH_MAILER_MAXRCPTS", "r=") + optins("SSH_MAILER_CHARSET", "C=") +
			"T=DNS/RFC822/SMTP," + qgrp("SSH_MAILER_QGRP") + "\n\tU=SSH_MAILER_USER, D=SSH_MAILER_DIR,\n\tA=SSH_MAILER_ARGS\n"
	case "xagent":
		l.defIfNot(c, "XAGENT_MAILER_PATH", "/usr/lib/xagent")
		l.defIfNot(c, "XAGENT_MAILER_FLAGS", "DFMueXLn")
		l.defIfNot(c, "XAGENT_MAILER_ARGS", "xagent $h $u")
		return "Mxagent,\tP=XAGENT_MAILER_PATH, F=XAGENT_MAILER_FLAGS, S=11/31, R=21/31,\n\t\t" +
			optins("XAGENT_MAILER_MAX", "M=") + "T=DNS/RFC822/X-Unix,\n\t\tA=XAGENT_MAILER_ARGS, E=\\n\n"
	}
	l.errorf(c, "MAILER(%s): the cf library has no mailer/%s.m4", name, name)
	return ""
}
