package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"mailcc/internal/testenv"
)

// The differential test of mailcc postconf: every main.cf of the shared
// corpus (../shared/corpus/postfix/*/) and of the project's corpus
// (corpus/postfix/*/) is shown by the real postconf and by the mailcc
// binary, in several modes, and everything they print must agree.
//
// Which main.cf files are used: a case folder's main.cf, unless it is a
// template of a configuration manager rather than a main.cf: one that
// holds "{{" not after a '$' or "{%" (Jinja2, as Ansible and Salt
// write them) or "<%" (ERB and Puppet EPP). Postfix writes "{{" only
// in a relational expression, "${{$a} == {b} ? ...}", so that one is
// not a template; a Postfix value has no other use for these pairs, and
// postconf would report the template's own syntax, not Postfix's.
//
// How the comparison is pinned to no machine: main.cf is copied into a
// temporary folder (with the case's master.cf and its other files) and
// the host-dependent parameters that the file does not set are set at
// its top (myhostname = mx.example.test, mydomain = example.test,
// mynetworks = 127.0.0.0/8 [::1]/128), so that neither tool asks the
// system for them; a case that sets them keeps its own values. Both
// programs read the same folder with -c; the real postconf runs with
// argv[0] "postconf", so the messages name the same program.
//
// $process_id is the process's own number, different for the two
// programs: a line of standard output that differs only there, where
// each program printed its own process id, counts as the same.
//
// What must agree: the exit status and the standard output byte for
// byte; the standard error line for line in any order, because Postfix
// prints some warnings (undefined and unused parameters, database client
// configurations) while walking its hash tables, whose order changes
// from run to run (four runs of postconf -n on the same folder gave four
// orders), while mailcc prints them in the order of the files.

// pinned are the host-dependent parameters set for every case that does
// not set them itself.
var pinned = []struct{ name, value string }{
	{"myhostname", "mx.example.test"},
	{"mydomain", "example.test"},
	{"mynetworks", "127.0.0.0/8 [::1]/128"},
}

// postconfNames are the parameters shown one by one in the "-x names"
// mode: those that say who the server is and where mail goes, the
// restriction lists and the tables, and one that does not exist.
var postconfNames = []string{
	"myhostname", "mydomain", "myorigin", "mydestination", "mynetworks",
	"mynetworks_style", "inet_interfaces", "inet_protocols",
	"compatibility_level", "relay_domains", "relayhost", "relay_transport",
	"default_transport", "local_transport", "transport_maps",
	"smtpd_client_restrictions", "smtpd_helo_restrictions",
	"smtpd_sender_restrictions", "smtpd_relay_restrictions",
	"smtpd_recipient_restrictions", "smtpd_restriction_classes",
	"virtual_alias_maps", "virtual_alias_domains", "virtual_mailbox_domains",
	"virtual_mailbox_maps", "alias_maps", "alias_database",
	"local_recipient_maps", "canonical_maps", "sender_canonical_maps",
	"recipient_canonical_maps", "smtp_generic_maps", "masquerade_domains",
	"proxy_read_maps", "smtpd_tls_security_level", "smtp_tls_security_level",
	"mail_owner", "queue_directory", "no_such_parameter",
}

// postconfModes are the command lines compared on every main.cf (-c DIR
// is added in front).
var postconfModes = []struct {
	name string
	args []string
}{
	{"-n", []string{"-n"}},
	{"-n -x", []string{"-n", "-x"}},
	{"-x names", append([]string{"-x"}, postconfNames...)},
	{"names", postconfNames},
	{"-n -h", []string{"-n", "-h"}},
}

// templateRE finds configuration-manager template syntax (see above).
var templateRE = regexp.MustCompile(`(^|[^$])\{\{|\{%|<%`)

// postconfCase is a folder holding a main.cf.
type postconfCase struct {
	name, dir string
}

