package table

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mailcc/internal/testenv"
	"mailcc/ir"
)

var update = flag.Bool("update", false, "update the golden files")

// fields renders the non-empty fields of a view as name=value pairs.
func fields(pairs ...any) string {
	var parts []string
	for i := 0; i+1 < len(pairs); i += 2 {
		name := pairs[i].(string)
		switch v := pairs[i+1].(type) {
		case string:
			if v != "" {
				parts = append(parts, name+"="+quoteIfNeeded(v))
			}
		case int:
			if v != 0 {
				parts = append(parts, fmt.Sprintf("%s=%d", name, v))
			}
		}
	}
	return strings.Join(parts, " ")
}

func quoteIfNeeded(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\"=") {
		return fmt.Sprintf("%q", s)
	}
	return s
}

func keyString(k ir.Key) string {
	return string(k.Kind) + "(" + fields("value", k.Value, "prefix", k.Prefix, "user", k.User,
		"detail", k.Detail, "domain", k.Domain) + ")"
}

func replyString(r *ir.Reply) string {
	if r == nil {
		return ""
	}
	return "error(" + fields("code", r.Code, "dsn", r.DSN, "text", r.Text, "keyword", r.Keyword) + ")"
}

func authString(a *ir.AuthEntry) string {
	def := ""
	if a.Default {
		def = "yes"
	}
	br := ""
	if a.Bracketed {
		br = "yes"
	}
	return "auth(" + fields("server", a.Server, "bracketed", br, "port", a.Port, "sender", a.Sender, "default", def,
		"authz", a.AuthzID, "authid", a.AuthID, "password", a.Password, "realm", a.Realm,
		"mechs", strings.Join(a.Mechanisms, " "), "problem", a.Problem) + ")"
}

// describe renders an entry's typed view on one line, for the tests.
func describe(e ir.Entry) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d:%d ", e.Pos.Line, e.Pos.Col)
	switch {
	case e.Access != nil:
		a := e.Access
		if a.Tag != "" {
			b.WriteString(a.Tag + ": ")
		}
		act := a.Action
		fmt.Fprintf(&b, "%s => %s(%s)", keyString(a.Key), act.Kind, fields("name", act.Name, "code", act.Code,
			"dsn", act.DSN, "text", act.Text, "number", act.Number, "arg", act.Arg))
		if e.Auth != nil {
			b.WriteString(" " + authString(e.Auth))
		}
	case e.Auth != nil:
		b.WriteString(authString(e.Auth))
	case e.Alias != nil:
		b.WriteString(e.Alias.Name + " =>")
		for _, t := range e.Alias.Targets {
			fmt.Fprintf(&b, " %s(%s)", t.Kind, quoteIfNeeded(t.Value))
		}
	case e.Transport != nil:
		t := e.Transport
		fmt.Fprintf(&b, "%s => %s", keyString(t.Key), fields("mailer", t.Mailer, "host", t.Host, "port", t.Port,
			"user", t.User))
		if t.Error != nil {
			b.WriteString(" " + replyString(t.Error))
		}
	default:
		var a *ir.AddressEntry
		for _, v := range []*ir.AddressEntry{e.Virtual, e.Generic, e.Canonical, e.Relocated} {
			if v != nil {
				a = v
			}
		}
		if a == nil {
			fmt.Fprintf(&b, "%q => %q", e.Key, e.Value)
			break
		}
		fmt.Fprintf(&b, "%s =>", keyString(a.Key))
		for _, t := range a.Targets {
			b.WriteString(" " + quoteIfNeeded(t))
		}
		if a.Error != nil {
			b.WriteString(" " + replyString(a.Error))
		}
	}
	return b.String()
}

