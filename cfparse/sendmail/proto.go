package sendmail

import (
	"bytes"
	"os"
	"strings"

	"mailcc/ir"
	"mailcc/m4"
	"mailcc/source"
)

const libDefault = "cf library default"

// proto is the part of the cf library's proto.m4 that declares things:
// it runs when the .mc has been read and puts the declarations of the
// sendmail.cf in MC.Lines, in the .cf's order.
func (l *lib) proto() {
	// text the .mc wrote to the output itself comes first
	l.divertedLines(0, "")

	if !l.defined("_MAILER_local_") {
		l.expand("MAILER(" + l.p.Quote("local") + ")")
	}
	if !l.defined("__OSTYPE__") {
		l.diags.Errorf(posOf(l.mc.LibraryPos), "no system type defined: use the OSTYPE macro (the cf library reports this as an error)")
	}
	l.libDefIfNot("confSMTP_MAILER", "esmtp")
	l.libDefIfNot("confLOCAL_MAILER", "local")
	if !l.defined("confRELAY_MAILER") {
		relay := "unknown"
		if l.defined("_MAILER_smtp_") {
			relay = "relay"
		}
		l.libDef("confRELAY_MAILER", relay)
	}
	l.libDefIfNot("confUUCP_MAILER", "uucp-old")
	if l.defined("confDEF_GROUP_ID") {
		l.warnVar("confDEF_GROUP_ID", "confDEF_GROUP_ID is obsolete: use confDEF_USER_ID with a colon in the value instead")
	}
	if l.defined("confREAD_TIMEOUT") {
		l.warnVar("confREAD_TIMEOUT", "confREAD_TIMEOUT is obsolete: use the individual confTO_<timeout> parameters instead")
	}
	if l.defined("confMESSAGE_TIMEOUT") {
		v := l.expand("confMESSAGE_TIMEOUT")
		if ret, warn, ok := strings.Cut(v, "/"); ok {
			l.libDef("confTO_QUEUERETURN", ret)
			l.libDef("confTO_QUEUEWARN", warn)
		} else {
			l.libDef("confTO_QUEUERETURN", v)
		}
	}
	if l.defined("confMIN_FREE_BLOCKS") && strings.Contains(l.expand("confMIN_FREE_BLOCKS"), "/") {
		l.warnVar("confMIN_FREE_BLOCKS", "compound confMIN_FREE_BLOCKS is obsolete: use confMAX_MESSAGE_SIZE for the second part of the value")
	}
	if !l.defined("confLDAP_DEFAULT_SPEC") && l.defined("_LDAP_ROUTING_WARN_") {
		l.warnVar("_LDAP_ROUTING_WARN_", "FEATURE(ldap_routing) uses its default LDAP map definitions without confLDAP_DEFAULT_SPEC being set")
	}
	if !l.defined("confRELAY_MSG") {
		if l.defined("_USE_AUTH_") {
			l.libDef("confRELAY_MSG", `"550 Relaying denied. Proper authentication required."`)
		} else {
			l.libDef("confRELAY_MSG", `"550 Relaying denied"`)
		}
	}
	l.libDefIfNot("confRCPTREJ_MSG", `"550 Mailbox disabled for this recipient"`)

	for _, o := range headerOptions {
		l.option(o)
	}
	if l.defined("confLDAP_CLUSTER") {
		l.emitVar("D{sendmailMTACluster}"+l.expand("confLDAP_CLUSTER"), "confLDAP_CLUSTER")
	}
	l.emit("Cwlocalhost", ir.Pos{}, libDefault)
	if l.defined("USE_CW_FILE") {
		l.emitVar("Fw"+l.expand("confCW_FILE"), "USE_CW_FILE")
	}
	if l.defined("confDOMAIN_NAME") {
		l.emitVar("Dj"+l.expand("confDOMAIN_NAME"), "confDOMAIN_NAME")
	}
	l.emit("CP.", ir.Pos{}, libDefault)
	for _, r := range []struct{ v, macro, class string }{
		{"UUCP_RELAY", "Y", "UUCP"}, {"BITNET_RELAY", "B", "BITNET"},
		{"DECNET_RELAY", "C", "DECNET"}, {"FAX_RELAY", "F", "FAX"},
	} {
		if l.defined(r.v) {
			if r.v == "DECNET_RELAY" {
				l.libDef("_USE_DECNET_SYNTAX_", "1")
			}
			l.emitVar("D"+r.macro+l.expand(r.v), r.v)
			l.emitVar("CP"+r.class, r.v)
		}
	}
	if l.defined("SMART_HOST") {
		l.emitVar("DS"+l.expand("SMART_HOST"), "SMART_HOST")
	} else {
		l.emit("DS", ir.Pos{}, libDefault)
	}
	if l.defined("LUSER_RELAY") {
		l.emitVar("Kuser user -m -a<>", "LUSER_RELAY")
		l.emitVar("DL"+l.expand("LUSER_RELAY"), "LUSER_RELAY")
	}
	co := "CO @ "
	if !l.defined("_NO_PERCENTHACK_") {
		co += "%"
	}
	co += " "
	if !l.defined("_NO_UUCP_") {
		co += "!"
	}
	l.emit(co, ir.Pos{}, libDefault)
	l.emit("C..", ir.Pos{}, libDefault)
	l.emit("C[[", ir.Pos{}, libDefault)
	if l.defined("_ACCESS_TABLE_") {
		l.emitVar("C{Accept}OK RELAY", "_ACCESS_TABLE_")
		if l.defined("_DELAY_COMPAT_8_10_") && l.defined("_BLOCKLIST_RCPT_") {
			l.emitVar("C{SpamTag}SPAMFRIEND SPAMHATER", "_BLOCKLIST_RCPT_")
		}
	}
	if !l.defined("_ACCEPT_UNRESOLVABLE_DOMAINS_") {
		l.emit("Kresolve host -a<OKR> -T<TEMP>", ir.Pos{}, libDefault)
	}
	l.emit("C{ResOk}OKR", ir.Pos{}, libDefault)
	if l.defined("_NEED_MACRO_MAP_") && !l.defined("_MACRO_MAP_") {
		l.libDef("_MACRO_MAP_", "1")
		l.emitVar("Kmacro macro", "_NEED_MACRO_MAP_")
	}
	if l.defined("confCR_FILE") {
		l.emitVar("FR"+l.expand("confCR_FILE"), "confCR_FILE")
	}
	if l.defined("_ACCESS_TABLE_") || l.defined("_MTA_STS_") {
		l.libDef("_FULL_TLS_CONNECTION_CHECK_", "1")
	}
	if !l.defined("_ARITH_MAP_") {
		l.libDef("_ARITH_MAP_", "1")
		l.emit("Karith arith", ir.Pos{}, libDefault)
	}
	if l.defined("_FULL_TLS_CONNECTION_CHECK_") {
		if !l.defined("_MACRO_MAP_") {
			l.libDef("_MACRO_MAP_", "1")
			l.emit("Kmacro macro", ir.Pos{}, libDefault)
		}
		l.emit("C{Tls}VERIFY ENCR", ir.Pos{}, libDefault)
		l.emit("C{TlsVerified}OK TRUSTED", ir.Pos{}, libDefault)
	}
	if l.defined("_CERT_REGEX_ISSUER_") {
		l.emitVar("KCERTIssuer regex "+l.expand("_CERT_REGEX_ISSUER_"), "_CERT_REGEX_ISSUER_")
	}
	if l.defined("_CERT_REGEX_SUBJECT_") {
		l.emitVar("KCERTSubject regex "+l.expand("_CERT_REGEX_SUBJECT_"), "_CERT_REGEX_SUBJECT_")
	}
	if l.defined("_MTA_STS_") {
		for _, k := range []string{
			"Kstsxsni regex -a: -s3 (.*)(servername=)(.*)",
			"Kstsxsni2 regex -a: -s2 (.*)(servername=.*)",
			"Kstsxmatch regex -a: -s2 (match=)(.*)",
			"Kstsxnodaneflag regex -a@ -s3 (.*)(flags=)([^;]*d)(.*)",
		} {
			l.emitVar(k, "_MTA_STS_")
		}
	}
	if l.defined("LOCAL_RELAY") {
		l.emitVar("DR"+l.expand("LOCAL_RELAY"), "LOCAL_RELAY")
	}
	if l.defined("MAIL_HUB") {
		l.emitVar("DH"+l.expand("MAIL_HUB"), "MAIL_HUB")
	}
	if l.defined("confDEQUOTE_OPTS") {
		l.emitVar("Kdequote dequote "+l.expand("confDEQUOTE_OPTS"), "confDEQUOTE_OPTS")
	} else {
		l.emit("Kdequote dequote", ir.Pos{}, libDefault)
	}
	l.divertedLines(5, "")
	if l.defined("_VIRTHOSTS_") {
		l.emitVar("CR$={VirtHost}", "_VIRTHOSTS_")
	}
	if l.defined("MASQUERADE_NAME") {
		l.emitVar("DM"+l.expand("MASQUERADE_NAME"), "MASQUERADE_NAME")
	}
	if l.defined("confMAILER_NAME") {
		l.emitVar("Dn"+l.expand("confMAILER_NAME"), "confMAILER_NAME")
	}
	l.divertedLines(6, "LOCAL_CONFIG")
	z := "DZ" + LibraryVersion
	if l.defined("confCF_VERSION") {
		l.emitVar(z+"/"+l.expand("confCF_VERSION"), "confCF_VERSION")
	} else {
		l.emit(z, ir.Pos{}, libDefault)
	}

	l.options()

	if l.defined("_NEED_SMTPOPMODES_") {
		l.emitVar("C{SMTPOpModes} s d D", "_NEED_SMTPOPMODES_")
	}
	l.listLines(l.expand("_QUEUE_GROUP_"), l.qgroups)
	if l.defined("_USE_CT_FILE_") {
		if l.defined("confCT_FILE") {
			l.emitVar("Ft"+l.expand("confCT_FILE"), "confCT_FILE")
		} else {
			l.emitVar("Ft"+l.expand("MAIL_SETTINGS_DIR"+l.p.Quote("")+"trusted-users"), "_USE_CT_FILE_")
		}
	}
	l.emit("Troot", ir.Pos{}, libDefault)
	l.emit("Tdaemon", ir.Pos{}, libDefault)
	if !l.defined("_NO_UUCP_") {
		l.emit("Tuucp", ir.Pos{}, libDefault)
	}
	if l.defined("confTRUSTED_USERS") {
		l.emitVar("T"+l.expand("confTRUSTED_USERS"), "confTRUSTED_USERS")
	}
	l.divertedLines(2, "LOCAL_RULE_3")
	l.divertedLines(4, "LOCAL_UUCP")
	l.divertedLines(1, "LOCAL_NET_CONFIG")
	l.divertedLines(3, "LOCAL_RULE_0")
	l.divertedLines(8, "LOCAL_DNSBL")
	if l.defined("_ACCESS_TABLE_") {
		src := "C{Src}E F D U "
		if l.defined("_FFR_SRCHLIST_A") {
			src += "A"
		}
		l.emitVar(src, "_ACCESS_TABLE_")
	}
	l.divertedLines(9, "LOCAL_RULESETS")
	l.listLines(l.expand("_MAIL_FILTERS_"), l.filters)
	l.divertedLines(7, "MAILER_DEFINITIONS")
	l.collectVars()
}

