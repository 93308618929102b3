package postfix

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseMasterCFEntries(t *testing.T) {
	in := "# service type  private unpriv  chroot  wakeup  maxproc command + args\n" +
		"smtp      inet  n       -       y       -       -       smtpd\n" +
		"submission inet n       -       y       -       -       smtpd\n" +
		"  -o syslog_name=postfix/submission\n" +
		"# a comment inside the entry\n" +
		"  -o { smtpd_client_restrictions = permit_sasl_authenticated, reject }\n" +
		"  -osmtpd_tls_security_level=encrypt -vo smtpd_sasl_auth_enable=yes\n" +
		"dovecot   unix  -       n       n       -       -       pipe\n" +
		"  flags=DRhu user=vmail argv=/usr/lib/dovecot/deliver -d ${recipient}\n" +
		"tlsmgr    unix  -       -       y       1000?   1       tlsmgr\n"
	m, diags := ParseMasterCF("master.cf", []byte(in))
	if len(diags) != 0 {
		t.Fatalf("diagnostics: %s", diags.Format(0))
	}
	if len(m.Services) != 4 {
		t.Fatalf("%d services", len(m.Services))
	}
	sub := m.Services[1]
	if sub.Name() != "submission" || sub.Type() != "inet" || sub.Command() != "smtpd" || sub.Line != 3 {
		t.Errorf("submission: %q %q %q line %d", sub.Name(), sub.Type(), sub.Command(), sub.Line)
	}
	var got []string
	for _, o := range sub.Overrides {
		got = append(got, fmt.Sprintf("%s=%s@%s/%s", o.Name, o.Value, o.Pos, o.ValuePos))
	}
	want := []string{
		"syslog_name=postfix/submission@master.cf:4:6/master.cf:4:18",
		"smtpd_client_restrictions=permit_sasl_authenticated, reject@master.cf:6:8/master.cf:6:36",
		"smtpd_tls_security_level=encrypt@master.cf:7:5/master.cf:7:30",
		"smtpd_sasl_auth_enable=yes@master.cf:7:42/master.cf:7:65",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("overrides:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if o, ok := sub.Override("smtpd_tls_security_level"); !ok || o.Value != "encrypt" {
		t.Errorf("Override: %+v %v", o, ok)
	}
	if _, ok := sub.Override("nothing"); ok {
		t.Error("Override of a name not set")
	}
	// The arguments in postconf's normal form.
	var args []string
	for _, a := range sub.Args {
		args = append(args, a.Text)
	}
	if got, want := strings.Join(args, " "), "-o syslog_name=postfix/submission -o smtpd_client_restrictions=permit_sasl_authenticated, reject -o smtpd_tls_security_level=encrypt -v -o smtpd_sasl_auth_enable=yes"; got != want {
		t.Errorf("args %q\nwant %q", got, want)
	}
	dov := m.Services[2]
	if got := dov.Fields[FieldUnpriv].Pos.String(); got != "master.cf:8:25" {
		t.Errorf("unprivileged field at %s", got)
	}
	if got := dov.Args[len(dov.Args)-1]; got.Text != "${recipient}" || got.Pos.String() != "master.cf:9:58" {
		t.Errorf("last argument %q at %s", got.Text, got.Pos)
	}
	if dov.ProcessName() != "pipe" || dov.ServiceName() != "dovecot" {
		t.Errorf("process %q service %q", dov.ProcessName(), dov.ServiceName())
	}
	tls := m.Services[3]
	if tls.Fields[FieldWakeup].Text != "1000?" || tls.ServiceName() != "tlsmgr" {
		t.Errorf("tlsmgr: %+v", tls.Fields)
	}
}

func TestParseMasterCFDiagnostics(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
		services []string
	}{
		{
			name:     "too few fields, and going on",
			in:       "smtp inet n - n\npickup unix n - n 60 1 pickup\n",
			want:     []string{"master.cf:1:16: error: |needs 8 fields, this one has 5"},
			services: []string{"pickup"},
		},
		{
			name:     "unknown service type",
			in:       "smtp tcp n - n - - smtpd\nlocal unix - n n - - local\n",
			want:     []string{`master.cf:1:6: error: |invalid type field "tcp"`},
			services: []string{"local"},
		},
		{
			name: "bad y/n and numbers",
			in: "a unix x - n - - smtp\nb unix - - n 1x - smtp\nc unix - - n - many smtp\n" +
				"d unix - - n 10? 2 smtp\n",
			want: []string{
				`master.cf:1:8: error: |invalid private field "x"`,
				`master.cf:2:14: error: |invalid wakeup field "1x"`,
				`master.cf:3:16: error: |invalid process_limit field "many"`,
			},
			services: []string{"d"},
		},
		{
			name:     "indented text at the top",
			in:       "  -o a=b\nsmtp inet n - n - - smtpd\n",
			want:     []string{"master.cf:1:1: warning: |continues nothing"},
			services: []string{"smtp"},
		},
		{
			name: "bad -o",
			in:   "smtp inet n - n - - smtpd -o novalue -o { =x } -o { a = b\nrelay unix - - n - - smtp -o\n",
			want: []string{
				`master.cf:1:30: warning: |expected name=value after -o, not "novalue"`,
				`master.cf:1:43: warning: |expected name=value after -o`,
				`master.cf:1:51: warning: |missing '}'`,
				`master.cf:2:27: warning: |-o needs a name=value argument`,
			},
			services: []string{"smtp", "relay"},
		},
		{
			name:     "text after a brace",
			in:       "smtp inet n - n - - smtpd -o {a=b}c\n",
			want:     []string{`master.cf:1:35: warning: |text after '}'`},
			services: []string{"smtp"},
		},
		{
			name:     "postconf splits at o",
			in:       "smtp inet n - n - - smtpd -oreceive_override_options=no_header_body_checks\n",
			want:     []string{`master.cf:1:27: warning: |postconf(1) reads this entry's -o settings differently`},
			services: []string{"smtp"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, diags := ParseMasterCF("master.cf", []byte(tt.in))
			checkDiags(t, diags, tt.want)
			var names []string
			for _, s := range m.Services {
				names = append(names, s.Name())
			}
			if strings.Join(names, " ") != strings.Join(tt.services, " ") {
				t.Errorf("services %q, want %q", names, tt.services)
			}
		})
	}
}

// TestParseMasterCFDaemonOverrides: the -o settings are those the
// daemon's getopt() finds, also where postconf's normal form differs.
func TestParseMasterCFDaemonOverrides(t *testing.T) {
	m, _ := ParseMasterCF("master.cf", []byte("x inet n - n - - smtpd -n x -oreceive_override_options=no_header_body_checks -voa=2 -ov=4 -- -o not=this\n"))
	var got []string
	for _, o := range m.Services[0].Overrides {
		got = append(got, o.Name+"="+o.Value)
	}
	if want := "receive_override_options=no_header_body_checks a=2 v=4"; strings.Join(got, " ") != want {
		t.Errorf("overrides %q, want %q", got, want)
	}
}