// postconfCases lists the main.cf cases of both corpora, templates left
// out; skipped names the templates.
func postconfCases(t *testing.T) (cases []postconfCase, skipped []string) {
	t.Helper()
	var roots []string
	if sh := testenv.Shared(); sh != "" {
		roots = append(roots, filepath.Join(sh, "corpus", "postfix"))
	} else if testenv.InCI() {
		t.Fatal("../shared/corpus/postfix is not there")
	}
	roots = append(roots, filepath.Join(testenv.Root(), "corpus", "postfix"))
	for _, root := range roots {
		dirs, err := os.ReadDir(root)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range dirs {
			dir := filepath.Join(root, d.Name())
			data, err := os.ReadFile(filepath.Join(dir, "main.cf"))
			if err != nil {
				continue
			}
			name := filepath.Base(root) + "/" + d.Name()
			if filepath.Dir(root) == filepath.Join(testenv.Root(), "corpus") {
				name = "project/" + d.Name()
			} else {
				name = "shared/" + d.Name()
			}
			if templateRE.Match(data) {
				skipped = append(skipped, name)
				continue
			}
			cases = append(cases, postconfCase{name: name, dir: dir})
		}
	}
	return cases, skipped
}

// pinMainCF returns main.cf with the pinned parameters it does not set
// put at its top.
func pinMainCF(data []byte) []byte {
	var b bytes.Buffer
	for _, p := range pinned {
		re := regexp.MustCompile(`(?m)^` + p.name + `[ \t]*=`)
		if !re.Match(data) {
			fmt.Fprintf(&b, "%s = %s\n", p.name, p.value)
		}
	}
	b.Write(data)
	return b.Bytes()
}

// postconfDir copies a case folder's files into a new temporary folder,
// main.cf pinned, and returns that folder.
func postconfDir(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	files, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.IsDir() || f.Name() == "main.cf" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(filepath.Join(src, "main.cf"))
	if err != nil {
		t.Fatal(err)
	}
	testenv.PostfixDir(t, dir, string(pinMainCF(data)))
	return dir
}

// runAs runs prog under the name argv0 in dir; it returns what it
// printed, its exit status and its process id.
func runAs(t testing.TB, dir, prog, argv0 string, args ...string) (toolRun, int) {
	t.Helper()
	cmd := exec.Command(prog, args...)
	cmd.Args[0] = argv0
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MAIL_CONFIG=", "LANG=C", "LC_ALL=C")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("%s: %v", prog, err)
		}
		code = ee.ExitCode()
	}
	return toolRun{o.Bytes(), e.Bytes(), code}, cmd.Process.Pid
}

// sameOutput says whether two outputs are the same, lines where each
// program printed its own process id (mpid, rpid) where the other
// printed its own counting as the same.
func sameOutput(m, r []byte, mpid, rpid int) bool {
	if bytes.Equal(m, r) {
		return true
	}
	ml, rl := strings.Split(string(m), "\n"), strings.Split(string(r), "\n")
	if len(ml) != len(rl) {
		return false
	}
	mre := regexp.MustCompile(fmt.Sprintf(`\b%d\b`, mpid))
	rre := regexp.MustCompile(fmt.Sprintf(`\b%d\b`, rpid))
	for i := range ml {
		if ml[i] != rl[i] && mre.ReplaceAllString(ml[i], "PID") != rre.ReplaceAllString(rl[i], "PID") {
			return false
		}
	}
	return true
}

// sortedLines is text's lines sorted.
func sortedLines(b []byte) string {
	lines := strings.SplitAfter(string(b), "\n")
	sort.Strings(lines)
	return strings.Join(lines, "")
}

// comparePostconf runs both programs with args in dir and reports what
// differs; it returns whether they agree.
func comparePostconf(t *testing.T, real, mailcc, dir string, args ...string) bool {
	t.Helper()
	r, rpid := runAs(t, dir, real, "postconf", args...)
	m, mpid := runAs(t, dir, mailcc, "mailcc", append([]string{"postconf"}, args...)...)
	ok := true
	if m.code != r.code {
		t.Errorf("postconf %s: exit status %d, real %d", strings.Join(args, " "), m.code, r.code)
		ok = false
	}
	if !sameOutput(m.stdout, r.stdout, mpid, rpid) {
		t.Errorf("postconf %s: stdout differs:\n%s", strings.Join(args, " "), diffText(string(m.stdout), string(r.stdout)))
		ok = false
	}
	if !bytes.Equal(m.stderr, r.stderr) && sortedLines(m.stderr) != sortedLines(r.stderr) {
		t.Errorf("postconf %s: stderr differs:\nmailcc:\n%s\nreal:\n%s", strings.Join(args, " "), m.stderr, r.stderr)
		ok = false
	}
	return ok
}