// options is the Options section of proto.m4.
func (l *lib) options() {
	if l.defined("confAUTO_REBUILD") {
		l.warnVar("confAUTO_REBUILD", "confAUTO_REBUILD is no longer valid")
	}
	milters := l.defn("_MAIL_FILTERS_DEF") != ""
	for _, o := range protoOptions {
		switch {
		case o.Name == specialHelpFile:
			if l.defined("HELP_FILE") {
				l.emitVar("O HelpFile="+l.expand("HELP_FILE"), "HELP_FILE")
			} else {
				l.emit("O HelpFile="+l.expand("MAIL_SETTINGS_DIR"+l.p.Quote("")+"helpfile"), ir.Pos{}, libDefault)
			}
		case o.Name == specialQueueDir:
			if l.defined("QUEUE_DIR") {
				l.emitVar("O QueueDirectory="+l.expand("QUEUE_DIR"), "QUEUE_DIR")
			} else {
				l.emit("O QueueDirectory=/var/spool/mqueue", ir.Pos{}, libDefault)
			}
		case o.Name == specialTimeZone:
			switch tz := l.expand("confTIME_ZONE"); tz {
			case "USE_SYSTEM":
			case "USE_TZ":
				l.emitVar("O TimeZoneSpec=", "confTIME_ZONE")
			default:
				l.emitVar("O TimeZoneSpec="+tz, "confTIME_ZONE")
			}
		case o.Name == specialDaemon:
			if l.defn("confDAEMON_OPTIONS") != "" {
				l.warnVar("confDAEMON_OPTIONS", "confDAEMON_OPTIONS is no longer valid: use DAEMON_OPTIONS()")
				v := l.expand("confDAEMON_OPTIONS")
				l.p.Define("_DPO_", l.defn("_DPO_")+"\nO DaemonPortOptions="+v)
				pos, origin := l.varSite("confDAEMON_OPTIONS")
				l.dpo = append(l.dpo, genLine{text: "O DaemonPortOptions=" + v, pos: pos, origin: origin})
			}
			if l.defn("_DPO_") == "" {
				if l.defined("_NETINET6_") {
					l.emitVar("O DaemonPortOptions=Name=MTA-v4, Family=inet", "_NETINET6_")
					l.emitVar("O DaemonPortOptions=Name=MTA-v6, Family=inet6", "_NETINET6_")
				} else {
					l.emit("O DaemonPortOptions=Name=MTA", ir.Pos{}, libDefault)
				}
			} else {
				l.listLines(l.expand("_DPO_"), l.dpo)
			}
			if !l.defined("_NO_MSA_") {
				l.emit("O DaemonPortOptions=Port=587, Name=MSA, M=E", ir.Pos{}, libDefault)
			}
		case o.Name == specialClient:
			if l.defn("confCLIENT_OPTIONS") != "" {
				l.warnVar("confCLIENT_OPTIONS", "confCLIENT_OPTIONS is no longer valid: use CLIENT_OPTIONS()")
				v := l.expand("confCLIENT_OPTIONS")
				l.p.Define("_CPO_", l.defn("_CPO_")+"\nO ClientPortOptions="+v)
				pos, origin := l.varSite("confCLIENT_OPTIONS")
				l.cpo = append(l.cpo, genLine{text: "O ClientPortOptions=" + v, pos: pos, origin: origin})
			}
			if l.defn("_CPO_") != "" {
				l.listLines(l.expand("_CPO_"), l.cpo)
			}
		case strings.HasPrefix(o.Name, specialMilterOpt):
			if milters {
				l.option(o)
			}
		default:
			l.option(o)
			if o.Name == "UnsafeGroupWrites" && l.defined(o.Var) {
				l.warnVar(o.Var, "confUNSAFE_GROUP_WRITES is deprecated; use confDONT_BLAME_SENDMAIL")
			}
		}
	}
}

