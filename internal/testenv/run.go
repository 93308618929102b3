package testenv

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Result is the outcome of one run of a tool.
type Result struct {
	Stdout, Stderr []byte
	Code           int
}

// Run runs a real tool in dir with stdin and returns what it printed and
// its exit status; it fails the test only when the tool cannot be run.
func Run(t testing.TB, dir string, stdin []byte, prog string, args ...string) Result {
	t.Helper()
	cmd := exec.Command(prog, args...)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(stdin)
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
	return Result{o.Bytes(), e.Bytes(), code}
}

// RunSendmail runs the real sendmail. sendmail sleeps a minute when the
// machine's host name is not qualified, so it runs in a private UTS
// namespace named mx.example.test when unshare allows it.
func RunSendmail(t testing.TB, dir string, stdin []byte, args ...string) Result {
	t.Helper()
	sendmail := Tool(t, "sendmail")
	if ns := UnshareArgs(); ns != nil {
		sh := "hostname mx.example.test && exec \"$0\" \"$@\""
		return Run(t, dir, stdin, "unshare", append(append(ns, "sh", "-c", sh, sendmail), args...)...)
	}
	if h, _ := os.Hostname(); !strings.Contains(h, ".") {
		t.Fatalf("sendmail sleeps a minute per run on a host whose name (%q) is not qualified, "+
			"and unshare cannot give it another name here", h)
	}
	return Run(t, dir, stdin, sendmail, args...)
}

var (
	unshareOnce sync.Once
	unshareNS   []string
)

// UnshareArgs returns the unshare options that give a process its own
// host name here: as root, or in a user namespace; nil if neither works.
func UnshareArgs() []string {
	unshareOnce.Do(func() {
		for _, ns := range [][]string{{"--uts"}, {"--user", "--map-root-user", "--uts"}} {
			if exec.Command("unshare", append(ns, "hostname", "mx.example.test")...).Run() == nil {
				unshareNS = ns
				return
			}
		}
	})
	return unshareNS
}

// EmptyCF writes the empty sendmail.cf makemap must be given when run
// as root (it reads /etc/mail/sendmail.cf otherwise) and returns its
// path.
func EmptyCF(t testing.TB, dir string) string {
	t.Helper()
	cf := filepath.Join(dir, "empty.cf")
	if err := os.WriteFile(cf, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return cf
}

// aliasCF is built once: a sendmail.cf from the real cf library whose
// alias file is @@DIR@@/aliases.
var (
	aliasCFOnce sync.Once
	aliasCFText string
	aliasCFErr  string
)

const aliasMC = "divert(-1)\ninclude(CFDIR/m4/cf.m4)\ndivert(0)\n" +
	"OSTYPE(`linux')dnl\n" +
	"define(`confDOMAIN_NAME', `mx.example.test')dnl\n" +
	"define(`ALIAS_FILE', `@@DIR@@/aliases')dnl\n" +
	"define(`confDONT_PROBE_INTERFACES', `True')dnl\n" +
	"define(`confDONT_BLAME_SENDMAIL', `TrustStickyBit')dnl\n" +
	"MAILER(`local')dnl\nMAILER(`smtp')dnl\n"

// AliasCF writes dir/sendmail.cf, built by GNU m4 from the installed cf
// library, whose alias file is dir/aliases, whose host name is
// mx.example.test and whose queue is dir; it returns its path. sendmail
// -bi -C that file rebuilds dir/aliases.db.
func AliasCF(t testing.TB, dir string) string {
	t.Helper()
	cfdir := CFDir(t)
	m4 := Tool(t, "m4")
	aliasCFOnce.Do(func() {
		mc := strings.Replace(aliasMC, "CFDIR", cfdir, 1)
		cmd := exec.Command(m4)
		cmd.Stdin = strings.NewReader(mc)
		out, err := cmd.Output()
		if err != nil {
			aliasCFErr = err.Error()
			return
		}
		var b strings.Builder
		for _, line := range strings.Split(string(out), "\n") {
			switch {
			case strings.HasPrefix(line, "O QueueDirectory="):
				line = "O QueueDirectory=@@DIR@@"
			case strings.HasPrefix(line, "O StatusFile="), strings.HasPrefix(line, "O HostStatusDirectory="),
				strings.HasPrefix(line, "O PidFile="):
				line = "#" + line
			case strings.HasPrefix(line, "O HelpFile="):
				line = "O HelpFile=/dev/null"
			}
			b.WriteString(line + "\n")
		}
		aliasCFText = b.String()
	})
	if aliasCFErr != "" {
		t.Fatalf("m4: %s", aliasCFErr)
	}
	cf := filepath.Join(dir, "sendmail.cf")
	if err := os.WriteFile(cf, []byte(strings.ReplaceAll(aliasCFText, "@@DIR@@", dir)), 0o644); err != nil {
		t.Fatal(err)
	}
	return cf
}

// PostfixDir makes a Postfix configuration folder with mainCF as its
// main.cf, dated in the past (Postfix waits for a main.cf modified in
// the last seconds to settle).
func PostfixDir(t testing.TB, dir, mainCF string) {
	t.Helper()
	cf := filepath.Join(dir, "main.cf")
	if err := os.WriteFile(cf, []byte(mainCF), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(cf, old, old); err != nil {
		t.Fatal(err)
	}
}

// ShortTempDir is a temporary folder with a short name: sendmail
// shortens long file names in its messages.
func ShortTempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "mc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
