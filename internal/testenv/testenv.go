// Package testenv finds the real tools that mailcc's differential tests
// use as oracles (GNU m4, sendmail's makemap and praliases, Postfix's
// postmap, db_dump, ...) and the folders the tests read (the project
// root, its .cache, ../shared).
//
// A differential test never skips in CI: when the CI environment variable
// is "true" a missing oracle fails the test. Elsewhere the test skips with
// a message that says how to install the tool (`make deps`).
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// InCI reports whether the tests run in CI, where nothing may be skipped
// for lack of an oracle.
func InCI() bool { return os.Getenv("CI") == "true" }

var (
	rootOnce sync.Once
	root     string
)

// Root returns the project's root folder (the one holding go.mod).
func Root() string {
	rootOnce.Do(func() {
		_, file, _, ok := runtime.Caller(0)
		if ok {
			// this file is <root>/internal/testenv/testenv.go
			root = filepath.Dir(filepath.Dir(filepath.Dir(file)))
			if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
				return
			}
		}
		dir, _ := os.Getwd()
		for dir != "/" {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				root = dir
				return
			}
			dir = filepath.Dir(dir)
		}
	})
	return root
}

// Cache returns the folder `make deps` fills (.cache under the root, or
// $CACHE when set).
func Cache() string {
	if c := os.Getenv("CACHE"); c != "" {
		return c
	}
	return filepath.Join(Root(), ".cache")
}

// SendmailBin returns the folder sendmail-bin is unpacked into.
func SendmailBin() string { return filepath.Join(Cache(), "sendmail-bin") }

// SendmailPrograms returns the folder of the unpacked sendmail,
// makemap and praliases (the oracles' BinDir), or reports the first one
// missing.
func SendmailPrograms(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(SendmailBin(), "usr", "libexec", "sendmail")
	for _, name := range []string{"sendmail", "makemap", "praliases"} {
		if _, err := os.Stat(filepath.Join(bin, name)); err != nil {
			Missing(t, "sendmail's "+name+" (sendmail-bin unpacked into .cache)")
		}
	}
	return bin
}

// Shared returns ../shared next to the project (or $MAILCC_SHARED), or ""
// when it is not there.
func Shared() string {
	dir := os.Getenv("MAILCC_SHARED")
	if dir == "" {
		dir = filepath.Join(filepath.Dir(Root()), "shared")
	}
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return dir
	}
	return ""
}

// Missing reports a missing oracle: a failure in CI, a skip elsewhere.
func Missing(t testing.TB, what string) {
	t.Helper()
	msg := what + " is not available; run `make deps` (see README) to install the oracles"
	if InCI() {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// tools maps an oracle's name to where it is looked for, in order.
var tools = map[string][]string{
	"m4":        {"/usr/bin/m4"},
	"makemap":   {"sendmail-bin:/usr/sbin/makemap"},
	"praliases": {"sendmail-bin:/usr/sbin/praliases"},
	"sendmail":  {"sendmail-bin:/usr/libexec/sendmail/sendmail"},
	"editmap":   {"sendmail-bin:/usr/sbin/editmap"},
	"postmap":   {"/usr/sbin/postmap"},
	"postalias": {"/usr/sbin/postalias"},
	"postconf":  {"/usr/sbin/postconf"},
	"postfix":   {"/usr/sbin/postfix"},
	"db_dump":   {"/usr/bin/db_dump", "/usr/bin/db5.3_dump"},
	"db_load":   {"/usr/bin/db_load", "/usr/bin/db5.3_load"},
	"swaks":     {"/usr/bin/swaks"},
	"patch":     {"/usr/bin/patch"}, // dpkg-dev depends on it
}

// Lookup returns the path of an oracle tool, or "" when it is missing.
func Lookup(name string) string {
	for _, cand := range tools[name] {
		if rest, ok := cutPrefix(cand, "sendmail-bin:"); ok {
			cand = filepath.Join(SendmailBin(), rest)
		}
		if st, err := os.Stat(cand); err == nil && !st.IsDir() {
			return cand
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return ""
}

// Tool returns the path of an oracle tool or reports it missing.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p := Lookup(name)
	if p == "" {
		Missing(t, name)
	}
	return p
}

// CFDir returns the installed sendmail cf library (Debian's sendmail-cf),
// or reports it missing.
func CFDir(t testing.TB) string {
	t.Helper()
	dir := "/usr/share/sendmail/cf"
	if _, err := os.Stat(filepath.Join(dir, "m4", "cf.m4")); err != nil {
		Missing(t, "the sendmail cf library (Debian package sendmail-cf)")
	}
	return dir
}

// SourceDir returns the unpacked Debian source package whose folder
// matches glob under .cache/src (for example "m4-1.4.19"), or reports it
// missing.
func SourceDir(t testing.TB, glob string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(Cache(), "src", glob))
	if len(m) == 0 {
		Missing(t, "the source package "+glob+" (fetched by `make deps` into .cache/src)")
	}
	return m[0]
}

func cutPrefix(s, p string) (string, bool) {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return s, false
}

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
	buildOut  []byte
)

// Mailcc returns the path of a mailcc binary built from this tree:
// $MAILCC_BIN when set (`make test` builds it first), else one built once
// per test process into a temporary folder.
func Mailcc(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		if p := os.Getenv("MAILCC_BIN"); p != "" {
			if abs, err := filepath.Abs(p); err == nil {
				if _, err := os.Stat(abs); err == nil {
					buildPath = abs
					return
				}
			}
		}
		dir, err := os.MkdirTemp("", "mailcc-test-bin-")
		if err != nil {
			buildErr = err
			return
		}
		buildPath = filepath.Join(dir, "mailcc")
		cmd := exec.Command("go", "build", "-o", buildPath, "./cmd/mailcc")
		cmd.Dir = Root()
		buildOut, buildErr = cmd.CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("building mailcc: %v\n%s", buildErr, buildOut)
	}
	return buildPath
}
