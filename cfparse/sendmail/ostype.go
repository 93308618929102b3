package sendmail

import (
	"strconv"
	"strings"

	"mailcc/m4"
)

// op is one step of an OSTYPE or DOMAIN file of the cf library.
type op struct {
	// k: 'd' define, 'i' define unless defined, 'u' undefine, 'm'
	// MODIFY_MAILER_FLAGS(a, b), 'f' FEATURE(a), 'h' HACK(a), 'D'
	// DOMAIN(a), 'E' EXPOSED_USER(a), 'M' MASQUERADE_AS(a), 'o' OSTYPE
	// file a included, 'w' a warning, 'e' an error, 'L' a line for
	// LOCAL_CONFIG.
	k    byte
	a, b string
}

// run performs a file's steps: definitions at once, macro calls after
// them (returned as text for the processor to read, as the file's text
// would have been).
func (l *lib) run(c *m4.Call, ops []op) string {
	var out strings.Builder
	for _, o := range ops {
		switch o.k {
		case 'd':
			l.def(c, o.a, o.b)
		case 'i':
			l.defIfNot(c, o.a, o.b)
		case 'u':
			l.undef(o.a)
		case 'm':
			l.modifyMailerFlags(c, o.a, o.b)
		case 'f':
			out.WriteString("FEATURE(" + q(c, o.a) + ")\n")
		case 'h':
			out.WriteString("HACK(" + q(c, o.a) + ")\n")
		case 'D':
			out.WriteString("DOMAIN(" + q(c, o.a) + ")\n")
		case 'E':
			out.WriteString("EXPOSED_USER(" + q(c, o.a) + ")\n")
		case 'M':
			out.WriteString("MASQUERADE_AS(" + q(c, o.a) + ")\n")
		case 'o':
			out.WriteString(l.run(c, ostypes[o.a]))
		case 'w':
			l.warnf(c, "%s", o.a)
		case 'e':
			l.errorf(c, "%s", o.a)
		case 'L':
			l.output(c, 6, o.a+"\n")
		}
	}
	return out.String()
}

// ostype performs OSTYPE(name).
func (l *lib) ostype(c *m4.Call, name string) string {
	if name == "debian" {
		return l.debianOS(c)
	}
	ops, ok := ostypes[name]
	if !ok {
		l.errorf(c, "OSTYPE(%s): the cf library has no ostype/%s.m4", name, name)
		return ""
	}
	return l.run(c, ops)
}

// localFlags is _DEFIFNOT(`LOCAL_MAILER_FLAGS', flags).
func localFlags(flags string) op { return op{'i', "LOCAL_MAILER_FLAGS", flags} }

