package postfix_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"mailcc/cfparse"
	"mailcc/internal/testenv"
	"mailcc/ir"
	"mailcc/migrate/postfix"
	"mailcc/migrate/report"
)

// TestDeterministic: migrating a case twice gives the same files; every
// file starts with the marker; the report's JSON decodes.
func TestDeterministic(t *testing.T) {
	for _, c := range smCases(t) {
		a := migrateCase(t, c, postfix.Options{Provenance: true})
		b := migrateCase(t, c, postfix.Options{Provenance: true})
		if len(a.Files) != len(b.Files) {
			t.Fatalf("%s: %d files, then %d", c.name, len(a.Files), len(b.Files))
		}
		for i := range a.Files {
			if a.Files[i].Name != b.Files[i].Name || !bytes.Equal(a.Files[i].Data, b.Files[i].Data) {
				t.Errorf("%s: %s differs between two runs", c.name, a.Files[i].Name)
			}
			if !bytes.HasPrefix(a.Files[i].Data, []byte(postfix.Marker)) {
				t.Errorf("%s: %s does not start with the marker", c.name, a.Files[i].Name)
			}
		}
		var buf bytes.Buffer
		if err := a.Report.WriteJSON(&buf); err != nil {
			t.Fatal(err)
		}
		var back postfix.Report
		if err := json.Unmarshal(buf.Bytes(), &back); err != nil || len(back.Items) != a.Report.Len() {
			t.Errorf("%s: the report's JSON: %v, %d items of %d", c.name, err, len(back.Items), a.Report.Len())
		}
		for _, it := range a.Report.All() {
			for _, af := range it.Affects {
				if af.Client == "" && af.Sender == "" && af.Recipient == "" && af.Address == "" && af.Name == "" && af.When == "" && !af.Authenticated && af.Mailer == "" {
					t.Errorf("%s: %q affects every probe of kinds %v", c.name, it.Construct, af.Kinds)
				}
			}
			switch it.Fidelity {
			case postfix.Approximate:
				if it.Differs == "" {
					t.Errorf("%s: approximate %q says nothing about what differs", c.name, it.Construct)
				}
			case postfix.NotExpressible:
				if it.Why == "" || it.Action == "" {
					t.Errorf("%s: not expressible %q lacks why or what to do", c.name, it.Construct)
				}
			}
		}
	}
}

