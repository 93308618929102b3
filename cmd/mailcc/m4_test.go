package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"mailcc/internal/testenv"
)

// knownFailures lists the GNU m4 checks mailcc does not pass, with the
// reason; it is read from testdata/gnu-m4-known-failures.txt (one check
// per line: name, a tab, the reason). The README summarises it.
func knownFailures(t *testing.T) map[string]string {
	f, err := os.Open(filepath.Join("testdata", "gnu-m4-known-failures.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	known := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, reason, _ := strings.Cut(line, "\t")
		known[name] = reason
	}
	return known
}

// TestGNUm4Checks runs the numbered examples of GNU m4 1.4.19's checks/
// folder with its own check-them script, mailcc being the m4 under test
// (invoked through a link named m4, as the script wants). check-them
// compares standard output, standard error and the exit status.
func TestGNUm4Checks(t *testing.T) {
	src := testenv.SourceDir(t, "m4-1.4.*")
	checks := filepath.Join(src, "checks")
	files, _ := filepath.Glob(filepath.Join(checks, "[0-9][0-9][0-9].*"))
	if len(files) == 0 {
		t.Fatalf("no checks in %s", checks)
	}
	dir := t.TempDir()
	link := filepath.Join(dir, "m4")
	if err := os.Symlink(testenv.Mailcc(t), link); err != nil {
		t.Fatal(err)
	}
	args := []string{"./check-them", "-I", "../examples", "-m", link}
	for _, f := range files {
		args = append(args, filepath.Base(f))
	}
	cmd := exec.Command("sh", args...)
	cmd.Dir = checks
	// the checks run m4 from syscmd (with the test's own m4 as
	// __program__), so the shell is allowed through the environment
	cmd.Env = append(os.Environ(), "MAILCC_ALLOW_SHELL=1")
	out, _ := cmd.CombinedOutput()
	report := string(out)

	failed := listAfter(report, "Failed checks were:")
	skipped := listAfter(report, "Skipped checks were:")
	failedSet := map[string]bool{}
	for _, f := range failed {
		name, _, _ := strings.Cut(f, ":")
		failedSet[name] = true
	}
	total := len(files) - len(skipped)
	passed := total - len(failedSet)
	t.Logf("GNU m4 checks: %d of %d pass (%d skipped: the changeword checks, as for Debian's GNU m4)", passed, total, len(skipped))

	known := knownFailures(t)
	var unexpected, fixed []string
	for name := range failedSet {
		if _, ok := known[name]; !ok {
			unexpected = append(unexpected, name)
		}
	}
	for name := range known {
		if !failedSet[name] {
			fixed = append(fixed, name)
		}
	}
	sort.Strings(unexpected)
	sort.Strings(fixed)
	if len(unexpected) > 0 {
		t.Errorf("checks that fail and are not known failures: %v\n%s", unexpected, report)
	}
	if len(fixed) > 0 {
		t.Logf("known failures that now pass (remove them from testdata/gnu-m4-known-failures.txt): %v", fixed)
	}
	if passed < 210 {
		t.Errorf("only %d of %d GNU m4 checks pass; at least 210 must", passed, total)
	}
}

// listAfter returns the blank-separated words on the line after header.
func listAfter(report, header string) []string {
	i := strings.Index(report, header)
	if i < 0 {
		return nil
	}
	rest := report[i+len(header):]
	rest = strings.TrimLeft(rest, "\n")
	line, _, _ := strings.Cut(rest, "\n")
	return strings.Fields(line)
}
