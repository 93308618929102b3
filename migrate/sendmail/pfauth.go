package sendmail

import (
	"encoding/base64"
	"slices"
	"strings"

	"mailcc/ir"
)

const fileAuthinfo = "authinfo"

// pfPlainMechanisms are the mechanisms noplaintext excludes.
var pfPlainMechanisms = []string{"PLAIN", "LOGIN"}

// pfDefaultMechanisms is what a Postfix client without
// smtp_sasl_mechanism_filter may use: any mechanism the server offers
// that its SASL library (Cyrus) has; sendmail's client needs a list
// ("M:", else AuthMechanisms, which names the server's too). These are
// the Cyrus client plugins Debian installs with sasl2-bin and
// libsasl2-modules.
var pfDefaultMechanisms = []string{"GSSAPI", "DIGEST-MD5", "CRAM-MD5", "LOGIN", "PLAIN"}

// pfClientAuth: the SMTP client's credentials. Postfix's smtp client
// (smtp_sasl_auth_enable = yes) looks smtp_sasl_password_maps up with
// the server's host name, then the next hop ([host]:port as relayhost
// and transport(5) write it), and reads user:password; sendmail's
// authinfo ruleset (FEATURE(authinfo)) looks up AuthInfo:${server_name},
// AuthInfo:${server_addr}, then AuthInfo:, and reads "U:", "I:", "P:"
// and "M:" items. A key becomes AuthInfo:host: a host-name key (which
// Postfix tries first) wins over a next-hop key of the same host, and of
// next-hop keys the one a relayhost or transport entry names.
func (m *migrator) pfClientAuth() {
	enable := m.cfg.Option("smtp_sasl_auth_enable")
	on := enable != nil && strings.EqualFold(strings.TrimSpace(enable.Raw), "yes")
	maps := m.cfg.Option("smtp_sasl_password_maps")
	t := m.cfg.Table(m.cfg.Client.AuthTable)
	switch {
	case !on && maps != nil:
		m.exact("smtp_sasl_password_maps = "+maps.Raw, maps.Pos, "", "(nothing: smtp_sasl_auth_enable is off, the client does not authenticate)")
		return
	case !on:
		return
	case t == nil || maps == nil:
		m.none("smtp_sasl_auth_enable = yes", enable.Pos, "no smtp_sasl_password_maps table holds credentials", "write AuthInfo:host entries in /etc/mail/authinfo and add FEATURE(authinfo)", "")
		return
	case t.Backend.Type == "regexp" || t.Backend.Type == "pcre":
		m.none("smtp_sasl_password_maps = "+maps.Raw, maps.Pos, "the credentials are in a "+t.Backend.Type+" table, whose patterns sendmail's authinfo map cannot hold",
			"write AuthInfo:host \"U:user\" \"P:password\" entries in /etc/mail/authinfo by hand, and add FEATURE(authinfo)", "")
		return
	case !t.Loaded:
		m.none("smtp_sasl_password_maps = "+maps.Raw, maps.Pos, "the table's source was not read, so its credentials are not migrated",
			"write them as AuthInfo:host \"U:user\" \"P:password\" entries in /etc/mail/authinfo, and add FEATURE(authinfo)", "")
		return
	}
	if strings.ContainsAny(strings.TrimSpace(maps.Raw), ", \t") {
		m.approx("smtp_sasl_password_maps = "+maps.Raw, maps.Pos, "authinfo: the first table",
			"only the first table's entries are migrated: write the others' entries into /etc/mail/authinfo by hand", "")
	}
	mechs, why := m.pfClientMechanisms()
	if len(mechs) == 0 {
		m.none("smtp_sasl_security_options", enable.Pos, "no mechanism is left that the client may use: "+why, "list the mechanisms in the \"M:\" items of /etc/mail/authinfo by hand", "")
		return
	}
	hops := m.pfNextHopForms()
	mxHops := m.cfg.MXNextHops()

	// host-name keys first (Postfix tries the host name first), then the
	// next-hop key a relayhost or transport entry names, then the rest
	entries := make([]*ir.Entry, 0, len(t.Entries))
	for i := range t.Entries {
		if t.Entries[i].Auth != nil {
			entries = append(entries, &t.Entries[i])
		}
	}
	rank := func(e *ir.Entry) int {
		a := e.Auth
		switch {
		case !a.Bracketed && a.Port == "":
			return 0
		case hops[strings.ToLower(e.Key)]:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(entries, func(a, b *ir.Entry) int { return rank(a) - rank(b) })
	tab := m.table(fileAuthinfo, mapTable, "authinfo: the SMTP client's credentials, from Postfix's smtp_sasl_password_maps (FEATURE(authinfo)).")
	for _, e := range entries {
		a := e.Auth
		what := "entry " + t.Name + ": " + e.Key
		if a.Sender != "" {
			m.none(what, e.Pos, "sendmail's client has no credentials by sender (smtp_sender_dependent_authentication)", "give the server's credentials to every sender (AuthInfo:host), or route such senders through a relay that authenticates them", "")
			continue
		}
		key := "AuthInfo:" + strings.ToLower(a.Server)
		val := authItem('U', a.AuthzID) + " " + authItem('I', a.AuthID) + " " + authItem('P', a.Password) + " " + authItem('M', strings.Join(mechs, " "))
		if !tab.add(key, val, e.Pos) {
			m.none(what, e.Pos, "an entry for the same host is there already (a host name, or a next hop with another port): sendmail looks credentials up by the server's name only, not by port",
				"keep one set of credentials per host in /etc/mail/authinfo", "")
			continue
		}
		var differs []string
		if why != "" {
			differs = append(differs, why)
		}
		name := strings.ToLower(a.Server)
		switch {
		case !a.Bracketed && a.Port == "" && mxHops[name]:
			differs = append(differs, "Postfix also uses the entry for the next hop "+name+" (its MX hosts); sendmail only for a server whose own name is "+name)
		case a.Bracketed || a.Port != "":
			if !hops[strings.ToLower(e.Key)] {
				differs = append(differs, "Postfix uses the entry only for the next hop written "+e.Key+", which no relayhost or transport entry names; sendmail for every connection to "+name)
			} else if other := otherForms(hops, name, strings.ToLower(e.Key)); other != "" {
				differs = append(differs, "Postfix uses the entry only for the next hop written "+e.Key+"; sendmail also for "+other+", another next hop to the same host")
			}
		}
		target := "authinfo: " + key + " " + authItem('U', a.AuthzID) + " ..."
		if len(differs) > 0 {
			m.approx(what, e.Pos, target, strings.Join(differs, "; "), "")
		} else {
			m.exact(what, e.Pos, "", target)
		}
	}
	if len(tab.lines) == 0 {
		return
	}
	m.mc.add(grpFeature, call("FEATURE", "authinfo"), "smtp_sasl_password_maps", maps.Pos)
	m.exact("smtp_sasl_auth_enable = yes", enable.Pos, "", "FEATURE(authinfo)")
	m.exact("smtp_sasl_password_maps = "+maps.Raw, maps.Pos, "", "FEATURE(authinfo): /etc/mail/authinfo")
}

// pfClientMechanisms is the "M:" list: smtp_sasl_mechanism_filter (or
// every mechanism), without the plain-text ones when
// smtp_sasl_security_options and smtp_sasl_tls_security_options both
// say noplaintext; why says what sendmail cannot follow.
func (m *migrator) pfClientMechanisms() (mechs []string, why string) {
	var whys []string
	list := pfDefaultMechanisms
	if words := m.cfg.OptionWords("smtp_sasl_mechanism_filter"); len(words) > 0 {
		list = nil
		for _, w := range words {
			if strings.ContainsAny(w, "/:") {
				whys = append(whys, "smtp_sasl_mechanism_filter's pattern or table "+w+" is not carried over")
				continue
			}
			if !strings.EqualFold(w, "!") {
				list = append(list, strings.ToUpper(w))
			}
		}
		f := m.cfg.Option("smtp_sasl_mechanism_filter")
		m.exact("smtp_sasl_mechanism_filter = "+f.Raw, f.Pos, "", "authinfo: \"M:\" of every entry")
	} else {
		whys = append(whys, "Postfix's client uses any mechanism the server offers that its SASL library has; sendmail's only those of \"M:\" ("+strings.Join(pfDefaultMechanisms, " ")+")")
	}
	secWords := []string{"noplaintext", "noanonymous"} // Postfix's default
	if o := m.cfg.Option("smtp_sasl_security_options"); o != nil {
		secWords = m.cfg.OptionWords(o.Name)
		m.exact(o.Name+" = "+o.Raw, o.Pos, "", "authinfo: the mechanisms of \"M:\"")
	}
	tlsWords := secWords // $smtp_sasl_security_options
	if o := m.cfg.Option("smtp_sasl_tls_security_options"); o != nil {
		tlsWords = m.cfg.OptionWords(o.Name)
		m.exact(o.Name+" = "+o.Raw, o.Pos, "", "authinfo: the mechanisms of \"M:\"")
	}
	has := func(words []string, p string) bool {
		return slices.ContainsFunc(words, func(w string) bool { return strings.EqualFold(w, p) })
	}
	noPlain, noPlainTLS := has(secWords, "noplaintext"), has(tlsWords, "noplaintext")
	for _, p := range []string{"noactive", "nodictionary", "mutual_auth", "forward_secrecy"} {
		if has(secWords, p) || has(tlsWords, p) {
			whys = append(whys, "the security property "+p+" is not carried over (sendmail's AuthOptions would set it for its server too)")
		}
	}
	switch {
	case noPlain && noPlainTLS:
		list = slices.DeleteFunc(slices.Clone(list), func(x string) bool { return slices.Contains(pfPlainMechanisms, x) })
	case noPlain:
		whys = append(whys, "Postfix's client uses a plain-text mechanism (PLAIN, LOGIN) only over TLS; sendmail's client also without (AuthOptions p would say it for its server too)")
	}
	return list, strings.Join(whys, "; ")
}

// authItem is one quoted item of an AuthInfo: value: "T:text", or
// "T=base64" when the text holds what a quoted token cannot (a quote, a
// backslash, a control character).
func authItem(tag byte, s string) string {
	if strings.ContainsFunc(s, func(r rune) bool { return r == '"' || r == '\\' || r < ' ' || r == 0x7f }) {
		return `"` + string(tag) + "=" + base64.StdEncoding.EncodeToString([]byte(s)) + `"`
	}
	return `"` + string(tag) + ":" + s + `"`
}

// pfNextHopForms are the next hops relayhost and the transport table
// name, written as Postfix's client looks them up ([host]:port,
// [host], host, host:port), in lower case.
func (m *migrator) pfNextHopForms() map[string]bool {
	out := map[string]bool{}
	add := func(host, port string) {
		if host == "" {
			return
		}
		h := strings.ToLower(host)
		if port != "" {
			h += ":" + port
		}
		out[h] = true
	}
	r := m.cfg.Routing
	if h := r.SmartHost; h != nil {
		if h.NoMX && !strings.HasPrefix(h.Host, "[") {
			add("["+h.Host+"]", h.Port)
		} else {
			add(h.Host, h.Port)
		}
	}
	if r.Transport != nil {
		if t := m.cfg.Table(r.Transport.Table); t != nil {
			for _, e := range t.Entries {
				if e.Transport != nil && e.Transport.Error == nil {
					add(e.Transport.Host, e.Transport.Port)
				}
			}
		}
	}
	return out
}

// otherForms names a next hop other than key that reaches host.
func otherForms(hops map[string]bool, host, key string) string {
	var out []string
	for h := range hops {
		if h == key {
			continue
		}
		bare := strings.TrimPrefix(h, "[")
		if i := strings.IndexByte(bare, ']'); i >= 0 {
			bare = bare[:i]
		} else if i := strings.IndexByte(bare, ':'); i >= 0 {
			bare = bare[:i]
		}
		if bare == host {
			out = append(out, h)
		}
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}