// ostypes are the cf library's ostype/*.m4 files (sendmail 8.17.1.9).
var ostypes = map[string][]op{
	"a-ux": {
		{'i', "QUEUE_DIR", "/usr/spool/mqueue"}, {'i', "UUCP_MAILER_PATH", "/usr/bin/uux"},
		localFlags("mn9"), {'i', "LOCAL_MAILER_ARGS", "mail -d -r $f $u"}, {'d', "confEBINDIR", "/usr/lib"},
	},
	"aix3": {
		{'i', "LOCAL_MAILER_PATH", "/bin/bellmail"}, {'i', "LOCAL_MAILER_ARGS", "mail $u"},
		localFlags("mn9"), {'d', "confEBINDIR", "/usr/lib"}, {'d', "confTIME_ZONE", "USE_TZ"},
	},
	"aix4": {
		{'i', "LOCAL_MAILER_PATH", "/bin/bellmail"}, {'i', "LOCAL_MAILER_ARGS", "mail -F $g $u"},
		localFlags("mn9"), {'d', "confEBINDIR", "/usr/lib"}, {'d', "confTIME_ZONE", "USE_TZ"},
	},
	"aix5": {
		{'i', "LOCAL_MAILER_PATH", "/bin/bellmail"}, {'i', "LOCAL_MAILER_ARGS", "mail -F $g $u"},
		localFlags("mn9"), {'d', "confEBINDIR", "/usr/lib"}, {'d', "confTIME_ZONE", "USE_TZ"},
	},
	"altos": {
		{'i', "QUEUE_DIR", "/usr/spool/mqueue"}, {'i', "UUCP_MAILER_PATH", "/usr/bin/uux"},
		{'i', "LOCAL_MAILER_PATH", "/usr/bin/lmail"}, localFlags("mPuhCE9"),
		{'i', "LOCAL_MAILER_ARGS", "lmail $u"}, {'i', "LOCAL_SHELL_FLAGS", "Peu"},
		{'i', "UUCP_MAILER_ARGS", "uux - -r -a$g $h!rmail ($u)"}, {'d', "confEBINDIR", "/usr/lib"},
	},
	"amdahl-uts": {localFlags("fSn9"), {'d', "confEBINDIR", "/usr/lib"}},
	"bsd4.3": {
		{'i', "QUEUE_DIR", "/usr/spool/mqueue"}, {'i', "UUCP_MAILER_ARGS", "uux - -r -z -a$g $h!rmail ($u)"},
	},
	"bsd4.4": {
		{'i', "STATUS_FILE", "/var/log/sendmail.st"}, {'i', "LOCAL_MAILER_PATH", "/usr/libexec/mail.local"},
		{'i', "UUCP_MAILER_ARGS", "uux - -r -z -a$g $h!rmail ($u)"},
	},
	"bsdi":    {{'o', "bsd4.4", ""}},
	"bsdi1.0": {{'w', "OSTYPE(bsdi1.0) is deprecated; use OSTYPE(bsdi)", ""}, {'o', "bsd4.4", ""}},
	"bsdi2.0": {{'w', "OSTYPE(bsdi2.0) is deprecated; use OSTYPE(bsdi)", ""}, {'o', "bsd4.4", ""}},
	"darwin": {
		{'i', "STATUS_FILE", "/var/log/sendmail.st"}, {'m', "LOCAL", "+S"},
		{'i', "LOCAL_MAILER_PATH", "/usr/libexec/mail.local"},
		{'i', "UUCP_MAILER_ARGS", "uux - -r -z -a$g $h!rmail ($u)"},
		{'d', "confDONT_BLAME_SENDMAIL", "AssumeSafeChown,GroupWritableDirPathSafe"},
	},
	"dgux": {
		localFlags("m9"), {'d', "confTIME_ZONE", "USE_TZ"}, {'d', "confEBINDIR", "/usr/lib"},
		{'L', "E_FORCE_MAIL_LOCAL_=yes", ""},
	},
	"domainos": {{'i', "QUEUE_DIR", "/usr/spool/mqueue"}, {'d', "confEBINDIR", "/usr/lib"}},
	"dragonfly": {
		{'i', "STATUS_FILE", "/var/log/sendmail.st"}, {'m', "LOCAL", "+S"},
		{'i', "LOCAL_MAILER_PATH", "/usr/libexec/mail.local"}, {'i', "LOCAL_MAILER_ARGS", "mail $u"},
		{'i', "UUCP_MAILER_PATH", "/usr/local/bin/uux"},
		{'i', "UUCP_MAILER_ARGS", "uux - -r -z -a$g $h!rmail ($u)"},
	},
	"dynix3.2": {{'i', "QUEUE_DIR", "/usr/spool/mqueue"}, {'d', "confEBINDIR", "/usr/lib"}},
	"freebsd4": {
		{'i', "STATUS_FILE", "/var/log/sendmail.st"}, {'m', "LOCAL", "+S"},
		{'i', "LOCAL_MAILER_PATH", "/usr/libexec/mail.local"}, {'i', "LOCAL_MAILER_ARGS", "mail $u"},
		{'i', "UUCP_MAILER_ARGS", "uux - -r -z -a$g $h!rmail ($u)"},
	},
	"freebsd5": {
		{'i', "STATUS_FILE", "/var/log/sendmail.st"}, {'m', "LOCAL", "+S"},
		{'i', "LOCAL_MAILER_PATH", "/usr/libexec/mail.local"}, {'i', "LOCAL_MAILER_ARGS", "mail $u"},
		{'i', "UUCP_MAILER_PATH", "/usr/local/bin/uux"},
		{'i', "UUCP_MAILER_ARGS", "uux - -r -z -a$g $h!rmail ($u)"},
	},
	"freebsd6": {
		{'i', "STATUS_FILE", "/var/log/sendmail.st"}, {'m', "LOCAL", "+S"},
		{'i', "LOCAL_MAILER_PATH", "/usr/libexec/mail.local"}, {'i', "LOCAL_MAILER_ARGS", "mail $u"},
		{'i', "UUCP_MAILER_PATH", "/usr/local/bin/uux"},
		{'i', "UUCP_MAILER_ARGS", "uux - -r -z -a$g $h!rmail ($u)"},
	},
	"gnu": {
		{'i', "STATUS_FILE", "/var/log/sendmail.st"}, {'i', "LOCAL_MAILER_PATH", "/libexec/mail.local"},
		{'i', "LOCAL_MAILER_ARGS", "mail $u"}, {'d', "confEBINDIR", "/libexec"},
	},
	"hpux10": {
		{'i', "QUEUE_DIR", "/var/spool/mqueue"}, {'i', "LOCAL_MAILER_PATH", "/usr/bin/rmail"},
		localFlags("m9"), {'i', "LOCAL_MAILER_ARGS", "rmail -d $u"}, {'i', "LOCAL_SHELL_PATH", "/usr/bin/sh"},
		{'i', "UUCP_MAILER_ARGS", "uux - -r -a$g -gC $h!rmail ($u)"}, {'d', "confTIME_ZONE", "USE_TZ"},
	},
	"hpux11": {
		{'i', "LOCAL_MAILER_PATH", "/usr/bin/rmail"}, localFlags("m9"),
		{'i', "LOCAL_MAILER_ARGS", "rmail -d $u"}, {'i', "LOCAL_SHELL_PATH", "/usr/bin/sh"},
		{'i', "UUCP_MAILER_ARGS", "uux - -r -a$g -gC $h!rmail ($u)"}, {'d', "confTIME_ZONE", "USE_TZ"},
	},
	"hpux9": {
		{'i', "QUEUE_DIR", "/usr/spool/mqueue"}, {'i', "LOCAL_MAILER_PATH", "/bin/rmail"},
		localFlags("m9"), {'i', "LOCAL_MAILER_ARGS", "rmail -d $u"},
		{'i', "UUCP_MAILER_ARGS", "uux - -r -a$g -gC $h!rmail ($u)"}, {'d', "confTIME_ZONE", "USE_TZ"},
		{'d', "confEBINDIR", "/usr/lib"},
	},
	"irix4": {localFlags("Ehm9"), {'i', "QUEUE_DIR", "/usr/spool/mqueue"}, {'d', "confEBINDIR", "/usr/lib"}},
	"irix5": {
		localFlags("Ehmu9"), {'i', "LOCAL_MAILER_ARGS", "mail -s -d $u"}, {'i', "QUEUE_DIR", "/var/spool/mqueue"},
		{'i', "STATUS_FILE", "/var/sendmail.st"}, {'d', "confDEF_USER_ID", "998:998"},
		{'d', "confTIME_ZONE", "USE_TZ"}, {'d', "confEBINDIR", "/usr/lib"},
	},
	"irix6": {
		localFlags("Ehmu9"), {'i', "LOCAL_MAILER_ARGS", "mail -s -d $u"}, {'i', "QUEUE_DIR", "/var/spool/mqueue"},
		{'i', "STATUS_FILE", "/var/sendmail.st"}, {'d', "confDEF_USER_ID", "998:998"},
		{'d', "confTIME_ZONE", "USE_TZ"}, {'d', "confEBINDIR", "/usr/lib"},
	},
	"isc4.1": {
		{'i', "LOCAL_MAILER_ARGS", "lmail -s $u"}, localFlags("humS9"), {'i', "LOCAL_MAILER_PATH", "/bin/lmail"},
		{'i', "QUEUE_DIR", "/usr/spool/mqueue"}, {'i', "UUCP_MAILER_ARGS", "uux - -r -gC $h!rmail ($u)"},
		{'i', "UUCP_MAILER_PATH", "/usr/bin/uux"}, {'d', "confTIME_ZONE", "USE_TZ"}, {'d', "confEBINDIR", "/usr/lib"},
	},
	// linux.m4's ifdef(`PROCMAIL_MAILER_PATH',, define(...)) has the
	// define unquoted: it is made whether or not the path was defined.
	"linux": {
		{'d', "confEBINDIR", "/usr/sbin"}, {'d', "PROCMAIL_MAILER_PATH", "/usr/bin/procmail"},
		{'f', "local_procmail", ""},
	},
	"maxion": {
		{'d', "QUEUE_DIR", "/var/spool/mqueue"}, {'d', "STATUS_FILE", "/var/adm/log/sendmail.st"},
		{'d', "LOCAL_MAILER_PATH", "/usr/bin/mail"}, {'d', "LOCAL_SHELL_FLAGS", "ehuP"},
		{'d', "LOCAL_MAILER_ARGS", "mail $u"}, {'d', "UUCP_MAILER_ARGS", "uux - -r -a$g -gmedium $h!rmail ($u)"},
		{'d', "confEBINDIR", "/usr/ucblib"},
	},
	"mklinux": {
		{'d', "confEBINDIR", "/usr/sbin"}, {'i', "STATUS_FILE", "/var/log/sendmail.st"},
		{'i', "PROCMAIL_MAILER_PATH", "/usr/bin/procmail"}, {'f', "local_procmail", ""},
	},
	"mpeix": {
		{'i', "LOCAL_MAILER_PATH", "/bin/tsmail"}, localFlags("mu9"), {'i', "LOCAL_MAILER_ARGS", "tsmail $u"},
		{'i', "LOCAL_SHELL_PATH", "/bin/sh"}, {'i', "confDEF_USER_ID", "SERVER.SENDMAIL"},
		{'i', "confTRUSTED_USER", "SERVER.SENDMAIL"}, {'d', "confTIME_ZONE", "USE_TZ"},
		{'d', "confDONT_BLAME_SENDMAIL", "ForwardFileInGroupWritableDirPath"},
	},
	"nextstep": {
		{'i', "UUCP_MAILER_PATH", "/usr/bin/uux"}, {'i', "QUEUE_DIR", "/usr/spool/mqueue"},
		{'i', "LOCAL_SHELL_FLAGS", "euP"}, {'d', "confEBINDIR", "/usr/lib"},
	},
	"openbsd": {
		{'i', "STATUS_FILE", "/var/log/sendmail.st"}, {'i', "LOCAL_MAILER_PATH", "/usr/libexec/mail.local"},
		localFlags("rmn9S"), {'i', "UUCP_MAILER_ARGS", "uux - -r -z -a$g $h!rmail ($u)"},
	},
	"osf1": {
		{'i', "STATUS_FILE", "/usr/adm/sendmail/sendmail.st"}, {'d', "confDEF_USER_ID", "daemon"},
		{'d', "confEBINDIR", "/usr/lbin"},
	},
	"powerux": {
		{'d', "LOCAL_MAILER_PATH", "/usr/bin/rmail"}, localFlags("mn9"), {'d', "LOCAL_MAILER_ARGS", "rmail $u"},
		{'d', "LOCAL_SHELL_FLAGS", "ehuP"}, {'d', "UUCP_MAILER_ARGS", "uux - -r -a$g -gmedium $h!rmail ($u)"},
		{'d', "confEBINDIR", "/usr/local/lib"},
	},
	"ptx2": {
		{'i', "QUEUE_DIR", "/usr/spool/mqueue"}, {'d', "LOCAL_MAILER_PATH", "/bin/mail"}, localFlags("fmn9"),
		{'d', "LOCAL_SHELL_FLAGS", "eu"}, {'d', "confEBINDIR", "/usr/lib"},
	},
	"qnx": {
		{'d', "QUEUE_DIR", "/usr/spool/mqueue"}, {'d', "LOCAL_MAILER_ARGS", "mail $u"}, localFlags("Sh"),
		{'d', "LOCAL_MAILER_PATH", "/usr/bin/mailx"}, {'d', "UUCP_MAILER_ARGS", "uux - -r -z -a$f $h!rmail ($u)"},
	},
	"riscos4.5": {
		{'i', "LOCAL_MAILER_ARGS", "rmail -d $u"}, {'i', "QUEUE_DIR", "/usr/spool/mqueue"},
		{'d', "confEBINDIR", "/usr/lib"},
	},
	"sco-uw-2.1": {
		{'d', "LOCAL_MAILER_PATH", "/usr/bin/rmail"}, localFlags("fhCEn9"), {'d', "LOCAL_SHELL_FLAGS", "ehuP"},
		{'d', "UUCP_MAILER_ARGS", "uux - -r -a$g -gmedium $h!rmail ($u)"}, {'d', "LOCAL_MAILER_ARGS", "rmail $u"},
		{'d', "confEBINDIR", "/usr/lib"}, {'d', "confTIME_ZONE", "USE_TZ"},
	},
	"sco3.2": {
		{'i', "QUEUE_DIR", "/usr/spool/mqueue"}, {'i', "UUCP_MAILER_PATH", "/usr/bin/uux"},
		{'i', "LOCAL_MAILER_PATH", "/usr/bin/lmail"}, localFlags("PuhCE9"), {'i', "LOCAL_MAILER_ARGS", "lmail $u"},
		{'i', "LOCAL_SHELL_FLAGS", "Peu"}, {'d', "confEBINDIR", "/usr/lib"},
	},
	"sinix": {
		{'i', "QUEUE_DIR", "/var/spool/mqueue"}, {'d', "LOCAL_MAILER_PATH", "/bin/mail.local"},
		{'i', "STATUS_FILE", "/var/sendmail.st"}, {'d', "confEBINDIR", "/usr/ucblib"},
	},
	"solaris11": {
		{'i', "UUCP_MAILER_ARGS", "uux - -r -a$g $h!rmail ($u)"}, {'d', "confEBINDIR", "/usr/lib"},
		{'d', "confPID_FILE", "/system/volatile/sendmail.pid"}, {'d', "_NETINET6_", ""},
		{'f', "local_lmtp", ""},
	},
	"solaris2": {
		{'i', "LOCAL_MAILER_PATH", "/usr/lib/mail.local"}, localFlags("fSmn9"),
		{'i', "LOCAL_MAILER_ARGS", "mail.local -d $u"}, {'i', "UUCP_MAILER_ARGS", "uux - -r -a$g $h!rmail ($u)"},
		{'d', "confEBINDIR", "/usr/lib"},
	},
	"solaris2.ml": {
		{'i', "LOCAL_MAILER_PATH", "/usr/lib/mail.local"}, localFlags("fSmn9"),
		{'i', "LOCAL_MAILER_ARGS", "mail.local -d $u"}, {'i', "UUCP_MAILER_ARGS", "uux - -r -a$g $h!rmail ($u)"},
		{'d', "confEBINDIR", "/usr/lib"},
	},
	"solaris2.pre5": {
		localFlags("SnE9"), {'i', "LOCAL_MAILER_ARGS", "mail -f $g -d $u"},
		{'i', "UUCP_MAILER_ARGS", "uux - -r -a$g $h!rmail ($u)"}, {'d', "confEBINDIR", "/usr/lib"},
	},
	"solaris8": {
		{'i', "UUCP_MAILER_ARGS", "uux - -r -a$g $h!rmail ($u)"}, {'d', "confEBINDIR", "/usr/lib"},
		{'d', "confPID_FILE", "/var/run/sendmail.pid"}, {'d', "_NETINET6_", ""},
		{'f', "local_lmtp", ""},
	},
	"sunos3.5": {{'d', "confEBINDIR", "/usr/lib"}},
	"sunos4.1": {{'d', "confEBINDIR", "/usr/lib"}},
	"svr4": {
		{'d', "LOCAL_MAILER_PATH", "/usr/ucblib/binmail"}, {'d', "LOCAL_SHELL_FLAGS", "ehuP"},
		{'d', "UUCP_MAILER_ARGS", "uux - -r -a$g -gmedium $h!rmail ($u)"}, {'d', "confEBINDIR", "/usr/ucblib"},
	},
	"ultrix4": {{'d', "confEBINDIR", "/usr/lib"}},
	"unicos": {
		{'d', "ALIAS_FILE", "/usr/lib/aliases"}, {'d', "HELP_FILE", "/usr/lib/sendmail.hf"},
		{'d', "QUEUE_DIR", "/usr/spool/mqueue"}, {'d', "STATUS_FILE", "/usr/lib/sendmail.st"},
		{'m', "LOCAL", "+aSPpmnxXu"}, {'m', "SMTP", "+anpeLC"}, {'d', "LOCAL_SHELL_FLAGS", "pxehu"},
		{'d', "confPID_FILE", "/etc/sendmail.pid"},
	},
	"unicosmk": {
		{'d', "ALIAS_FILE", "/usr/lib/aliases"}, {'d', "HELP_FILE", "/usr/lib/sendmail.hf"},
		{'d', "QUEUE_DIR", "/usr/spool/mqueue"}, {'d', "STATUS_FILE", "/usr/lib/sendmail.st"},
		{'m', "LOCAL", "+aSPpmnxXu"}, {'m', "SMTP", "+anpeLC"}, {'d', "LOCAL_SHELL_FLAGS", "lsDFMpxehuo"},
		{'d', "confPID_FILE", "/etc/sendmail.pid"},
	},
	"unicosmp": {
		localFlags("Ehm9"), {'i', "LOCAL_MAILER_ARGS", "mail -s -d $u"}, {'i', "QUEUE_DIR", "/var/spool/mqueue"},
		{'i', "STATUS_FILE", "/var/log/sendmail.st"}, {'d', "LOCAL_MAILER_PATH", "/usr/bin/mail"},
		{'d', "confTIME_ZONE", "USE_TZ"}, {'d', "confEBINDIR", "/usr/lib"},
	},
	"unixware7": {
		{'i', "QUEUE_DIR", "/var/spool/mqueue"}, {'d', "confEBINDIR", "/usr/lib"}, {'d', "confTIME_ZONE", "USE_TZ"},
		{'i', "LOCAL_MAILER_PATH", "/etc/mail/slocal"}, localFlags("Puho9"),
		{'i', "LOCAL_MAILER_ARGS", "slocal -user $u"}, {'i', "LOCAL_SHELL_FLAGS", "Peu"},
	},
	"unknown": {{'e', "You have not specified a valid operating system type. Use the OSTYPE macro to select a valid system type. This is necessary in order to get the proper pathnames and flags appropriate for your environment.", ""}},
	"uxpds": {
		{'d', "confDEF_GROUP_ID", "6"}, {'d', "LOCAL_MAILER_PATH", "/usr/ucblib/binmail"},
		{'d', "LOCAL_SHELL_FLAGS", "ehuP"}, {'d', "UUCP_MAILER_ARGS", "uux - -r -a$f -gmedium $h!rmail ($u)"},
		{'d', "confEBINDIR", "/usr/ucblib"},
	},
}

