package policy

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mailcc/cfparse"
)

// benchEngine builds a sendmail configuration with 100,000 access
// entries, 100,000 virtusertable entries and 10,000 aliases.
func benchEngine(b *testing.B) *Engine {
	b.Helper()
	dir := b.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	write("sendmail.mc", "include(`/usr/share/sendmail/cf/m4/cf.m4')dnl\nOSTYPE(`linux')dnl\n"+
		"define(`confDOMAIN_NAME', `mx.example.com')dnl\nFEATURE(`use_cw_file')dnl\nFEATURE(`access_db')dnl\n"+
		"FEATURE(`blocklist_recipients')dnl\nFEATURE(`virtusertable')dnl\nMAILER(`local')dnl\nMAILER(`smtp')dnl\n")
	write("local-host-names", "example.com\nvirt.example\n")
	var access, virt, aliases strings.Builder
	for i := 0; i < 100000; i++ {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&access, "Connect:10.%d.%d\tRELAY\n", i>>8&255, i&255)
		case 1:
			fmt.Fprintf(&access, "From:spammer%d@bad%d.example\tREJECT\n", i, i%97)
		case 2:
			fmt.Fprintf(&access, "To:user%d@example.com\tERROR:5.2.1:550 Mailbox disabled\n", i)
		default:
			fmt.Fprintf(&access, "host%d.partner%d.example\tRELAY\n", i, i%331)
		}
		fmt.Fprintf(&virt, "user%d@virt.example\tuser%d\n", i, i%10000)
	}
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&aliases, "user%d: root\n", i)
	}
	write("access", access.String())
	write("virtusertable", virt.String())
	write("aliases", aliases.String())
	cfg, _, err := cfparse.Load([]string{filepath.Join(dir, "sendmail.mc")}, cfparse.Options{Root: b.TempDir()})
	if err != nil || cfg == nil {
		b.Fatal(err)
	}
	hosts := &Hosts{}
	hosts.Add(netip.MustParseAddr("192.0.2.1"), "good.example")
	return New(cfg, Env{Hostname: "mx.example.com", DNS: hosts, Users: func(u string) bool { return u == "root" }})
}

// BenchmarkRcptDecision: whole RCPT decisions (check_relay, check_mail,
// ruleset 0 with virtusertable, check_rcpt, the local user check) on
// one core, a mix of relayed, local, virtual, blocked and refused
// recipients; reports decisions per second.
func BenchmarkRcptDecision(b *testing.B) {
	e := benchEngine(b)
	var sessions []Session
	for i := 0; i < 1000; i++ {
		s := Session{ClientAddr: netip.AddrFrom4([4]byte{192, 0, 2, byte(i % 250)}), From: fmt.Sprintf("a%d@good.example", i)}
		switch i % 5 {
		case 0:
			s.To = fmt.Sprintf("user%d@virt.example", i*7)
		case 1:
			s.To = fmt.Sprintf("user%d@example.com", i*13)
		case 2:
			s.To = fmt.Sprintf("x%d@elsewhere.example", i)
		case 3:
			s.ClientAddr = netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 9})
			s.To = fmt.Sprintf("x%d@elsewhere.example", i)
		default:
			s.To = "root@example.com"
		}
		sessions = append(sessions, s)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if d := e.Rcpt(sessions[i%len(sessions)]); d.Decision == "" {
			b.Fatal("no decision")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}
