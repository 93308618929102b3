package policy

import (
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"mailcc/cfparse"
	cftable "mailcc/cfparse/table"
	"mailcc/internal/testenv"
	"mailcc/ir"
	"mailcc/runtime/probe"
)

// FuzzPatterns: any regexp or cidr table and any key: no panic.
func FuzzPatterns(f *testing.F) {
	f.Add("/^(a+)@x$/ $1 ${2} $$\nif !/b/\n/c/i d\nendif\n", "aaa@x", false)
	f.Add("192.0.2.0/24 OK\n!10.0.0.1 x\n", "192.0.2.1", true)
	f.Fuzz(func(t *testing.T, src, key string, cidr bool) {
		typ := "regexp"
		if cidr {
			typ = "cidr"
		}
		es, _ := cftable.ParsePatterns(typ, "f", []byte(src))
		tb := newTable(&ir.Table{Name: typ + ":f", Backend: ir.Backend{Type: typ}, Entries: es, Loaded: true})
		tb.get(key)
	})
}

// FuzzAnswer: any probe file against the configurations of corpus/mc
// and corpus/postfix: every probe gets an answer, none panics.
func FuzzAnswer(f *testing.F) {
	var engines []*Engine
	for _, dir := range []string{"corpus/mc/relay-gateway/sendmail.mc", "corpus/mc/virtual-hosting/sendmail.mc", "corpus/mc/antispam/sendmail.mc", "corpus/mc/masquerade/sendmail.mc", "corpus/postfix/virtual-hosting"} {
		cfg, _, err := cfparse.Load([]string{filepath.Join(testenv.Root(), dir)}, cfparse.Options{})
		if err != nil || cfg == nil {
			continue
		}
		hosts := &Hosts{}
		hosts.Add(netip.MustParseAddr("192.0.2.1"), "example.com", "mail.example.com")
		engines = append(engines, New(cfg, Env{Hostname: "mx.example.org", DNS: hosts}))
	}
	if len(engines) == 0 {
		f.Fatal("no corpus configuration loads")
	}
	f.Add("rcpt\t192.0.2.9\ta@b.example\tuser%x@example.com\n")
	f.Add("mail 2001:db8::1 <>\nresolve <@a:b@c>\nheader_from Name <x@y>\nalias root\n")
	f.Add("connect host.example[10.0.0.1]\nrcpt 10.0.0.1 \"a@b\"@c d!e@f auth_type=LOGIN\n")
	f.Fuzz(func(t *testing.T, src string) {
		ps, _ := probe.Parse(strings.NewReader(src), "f")
		for _, e := range engines {
			for _, p := range ps {
				if r := e.Answer(p); r.Decision == "" {
					t.Fatalf("%s: no decision", p.Text)
				}
			}
		}
	})
}
