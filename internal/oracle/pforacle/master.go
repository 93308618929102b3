package pforacle

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// recordedCommands are the delivery agents replaced by recorders.
var recordedCommands = map[string]bool{"smtp": true, "lmtp": true, "local": true, "virtual": true, "pipe": true}

// recorderScript stands in for a delivery agent: pipe(8) runs it as
// nobody with SERVICE NEXTHOP SENDER RECIPIENT... and the message on
// standard input, and it writes them to a file of the records folder.
const recorderScript = `#!/bin/sh
# pforacle recorder. argv: SERVICE NEXTHOP SENDER RECIPIENT...
d="@RECORDS@"
f="$d/$(date +%s%N).$$"
{
  printf 'service=%s\n' "$1"
  printf 'nexthop=%s\n' "$2"
  printf 'sender=%s\n' "$3"
  shift 3
  for r in "$@"; do printf 'recipient=%s\n' "$r"; done
  printf '\n'
  cat
} > "$f.tmp" && mv "$f.tmp" "$f.rec"
exit 0
`

// defaultMaster is used when the configuration has no master.cf:
// Postfix 3's services, chroot off.
const defaultMaster = `# built-in master.cf of pforacle (postfix 3.x defaults, chroot off)
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`

// injectOptions make the injection listener accept anything, so that
// only cleanup, qmgr and trivial-rewrite decide a message's route. The
// injected message stands for one the MTA has taken (a resolve or
// header_from probe, sendmail's address test mode), so no part of the
// SMTP dialogue changes it either: smtpd_command_filter rewrites
// commands of remote clients, which the mail and rcpt probes test.
var injectOptions = []string{
	"smtpd_client_restrictions=", "smtpd_helo_restrictions=",
	"smtpd_sender_restrictions=", "mynetworks=127.0.0.0/8",
	"smtpd_relay_restrictions=permit_mynetworks,reject_unauth_destination",
	"smtpd_recipient_restrictions=permit", "smtpd_data_restrictions=",
	"smtpd_end_of_data_restrictions=", "smtpd_etrn_restrictions=",
	"smtpd_reject_unlisted_recipient=no", "smtpd_reject_unlisted_sender=no",
	"local_recipient_maps=", "relay_recipient_maps=", "smtpd_milters=",
	"smtpd_delay_reject=yes", "smtpd_client_connection_rate_limit=0",
	"smtpd_client_message_rate_limit=0", "smtpd_client_recipient_rate_limit=0",
	"smtpd_client_connection_count_limit=0", "smtpd_tls_security_level=none",
	"smtpd_sasl_auth_enable=no", "smtpd_recipient_limit=1000",
	"smtpd_command_filter=",
}

// masterEntry is one service of master.cf: its first line's fields and
// its continuation lines.
type masterEntry struct {
	fields []string
	cont   []string
}

// args is the command and its arguments (field 8 on, and every
// continuation line).
func (e masterEntry) args() []string {
	args := slices.Clone(e.fields[7:])
	for _, c := range e.cont {
		args = append(args, strings.Fields(c)...)
	}
	return args
}

// parseMaster splits master.cf into entries; comments and blank lines
// are dropped.
func parseMaster(text string) []masterEntry {
	var out []masterEntry
	for _, ln := range strings.Split(text, "\n") {
		t := strings.TrimSpace(ln)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if ln[0] == ' ' || ln[0] == '\t' {
			if len(out) > 0 {
				out[len(out)-1].cont = append(out[len(out)-1].cont, t)
			}
			continue
		}
		out = append(out, masterEntry{fields: strings.Fields(ln)})
	}
	return out
}

// oOptions returns the -o settings of a daemon's arguments: "-o
// name=value", "-oname=value" and "-o { name = value }".
func oOptions(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-o" && i+1 < len(args) && strings.HasPrefix(args[i+1], "{"):
			j := i + 1
			for j < len(args)-1 && !strings.HasSuffix(args[j], "}") {
				j++
			}
			out = append(out, strings.Join(args[i+1:j+1], " "))
			i = j
		case a == "-o" && i+1 < len(args):
			out = append(out, args[i+1])
			i++
		case strings.HasPrefix(a, "-o") && len(a) > 2:
			out = append(out, a[2:])
		}
	}
	return out
}

