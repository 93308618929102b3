package main

import (
	"path/filepath"
	"strings"
	"testing"

	"mailcc/runtime/probe"
)

// TestTraceCommand: a session on the command line answers connect, MAIL
// and each RCPT with the entries that decided and their positions;
// --probes answers a probe file with one JSON line per probe, in the
// oracles' shape; usage errors exit 2.
func TestTraceCommand(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "sendmail.mc"), "include(`/usr/share/sendmail/cf/m4/cf.m4')dnl\n"+
		"define(`confDOMAIN_NAME', `mx.example.org')dnl\nFEATURE(`access_db')dnl\nFEATURE(`blocklist_recipients')dnl\n"+
		"MAILER(`local')dnl\nMAILER(`smtp')dnl\n")
	writeFile(t, filepath.Join(dir, "access"), "Connect:10.1\tRELAY\nFrom:spam@bad.example\tREJECT\nTo:gone@mx.example.org\tERROR:5.1.1:550 Gone\n")
	writeFile(t, filepath.Join(dir, "aliases"), "postmaster: root\n")
	writeFile(t, filepath.Join(dir, "hosts"), "192.0.2.1 bad.example\n192.0.2.2 good.example\n")
	writeFile(t, filepath.Join(dir, "passwd"), "root:x:0:0::/root:/bin/sh\n")
	base := []string{"trace", "sendmail.mc", "--hosts", "hosts", "--passwd", "passwd"}

	out, stderr, st := mailccRun(t, dir, append(base, "--client", "10.1.2.3", "--from", "a@good.example",
		"--to", "x@other.example", "--to", "gone@mx.example.org", "--to", "postmaster@mx.example.org", "--to", "nobody@mx.example.org")...)
	if st != 0 {
		t.Fatalf("status %d: %s", st, stderr)
	}
	for _, want := range []string{
		"connect 10.1.2.3: accept [RELAY]",
		"access Connect:10.1 -> RELAY  (access:1:1)",
		"rcpt 10.1.2.3 a@good.example x@other.example: accept [RELAY]",
		"rcpt 10.1.2.3 a@good.example gone@mx.example.org: reject 550 5.1.1 Gone",
		"access To:gone@mx.example.org -> ERROR:5.1.1:550 Gone  (access:3:1)",
		"rcpt 10.1.2.3 a@good.example postmaster@mx.example.org: accept",
		"alias postmaster -> root  (aliases:1:1)",
		"rcpt 10.1.2.3 a@good.example nobody@mx.example.org: reject 550 5.1.1 User unknown",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}

	writeFile(t, filepath.Join(dir, "probes.tsv"), "# comment\nmail\t192.0.2.9\tspam@bad.example\nrcpt\t192.0.2.9\ta@good.example\tx@other.example\n")
	out, stderr, st = mailccRun(t, dir, append(base, "--probes", "probes.tsv")...)
	if st != 0 {
		t.Fatalf("--probes: status %d: %s", st, stderr)
	}
	rs, err := probe.ReadResults(strings.NewReader(out))
	if err != nil || len(rs) != 2 {
		t.Fatalf("--probes output: %v\n%s", err, out)
	}
	if r := rs[0]; r.N != 1 || r.Line != 2 || r.Decision != probe.Reject || r.Code != "550" || r.DSN != "5.7.1" || r.Stage != "mail" {
		t.Errorf("probe 1: %+v", r)
	}
	if r := rs[1]; r.Decision != probe.Reject || r.Code != "550" || r.DSN != "5.7.1" || r.Stage != "rcpt" {
		t.Errorf("probe 2 (relaying denied): %+v", r)
	}

	if _, _, st := mailccRun(t, dir, append(base, "--client", "not-an-ip")...); st != 2 {
		t.Errorf("a bad --client: status %d, want 2", st)
	}
	if _, _, st := mailccRun(t, dir, append(base, "--client", "10.0.0.1", "--to", "a@b")...); st != 2 {
		t.Errorf("--to without --from: status %d, want 2", st)
	}
}