// option is proto.m4's _OPTION: "O Name=value" when the variable is
// defined ("O Name" when it is defined empty).
func (l *lib) option(o optDef) {
	if !l.defined(o.Var) {
		return
	}
	text := "O " + o.Name
	if l.defn(o.Var) != "" {
		text += "=" + l.expand(o.Var)
	}
	l.emitVar(text, o.Var)
}

// libDef and libDefIfNot make definitions of proto.m4's.
func (l *lib) libDef(name, value string) {
	l.p.Define(name, value)
	l.libDefs[name] = libDef{text: value, origin: libDefault}
}

func (l *lib) libDefIfNot(name, value string) {
	if !l.defined(name) {
		l.libDef(name, value)
	}
}

// warnVar warns at the definition of a variable.
func (l *lib) warnVar(name, msg string) {
	p, _ := l.varSite(name)
	if !p.IsValid() {
		p = ir.Pos{File: l.mc.Path}
	}
	l.diags.Warningf(source.Position{Filename: p.File, Line: p.Line, Column: p.Col}, "%s", msg)
}

// varSite is where a variable got its value: the .mc line that defined
// it, or the library macro that did (and its origin).
func (l *lib) varSite(name string) (ir.Pos, string) {
	text, _ := l.p.Definition(name)
	file, line, ok := l.p.DefinitionSite(name)
	if d, isLib := l.libDefs[name]; isLib && d.text == text && d.file == file && d.line == line {
		return d.pos, d.origin
	}
	if _, isLibFile := l.libraryFile(file); ok && file != libFile && !isLibFile {
		return ir.Pos{File: file, Line: line, Col: l.defineColumn(file, line, name)}, ""
	}
	return ir.Pos{}, libDefault
}