// debianAutoconf defines what Debian's cf/debian/autoconf.m4 defines:
// the facts of the sendmail package the library came with (Debian 12,
// sendmail 8.17.1.9-2+deb12u2).
func (l *lib) debianAutoconf(c *m4.Call) {
	for _, d := range [][2]string{
		{"SM_VERS", "8.17.1"}, {"SM_DATE", "2010-10-11 17:53:00"}, {"SM_MINVERS", "8.15.0"},
		{"SM_MAXVERS", "9.0.0"}, {"SM_CPYRT", "2010"}, {"sm_date", "2024-06-16"}, {"sm_time", "21:07:57"},
		{"sm_utc", "+0000"}, {"sm_version", "8.17.1.9"}, {"sm_revision", "-2+deb12u2"},
		{"sm_version_v", "8"}, {"sm_version_r", "17"}, {"sm_version_major", "8.17"},
		{"sm_version_minor", "1"}, {"sm_version_beta", ""}, {"sm_version_math", "528641"},
		{"sm_enable_regex", "yes"}, {"sm_enable_ndbm", "no"}, {"sm_enable_newdb", "yes"},
		{"sm_newdb_lib", "-ldb"}, {"sm_enable_nis", "yes"}, {"sm_enable_nisplus", "yes"},
		{"sm_enable_ldap", "yes"}, {"sm_ldap_lib", "-lldap -llber"}, {"sm_enable_hesiod", "no"},
		{"sm_hesiod_parms", ""}, {"sm_enable_tcpd", "yes"}, {"sm_enable_ipv6", "yes"},
		{"sm_enable_maillock", "yes"}, {"sm_enable_milter", "yes"}, {"sm_enable_sfio", "no"},
		{"sm_enable_auth", "yes"}, {"sm_auth_lib", "2"}, {"sm_enable_tls", "yes"}, {"sm_enable_shm", "yes"},
		{"sm_ffr", " -D_FFR_QUEUE_SCHED_DBG -D_FFR_REJECT_NUL_BYTE -D_FFR_SKIP_DOMAINS -D_FFR_NO_PIPE -D_FFR_SHM_STATUS -D_FFR_RHS -D_FFR_MAIL_MACRO -D_FFR_BADRCPT_SHUTDOWN -D_FFR_TLS_ALTNAMES -D_FFR_MTA_STS -D_FFR_RESET_MACRO_GLOBALS -D_FFR_TLS_EC"},
		{"sm_m4_ffr", " define(`_FFR_MAIL_MACRO')"},
	} {
		l.def(c, d[0], d[1])
	}
}