// compareModes runs comparePostconf with -c dir and each of modes, all
// at once (the real postconf sleeps a second after a fatal error), and
// says which agree.
func compareModes(t *testing.T, real, mailcc, dir string, modes [][]string) []bool {
	t.Helper()
	ok := make([]bool, len(modes))
	var wg sync.WaitGroup
	for i, args := range modes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok[i] = comparePostconf(t, real, mailcc, dir, append([]string{"-c", dir}, args...)...)
		}()
	}
	wg.Wait()
	return ok
}

// TestPostconfCorpus compares mailcc postconf with the real postconf on
// every main.cf of both corpora, in every mode of postconfModes, and
// logs how many agree per mode.
func TestPostconfCorpus(t *testing.T) {
	real := testenv.Tool(t, "postconf")
	mailcc := testenv.Mailcc(t)
	cases, skipped := postconfCases(t)
	if len(cases) == 0 {
		t.Fatal("no main.cf cases")
	}
	agree := make([]atomic.Int32, len(postconfModes))
	var modes [][]string
	for _, mode := range postconfModes {
		modes = append(modes, mode.args)
	}
	t.Run("case", func(t *testing.T) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				dir := postconfDir(t, c.dir)
				for i, ok := range compareModes(t, real, mailcc, dir, modes) {
					if ok {
						agree[i].Add(1)
					}
				}
			})
		}
	})
	t.Logf("%d main.cf files (%d templates left out: %s)", len(cases), len(skipped), strings.Join(skipped, ", "))
	for i, mode := range postconfModes {
		t.Logf("postconf %s: %d of %d main.cf agree", mode.name, agree[i].Load(), len(cases))
	}
}

// TestPostconfDefaults compares postconf -d: every parameter but
// process_id (the running process's number), and some one by one, with
// -x and -h.
func TestPostconfDefaults(t *testing.T) {
	real := testenv.Tool(t, "postconf")
	mailcc := testenv.Mailcc(t)
	dir := t.TempDir()
	testenv.PostfixDir(t, dir, "")
	var all []string
	r, _ := runAs(t, dir, real, "postconf", "-c", dir, "-d", "-H")
	for _, name := range strings.Fields(string(r.stdout)) {
		if name != "process_id" {
			all = append(all, name)
		}
	}
	if len(all) < 800 {
		t.Fatalf("postconf -d -H lists %d parameters", len(all))
	}
	compareModes(t, real, mailcc, dir, [][]string{
		append([]string{"-d"}, all...),
		append([]string{"-d", "-x"}, all...),
		{"-d", "-x", "myorigin", "mydestination", "relay_domains", "proxy_read_maps", "smtpd_relay_restrictions"},
		{"-d", "-h", "mail_version", "compatibility_level", "mynetworks_style"},
		{"-d", "-H"},
	})
}

// TestPostconfOptions compares the other command lines mailcc supports:
// overrides, folding, names only, and the usage errors.
func TestPostconfOptions(t *testing.T) {
	real := testenv.Tool(t, "postconf")
	mailcc := testenv.Mailcc(t)
	dir := postconfDir(t, filepath.Join(testenv.Root(), "corpus", "postfix", "expansion"))
	compareModes(t, real, mailcc, dir, [][]string{
		{"-n", "-o", "myorigin=$mydomain", "-x"},
		{"-n", "-o", "relayhost=[smart.example.test]:587"},
		{"-n", "-f"},
		{"-n", "-H"},
		{"-x", "-f", "smtpd_recipient_restrictions", "mydestination"},
		{"-d", "-n"},
		{"-h", "-H", "myhostname"},
		{"-d", "-o", "a=b"},
		{"-o", "novalue"},
		{"-o", "=x"},
	})
	// A folder without main.cf.
	empty := t.TempDir()
	compareModes(t, real, mailcc, empty, [][]string{{"-n"}})
}