// TestViews: one line of each form, and the view it gets.
func TestViews(t *testing.T) {
	S, P := ir.Sendmail, ir.Postfix
	for _, tt := range []struct {
		kind    ir.TableKind
		dialect ir.Dialect
		line    string
		want    string
	}{
		// sendmail access: tags and key forms.
		{ir.AccessTable, S, "Connect:192.168.1\tREJECT", "Connect: ipv4(value=192.168.1 prefix=24) => reject()"},
		{ir.AccessTable, S, "connect:10 RELAY", "Connect: ipv4(value=10 prefix=8) => relay()"},
		{ir.AccessTable, S, "Connect:IPv6:2001:db8:0:0\tOK", "Connect: ipv6(value=2001:db8:0:0 prefix=64) => ok()"},
		{ir.AccessTable, S, "Connect:IPv6:2001:DB8::1 OK", "Connect: ipv6(value=2001:db8:0:0:0:0:0:1 prefix=128) => ok()"},
		{ir.AccessTable, S, "Connect:IPv6:2001:0db8:02c7 OK", "Connect: ipv6(value=2001:db8:2c7 prefix=48) => ok()"},
		{ir.AccessTable, S, "IPv6:::ffff:192.0.2.1 OK", "ipv6(value=0:0:0:0:0:ffff:c000:201 prefix=128) => ok()"},
		{ir.AccessTable, S, "Connect:[127.0.0.3] OK", "Connect: bracketed(value=[127.0.0.3] prefix=32) => ok()"},
		{ir.AccessTable, S, "Connect:.example.net REJECT", "Connect: dot-domain(value=.example.net domain=example.net) => reject()"},
		{ir.AccessTable, S, "From:a@example.com OK", "From: address(value=a@example.com user=a domain=example.com) => ok()"},
		{ir.AccessTable, S, "From:a@ OK", "From: user(value=a@ user=a) => ok()"},
		{ir.AccessTable, S, "From:a+*@example.com OK", "From: user-detail(value=a+*@example.com user=a detail=* domain=example.com) => ok()"},
		{ir.AccessTable, S, "To:a+b+c@ OK", "To: user-detail(value=a+b+c@ user=a detail=b+c) => ok()"},
		{ir.AccessTable, S, "ClientRate:\t10", "ClientRate: tag-default() => number(number=10)"},
		{ir.AccessTable, S, "GreetPause:192.168.1\t0", "GreetPause: ipv4(value=192.168.1 prefix=24) => number()"},
		{ir.AccessTable, S, "Compat:a@x<@>b@y DISCARD", "Compat: sender-rcpt(value=a@x<@>b@y) => discard()"},
		{ir.AccessTable, S, "Spam:abuse@ FRIEND", "Spam: user(value=abuse@ user=abuse) => friend()"},
		{ir.AccessTable, S, "qgrp:example.com main", "QGRP: domain(value=example.com domain=example.com) => setting(arg=main)"},
		{ir.AccessTable, S, "Try_TLS:broken.example NO", "Try_TLS: domain(value=broken.example domain=broken.example) => setting(arg=NO)"},
		{ir.AccessTable, S, "*.example.com REJECT", "other(value=*.example.com) => reject()"},
		// sendmail access: actions.
		{ir.AccessTable, S, "a.example ERROR:5.7.1:550 Go away  ", `domain(value=a.example domain=a.example) => error(code=550 dsn=5.7.1 text="Go away")`},
		{ir.AccessTable, S, "a.example ERROR:550 Go away", `domain(value=a.example domain=a.example) => error(code=550 text="Go away")`},
		{ir.AccessTable, S, `a.example ERROR:"550 Go away"`, `domain(value=a.example domain=a.example) => error(code=550 text="Go away")`},
		{ir.AccessTable, S, `a.example ERROR:5.7.1:"550 Go away"`, `domain(value=a.example domain=a.example) => error(code=550 dsn=5.7.1 text="Go away")`},
		{ir.AccessTable, S, `a.example ERROR:"550 5.7.0 Go away"`, `domain(value=a.example domain=a.example) => error(code=550 dsn=5.7.0 text="Go away")`},
		{ir.AccessTable, S, "a.example 550 legacy text", `domain(value=a.example domain=a.example) => error(code=550 text="legacy text")`},
		{ir.AccessTable, S, "a.example QUARANTINE:held", "domain(value=a.example domain=a.example) => quarantine(arg=held)"},
		{ir.AccessTable, S, "a.example ok", "domain(value=a.example domain=a.example) => ok()"},
		{ir.AccessTable, S, "a.example SKIP", "domain(value=a.example domain=a.example) => skip()"},
		{ir.AccessTable, S, "a.example RELAY # no comment", `domain(value=a.example domain=a.example) => text(text="RELAY # no comment")`},
		// Postfix access(5).
		{ir.AccessTable, P, "192.168.1 REJECT", "ipv4(value=192.168.1 prefix=24) => reject()"},
		{ir.AccessTable, P, "2001:db8::1 REJECT", "ipv6(value=2001:db8::1 prefix=128) => reject()"},
		{ir.AccessTable, P, "2001:DB8 REJECT", "ipv6(value=2001:db8 prefix=32) => reject()"},
		{ir.AccessTable, P, "2001:0db8:0:0:0:0:0:2 REJECT", "ipv6(value=2001:db8::2 prefix=128) => reject()"},
		{ir.AccessTable, P, "<> REJECT", "null-sender(value=<>) => reject()"},
		{ir.AccessTable, P, "user@ OK", "user(value=user@ user=user) => ok()"},
		{ir.AccessTable, P, "example.com REJECT 5.7.2 Go away", `domain(value=example.com domain=example.com) => reject(dsn=5.7.2 text="Go away")`},
		{ir.AccessTable, P, "example.com 450 4.7.1 later", "domain(value=example.com domain=example.com) => error(code=450 dsn=4.7.1 text=later)"},
		{ir.AccessTable, P, "example.com 550", "domain(value=example.com domain=example.com) => ok(number=550)"},
		{ir.AccessTable, P, "example.com defer_if_permit", "domain(value=example.com domain=example.com) => postfix-action(name=DEFER_IF_PERMIT)"},
		{ir.AccessTable, P, "example.com FILTER smtp:[f]:10025", "domain(value=example.com domain=example.com) => postfix-action(name=FILTER arg=smtp:[f]:10025)"},
		{ir.AccessTable, P, "example.com HOLD later", "domain(value=example.com domain=example.com) => quarantine(text=later)"},
		{ir.AccessTable, P, "example.com RELAY", "domain(value=example.com domain=example.com) => ok()"},
		{ir.AccessTable, P, "example.com permit_auth_destination, reject", `domain(value=example.com domain=example.com) => restriction(arg="permit_auth_destination, reject")`},
		// aliases.
		{ir.AliasTable, S, "list: a, b@x.example,\n  \"|/bin/prog arg\", /var/log/f, :include:/etc/l, \\me, N <n@y>",
			`list => address(a) address(b@x.example) program("/bin/prog arg") file(/var/log/f) include(/etc/l) local(me) address(n@y)`},
		{ir.AliasTable, S, "Root: x (comment), \"quoted, item\"", `root => address(x) address("\"quoted, item\"")`},
		{ir.AliasTable, P, "list: a, b@x.example,\n  \"|/bin/prog arg\", /var/log/f, :include:/etc/l, \\\\me, ~/mbox",
			`list => address(a) address(b@x.example) program("/bin/prog arg") file(/var/log/f) include(/etc/l) local(me) file(~/mbox)`},
		{ir.AliasTable, P, "p: |/bin/prog arg", "p => program(/bin/prog) address(arg)"},
		// virtusertable and virtual(5).
		{ir.VirtualTable, S, "a@v.example b", "address(value=a@v.example user=a domain=v.example) => b"},
		{ir.VirtualTable, S, "a+*@v.example %1", "user-detail(value=a+*@v.example user=a detail=* domain=v.example) => %1"},
		{ir.VirtualTable, S, "a++@v.example %1", "user-detail(value=a++@v.example user=a detail=+ domain=v.example) => %1"},
		{ir.VirtualTable, S, "+*@v.example %2", "at-detail(value=+*@v.example detail=* domain=v.example) => %2"},
		{ir.VirtualTable, S, "@v.example %1@x", "at-domain(value=@v.example domain=v.example) => %1@x"},
		{ir.VirtualTable, S, "a@v.example error:nouser 550 No such user", `address(value=a@v.example user=a domain=v.example) => error(code=550 text="No such user" keyword=nouser)`},
		{ir.VirtualTable, S, "a@v.example error:5.7.0:550 Address invalid", `address(value=a@v.example user=a domain=v.example) => error(code=550 dsn=5.7.0 text="Address invalid")`},
		{ir.VirtualTable, S, "a@v.example error:550 text", `address(value=a@v.example user=a domain=v.example) => error(text=text keyword=550)`},
		{ir.VirtualTable, P, "a@v.example b, c@d.example", "address(value=a@v.example user=a domain=v.example) => b c@d.example"},
		{ir.VirtualTable, P, "v.example anything", "domain(value=v.example domain=v.example) => anything"},
		{ir.VirtualTable, P, "postmaster root", "user(value=postmaster user=postmaster) => root"},
		// genericstable, canonical(5), relocated(5).
		{ir.GenericTable, S, "alice a@example.com", "user(value=alice user=alice) => a@example.com"},
		{ir.GenericTable, S, "@mail.example %1@example.com", "at-domain(value=@mail.example domain=mail.example) => %1@example.com"},
		{ir.CanonicalTable, P, "@old.example @new.example", "at-domain(value=@old.example domain=old.example) => @new.example"},
		{ir.RelocatedTable, P, "gone Contact the front desk", `user(value=gone user=gone) => "Contact the front desk"`},
		// mailertable and transport(5).
		{ir.TransportTable, S, ". smtp:[smart.example]", "wildcard(value=.) => mailer=smtp host=[smart.example]"},
		{ir.TransportTable, S, ".example.com esmtp:%1.relay.example", "dot-domain(value=.example.com domain=example.com) => mailer=esmtp host=%1.relay.example"},
		{ir.TransportTable, S, "x.example local:postmaster", "domain(value=x.example domain=x.example) => mailer=local host=postmaster"},
		{ir.TransportTable, S, "x.example smtp:user@relay.example", "domain(value=x.example domain=x.example) => mailer=smtp host=relay.example user=user"},
		{ir.TransportTable, S, "x.example esmtp:[a.example]:[b.example]", "domain(value=x.example domain=x.example) => mailer=esmtp host=[a.example]:[b.example]"},
		{ir.TransportTable, S, "x.example relay.example", "domain(value=x.example domain=x.example) => host=relay.example"},
		{ir.TransportTable, S, "x.example error:5.7.1:550 No mail", `domain(value=x.example domain=x.example) => mailer=error error(code=550 dsn=5.7.1 text="No mail")`},
		{ir.TransportTable, S, "x.example error:nouser:550 gone", "domain(value=x.example domain=x.example) => mailer=error error(code=550 text=gone keyword=nouser)"},
		{ir.TransportTable, S, "x.example error:550 gone", "domain(value=x.example domain=x.example) => mailer=error error(code=550 text=gone)"},
		{ir.TransportTable, P, "* smtp:[relay.example]", "wildcard(value=*) => mailer=smtp host=[relay.example]"},
		{ir.TransportTable, P, ".example.com smtp:[mx.example]:587", "dot-domain(value=.example.com domain=example.com) => mailer=smtp host=[mx.example] port=587"},
		{ir.TransportTable, P, "a@example.org local:", "address(value=a@example.org user=a domain=example.org) => mailer=local"},
		{ir.TransportTable, P, "x.example :[gw.example]", "domain(value=x.example domain=x.example) => host=[gw.example]"},
		{ir.TransportTable, P, "x.example lmtp:unix:/run/lmtp", "domain(value=x.example domain=x.example) => mailer=lmtp host=unix:/run/lmtp"},
		{ir.TransportTable, P, "x.example smtp:mx.example:2525", "domain(value=x.example domain=x.example) => mailer=smtp host=mx.example port=2525"},
		{ir.TransportTable, P, "x.example error:5.7.1 no mail", `domain(value=x.example domain=x.example) => mailer=error error(dsn=5.7.1 text="no mail")`},
		{ir.TransportTable, P, "x.example relay", "domain(value=x.example domain=x.example) => mailer=relay"},
		// sendmail's authinfo map and AuthInfo: access entries; Postfix's
		// smtp_sasl_password_maps.
		{ir.AuthInfoTable, S, `AuthInfo:smtp.example.com "U:root" "I:bob" "P:s e:cret" "M:LOGIN PLAIN"`,
			`auth(server=smtp.example.com authz=root authid=bob password="s e:cret" mechs="LOGIN PLAIN")`},
		{ir.AuthInfoTable, S, `AuthInfo:192.0.2.7 "I:bob" "P=c2VjcmV0" "R:example.com"`,
			`auth(server=192.0.2.7 authz=bob authid=bob password=secret realm=example.com)`},
		{ir.AuthInfoTable, S, `AuthInfo: "U:bob" "P:x" trailing "M:PLAIN"`, `auth(default=yes authz=bob authid=bob password=x)`},
		{ir.AuthInfoTable, S, `AuthInfo:a.example "U:bob"`, `auth(server=a.example authz=bob problem="an entry needs a user (\"U:\" or \"I:\") and a password (\"P:\")")`},
		{ir.AuthInfoTable, S, `AuthInfo:a.example "U:bob" "X:y" "P:x"`, `auth(server=a.example authz=bob problem="item \"X:y\": unknown tag (U, I, P, R or M)")`},
		{ir.AuthInfoTable, S, `AuthInfo:a.example "U:bob" "P=!!"`, `auth(server=a.example authz=bob problem="item \"P=!!\": bad base64")`},
		{ir.AuthInfoTable, S, `smtp.example.com "U:bob" "P:x"`, `auth(server=smtp.example.com authz=bob authid=bob password=x problem="the authinfo ruleset looks up AuthInfo:server: this key is never looked up")`},
		{ir.AccessTable, S, `AuthInfo:example.com "U:bob" "P:x"`, `AuthInfo: domain(value=example.com domain=example.com) => setting(arg="\"U:bob\" \"P:x\"") auth(server=example.com authz=bob authid=bob password=x)`},
		{ir.AuthInfoTable, P, "[smtp.gmail.com]:587 me@gmail.com:pa:ss", "auth(server=smtp.gmail.com bracketed=yes port=587 authz=me@gmail.com authid=me@gmail.com password=pa:ss)"},
		{ir.AuthInfoTable, P, "[relay.example] u:p", "auth(server=relay.example bracketed=yes authz=u authid=u password=p)"},
		{ir.AuthInfoTable, P, "relay.example:submission u:p", "auth(server=relay.example port=submission authz=u authid=u password=p)"},
		{ir.AuthInfoTable, P, "example.com u", "auth(server=example.com authz=u authid=u)"},
		{ir.AuthInfoTable, P, "@example.com u:p", "auth(sender=@example.com authz=u authid=u password=p)"},
	} {
		es, diags := Parse(tt.kind, "t", []byte(tt.line+"\n"), Options{Dialect: tt.dialect})
		if len(es) != 1 {
			t.Errorf("%s %s %q: %d entries\n%s", tt.dialect, tt.kind, tt.line, len(es), diags.Format(0))
			continue
		}
		if got := strings.TrimPrefix(describe(es[0]), "1:1 "); got != tt.want {
			t.Errorf("%s %s %q:\n got  %s\n want %s", tt.dialect, tt.kind, tt.line, got, tt.want)
		}
	}
}