// debianVersion is Debian's sm_version_math (8.17.1 = 528641).
func (l *lib) debianVersion(c *m4.Call) int {
	if !l.defined("sm_version") {
		l.debianAutoconf(c)
	}
	n, _ := strconv.Atoi(strings.TrimSpace(l.defn("sm_version_math")))
	return n
}

// debianOS is Debian's ostype/debian.m4.
func (l *lib) debianOS(c *m4.Call) string {
	v := l.debianVersion(c)
	e := q(c, "")
	l.def(c, "confCF_VERSION", "Debian-2+deb12u2")
	l.defIfNot(c, "MAIL_SETTINGS_DIR", "/etc/mail/")
	l.defIfNot(c, "_USE_ETC_MAIL_", "")
	l.def(c, "confSMTP_LOGIN_MSG", "$j Sendmail $v/$Z; $b; (No UCE/UBE) $?{client_addr}logging access from: ${client_name}(${client_resolve})-$_$.")
	l.def(c, "confDEAD_LETTER_DROP", "/var/lib/sendmail/dead.letter")
	l.def(c, "STATUS_FILE", "/var/lib/sendmail/sendmail.st")
	l.def(c, "confHOST_STATUS_DIRECTORY", "/var/lib/sendmail/host_status")
	l.def(c, "confCR_FILE", "-o MAIL_SETTINGS_DIR"+e+"relay-domains %[^\\#]")
	l.def(c, "confCT_FILE", "MAIL_SETTINGS_DIR"+e+"trusted-users %[^\\#]")
	l.def(c, "confCW_FILE", "MAIL_SETTINGS_DIR"+e+"local-host-names %[^\\#]")
	l.def(c, "confEBINDIR", "/usr/libexec/sendmail")
	l.def(c, "confMUST_QUOTE_CHARS", ".'")
	l.def(c, "confME_TOO", "True")
	l.def(c, "confDEF_USER_ID", "mail:mail")
	if strings.Contains(l.defn("sm_ffr"), "-D_FFR_REJECT_NUL_BYTE") {
		l.def(c, "confREJECT_NUL", "true")
	}
	l.def(c, "LOCAL_MAILER_PATH", "/usr/sbin/sensible-mda")
	l.def(c, "LOCAL_MAILER_ARGS", "sensible-mda $g $u $h ${client_addr}")
	l.modifyMailerFlags(c, "LOCAL", "+S")
	l.modifyMailerFlags(c, "LOCAL", "-r")
	l.modifyMailerFlags(c, "LOCAL", "-m")
	l.def(c, "PROCMAIL_MAILER_PATH", "/usr/bin/procmail")
	l.def(c, "PROCMAIL_MAILER_ARGS", "procmail -m $h $f $u")
	l.def(c, "USENET_MAILER_PATH", "/usr/bin/inews")
	l.def(c, "UUCP_MAILER_ARGS", "uux - -r -z -a$g -gC $h!rmail ($u)")
	if l.defn("sm_enable_ipv6") == "yes" && v >= 527360 {
		l.def(c, "confBIND_OPTS", "+WorkAroundBrokenAAAA")
	}
	if l.defn("sm_enable_milter") == "yes" {
		l.def(c, "_FFR_MILTER", "")
	}
	l.def(c, "_FFR_MAIL_MACRO", "")
	return ""
}
