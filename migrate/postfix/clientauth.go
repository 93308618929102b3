package postfix

import (
	"slices"
	"strings"

	"mailcc/ir"
)

// smDefaultMechanisms is the client's mechanism list of an entry without
// "M:" when the .mc does not set confAUTH_MECHANISMS: sendmail's
// AUTH_MECHANISMS (conf.h, a build with STARTTLS, as Debian's is).
var smDefaultMechanisms = []string{"EXTERNAL", "GSSAPI", "KERBEROS_V4", "DIGEST-MD5", "CRAM-MD5"}

// clientAuth: the credentials of the SMTP client. sendmail's authinfo
// ruleset looks up AuthInfo:${server_name}, AuthInfo:${server_addr} and
// the bare AuthInfo: in the authinfo map (FEATURE(authinfo)), or,
// without it, the AuthInfo: entries of the access map, and getauth()
// reads the entry's "U:", "I:", "P:", "R:" and "M:" items. Postfix's
// client looks smtp_sasl_password_maps up with the server's host name,
// then the next hop (smtp_sasl_glue.c), and reads user:password.
//
// A server name becomes a key of a hash table; the default entry a
// regexp table after it that matches every name (Postfix's host-name
// lookup reaches it before the next-hop lookup, and the hash table holds
// no next-hop keys, so the order is sendmail's). The mechanisms become
// smtp_sasl_mechanism_filter and AuthOptions smtp_sasl_security_options.
func (m *migrator) clientAuth() {
	var entries []*ir.Entry
	construct := "FEATURE(authinfo)"
	var at ir.Pos
	if t := m.cfg.Table(m.cfg.Client.AuthTable); t != nil {
		at = t.Pos
		if !t.Loaded {
			// an optional map whose file is missing, or one mailcc
			// could not read: the client still authenticates with
			// whatever the file holds when sendmail runs
			m.none("FEATURE(authinfo) "+t.Backend.Source, t.Pos, t.Origin,
				"the authinfo map's source was not read, so its credentials are not migrated",
				"write them as \"server user:password\" in /etc/postfix/sasl_passwd, run postmap, and set smtp_sasl_auth_enable = yes and smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd", "")
			return
		}
		for i := range t.Entries {
			entries = append(entries, &t.Entries[i])
		}
	} else if t := m.cfg.Table("access"); t != nil {
		construct, at = "AuthInfo: entries of the access map", t.Pos
		for i := range t.Entries {
			if t.Entries[i].Auth != nil {
				entries = append(entries, &t.Entries[i])
			}
		}
	}
	if len(entries) == 0 {
		return
	}
	inAccess := entries[0].Access != nil
	hash := m.newMap("sasl_passwd", "hash", "The SMTP client's credentials (sendmail's "+construct+"): the server's host name, then user:password.")
	var def, walk *mapFile
	if inAccess {
		// the access map's domain walk: a name matches its own entry,
		// else its parent domains' (the longest first), as the D
		// ruleset tries them
		walk = m.newMap("sasl_passwd.regexp", "regexp",
			"The SMTP client's credentials (sendmail's AuthInfo: entries of the access map): a server's name or a parent domain of it, the longest first, as sendmail's domain walk tries them.")
		slices.SortStableFunc(entries, func(a, b *ir.Entry) int {
			return strings.Count(b.Auth.Server, ".") - strings.Count(a.Auth.Server, ".")
		})
	}
	var mxHops []string
	for h := range m.cfg.MXNextHops() {
		mxHops = append(mxHops, h)
	}
	slices.Sort(mxHops)
	defaultMechs := m.cfg.OptionWords("AuthMechanisms") // confAUTH_MECHANISMS
	if defaultMechs == nil {
		defaultMechs = smDefaultMechanisms
	}
	mechs := map[string]bool{}
	var lists [][]string
	for _, e := range entries {
		a := e.Auth
		what := "entry " + strings.TrimSpace(e.Key+" "+e.Value)
		if a.Problem != "" {
			m.none(what, e.Pos, "", "sendmail's client cannot use the entry: "+a.Problem, "correct the entry, then write it as user:password in smtp_sasl_password_maps", "")
			continue
		}
		if strings.Contains(a.AuthID, ":") {
			m.none(what, e.Pos, "", "Postfix reads user:password and splits at the first colon: a user name with a colon has no form there", "use a user name without a colon at the server", "")
			continue
		}
		var differs []string
		if a.AuthzID != a.AuthID {
			differs = append(differs, "Postfix's client authenticates as the one user name (the authentication id \"I:\") and sends no separate authorization id (\"U:\" "+a.AuthzID+")")
		}
		if a.Realm != "" {
			differs = append(differs, "Postfix's client has no realm setting (\"R:\" "+a.Realm+"): a mechanism that uses one (DIGEST-MD5) gets the SASL library's default")
		}
		list := a.Mechanisms
		if len(list) == 0 {
			list = defaultMechs
		}
		lists = append(lists, list)
		for _, x := range list {
			mechs[strings.ToUpper(x)] = true
		}
		value := a.AuthID + ":" + a.Password
		// a regexp table substitutes $n in its results: $ is $$
		reValue := strings.ReplaceAll(value, "$", "$$")
		var target string
		switch {
		case a.Default:
			if def == nil {
				def = m.newMap("sasl_passwd_default.regexp", "regexp",
					"sendmail's default credentials (the bare AuthInfo:), for any server the table before names not.")
			}
			if !def.add("/^/", reValue, e.Pos) {
				m.none(what, e.Pos, "", "another entry is the default already (makemap keeps the first)", "remove the duplicate entry", "")
				continue
			}
			target = m.mapRef(def) + ": /^/ " + a.AuthID + ":..."
		case walk != nil && !isAddress(a.Server):
			key := "/^(.*\\.)?" + reQuote(strings.ToLower(a.Server)) + "$/"
			if !walk.add(key, reValue, e.Pos) {
				m.none(what, e.Pos, "", "another entry names the same server (makemap keeps the first)", "remove the duplicate entry", "")
				continue
			}
			target = m.mapRef(walk) + ": " + key + " " + a.AuthID + ":..."
		default:
			if !hash.add(strings.ToLower(a.Server), value, e.Pos) {
				m.none(what, e.Pos, "", "another entry names the same server (makemap keeps the first)", "remove the duplicate entry", "")
				continue
			}
			target = m.mapRef(hash) + ": " + strings.ToLower(a.Server) + " " + a.AuthID + ":..."
			if isAddress(a.Server) {
				differs = append(differs, "sendmail also finds the entry by the address (${server_addr}) of a server it reached by name; Postfix looks up the host name and the next hop only, so the entry serves a next hop written as this address")
			}
		}
		if !a.Default {
			for _, hop := range mxHops {
				if hop == strings.ToLower(a.Server) || walk != nil && strings.HasSuffix(hop, "."+strings.ToLower(a.Server)) {
					differs = append(differs, "Postfix also finds the entry by the next hop "+hop+" (looked up after the server's name), for the MX hosts it reaches through it; sendmail looks up only the name of the server it connected to")
					break
				}
			}
		}
		if len(differs) > 0 {
			m.approx(what, e.Pos, "", target, strings.Join(differs, "; "), "")
		} else {
			m.exact(what, e.Pos, "", target)
		}
	}
	// the tables in lookup order, those that got no entry dropped
	var refs []string
	for _, f := range []*mapFile{hash, walk, def} {
		switch {
		case f == nil:
		case len(f.lines) > 0:
			refs = append(refs, m.mapRef(f))
		default:
			m.dropMap(f)
		}
	}
	if len(refs) == 0 {
		return // every entry was reported as unusable
	}
	m.main.set(secRouting, "smtp_sasl_auth_enable", "yes", []string{"sendmail's " + construct + ": the SMTP client authenticates."}, at)
	m.main.set(secRouting, "smtp_sasl_password_maps", strings.Join(refs, ", "), nil, at)
	m.clientAuthOn = true

	// the mechanisms
	var all []string
	for x := range mechs {
		all = append(all, x)
	}
	slices.Sort(all)
	m.main.set(secRouting, "smtp_sasl_mechanism_filter", strings.Join(all, ", "),
		[]string{"sendmail's client uses only the mechanisms of an entry's \"M:\" (else confAUTH_MECHANISMS)."}, at)
	same := true
	for _, l := range lists[1:] {
		if !sameWords(l, lists[0]) {
			same = false
		}
	}
	if !same {
		m.approx("the mechanisms of the AuthInfo: entries", at, "", "main.cf: smtp_sasl_mechanism_filter = "+strings.Join(all, ", "),
			"sendmail's entries name mechanisms server by server; Postfix's filter is one list for every server, here all of them", "")
	}

	// AuthOptions: the security properties the client asks of a
	// mechanism; p (no plain text mechanism) holds only without TLS
	opts, tlsOpts := []string{}, []string{}
	ao := m.cfg.Option("AuthOptions")
	if ao != nil {
		for _, c := range ao.Raw {
			var p string
			switch c {
			case 'p':
				opts = append(opts, "noplaintext")
				continue
			case 'y':
				p = "noanonymous"
			case 'd':
				p = "nodictionary"
			case 'f':
				p = "forward_secrecy"
			case 'm':
				p = "mutual_auth"
			default:
				continue
			}
			opts, tlsOpts = append(opts, p), append(tlsOpts, p)
		}
	}
	from := at
	if ao != nil {
		from = ao.Pos
	}
	m.main.set(secRouting, "smtp_sasl_security_options", strings.Join(opts, ", "),
		[]string{"sendmail's AuthOptions (confAUTH_OPTIONS) for its client: Postfix's default (noplaintext, noanonymous) would refuse mechanisms sendmail uses."}, from)
	m.main.set(secRouting, "smtp_sasl_tls_security_options", strings.Join(tlsOpts, ", "),
		[]string{"sendmail's AuthOptions p allows plain-text mechanisms once TLS is active."}, from)
	if ao != nil {
		m.approx("confAUTH_OPTIONS "+ao.Raw, ao.Pos, "", "main.cf: smtp_sasl_security_options, smtp_sasl_tls_security_options",
			"the options are the SMTP client's here; sendmail's server reads them too (what it offers to clients), which Postfix's smtpd_sasl_security_options would say", "")
	}
}

func sameWords(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	for i := range x {
		x[i] = strings.ToUpper(x[i])
	}
	for i := range y {
		y[i] = strings.ToUpper(y[i])
	}
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// isAddress says whether a server name is an IPv4 or IPv6 address.
func isAddress(s string) bool {
	if s == "" {
		return false
	}
	if strings.Contains(s, ":") {
		return true
	}
	for _, c := range s {
		if (c < '0' || c > '9') && c != '.' {
			return false
		}
	}
	return true
}