// TestCorpusViews: the typed views of the project's corpus/tables files,
// with their diagnostics, against golden files (-update writes them).
func TestCorpusViews(t *testing.T) {
	for _, dialect := range []ir.Dialect{ir.Sendmail, ir.Postfix} {
		dir := filepath.Join(testenv.Root(), "corpus", "tables", string(dialect))
		files, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			kind, ok := kindByName(f.Name())
			if !ok {
				continue
			}
			name := string(dialect) + "-" + f.Name()
			t.Run(name, func(t *testing.T) {
				data, err := os.ReadFile(filepath.Join(dir, f.Name()))
				if err != nil {
					t.Fatal(err)
				}
				opt := Options{Dialect: dialect}
				if dialect == ir.Sendmail {
					opt.IsLocal = testIsLocal
				}
				es, diags := Parse(kind, f.Name(), data, opt)
				var b strings.Builder
				for _, e := range es {
					b.WriteString(describe(e) + "\n")
				}
				b.WriteString("-- diagnostics --\n")
				for _, d := range diags {
					b.WriteString(d.Error() + "\n")
				}
				golden := filepath.Join("testdata", name+".golden")
				if *update {
					if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test -update)", err)
				}
				if got := b.String(); got != string(want) {
					t.Errorf("views differ from %s (-want +got):\n%s", golden, lineDiff(string(want), got))
				}
			})
		}
	}
}

// lineDiff lists the lines only one side has.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var out []string
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			out = append(out, "-"+a, "+"+b)
		}
	}
	return strings.Join(out, "\n")
}
