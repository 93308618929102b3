package sendmail

import (
	"fmt"
	"strings"
)

// pfMilters: smtpd_milters become INPUT_MAIL_FILTERs. What each does
// when it cannot be reached (milter_default_action, Postfix's default
// tempfail, or the milter's own default_action) becomes its F=:
// accept is sendmail's default (go on without the filter), tempfail
// F=T, reject F=R. The timeouts (milter_connect_timeout,
// milter_command_timeout, milter_content_timeout, or the milter's own)
// become T=C:;S:;R:;E: (sendmail's defaults differ: C:5m;S:10s;R:10s;E:5m).
func (m *migrator) pfMilters() {
	inputSockets := map[string]bool{}
	for _, ml := range m.cfg.Milters {
		if ml.Input {
			inputSockets[ml.Socket] = true
		}
	}
	n := 0
	for _, ml := range m.cfg.Milters {
		construct := "smtpd_milters " + ml.Socket
		if !ml.Input && inputSockets[ml.Socket] {
			m.exact("non_smtpd_milters "+ml.Socket, ml.Pos, "", "(the INPUT_MAIL_FILTER of smtpd_milters: sendmail's MSP submits local mail to the daemon by SMTP)")
			continue
		}
		if !ml.Input {
			m.none("non_smtpd_milters "+ml.Socket, ml.Pos,
				"sendmail runs its filters on the mail its daemon receives (the MSP submits local mail to it by SMTP, so INPUT_MAIL_FILTER covers both); it has no filter for local submission only",
				"add it to smtpd_milters before migrating if the filter should see mail from the network too", "")
			continue
		}
		sock, ok := pfMilterSocket(ml.Socket)
		if !ok {
			m.none(construct, ml.Pos, "the socket "+ml.Socket+" is not inet:host:port or unix:path",
				"add an INPUT_MAIL_FILTER for it by hand", "")
			continue
		}
		n++
		name := fmt.Sprintf("milter%d", n)
		equates := []string{"S=" + sock}
		differs := ""
		switch strings.ToLower(ml.OnFailure) {
		case "", "accept":
		case "tempfail":
			equates = append(equates, "F=T")
		case "reject":
			equates = append(equates, "F=R")
		case "quarantine":
			differs = "default_action=quarantine: when the filter cannot be reached Postfix accepts the message and puts it on hold; sendmail accepts it and delivers it (no F= holds mail)"
		default:
			m.none(construct, ml.Pos, "the default_action "+ml.OnFailure+" is not one sendmail has", "add an INPUT_MAIL_FILTER for it by hand", "")
			n--
			continue
		}
		timeout := func(perMilter, param string) string {
			for _, e := range ml.Equates {
				if e.Name == perMilter {
					return e.Value
				}
			}
			return m.pfParam(param)
		}
		t := map[string]string{
			"C": timeout("connect_timeout", "milter_connect_timeout"),
			"S": timeout("command_timeout", "milter_command_timeout"),
			"R": timeout("command_timeout", "milter_command_timeout"),
			"E": timeout("content_timeout", "milter_content_timeout"),
		}
		var parts []string
		for _, k := range []string{"C", "S", "R", "E"} {
			if v := t[k]; v != "" {
				parts = append(parts, k+":"+v)
			}
		}
		if len(parts) > 0 {
			equates = append(equates, "T="+strings.Join(parts, ";"))
		}
		var other []string
		for _, e := range ml.Equates {
			switch e.Name {
			case "connect_timeout", "command_timeout", "content_timeout":
			default:
				other = append(other, e.Name+"="+e.Value)
			}
		}
		if len(other) > 0 {
			d := "not migrated: " + strings.Join(other, ", ")
			if differs != "" {
				d = differs + "; " + d
			}
			differs = d
		}
		text := call("INPUT_MAIL_FILTER", name, strings.Join(equates, ", "))
		m.mc.add(grpFilter, text, "smtpd_milters "+ml.Socket+", default_action="+ml.OnFailure, ml.Pos)
		if differs != "" {
			m.approx(construct, ml.Pos, text, differs, "")
		} else {
			m.exact(construct, ml.Pos, "", text)
		}
	}
}

// pfParam is a main.cf parameter's value as the IR holds it ("" when
// main.cf does not set it; then Postfix's default is used).
func (m *migrator) pfParam(name string) string {
	for _, o := range m.cfg.Options {
		if o.Name == name {
			return strings.TrimSpace(o.Raw)
		}
	}
	return pfMilterTimeoutDefaults[name]
}

// pfMilterTimeoutDefaults are Postfix 3.7's milter timeouts.
var pfMilterTimeoutDefaults = map[string]string{
	"milter_connect_timeout": "30s",
	"milter_command_timeout": "30s",
	"milter_content_timeout": "300s",
}

// pfMilterSocket writes a Postfix milter socket as sendmail's S=:
// inet:host:port is inet:port@host, inet:[v6]:port inet6:port@v6,
// unix:path (or a bare path) local:path.
func pfMilterSocket(s string) (string, bool) {
	switch {
	case strings.HasPrefix(s, "inet:"):
		rest := strings.TrimPrefix(s, "inet:")
		i := strings.LastIndexByte(rest, ':')
		if i <= 0 || i == len(rest)-1 {
			return "", false
		}
		host, port := rest[:i], rest[i+1:]
		if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
			return "inet6:" + port + "@" + host[1:len(host)-1], true
		}
		return "inet:" + port + "@" + host, true
	case strings.HasPrefix(s, "unix:"):
		return "local:" + strings.TrimPrefix(s, "unix:"), true
	case strings.HasPrefix(s, "/"):
		return "local:" + s, true
	}
	return "", false
}
