package sendmail

import (
	"mailcc/m4"
)

// domains are the cf library's domain/*.m4 files that need no
// computation.
var domains = map[string][]op{
	"generic": {
		{'d', "confFORWARD_PATH", "$z/.forward.$w+$h:$z/.forward+$h:$z/.forward.$w:$z/.forward"},
		{'d', "confMAX_HEADERS_LENGTH", "32768"},
		{'f', "redirect", ""}, {'f', "use_cw_file", ""}, {'E', "root", ""},
	},
	"berkeley-only": {
		{'e', "You are trying to use the Berkeley sample configuration files outside of the Computer Science Division at Berkeley. The configuration (.mc) files must be customized to reference domain files appropriate for your environment.", ""},
	},
	"Berkeley.EDU": {
		{'D', "berkeley-only", ""},
		{'d', "BITNET_RELAY", "bitnet-relay.Berkeley.EDU"}, {'d', "UUCP_RELAY", "uucp-relay.Berkeley.EDU"},
		{'d', "confFORWARD_PATH", "$z/.forward.$w:$z/.forward"}, {'d', "confCW_FILE", "-o /etc/sendmail.cw"},
		{'d', "confDONT_INIT_GROUPS", "True"},
		{'f', "redirect", ""}, {'f', "use_cw_file", ""}, {'f', "stickyhost", ""},
	},
	"CS.Berkeley.EDU": {
		{'D', "Berkeley.EDU", ""}, {'h', "cssubdomain", ""},
		{'d', "confUSERDB_SPEC", "/usr/sww/share/lib/users.cs.db,/usr/sww/share/lib/users.eecs.db"},
	},
	"EECS.Berkeley.EDU": {{'D', "Berkeley.EDU", ""}, {'M', "EECS.Berkeley.EDU", ""}},
	"S2K.Berkeley.EDU":  {{'D', "CS.Berkeley.EDU", ""}, {'M', "postgres.Berkeley.EDU", ""}},
}

// domain performs DOMAIN(name).
func (l *lib) domain(c *m4.Call, name string) string {
	switch name {
	case "debian-mta":
		return l.debianMTA(c)
	case "debian-msp":
		return l.debianMSP(c)
	}
	ops, ok := domains[name]
	if !ok {
		l.errorf(c, "DOMAIN(%s): the cf library has no domain/%s.m4 (a site's own domain file is not read by mailcc)", name, name)
		return ""
	}
	return l.run(c, ops)
}

// debianMTA is Debian's domain/debian-mta.m4.
func (l *lib) debianMTA(c *m4.Call) string {
	v := l.debianVersion(c)
	l.def(c, "DEBIAN_MTA", "")
	for _, d := range [][2]string{
		{"STATUS_FILE", "/var/lib/sendmail/sendmail.st"},
		{"confHOST_STATUS_DIRECTORY", "/var/lib/sendmail/host_status"},
		{"confPID_FILE", "/var/run/sendmail/mta/sendmail.pid"},
		{"confCONTROL_SOCKET_NAME", "/var/run/sendmail/mta/smcontrol"},
		{"confPROCESS_TITLE_PREFIX", "MTA"},
		{"confMAX_DAEMON_CHILDREN", "0"},
		{"confRRT_IMPLIES_DSN", "False"},
		{"confSAFE_FILE_ENV", "/"},
		{"confSAFE_QUEUE", "True"},
		{"confQUEUE_FILE_MODE", "0600"},
		{"confTEMP_FILE_MODE", "0600"},
		{"confTO_ICONNECT", "2m"},
		{"confTO_MAIL", "2m"},
		{"confTO_DATAINIT", "2m"},
		{"confTO_RSET", "1m"},
		{"confTO_QUIT", "2m"},
		{"confTO_COMMAND", "5m"},
		{"confTO_IDENT", "5s"},
		{"confMAX_HOP", "100"},
	} {
		l.def(c, d[0], d[1])
	}
	dbs := func(more string) { l.def(c, "confDONT_BLAME_SENDMAIL", l.defn("confDONT_BLAME_SENDMAIL")+more) }
	if v >= 526592 {
		dbs(",AssumeSafeChown,ForwardFileInGroupWritableDirPath,GroupWritableForwardFileSafe,GroupWritableIncludeFileSafe,IncludeFileInGroupWritableDirPath")
	}
	if v >= 526848 {
		dbs(",DontWarnForwardFileInUnsafeDirPath,TrustStickyBit,NonRootSafeAddr")
	}
	if v >= 527360 {
		dbs(",GroupWritableIncludeFile")
		if v < 528128 {
			dbs(",GroupReadableaDefaultAuthInfoFile")
		} else {
			dbs(",GroupReadableDefaultAuthInfoFile")
		}
	}
	out := ""
	if v >= 526848 && v < 527360 {
		out += "FEATURE(" + q(c, "no_default_msa") + ")"
	}
	if v >= 527360 {
		l.def(c, "confQUEUE_FILE_MODE", "0640")
		l.def(c, "confTEMP_FILE_MODE", "0640")
	}
	l.def(c, "confPRIVACY_FLAGS", "restrictqrun")
	if v >= 527360 {
		l.def(c, "confPRIVACY_FLAGS", l.defn("confPRIVACY_FLAGS")+",restrictexpand")
	}
	l.defIfNot(c, "confTRUSTED_USER", "smmta")
	l.def(c, "confMAX_RUNNERS_PER_QUEUE", "5")
	return out
}

// debianMSP is Debian's domain/debian-msp.m4.
func (l *lib) debianMSP(c *m4.Call) string {
	v := l.debianVersion(c)
	l.def(c, "DEBIAN_MSP", "")
	for _, d := range [][2]string{
		{"confCF_VERSION", "Submit"},
		{"MSP_QUEUE_DIR", "/var/spool/mqueue-client"},
		{"STATUS_FILE", "/var/lib/sendmail/sm-client.st"},
		{"confHOST_STATUS_DIRECTORY", ""},
		{"confPID_FILE", "/var/run/sendmail/msp/sendmail.pid"},
		{"confCONTROL_SOCKET_NAME", "/var/run/sendmail/msp/smcontrol"},
		{"confPROCESS_TITLE_PREFIX", "MSP"},
		{"confRRT_IMPLIES_DSN", "False"},
		{"confSAFE_FILE_ENV", "/"},
		{"confSAFE_QUEUE", "True"},
		{"confQUEUE_FILE_MODE", "0660"},
		{"confTEMP_FILE_MODE", "0640"},
		{"confTO_ICONNECT", "2s"},
		{"confTO_MAIL", "2m"},
		{"confTO_DATAINIT", "2m"},
		{"confTO_RSET", "1m"},
		{"confTO_QUIT", "2m"},
		{"confTO_COMMAND", "5m"},
		{"confTO_IDENT", "5s"},
		{"confTO_HOSTSTATUS", "0"},
	} {
		l.def(c, d[0], d[1])
	}
	out := ""
	if v >= 526848 {
		out += "FEATURE(" + q(c, "no_default_msa") + ")"
	}
	l.def(c, "confRUN_AS_USER", "smmsp")
	l.def(c, "confTRUSTED_USER", "smmsp")
	return out
}
