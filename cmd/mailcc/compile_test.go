package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"mailcc/internal/testenv"
)

// mailcc runs the binary in dir and returns stdout, stderr and the exit
// status.
func mailccRun(t *testing.T, dir string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(testenv.Mailcc(t), args...)
	cmd.Dir = dir
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	st := 0
	if ee, ok := err.(*exec.ExitError); ok {
		st = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), st
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

const goodMC = "include(`/usr/share/sendmail/cf/m4/cf.m4')dnl\nOSTYPE(`linux')dnl\nMAILER(`local')dnl\nMAILER(`smtp')dnl\n"

// TestCompileOutputFile: -o writes atomically, keeps an existing file
// when the cf library reports *** ERROR (unless --force), and the exit
// status says whether the .cf is good.
func TestCompileOutputFile(t *testing.T) {
	testenv.CFDir(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "good.mc"), goodMC)
	writeFile(t, filepath.Join(dir, "bad.mc"), "include(`/usr/share/sendmail/cf/m4/cf.m4')dnl\nOSTYPE(`linux')dnl\nMAILER(`local')dnl\nFEATURE(`access_db')dnl\n")
	cf := filepath.Join(dir, "sendmail.cf")

	if _, stderr, st := mailccRun(t, dir, "good.mc", "-o", cf); st != 0 {
		t.Fatalf("good.mc: status %d: %s", st, stderr)
	}
	good, _ := os.ReadFile(cf)
	if !bytes.Contains(good, []byte("\nMlocal,")) {
		t.Fatalf("sendmail.cf has no local mailer:\n%.300s", good)
	}

	_, stderr, st := mailccRun(t, dir, "bad.mc", "-o", cf)
	if st == 0 {
		t.Fatal("bad.mc: exit status 0")
	}
	if !strings.Contains(stderr, "*** ERROR: FEATURE() should be before MAILER()") || !strings.Contains(stderr, "not written") {
		t.Errorf("stderr does not show the cf error and the refusal:\n%s", stderr)
	}
	if now, _ := os.ReadFile(cf); !bytes.Equal(now, good) {
		t.Error("the existing sendmail.cf was changed by a failed compilation")
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".sendmail.cf.tmp-*")); len(m) > 0 {
		t.Errorf("temporary files left behind: %v", m)
	}

	if _, _, st := mailccRun(t, dir, "bad.mc", "-o", cf, "--force"); st == 0 {
		t.Error("--force: a broken .cf must still give a failure status")
	}
	if now, _ := os.ReadFile(cf); bytes.Equal(now, good) {
		t.Error("--force did not write the .cf")
	}

	// to standard output, with the compile subcommand
	out, _, st := mailccRun(t, dir, "compile", "good.mc")
	if st != 0 || !strings.Contains(out, "\nMlocal,") {
		t.Errorf("compile good.mc: status %d, output %.200q", st, out)
	}
}

// TestCompileRoot: --root reads absolute includes under the root, and
// the cf library from its real place.
func TestCompileRoot(t *testing.T) {
	testenv.CFDir(t)
	root := t.TempDir()
	mc := goodMC + "include(`/etc/mail/m4/site.m4')dnl\n"
	writeFile(t, filepath.Join(root, "etc/mail/sendmail.mc"), mc)
	writeFile(t, filepath.Join(root, "etc/mail/m4/site.m4"), "LOCAL_CONFIG\nC{RootedSite}yes\n")
	out, stderr, st := mailccRun(t, root, "--root", root, "/etc/mail/sendmail.mc")
	if st != 0 {
		t.Fatalf("status %d: %s", st, stderr)
	}
	if !strings.Contains(out, "C{RootedSite}yes") {
		t.Error("the site include under --root was not read")
	}
}

// TestCompileMissingLibrary: the error names the path tried and the
// Debian package.
func TestCompileMissingLibrary(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "x.mc"), "include(`/no/such/cf/m4/cf.m4')dnl\nOSTYPE(`linux')dnl\n")
	_, stderr, st := mailccRun(t, dir, "x.mc", "-o", filepath.Join(dir, "x.cf"))
	if st == 0 {
		t.Fatal("exit status 0")
	}
	want := "x.mc:1: error: the sendmail cf library is not at /no/such/cf/m4/cf.m4: install Debian's package sendmail-cf, or give its location with --cf-dir"
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr:\n%s\nwant a line containing:\n%s", stderr, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.cf")); err == nil {
		t.Error("x.cf was written")
	}
	// --cf-dir repairs it
	if _, stderr, st := mailccRun(t, dir, "x.mc", "--cf-dir", testenv.CFDir(t)); st != 0 {
		t.Errorf("with --cf-dir: status %d: %s", st, stderr)
	}
}

// TestCompileOrigins: --origins maps .cf lines to the .mc lines they came
// from.
func TestCompileOrigins(t *testing.T) {
	testenv.CFDir(t)
	dir := t.TempDir()
	mc := strings.Replace(goodMC, "MAILER(`local')", "FEATURE(`use_cw_file')dnl\nMAILER(`local')", 1)
	writeFile(t, filepath.Join(dir, "o.mc"), mc)
	if _, stderr, st := mailccRun(t, dir, "o.mc", "-o", "o.cf", "--origins", "o.map"); st != 0 {
		t.Fatalf("status %d: %s", st, stderr)
	}
	cf, _ := os.ReadFile(filepath.Join(dir, "o.cf"))
	m, err := os.ReadFile(filepath.Join(dir, "o.map"))
	if err != nil {
		t.Fatal(err)
	}
	cfLines := strings.Split(string(cf), "\n")
	found := false
	for _, l := range strings.Split(strings.TrimSpace(string(m)), "\n") {
		f := strings.SplitN(l, "\t", 3)
		if len(f) != 3 {
			t.Fatalf("bad origins line %q", l)
		}
		// the FEATURE(`use_cw_file') on line 3 writes its version line
		if f[1] == "o.mc:3" && strings.Contains(f[2], "FEATURE at o.mc:3") {
			var n int
			for _, c := range f[0] {
				n = n*10 + int(c-'0')
			}
			if n >= 1 && n <= len(cfLines) && strings.Contains(cfLines[n-1], "$Id: use_cw_file.m4") {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("the use_cw_file version line is not attributed to FEATURE at o.mc:3:\n%s", m)
	}
}