// postconfEdgeCases are small main.cf and master.cf texts ("" when
// there is none) that each try one corner of the syntax: text with
// nothing to continue, lines without '=' or name, every expansion error
// Postfix reports, relational and compatibility-level expressions,
// white space and control characters, database client parameters,
// master.cf field errors, -o forms and their errors. Left out: inputs
// whose real postconf output changes from run to run (a fatal
// expansion error reached while walking a hash table, after a random
// number of warnings: "a = ${b" with "smtpd_banner = $a", and a
// $name loop).
var postconfEdgeCases = []struct{ mainCF, masterCF string }{
	{" leading = space\nmyhostname = a.b\n", ""},
	{"noequals here\n", ""},
	{"= novalue\n", ""},
	{"smtpd_banner = ${unclosed\n", ""},
	{"smtpd_banner = $(paren\n", ""},
	{"smtpd_banner = $\n", ""},
	{"smtpd_banner = ${}\n", ""},
	{"smtpd_banner = ${x?{a}:{b}}${\n", ""},
	{"x = 1\nsmtpd_banner = ${x?{a}junk}\n", ""},
	{"x = 1\nsmtpd_banner = ${x?{a}:junk{b}}\n", ""},
	{"x = 1\nsmtpd_banner = ${{$x} == {1}}\n", ""},
	{"smtpd_banner = ${{a} = {b} ? {t} : {f}}\n", ""},
	{"smtpd_banner = ${{a} ==foo {b} ? {t} : {f}}\n", ""},
	{"smtpd_banner = ${{a} == b ? {t} : {f}}\n", ""},
	{"smtpd_banner = ${{a} == {b} ? t : {f}}\n", ""},
	{"smtpd_banner = ${{a} == {b} x}\n", ""},
	{"smtpd_banner = ${{a} == {b}\n", ""},
	{"smtpd_banner = ${{a} <level {b} ? {t}:{f}}\n", ""},
	{"smtpd_banner = ${{99999999999999999999} < {1} ? {t}:{f}}\n", ""},
	{"smtpd_banner = ${{3.6.1.2} <level {3} ? {t}:{f}}\n", ""},
	{"smtpd_banner = $a-b ${a b} $\n", ""},
	{"smtpd_banner = ${ name with space }\n", ""},
	{"a = $b\nb = $a\nsmtpd_banner = $a\n", ""},
	{"smtpd_banner = \\\ncontinued\n\tvalue\n", ""},
	{"#only comment\n\n   \n", ""},
	{"", ""},
	{"myhostname = x\r\nmydomain = y\r\n", ""},
	{"smtpd_banner = a\x00b\n", ""},
	{"smtpd_banner = caf\xc3\xa9 \x01 ctrl\n", ""},
	{"x=1\nx=2\nx=1\nsmtpd_banner=$x\n", ""},
	{"smtpd_restriction_classes = a, b c\na = permit\n", ""},
	{"smtpd_restriction_classes = ${x\n", ""},
	{"smtpd_banner = ${x:{a}}}\n", ""},
	{"smtpd_banner = ${x:{a}:{b}}\n", ""},
	{"smtpd_banner = ${x?{a}} trailing $$\n", ""},
	{"relay_domains = inline:{ a=b, {c = d}\n", ""},
	{"relay_domains = inline:{ a=b }x, proxy:ldap:foo\n", ""},
	{"relay_domains = mysql:/nonexistent/file.cf, ldap:{x}\n", ""},
	{"inet_protocols = ipv7\nsmtpd_banner=$mynetworks\n", ""},
	{"mynetworks_style = bogus\n", ""},
	{"config_directory = /elsewhere\n", ""},
	{"smtpd_banner = ${{$compatibility_level} <level {2} ? {old} : {new}}\ncompatibility_level = 3.6.9999\n", ""},
	{"smtpd_banner = a # not a comment\n", ""},
	{"smtpd_banner =\ta\x0b\n\x0c b\n", ""},
	{"smtpd_banner\t=\tv\n", ""},
	{"smtpd_banner=\n", ""},
	{"smtpd_banner = x\n   # indented comment\n  continued\n", ""},
	{"a b = c\n", ""},
	{"a=b=c\nsmtpd_banner=$a\n", ""},
	{"$x = y\n", ""},
	{"smtpd_banner = $1 $_x $x.y ${x}y $(x)y\n", ""},
	{"smtpd_banner = ${x?}${x:}\nx=1\n", ""},
	{"smtpd_banner = ${x ? y}${x : z}\nx=1\n", ""},
	{"smtpd_banner = ${x?{y} }\nx=1\n", ""},
	{"smtpd_banner = ${x?{y} : {z} }\n", ""},
	{"smtpd_banner = ${{ $x } == { 1 } ? { yes } : { no }}\nx = 1\n", ""},
	{"smtpd_banner = ${{01} == {1} ? {yes} : {no}}\n", ""},
	{"smtpd_banner = ${{-1} < {1} ? {yes} : {no}}\n", ""},
	{"smtpd_banner = ${{} == {} ? {yes} : {no}}\n", ""},
	{"smtpd_banner = ${{3} <level {3.0.0} ? {yes} : {no}} ${{3.a} <level {3} ? {y}:{n}}\n", ""},
	{"smtpd_banner = ${{1} == {1}}\n", ""},
	{"smtpd_banner = ${{1} == {1} ? {a}}\n", ""},
	{"smtpd_banner = ${{1} == {2} : {a}}\n", ""},
	{"smtpd_banner = ${x?{a}:{b}:{c}}\nx=1\n", ""},
	{"smtpd_banner = ${x:{a}?{b}}\n", ""},
	{"smtpd_banner = $smtpd_banner x\n", ""},
	{"compatibility_level = 3.6\nsmtpd_banner = ${{$compatibility_level} >=level {3.6} ? {new}:{old}}\n", ""},
	{"compatibility_level = bogus\nsmtpd_banner = ${{$compatibility_level} >=level {3.6} ? {new}:{old}}\n", ""},
	{"compatibility_level = 99999999999\nsmtpd_banner = ${{$compatibility_level} >=level {3.6} ? {new}:{old}}\n", ""},
	{"virtual_alias_maps = ldap:a ldap:a mysql:b proxy:proxy:ldap:c memcache:d sqlite:e pgsql:f\na_bind = no\nd_memcache = x\n", ""},
	{"virtual_alias_maps = {ldap:a, {mysql:b}} pipemap:{ldap:c, hash:/x} unionmap:{ldap:d}\n", ""},
	{"virtual_alias_maps = ldap:$config_directory/none.cf ldap:./rel.cf\n", ""},
	{"relayhost = [a]:25\nsmtp_sasl_password_maps = static:{user:pw}\n", ""},
	// mynetworks_style and inet_protocols, on the loopback interface only.
	{"inet_interfaces = loopback-only\nmynetworks_style = HOST\nsmtpd_banner = $mynetworks\n", ""},
	{"inet_interfaces = loopback-only\nmynetworks_style = host subnet\nsmtpd_banner = $mynetworks\n", ""},
	{"inet_interfaces = loopback-only\nmynetworks_style = host, bogus\nsmtpd_banner = $mynetworks\n", ""},
	{"inet_interfaces = loopback-only\nmynetworks_style =\nsmtpd_banner = $mynetworks\n", ""},
	{"inet_interfaces = loopback-only\nmynetworks_style = host host\nsmtpd_banner = $mynetworks\n", ""},
	{"inet_interfaces = loopback-only\nmynetworks_style = class\nsmtpd_banner = $mynetworks\n", ""},
	{"inet_interfaces = loopback-only\ninet_protocols = IPv4\nsmtpd_banner = $mynetworks\n", ""},
	{"inet_interfaces = loopback-only\ninet_protocols = ipv4, ipv7\nsmtpd_banner = $mynetworks\n", ""},
	{"inet_interfaces = loopback-only\ninet_protocols =\nsmtpd_banner = $mynetworks\n", ""},
	{"inet_interfaces = loopback-only\ninet_protocols = ipv4 all\nsmtpd_banner = $mynetworks\n", ""},
	{"inet_interfaces = loopback-only\ninet_protocols = ipv7 x\nsmtpd_banner = $mynetworks\n", ""},
	{"inet_interfaces = loopback-only\ninet_protocols = ipv6\nmynetworks_style = bogus\nsmtpd_banner = $mynetworks\n", ""},
	{"x = 1\n", "smtp inet n - n - - smtpd\n  -o smtpd_helo_restrictions=$undefined_x\n"},
	{"x = 1\n", "smtp inet n - n\n"},
	{"x = 1\n", "smtp bogus n - n - - smtpd\n"},
	{"x = 1\n", "smtp inet x - n - - smtpd\n"},
	{"x = 1\n", "smtp inet n - n abc - smtpd\n"},
	{"x = 1\n", "smtp inet n - n 10? 1x smtpd\n"},
	{"x = 1\n", "smtp inet n - n - - smtpd -o\n"},
	{"x = 1\n", "smtp inet n - n - - smtpd -o novalue\n"},
	{"x = 1\n", "smtp inet n - n - - smtpd -o =x\n"},
	{"x = 1\n", "smtp inet n - n - - smtpd -o { a = b\n"},
	{"x = 1\n", "smtp inet n - n - - smtpd -o { a = b }x\n"},
	{"x = 1\n", "smtp inet n - n - - smtpd -o {}\n"},
	{"x = 1\n", "smtp inet n - n - - smtpd -o { smtpd_banner = ${x } -o smtpd_client_restrictions=${\n"},
	{"x = 1\n", "  leading\nsmtp inet n - n - - smtpd\n"},
	{"x = 1\n", "smtp inet n - n - - smtpd\n  -o smtpd_banner=a\n  -o smtpd_banner=b\n  -- -o ignored=1\n"},
	{"x = 1\n", "smtp inet n - n - - smtpd foo -o notoption=1\n"},
	{"x = 1\n", "smtp inet n - n - - smtpd -v -o a=1 -ob=2 -vob=3\n"},
	{"x = 1\n", "smtp inet n - n - - smtpd { -o grouped=1 }\n"},
	{"x = 1\n", "smtp unix - - n - - smtp\nrelay unix - - n - - smtp\n -o relay_destination_concurrency_limit=3\nslow unix - - n - 2 smtp -o slow_unknown=1\n"},
	{"x = 1\n", "pipe1 unix - n n - - pipe flags=R user=x argv=/bin/cat ${recipient}\n"},
	{"x = 1\n", "x unix - - n - - spawn\n"},
	{"x = 1\n", "smtp inet n - n - - smtpd\nsmtp inet n - n - - smtpd -o dup=1\n"},
	{"x = 1\n", "smtp inet n - n - - smtpd -o smtpd_restriction_classes=cls -o cls=permit\n"},
	{"x = 1\n", "smtp inet n - n - - smtpd -o process_name=foo -o service_name=bar\n"},
	{"x = 1\n", "smtp inet n - n - - smtpd -o smtpd_client_restrictions=${{a}==b}\n"},
	{"x = 1\n", "smtp inet n - n - - smtpd -o virtual_alias_maps=ldap:foo,mysql:/nonexist/a.cf\n"},
	{"x = 1\n", "a\tunix\t-\t-\tn\t-\t-\tsmtp\r\n"},
}