// defineColumn finds the column of the define call for name on a line
// of a file (0 when it cannot tell).
func (l *lib) defineColumn(file string, line int, name string) int {
	text := l.lineText(file, line)
	i := strings.Index(text, name)
	if i < 0 {
		return 0
	}
	if d := strings.LastIndex(text[:i], "define"); d >= 0 {
		return d + 1
	}
	return i + 1
}

// columnOf finds where word is on a line of a file (the first non-blank
// character when word is empty or absent); 0 when the line is unknown.
func (l *lib) columnOf(file string, line int, word string) int {
	text := l.lineText(file, line)
	if text == "" {
		return 0
	}
	if word != "" {
		if i := strings.Index(text, word); i >= 0 {
			return i + 1
		}
	}
	return len(text) - len(strings.TrimLeft(text, " \t")) + 1
}

// lineText returns a line of a file the .mc read.
func (l *lib) lineText(file string, line int) string {
	if l.fileLines == nil {
		l.fileLines = map[string][]string{}
	}
	lines, ok := l.fileLines[file]
	if !ok {
		data, err := os.ReadFile(l.resolve(file))
		if err == nil {
			lines = strings.Split(string(data), "\n")
		}
		l.fileLines[file] = lines
	}
	if line < 1 || line > len(lines) {
		return ""
	}
	return lines[line-1]
}