// writeMaster writes the instance's master.cf from the configuration's
// (or the default): chroot off, every inet and pass service dropped
// (the -o settings of the port-25 smtpd kept), every delivery agent a
// recorder, and the three probe listeners.
func (in *instance) writeMaster(text string) error {
	out := []string{"# generated by pforacle"}
	var smtpdOpts, recorded []string
	have := map[string]bool{}
	for _, e := range parseMaster(text) {
		if len(e.fields) < 8 {
			continue
		}
		name, typ := e.fields[0], e.fields[1]
		args := e.args()
		cmd := args[0]
		if (typ == "inet" || typ == "pass") && in.ownListeners {
			f := slices.Clone(e.fields[:7])
			f[4] = "n" // chroot off
			out = append(out, strings.Join(append(f, args...), " "))
			continue
		}
		if typ == "inet" || typ == "pass" {
			if (name == "smtp" || name == "25") && cmd == "smtpd" {
				smtpdOpts = oOptions(args[1:])
			} else {
				in.note("master.cf: %s %s service dropped (only the port-25 smtpd is probed)", name, typ)
			}
			continue
		}
		have[name] = true
		if typ == "unix" && recordedCommands[cmd] {
			recorded = append(recorded, name)
			out = append(out, fmt.Sprintf("%s unix - n n - - pipe flags= user=nobody argv=%s/recorder.sh %s ${nexthop} ${sender} ${recipient}",
				name, in.tmp, name))
			continue
		}
		f := slices.Clone(e.fields[:7])
		f[4] = "n" // chroot off
		out = append(out, strings.Join(append(f, args...), " "))
	}
	if !have["postlog"] {
		out = append(out, "postlog unix-dgram n - n - 1 postlogd")
	}
	if len(recorded) > 0 {
		in.note("delivery agents replaced by recorders: %s", strings.Join(recorded, ", "))
	}
	if in.ownListeners {
		return writeAged(filepath.Join(in.etc, "master.cf"), strings.Join(out, "\n")+"\n")
	}
	var sasl []string
	if in.postconf("-h", "smtpd_sasl_auth_enable") != "yes" &&
		!slices.ContainsFunc(smtpdOpts, func(o string) bool { return strings.HasPrefix(o, "smtpd_sasl_auth_enable=yes") }) {
		// XCLIENT LOGIN= counts for permit_sasl_authenticated only
		// when SASL is on.
		sasl = []string{"smtpd_sasl_auth_enable=yes"}
		in.note("smtpd_sasl_auth_enable=yes forced on the probe listeners so that XCLIENT LOGIN= (rcpt AUTH_USER) is honoured")
	}
	listener := func(l string, opts ...[]string) {
		s := fmt.Sprintf("127.0.0.1:%d inet n - n - - smtpd", in.ports[l])
		for _, o := range slices.Concat(opts...) {
			s += "\n  -o " + o
		}
		out = append(out, s)
	}
	listener(lisRcpt, smtpdOpts, sasl, []string{"syslog_name=" + syslogName(lisRcpt)})
	listener(lisEarly, smtpdOpts, sasl, []string{"smtpd_delay_reject=no", "syslog_name=" + syslogName(lisEarly)})
	listener(lisInject, injectOptions, []string{"syslog_name=" + syslogName(lisInject)})
	return writeAged(filepath.Join(in.etc, "master.cf"), strings.Join(out, "\n")+"\n")
}

// writeAged writes a configuration file and backdates it: every Postfix
// program that reads a main.cf changed in the last seconds waits for it
// to settle (about 2 s per postconf call and for postfix start and
// stop), and the instance's files are written whole.
func writeAged(path, text string) error {
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return err
	}
	return backdate(path)
}

func backdate(path string) error {
	old := time.Now().Add(-time.Hour)
	return os.Chtimes(path, old, old)
}

// syslogName is the syslog_name of a listener's smtpd.
func syslogName(listener string) string { return "postfix/oracle-" + listener }
