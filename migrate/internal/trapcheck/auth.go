package trapcheck

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mailcc/internal/oracle/smoracle"
	"mailcc/internal/testenv"
)

// Server is a server the SMTP client connects to, as servers.tsv of an
// authinfo case names it: sendmail's ${server_name} and ${server_addr},
// and Postfix's next hop (relayhost or transport(5) form).
type Server struct {
	Name, Addr, NextHop string
	Line                int
}

// Servers reads a case's servers.tsv (name TAB address TAB next hop).
func Servers(t testing.TB, dir string) []Server {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "servers.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	var out []Server
	for i, ln := range strings.Split(string(data), "\n") {
		f := strings.Split(ln, "\t")
		if len(f) != 3 {
			continue
		}
		out = append(out, Server{Name: f[0], Addr: f[1], NextHop: f[2], Line: i + 1})
	}
	if len(out) == 0 {
		t.Fatalf("%s: no servers in servers.tsv", dir)
	}
	return out
}

// Cred is what a client authenticates with at a server; Found is false
// when it does not authenticate there.
type Cred struct {
	Found                     bool
	AuthzID, AuthID, Password string
	// Raw is the tool's answer (sendmail's items, Postfix's value).
	Raw string
}

func (c Cred) String() string {
	if !c.Found {
		return "(none)"
	}
	return "authz=" + c.AuthzID + " authid=" + c.AuthID + " password=" + c.Password
}

// SendmailCredentials asks the real sendmail (address test mode, the
// configuration in dir built as the oracle builds it) what its
// authinfo ruleset returns for each server, and reads the items as
// getauth() (usersmtp.c) does.
func SendmailCredentials(t testing.TB, dir string, servers []Server) []Cred {
	t.Helper()
	calls := make([]smoracle.RulesetCall, len(servers))
	for i, s := range servers {
		calls[i] = smoracle.RulesetCall{Macros: [][2]string{{"{server_name}", s.Name}, {"{server_addr}", s.Addr}},
			Ruleset: "authinfo", Input: "x"}
	}
	answers, _, err := smoracle.Rulesets(dir, calls, smoracle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]Cred, len(servers))
	for i, a := range answers {
		if !a.Ran {
			t.Fatalf("%s: sendmail has no authinfo ruleset", dir)
		}
		out[i] = getauth(a.Value)
	}
	return out
}

// getauth reads the authinfo ruleset's result "$# "U:user" "P:pw" ...":
// quoted items TDvalue (D ':' text, '=' base64), a user (U or I) and a
// password needed, the missing id copied from the other.
func getauth(v string) Cred {
	rest, ok := strings.CutPrefix(v, "$#")
	if !ok {
		return Cred{Raw: v}
	}
	c := Cred{Raw: v}
	var hasU, hasI, hasP bool
	for _, tok := range strings.Fields(quotedToBlanks(rest)) {
		tok = strings.ReplaceAll(tok, "\x00", " ")
		if len(tok) < 4 || tok[0] != '"' || tok[len(tok)-1] != '"' {
			break
		}
		val := tok[3 : len(tok)-1]
		if tok[2] == '=' {
			b, err := base64.StdEncoding.DecodeString(val)
			if err != nil {
				return Cred{Raw: v}
			}
			val = string(b)
		}
		switch tok[1] {
		case 'U', 'u':
			c.AuthzID, hasU = val, true
		case 'I', 'i':
			c.AuthID, hasI = val, true
		case 'P', 'p':
			c.Password, hasP = val, true
		}
	}
	if !(hasU || hasI) || !hasP {
		return Cred{Raw: v}
	}
	if !hasI {
		c.AuthID = c.AuthzID
	}
	if !hasU {
		c.AuthzID = c.AuthID
	}
	c.Found = true
	return c
}

// quotedToBlanks hides the blanks inside quoted strings (as NULs) so
// that the display splits into its tokens at blanks.
func quotedToBlanks(s string) string {
	b := []byte(s)
	in := false
	for i, c := range b {
		switch {
		case c == '"':
			in = !in
		case in && c == ' ':
			b[i] = 0
		}
	}
	return string(b)
}

// PostfixCredentials asks the real postmap what Postfix's smtp client
// finds for each server with the configuration in dir (main.cf and the
// table sources): smtp_sasl_password_maps looked up with the server's
// host name, then with the next hop, each key in every table in order
// (smtp_sasl_glue.c), when smtp_sasl_auth_enable is on. The value is
// user:password, split at the first colon. postmap reads dir's main.cf
// (-c): a machine with Postfix installed need not have
// /etc/postfix/main.cf (Debian's "No configuration").
func PostfixCredentials(t testing.TB, dir string, servers []Server) []Cred {
	t.Helper()
	postconf := testenv.Tool(t, "postconf")
	postmap := testenv.Tool(t, "postmap")
	get := func(name string) string {
		r := testenv.Run(t, dir, nil, postconf, "-c", dir, "-h", name)
		if r.Code != 0 {
			t.Fatalf("postconf -h %s: %s", name, r.Stderr)
		}
		return strings.TrimSpace(string(r.Stdout))
	}
	out := make([]Cred, len(servers))
	if get("smtp_sasl_auth_enable") != "yes" {
		return out
	}
	work := t.TempDir()
	var tables []string
	for _, ref := range strings.FieldsFunc(get("smtp_sasl_password_maps"), func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		typ, path, ok := strings.Cut(ref, ":")
		if !ok {
			t.Fatalf("smtp_sasl_password_maps: %q is not type:name", ref)
		}
		src, err := os.ReadFile(filepath.Join(dir, filepath.Base(path)))
		if err != nil {
			t.Fatal(err)
		}
		local := filepath.Join(work, filepath.Base(path))
		if err := os.WriteFile(local, src, 0o644); err != nil {
			t.Fatal(err)
		}
		if typ != "regexp" && typ != "pcre" {
			if r := testenv.Run(t, work, nil, postmap, "-c", dir, typ+":"+local); r.Code != 0 || len(r.Stderr) > 0 {
				t.Fatalf("postmap %s: %s", local, r.Stderr)
			}
		}
		tables = append(tables, typ+":"+local)
	}
	for i, s := range servers {
	keys:
		for _, k := range []string{s.Name, s.NextHop} {
			for _, tb := range tables {
				r := testenv.Run(t, work, nil, postmap, "-c", dir, "-q", k, tb)
				if r.Code == 0 {
					v := strings.TrimRight(string(r.Stdout), "\n")
					user, pass, _ := strings.Cut(v, ":")
					out[i] = Cred{Found: true, AuthzID: user, AuthID: user, Password: pass, Raw: v}
					break keys
				}
			}
		}
	}
	return out
}