// emit adds the declarations in text to the .cf's lines.
func (l *lib) emit(text string, pos ir.Pos, origin string) {
	eachLogicalLine([]byte(text), func(t string, _ int) {
		ln, msg := parseCFLine(t)
		if msg != "" {
			p := pos
			if !p.IsValid() {
				p = ir.Pos{File: l.mc.Path}
			}
			l.diags.Errorf(source.Position{Filename: p.File, Line: p.Line, Column: p.Col}, "%s", msg)
			return
		}
		ln.Pos, ln.Origin = pos, origin
		l.addLine(ln, "")
	})
}

// emitVar emits a line that exists because of a variable (or flag),
// attributed to where that was defined.
func (l *lib) emitVar(text, name string) {
	pos, origin := l.varSite(name)
	l.emit(text, pos, origin)
}

// listLines emits the lines of a list the library builds
// (DAEMON_OPTIONS, MAIL_FILTER, ...), attributed to the calls.
func (l *lib) listLines(text string, gen []genLine) {
	var lines []string
	for _, s := range strings.Split(text, "\n") {
		if strings.TrimSpace(s) != "" {
			lines = append(lines, s)
		}
	}
	for i, s := range lines {
		var g genLine
		if len(lines) == len(gen) {
			g = gen[i]
		} else {
			g.origin = libDefault
		}
		l.emit(s, g.pos, g.origin)
	}
}

// addLine adds a declaration, or a rule to the opaque rules.
func (l *lib) addLine(ln Line, kind string) {
	switch ln.Kind {
	case 'S', 'R':
		if kind == "" {
			kind = "rules"
		}
		n := len(l.mc.Opaque)
		if ln.Kind == 'R' && n > 0 && l.openRules && l.mc.Opaque[n-1].Kind == kind {
			l.mc.Opaque[n-1].Text += "\n" + ln.Text
			return
		}
		o := ir.Opaque{Kind: kind, Text: ln.Text, Pos: ln.Pos,
			Why: "rules written in the .mc are kept verbatim: mailcc does not model sendmail's rewriting rules, so trace and migrate do not see what they do"}
		if ln.Kind == 'S' {
			o.Name = ln.Name
		}
		l.mc.Opaque = append(l.mc.Opaque, o)
		l.openRules = true
		return
	}
	l.openRules = false
	l.mc.Lines = append(l.mc.Lines, ln)
}