// TestPostconfEdgeCases compares both programs on postconfEdgeCases,
// with -n, -n -x and -x of a few parameters (not pinned: the
// comparison of what depends on the host is left to TestPostconfCorpus,
// and neither program is shown mynetworks here).
func TestPostconfEdgeCases(t *testing.T) {
	real := testenv.Tool(t, "postconf")
	mailcc := testenv.Mailcc(t)
	var agree atomic.Int32
	t.Run("group", func(t *testing.T) {
		for i, c := range postconfEdgeCases {
			t.Run(fmt.Sprint(i+1), func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				testenv.PostfixDir(t, dir, c.mainCF)
				if c.masterCF != "" {
					if err := os.WriteFile(filepath.Join(dir, "master.cf"), []byte(c.masterCF), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				ok := true
				for _, good := range compareModes(t, real, mailcc, dir, [][]string{
					{"-n"}, {"-n", "-x"},
					{"-x", "smtpd_banner", "mydestination", "relay_domains", "virtual_alias_maps"},
				}) {
					ok = ok && good
				}
				if ok {
					agree.Add(1)
				} else {
					t.Logf("main.cf: %q\nmaster.cf: %q", c.mainCF, c.masterCF)
				}
			})
		}
	})
	t.Logf("edge cases: %d of %d agree in every mode", agree.Load(), len(postconfEdgeCases))
}
