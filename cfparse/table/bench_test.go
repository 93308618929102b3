package table

import (
	"bytes"
	"fmt"
	"testing"

	"mailcc/ir"
)

// accessSource renders n access-map lines of the kinds a large site has
// (the mix of mapdb's benchmark): client addresses, IPv4 and IPv6,
// senders, recipients.
func accessSource(n int) []byte {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&b, "Connect:%d.%d.%d.%d\tREJECT\n", i>>24&255, i>>16&255, i>>8&255, i&255)
		case 1:
			fmt.Fprintf(&b, "From:user%d@example%d.com\tREJECT\n", i, i%997)
		case 2:
			fmt.Fprintf(&b, "To:list%d@lists.example.org\tRELAY\n", i)
		case 3:
			fmt.Fprintf(&b, "Connect:IPv6:2001:db8:%x:%x::1\tERROR:5.7.1:550 go away\n", i>>16, i&0xffff)
		}
	}
	return b.Bytes()
}

// aliasesSource renders n aliases: lists, continued lines, programs,
// files, includes.
func aliasesSource(n int) []byte {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		switch i % 5 {
		case 0:
			fmt.Fprintf(&b, "user%d: local%d\n", i, i)
		case 1:
			fmt.Fprintf(&b, "list%d: a%d, b%d@example.org,\n  c%d, \\d%d\n", i, i, i, i, i)
		case 2:
			fmt.Fprintf(&b, "prog%d: \"|/usr/bin/vacation user%d\"\n", i, i)
		case 3:
			fmt.Fprintf(&b, "File%d: /var/spool/archive/%d\n", i, i)
		case 4:
			fmt.Fprintf(&b, "inc%d: :include:/etc/mail/lists/%d\n", i, i)
		}
	}
	return b.Bytes()
}

// BenchmarkAccess1M parses a 1,000,000-line sendmail access source with
// its typed views.
func BenchmarkAccess1M(b *testing.B) {
	src := accessSource(1000000)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		es, _ := Parse(ir.AccessTable, "access", src, Options{Dialect: ir.Sendmail})
		if len(es) != 1000000 {
			b.Fatalf("%d entries", len(es))
		}
	}
}

// BenchmarkAliases100K parses a 100,000-entry sendmail aliases file.
func BenchmarkAliases100K(b *testing.B) {
	src := aliasesSource(100000)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		es, _ := Parse(ir.AliasTable, "aliases", src, Options{Dialect: ir.Sendmail})
		if len(es) != 100000 {
			b.Fatalf("%d entries", len(es))
		}
	}
}

// BenchmarkPostfixAccess1M parses the same 1,000,000 entries as a
// Postfix access(5) source.
func BenchmarkPostfixAccess1M(b *testing.B) {
	src := accessSource(1000000)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		es, _ := Parse(ir.AccessTable, "access", src, Options{Dialect: ir.Postfix})
		if len(es) != 1000000 {
			b.Fatalf("%d entries", len(es))
		}
	}
}