// divertedLines adds the lines of a diversion: what the .mc wrote to it
// (LOCAL_CONFIG, LOCAL_RULESETS, ...) and what the library macros wrote,
// each with its origin.
func (l *lib) divertedLines(n int, kind string) {
	var buf []byte
	var spans []m4.OutputSpan
	if n == 0 {
		buf, spans = l.out.Bytes(), l.p.Origins()
	} else {
		buf, spans = l.p.Diversion(n)
	}
	l.openRules = false
	si := 0
	// originAt finds the origin of the text at off, and the number of
	// lines between the start of its span and off: text read from a file
	// comes in runs that may cover several lines.
	originAt := func(off int) (*m4.Origin, int) {
		for si+1 < len(spans) && spans[si+1].Offset <= int64(off) {
			si++
		}
		if si < len(spans) && spans[si].Offset <= int64(off) {
			start := int(spans[si].Offset)
			return spans[si].Origin, bytes.Count(buf[start:off], []byte("\n"))
		}
		return nil, 0
	}
	var cur []byte
	var curOrigin *m4.Origin
	curSkip := 0
	have := false
	flush := func() {
		if !have {
			return
		}
		have = false
		text := string(cur)
		ln, msg := parseCFLine(text)
		pos := l.originPos(curOrigin)
		if curOrigin != nil && curOrigin.Macro == "" && curSkip > 0 && pos.File == curOrigin.File && pos.Line == curOrigin.Line {
			pos.Line += curSkip
			pos.Col = l.columnOf(pos.File, pos.Line, "")
		}
		origin := ""
		if ci := l.callOf(curOrigin); ci != nil {
			origin = ci.origin()
		}
		if pos.File == l.mc.Path && pos.Line == 0 {
			origin = libDefault
		}
		if msg != "" {
			if n != 0 {
				l.diags.Errorf(source.Position{Filename: pos.File, Line: pos.Line, Column: pos.Col}, "%s", msg)
			}
			return
		}
		ln.Pos, ln.Origin = pos, origin
		l.addLine(ln, kind)
	}
	off := 0
	for off < len(buf) {
		end := off
		for end < len(buf) && buf[end] != '\n' {
			end++
		}
		line := buf[off:end]
		o, skip := originAt(off)
		switch {
		case len(line) > 0 && (line[0] == ' ' || line[0] == '\t'):
			if have {
				cur = append(cur, '\n')
				cur = append(cur, line...)
			}
		case len(line) == 0 || line[0] == '#':
			flush()
		default:
			flush()
			cur = append(cur[:0], line...)
			curOrigin, curSkip, have = o, skip, true
		}
		off = end + 1
	}
	flush()
}

// knownVars are variables lowering looks at besides the options.
var knownVars = []string{
	"SMART_HOST", "MAIL_HUB", "LOCAL_RELAY", "LUSER_RELAY", "MASQUERADE_NAME",
	"UUCP_RELAY", "BITNET_RELAY", "DECNET_RELAY", "FAX_RELAY",
	"confDOMAIN_NAME", "confCW_FILE", "confCR_FILE", "confCT_FILE", "confTRUSTED_USERS",
	"confMAILER_NAME", "DATABASE_MAP_TYPE", "MAIL_SETTINGS_DIR", "confCF_VERSION",
	"confSMTP_MAILER", "confLOCAL_MAILER", "confRELAY_MAILER", "confUUCP_MAILER",
	"confRELAY_MSG", "confRCPTREJ_MSG", "confREJECT_MSG", "confDEF_USER_ID",
	"LOCAL_MAILER_PATH", "LOCAL_MAILER_ARGS", "LOCAL_MAILER_FLAGS", "LOCAL_SHELL_PATH", "LOCAL_SHELL_ARGS",
	"PROCMAIL_MAILER_PATH", "ALIAS_FILE", "HELP_FILE", "QUEUE_DIR", "STATUS_FILE", "confFROM_HEADER",
	"confCLIENT_OPTIONS", "confDAEMON_OPTIONS", "confLDAP_CLUSTER", "confMESSAGE_TIMEOUT",
	"_NULL_CLIENT_", "_MTA_HOST_", "DNSBL_MAP", "confEBINDIR",
}

// collectVars records the cf variables' final values.
func (l *lib) collectVars() {
	add := func(name string) {
		if name == "" || !l.defined(name) {
			return
		}
		if _, done := l.mc.Vars[name]; done {
			return
		}
		pos, origin := l.varSite(name)
		raw := l.defn(name)
		l.mc.Vars[name] = Var{Value: l.expand(name), Raw: raw, Pos: pos, Origin: origin}
	}
	for _, o := range headerOptions {
		add(o.Var)
	}
	for _, o := range protoOptions {
		add(o.Var)
	}
	for _, v := range knownVars {
		add(v)
	}
}
