package cfcompile

import (
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"time"

	"mailcc/m4"
)

// BuildInfo holds what the cf library's sh/makeinfo.sh prints into the
// head of every sendmail.cf: who built it, where and when.
type BuildInfo struct {
	User string
	Host string
	Time time.Time
	Cwd  string
}

// LocalBuildInfo returns this process's facts, as makeinfo.sh would find
// them: the effective user's name (whoami, else $LOGNAME), the host name,
// the time and the working directory.
func LocalBuildInfo() *BuildInfo {
	bi := &BuildInfo{Time: time.Now()}
	if u, err := user.LookupId(fmt.Sprint(os.Geteuid())); err == nil {
		bi.User = u.Username
	} else {
		bi.User = os.Getenv("LOGNAME")
	}
	bi.Host, _ = os.Hostname()
	bi.Cwd, _ = os.Getwd()
	return bi
}

// words mimics the shell's word splitting of an unquoted expansion that
// echo then joins with single blanks.
func words(s string) string { return strings.Join(strings.Fields(s), " ") }

// Lines returns makeinfo.sh's output for the given include directory.
func (bi *BuildInfo) Lines(cfDir string) string {
	// date(1) in the C locale: "%a %b %e %H:%M:%S %Z %Y"
	date := bi.Time.Format("Mon Jan _2 15:04:05 MST 2006")
	cwd := strings.Replace(bi.Cwd, "/tmp_mnt", "", 1)
	dir := strings.Replace(words(cfDir), "/tmp_mnt", "", 1)
	return fmt.Sprintf("##### built by %s@%s on %s\n##### in %s\n##### using %s as configuration include directory\ndefine(`__HOST__', %s)dnl\n",
		bi.User, bi.Host, words(date), words(cwd), dir, bi.Host)
}

// makeinfoHandler answers the two shell commands of cfhead.m4's build
// information step without a shell:
//
//	sh DIR/sh/makeinfo.sh DIR > TEMPFILE
//	rm -f TEMPFILE
//
// TEMPFILE must be a file this run created with maketemp/mkstemp. Any
// other command is left to the engine (refused without --allow-shell).
func makeinfoHandler(bi *BuildInfo, c *compiler) func(string, m4.ShellContext) (string, int, bool, error) {
	return func(cmd string, ctx m4.ShellContext) (string, int, bool, error) {
		f := strings.Fields(cmd)
		switch {
		case len(f) >= 4 && len(f) <= 5 && f[0] == "sh" && strings.HasSuffix(f[1], "makeinfo.sh") &&
			f[len(f)-2] == ">" && ctx.TempFiles[f[len(f)-1]] && !ctx.Esyscmd:
			script, target := f[1], f[len(f)-1]
			dir := ""
			if len(f) == 5 {
				dir = f[2]
			}
			w, err := c.openWrite(target)
			if err != nil {
				return "", 0, false, fmt.Errorf("writing the build information to %s: %w", target, err)
			}
			defer w.Close()
			if _, err := c.stat(script); err != nil {
				// what sh would do: an empty file and a complaint
				fmt.Fprintf(c.stderr(), "sh: 0: cannot open %s: No such file\n", script)
				return "", 2, true, nil
			}
			if _, err := io.WriteString(w, bi.Lines(dir)); err != nil {
				return "", 0, false, fmt.Errorf("writing the build information to %s: %w", target, err)
			}
			return "", 0, true, nil
		case len(f) == 3 && f[0] == "rm" && f[1] == "-f" && ctx.TempFiles[f[2]]:
			if err := os.Remove(f[2]); err != nil && !os.IsNotExist(err) {
				return "", 1, true, nil
			}
			delete(ctx.TempFiles, f[2])
			return "", 0, true, nil
		}
		return "", 0, false, nil
	}
}