// migrateMC migrates a .mc with tables beside it.
func migrateMC(t *testing.T, mc string, tables map[string]string) *postfix.Result {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "sendmail.mc"), []byte(mc), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, text := range tables {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, diags, err := cfparse.Load([]string{filepath.Join(dir, "sendmail.mc")}, cfparse.Options{Root: t.TempDir()})
	if err != nil || len(diags.Errors()) > 0 {
		t.Fatalf("load: %v %v", err, diags.Errors())
	}
	res, err := postfix.Migrate(cfg, postfix.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// file is one emitted file, runs of blanks made one (the columns of a
// table are aligned).
func file(t *testing.T, res *postfix.Result, name string) string {
	t.Helper()
	for _, f := range res.Files {
		if f.Name == name {
			return spaces.ReplaceAllString(string(f.Data), " ")
		}
	}
	var names []string
	for _, f := range res.Files {
		names = append(names, f.Name)
	}
	t.Fatalf("no %s among %v", name, names)
	return ""
}

var spaces = regexp.MustCompile(`[ \t]+`)

const mcHead = "include(`/usr/share/sendmail/cf/m4/cf.m4')dnl\nOSTYPE(`linux')dnl\ndefine(`confDOMAIN_NAME', `mx.example.com')dnl\n"
const mcTail = "MAILER(`local')dnl\nMAILER(`smtp')dnl\n"

// TestAccessSplit: the access map is split by what sendmail looks up,
// in sendmail's order, with sendmail's replies spelled out.
func TestAccessSplit(t *testing.T) {
	res := migrateMC(t, mcHead+"FEATURE(`access_db')dnl\nFEATURE(`blocklist_recipients')dnl\n"+mcTail, map[string]string{
		"access": "Connect:10.1\tRELAY\nConnect:10.1.2.3\tREJECT\nConnect:IPv6:2001:db8:1\tERROR:5.7.1:550 v6 blocked\n" +
			"spam.example\tREJECT\nFrom:bulk@\tERROR:550 no bulk\nTo:gone@\tDISCARD\nTo:rej@example.org\tREJECT\n",
		"aliases": "postmaster: root\n",
	})
	main := file(t, res, "main.cf")
	cidr := file(t, res, "access_client.cidr")
	for _, want := range []string{"10.1.2.3/32 550 5.7.1 Access denied", "10.1.0.0/16 OK", "2001:db8:1::/48 550 5.7.1 v6 blocked"} {
		if !strings.Contains(cidr, want) {
			t.Errorf("access_client.cidr lacks %q:\n%s", want, cidr)
		}
	}
	if strings.Index(cidr, "10.1.2.3/32") > strings.Index(cidr, "10.1.0.0/16") {
		t.Errorf("access_client.cidr: the more specific network must come first:\n%s", cidr)
	}
	// the untagged domain goes to clients, senders and recipients (with
	// the blocklist's reply)
	if s := file(t, res, "access_client"); !strings.Contains(s, "spam.example") || !strings.Contains(s, ".spam.example") {
		t.Errorf("access_client:\n%s", s)
	}
	if s := file(t, res, "access_recipient"); !strings.Contains(s, "spam.example 550 5.2.1 Mailbox disabled for this recipient") {
		t.Errorf("access_recipient:\n%s", s)
	}
	// user@ before the domain for senders: a table of its own, first
	if !strings.Contains(main, "check_sender_access hash:/etc/postfix/access_sender_user,\n check_sender_access hash:/etc/postfix/access_sender") {
		t.Errorf("sender restrictions:\n%s", main)
	}
	if s := file(t, res, "access_sender_user"); !strings.Contains(s, "bulk@ 550 5.0.0 no bulk") {
		t.Errorf("access_sender_user:\n%s", s)
	}
	// To:user@ only for local domains
	if s := file(t, res, "access_recipient_user.regexp"); !strings.Contains(s, `/^gone(\+[^@]*)?(@(mx\.example\.com|localhost|localhost\.example\.com|mx))?$/ DISCARD`) {
		t.Errorf("access_recipient_user.regexp:\n%s", s)
	}
	// the blocklist before relay permission; relaying by Connect: RELAY
	if !strings.Contains(main, "smtpd_relay_restrictions = check_recipient_access hash:/etc/postfix/access_recipient,") ||
		!strings.Contains(main, "check_client_access cidr:/etc/postfix/relay_clients.cidr") {
		t.Errorf("relay restrictions:\n%s", main)
	}
	if s := file(t, res, "relay_clients.cidr"); !strings.Contains(s, "10.1.0.0/16 OK") || !strings.Contains(s, "10.1.2.3/32 DUNNO") {
		t.Errorf("relay_clients.cidr:\n%s", s)
	}
}

// TestVirtusertable: %1 catch-alls and user+* keys go to a regexp table
// with the rest of their domain, in sendmail's order; errors become
// access entries that refuse the address.
func TestVirtusertable(t *testing.T) {
	res := migrateMC(t, mcHead+"FEATURE(`virtusertable')dnl\nVIRTUSER_DOMAIN(`v.example')dnl\n"+mcTail, map[string]string{
		"virtusertable": "a@v.example\troot\nb+*@v.example\tplus\n@v.example\t%1@other.example\n" +
			"x@mx.example.com\tjoe@other.example\ngone@mx.example.com\terror:5.1.1:550 Gone\nx@elsewhere.example\troot\n",
		"aliases": "postmaster: root\n",
	})
	re := file(t, res, "virtual.regexp")
	want := []string{`/^(b)\+([^@]*)@v\.example$/`, `/^(a)(\+([^@]*))?@v\.example$/`, `/^([^+@]*)(\+([^@]*))?@v\.example$/ ${1}@other.example`}
	last := -1
	for _, w := range want {
		i := strings.Index(re, w)
		if i < 0 || i < last {
			t.Errorf("virtual.regexp: %q missing or out of order:\n%s", w, re)
		}
		last = i
	}
	if h := file(t, res, "virtual"); !strings.Contains(h, "x@mx.example.com") || strings.Contains(h, "elsewhere") {
		t.Errorf("virtual:\n%s", h)
	}
	if e := file(t, res, "virtual_errors"); !strings.Contains(e, "gone@mx.example.com 550 5.1.1 Gone") || !strings.Contains(e, "x@mx.example.com DUNNO") {
		t.Errorf("virtual_errors:\n%s", e)
	}
	main := file(t, res, "main.cf")
	for _, w := range []string{"virtual_alias_maps = hash:/etc/postfix/virtual,\n regexp:/etc/postfix/virtual.regexp", "relay_domains = v.example",
		"smtpd_relay_restrictions = check_recipient_access hash:/etc/postfix/virtual_errors"} {
		if !strings.Contains(main, w) {
			t.Errorf("main.cf lacks %q:\n%s", w, main)
		}
	}
}

// TestNotSendmail: a configuration of neither dialect is refused; a
// Postfix one is written back as Postfix's (TestRoundTrip).
func TestNotSendmail(t *testing.T) {
	if _, err := postfix.Migrate(&ir.Config{Dialect: "exim"}, postfix.Options{}); err == nil {
		t.Error("an exim configuration was migrated")
	}
	if _, err := postfix.Migrate(&ir.Config{Dialect: ir.Postfix}, postfix.Options{}); err != nil {
		t.Errorf("a Postfix configuration: %v", err)
	}
}

// TestMailerPorts: sendmail gives a port to a mailer (A=TCP $h PORT),
// Postfix to a next hop or to its smtp client: the smart host takes
// its mailer's port, mailertable entries theirs, and with the esmtp
// mailer on another port than 25 (smtp_tcp_port) every other next hop
// names 25.
func TestMailerPorts(t *testing.T) {
	res := migrateMC(t, mcHead+"define(`SMART_HOST', `[smart.example.net]')dnl\n"+
		"define(`RELAY_MAILER_ARGS', `TCP $h 587')dnl\ndefine(`ESMTP_MAILER_ARGS', `TCP $h 2525')dnl\n"+
		"FEATURE(`mailertable')dnl\n"+mcTail, map[string]string{
		"mailertable": "a.example\tsmtp:[mx.a.example]\nb.example\tesmtp:[mx.b.example]\nc.example\trelay:[mx.c.example]\n",
		"aliases":     "postmaster: root\n",
	})
	main := file(t, res, "main.cf")
	for _, want := range []string{"relayhost = [smart.example.net]:587\n", "smtp_tcp_port = 2525\n"} {
		if !strings.Contains(main, want) {
			t.Errorf("main.cf lacks %q:\n%s", want, main)
		}
	}
	tr := spaces.ReplaceAllString(file(t, res, "transport"), " ")
	for _, want := range []string{"a.example smtp:[mx.a.example]:25\n", "b.example smtp:[mx.b.example]:2525\n", "c.example relay:[mx.c.example]:587\n"} {
		if !strings.Contains(tr, want) {
			t.Errorf("transport lacks %q:\n%s", want, tr)
		}
	}
}

// TestLocalMailer: sendmail's local mailer becomes local(8)'s
// mailbox_command (procmail, which OSTYPE(linux) makes it, without -d:
// local(8) runs it as the recipient; $h, the +detail, is EXTENSION), or
// mailbox_transport for an LMTP mailer; mail.local needs nothing.
func TestLocalMailer(t *testing.T) {
	for _, c := range []struct{ mc, param, want string }{
		{"FEATURE(`local_procmail', `', `procmail -t -Y -a $h -d $u')dnl\n", "mailbox_command", `/usr/bin/procmail -t -Y -a "$EXTENSION"`},
		{"define(`LOCAL_MAILER_PATH', `/usr/libexec/dovecot/dovecot-lda')dnl\ndefine(`LOCAL_MAILER_ARGS', `dovecot-lda -d $u')dnl\n",
			"mailbox_command", `/usr/libexec/dovecot/dovecot-lda -d "$USER"`},
		{"define(`confLOCAL_MAILER', `cyrusv2')dnl\ndefine(`CYRUSV2_MAILER_ARGS', `FILE /run/cyrus/socket/lmtp')dnl\n",
			"mailbox_transport", "lmtp:unix:/run/cyrus/socket/lmtp"},
		{"FEATURE(`local_lmtp')dnl\n", "mailbox_command", ""},
	} {
		res := migrateMC(t, mcHead+c.mc+mcTail+"MAILER(`cyrusv2')dnl\n", map[string]string{"aliases": "postmaster: root\n"})
		main := file(t, res, "main.cf")
		got := ""
		for _, l := range strings.Split(main, "\n") {
			if v, ok := strings.CutPrefix(l, c.param+" = "); ok {
				got = v
			}
		}
		if got != c.want {
			t.Errorf("%s: %s = %q, want %q", strings.TrimSpace(c.mc), c.param, got, c.want)
		}
	}
}

// TestFeatures: FEATURE(redirect)'s aliases become relocated_maps;
// smrsh, which no setting carries over, is reported; authinfo becomes
// smtp_sasl_password_maps (the entries user:password by server name).
func TestFeatures(t *testing.T) {
	res := migrateMC(t, mcHead+"FEATURE(`redirect')dnl\nFEATURE(`smrsh')dnl\nFEATURE(`authinfo')dnl\n"+mcTail, map[string]string{
		"aliases": "postmaster: root\nold: new@example.org.REDIRECT\n", "authinfo": "AuthInfo:smart.example.net \"U:u\" \"P:p\"\n",
	})
	if s := spaces.ReplaceAllString(file(t, res, "relocated"), " "); !strings.Contains(s, "\nold new@example.org\n") {
		t.Errorf("relocated:\n%s", s)
	}
	if s := file(t, res, "aliases"); strings.Contains(s, "REDIRECT") {
		t.Errorf("aliases keeps the .REDIRECT alias:\n%s", s)
	}
	if s := file(t, res, "main.cf"); !strings.Contains(s, "relocated_maps = hash:/etc/postfix/relocated\n") {
		t.Errorf("main.cf:\n%s", s)
	}
	s := spaces.ReplaceAllString(file(t, res, "main.cf"), " ")
	for _, p := range []string{"\nsmtp_sasl_auth_enable = yes\n", "\nsmtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\n",
		"\nsmtp_sasl_mechanism_filter = CRAM-MD5, DIGEST-MD5, EXTERNAL, GSSAPI, KERBEROS_V4\n"} {
		if !strings.Contains(s, p) {
			t.Errorf("main.cf lacks %q:\n%s", p, s)
		}
	}
	if s := spaces.ReplaceAllString(file(t, res, "sasl_passwd"), " "); !strings.Contains(s, "\nsmart.example.net u:p\n") {
		t.Errorf("sasl_passwd:\n%s", s)
	}
	want := map[string]report.Fidelity{"FEATURE(smrsh)": report.Approximate, "entry authinfo:smart.example.net": report.Exact, "entry aliases old": report.Approximate}
	for _, it := range res.Report.Items {
		for c, f := range want {
			if strings.HasPrefix(it.Construct, c) && it.Fidelity == f {
				delete(want, c)
			}
		}
	}
	if len(want) > 0 {
		t.Errorf("report items missing: %v", want)
	}
}

// TestTLSLevels: sendmail offers STARTTLS once it has a server
// certificate and key and a CA file and directory, and its client
// starts TLS whenever it is offered: Postfix at security level may for
// both.
func TestTLSLevels(t *testing.T) {
	tls := "define(`confSERVER_CERT', `/etc/mail/tls/cert.pem')dnl\ndefine(`confSERVER_KEY', `/etc/mail/tls/key.pem')dnl\n"
	ca := "define(`confCACERT', `/etc/mail/tls/ca.pem')dnl\ndefine(`confCACERT_PATH', `/etc/mail/tls')dnl\n"
	for _, c := range []struct {
		mc     string
		server bool
	}{{tls + ca, true}, {tls, false}, {"", false}} {
		main := file(t, migrateMC(t, mcHead+c.mc+mcTail, map[string]string{"aliases": "postmaster: root\n"}), "main.cf")
		if got := strings.Contains(main, "\nsmtpd_tls_security_level = may\n"); got != c.server {
			t.Errorf("certificate %v: smtpd_tls_security_level = may is there: %v\n%s", c.server, got, main)
		}
		if !strings.Contains(main, "\nsmtp_tls_security_level = may\n") {
			t.Errorf("smtp_tls_security_level = may is missing:\n%s", main)
		}
	}
}

// TestUnqualifiedSenders: sendmail refuses a sender without a domain
// with 553 5.5.4; Postfix's reject_non_fqdn_sender would say 5.5.2. The
// migration's smtpd_command_filter gives such a sender a .invalid
// domain that a sender table refuses with sendmail's reply. What
// sendmail's ruleset 3 reads as qualified (host!user without
// FEATURE(nouucp), user%host without FEATURE(nopercenthack)) is left
// alone. The real postmap answers as smtpd looks the filter up.
func TestUnqualifiedSenders(t *testing.T) {
	postmap := testenv.Tool(t, "postmap")
	query := func(dir, table, key string) string {
		var stderr strings.Builder
		c := exec.Command(postmap, "-c", dir, "-q", key, "regexp:"+filepath.Join(dir, table))
		c.Stderr = &stderr
		out, err := c.Output()
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 && stderr.Len() == 0 {
			return "" // not found
		} else if err != nil {
			t.Fatalf("postmap -q %q %s: %v: %s", key, table, err, stderr.String())
		}
		return strings.TrimSpace(string(out))
	}
	const mark = "@domain-name-required.invalid"
	for _, c := range []struct {
		mc   string
		want map[string]string
	}{
		{"", map[string]string{
			"MAIL FROM:<user>":                      "MAIL FROM:<user" + mark + ">",
			"mail from: <user> SIZE=100":            "mail from: <user" + mark + "> SIZE=100",
			"MAIL FROM:user BODY=8BITMIME":          "MAIL FROM:<user" + mark + "> BODY=8BITMIME",
			"MAIL FROM:<\"john doe\">":              "MAIL FROM:<\"john doe\"" + mark + ">",
			"MAIL FROM:<>":                          "",
			"MAIL FROM:<user@example.com>":          "",
			"MAIL FROM:<host!user>":                 "",
			"MAIL FROM:<user%host>":                 "",
			"MAIL FROM:<@relay.example:user@x.org>": "",
			"RCPT TO:<user>":                        "",
		}},
		{"FEATURE(`nouucp', `nospecial')dnl\nFEATURE(`nopercenthack', `nospecial')dnl\n", map[string]string{
			"MAIL FROM:<host!user>": "MAIL FROM:<host!user" + mark + ">",
			"MAIL FROM:<user%host>": "MAIL FROM:<user%host" + mark + ">",
		}},
	} {
		res := migrateMC(t, mcHead+c.mc+mcTail, map[string]string{"aliases": "postmaster: root\n"})
		main := file(t, res, "main.cf")
		for _, want := range []string{
			"smtpd_command_filter = regexp:/etc/postfix/command_filter.regexp\n",
			"smtpd_data_restrictions = check_sender_access regexp:/etc/postfix/sender_unqualified.regexp\n",
		} {
			if !strings.Contains(main, want) {
				t.Fatalf("main.cf has no %q:\n%s", want, main)
			}
		}
		dir := t.TempDir()
		writeFiles(t, dir, res)
		for cmd, want := range c.want {
			if got := query(dir, "command_filter.regexp", cmd); got != want {
				t.Errorf("%s%q: the command filter gives %q, want %q", c.mc, cmd, got, want)
			}
		}
		if got := query(dir, "sender_unqualified.regexp", "user"+mark); !strings.HasPrefix(got, "553 5.5.4 ") {
			t.Errorf("sender_unqualified.regexp answers %q for a marked sender, want sendmail's 553 5.5.4", got)
		}
		if got := query(dir, "sender_unqualified.regexp", "user@example.com"); got != "" {
			t.Errorf("sender_unqualified.regexp answers %q for a qualified sender", got)
		}
	}
	res := migrateMC(t, mcHead+"FEATURE(`accept_unqualified_senders')dnl\n"+mcTail, map[string]string{"aliases": "postmaster: root\n"})
	if s := file(t, res, "main.cf"); strings.Contains(s, "smtpd_command_filter") || strings.Contains(s, "smtpd_data_restrictions") {
		t.Errorf("accept_unqualified_senders: main.cf marks unqualified senders:\n%s", s)
	}
	// a daemon with M=u takes unqualified senders: no filter there
	res = migrateMC(t, mcHead+"DAEMON_OPTIONS(`Port=587, Name=MSA, M=Eu')dnl\n"+mcTail, map[string]string{"aliases": "postmaster: root\n"})
	if s := file(t, res, "master.cf"); !strings.Contains(s, "-o smtpd_command_filter=\n") {
		t.Errorf("M=u: master.cf does not turn the command filter off:\n%s", s)
	}
}

// TestHeloSyntax: sendmail's HELO command refuses names with characters
// it does not allow unless confALLOW_BOGUS_HELO; the migration writes a
// check_helo_access table for it (the sm-helo-syntax trace case proves
// it with the real programs). A confALLOW_BOGUS_HELO in the .mc is
// reported once, as what it becomes.
func TestHeloSyntax(t *testing.T) {
	aliases := map[string]string{"aliases": "postmaster: root\n"}
	for _, c := range []struct {
		mc     string
		filter bool
	}{{"", true}, {"define(`confALLOW_BOGUS_HELO', `False')dnl\n", true}, {"define(`confALLOW_BOGUS_HELO', `True')dnl\n", false}} {
		res := migrateMC(t, mcHead+c.mc+mcTail, aliases)
		main := file(t, res, "main.cf")
		if got := strings.Contains(main, "smtpd_helo_restrictions = check_helo_access regexp:/etc/postfix/helo_syntax.regexp"); got != c.filter {
			t.Errorf("%q: HELO syntax table in main.cf: %v, want %v:\n%s", c.mc, got, c.filter, main)
		}
		var items []report.Item
		for _, it := range res.Report.Items {
			if strings.HasPrefix(it.Construct, "confALLOW_BOGUS_HELO") {
				items = append(items, it)
			}
		}
		if want := map[bool]int{true: 1, false: 0}[c.mc != ""]; len(items) != want || want == 1 && items[0].Fidelity != report.Exact {
			t.Errorf("%q: report items of confALLOW_BOGUS_HELO: %+v, want %d exact", c.mc, items, want)
		}
	}
}
