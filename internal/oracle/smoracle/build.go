package smoracle

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// defaultHostname is the host name sendmail sees when neither the
// options, CONFIGDIR/hostname nor confDOMAIN_NAME name one.
const defaultHostname = "mx.oracle.test"

// config is one configuration built in a temporary folder.
type config struct {
	opt  Options
	src  string // CONFIGDIR, absolute
	dir  string // the temporary folder
	mc   string // the .mc in dir
	cf   string // dir/sendmail.cf
	meta *Meta

	hostname     string
	names        map[string]bool // the rulesets the .cf defines
	mailers      []string
	deliveryMode string
	softBounce   bool
	// blankSub is the BlankSub option (the cf library writes "."; without
	// it a blank): what cataddr() puts between two atoms of the sender it
	// makes $f of
	blankSub string
	tok      tokens
}

func (c *config) note(format string, args ...any) {
	c.meta.Notes = append(c.meta.Notes, fmt.Sprintf(format, args...))
}

// inDir is path's name relative to the temporary folder, or "" when it
// is not inside it.
func (c *config) inDir(path string) (string, bool) {
	return strings.CutPrefix(path, c.dir+"/")
}

// copyTree copies the files of src into dst (which exists), following
// symbolic links. Modes are normalised (folders 0755, files 0644, or
// 0755 when executable): the copy must be writable for the maps built
// next to their sources, and sendmail refuses group- or world-writable
// files.
func copyTree(src, dst string) error {
	src, err := filepath.EvalSymlinks(src)
	if err != nil {
		return err
	}
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil || rel == "." {
			return err
		}
		target := filepath.Join(dst, rel)
		st, err := os.Stat(path) // follows links
		if err != nil {
			return err
		}
		if st.IsDir() {
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
			if d.Type()&fs.ModeSymlink != 0 {
				return copyTree(path, target)
			}
			return nil
		}
		if !st.Mode().IsRegular() {
			return nil
		}
		mode := os.FileMode(0o644)
		if st.Mode()&0o111 != 0 {
			mode = 0o755
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}

// newConfig copies CONFIGDIR into a new temporary folder and picks the
// host name.
func newConfig(configDir string, opt Options, meta *Meta) (*config, error) {
	src, err := filepath.Abs(configDir)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(src); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("smoracle: %s is not a folder", configDir)
	}
	dir, err := os.MkdirTemp(opt.TempDir, "smoracle.")
	if err != nil {
		return nil, err
	}
	// sendmail checks the folders on a file's path: a symlinked $TMPDIR
	// would show up in messages, so use the real path
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	c := &config{opt: opt, src: src, dir: dir, cf: filepath.Join(dir, "sendmail.cf"), meta: meta}
	meta.Dir = dir
	if err := os.Chmod(dir, 0o755); err != nil {
		return c, err
	}
	if err := copyTree(src, dir); err != nil {
		return c, fmt.Errorf("smoracle: copying %s: %w", configDir, err)
	}
	if c.mc, err = c.findMC(); err != nil {
		return c, err
	}
	c.hostname, err = c.pickHostname()
	return c, err
}

func (c *config) findMC() (string, error) {
	p := filepath.Join(c.dir, "sendmail.mc")
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	mcs, _ := filepath.Glob(filepath.Join(c.dir, "*.mc"))
	if len(mcs) == 1 {
		return mcs[0], nil
	}
	return "", fmt.Errorf("smoracle: %s has no sendmail.mc", c.src)
}

var domainNameRE = regexp.MustCompile("define\\(\\s*`?confDOMAIN_NAME'?\\s*,\\s*`?([A-Za-z0-9.\\-]+)'?\\s*\\)")

// pickHostname: the option, else the first word of CONFIGDIR/hostname,
// else confDOMAIN_NAME of the .mc, else mx.oracle.test.
func (c *config) pickHostname() (string, error) {
	if c.opt.Hostname != "" {
		return c.opt.Hostname, nil
	}
	if data, err := os.ReadFile(filepath.Join(c.src, "hostname")); err == nil {
		if f := strings.Fields(string(data)); len(f) > 0 {
			return f[0], nil
		}
	}
	mc, err := os.ReadFile(c.mc)
	if err != nil {
		return "", err
	}
	if m := domainNameRE.FindSubmatch(mc); m != nil {
		return string(m[1]), nil
	}
	return defaultHostname, nil
}

// build makes the .cf, the maps and the aliases database. It runs on a
// thread in the private namespaces, so the programs it starts do too.
func (c *config) build() error {
	hasInclude, err := c.rewriteMC()
	if err != nil {
		return err
	}
	cf, err := c.runM4(hasInclude)
	if err != nil {
		return err
	}
	cf, err = c.editCF(cf)
	if err != nil {
		return err
	}
	if err := c.writeHosts(); err != nil {
		return err
	}
	return c.buildMaps(cf)
}

var (
	cfIncludeRE = regexp.MustCompile("include\\(\\s*`?[^`')]*cf\\.m4'?\\s*\\)")
	includeRE   = regexp.MustCompile("include\\(\\s*`([^']+)'\\s*\\)")
)

// rewriteMC points the .mc's include of cf.m4 at the cf library and its
// /etc/mail/ paths at the temporary folder; a local include that was not
// supplied becomes an empty file.
func (c *config) rewriteMC() (hasInclude bool, err error) {
	data, err := os.ReadFile(c.mc)
	if err != nil {
		return false, err
	}
	cfm4 := c.opt.CFDir + "/m4/cf.m4"
	src := cfIncludeRE.ReplaceAllLiteralString(string(data), "include(`"+cfm4+"')")
	hasInclude = cfIncludeRE.MatchString(string(data))
	if n := strings.Count(src, "/etc/mail/"); n > 0 {
		src = strings.ReplaceAll(src, "/etc/mail/", c.dir+"/")
		c.note("mc: %d /etc/mail/ references redirected to the temp dir", n)
	}
	for _, m := range includeRE.FindAllStringSubmatch(src, -1) {
		rel, ok := c.inDir(m[1])
		if !ok {
			continue
		}
		if _, err := os.Stat(m[1]); err == nil {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(m[1]), 0o755); err != nil {
			return false, err
		}
		if err := os.WriteFile(m[1], nil, 0o644); err != nil {
			return false, err
		}
		c.note("mc include %s not supplied: empty file used", rel)
	}
	return hasInclude, os.WriteFile(c.mc, []byte(src), 0o644)
}

// runM4 compiles the .mc with GNU m4 and the cf library.
func (c *config) runM4(hasInclude bool) (string, error) {
	args := []string{"-D_CF_DIR_=" + c.opt.CFDir + "/"}
	if !hasInclude {
		args = append(args, c.opt.CFDir+"/m4/cf.m4")
	}
	cmd := exec.Command(c.opt.M4, append(args, c.mc)...)
	cmd.Dir = c.dir
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if err != nil || strings.TrimSpace(out.String()) == "" {
		return "", fmt.Errorf("smoracle: m4 failed (%v):\n%s", err, errOut.String())
	}
	for _, w := range strings.Split(errOut.String(), "\n") {
		if strings.TrimSpace(w) != "" {
			c.meta.M4Warnings = append(c.meta.M4Warnings, w)
		}
	}
	return out.String(), nil
}

var (
	optionRE       = regexp.MustCompile(`^O\s*([A-Za-z.]+)\s*=?(.*)$`)
	versionRE      = regexp.MustCompile(`^V[0-9]`)
	rulesetRE      = regexp.MustCompile(`(?m)^S([A-Za-z_0-9]+)`)
	mailerRE       = regexp.MustCompile(`(?m)^M([A-Za-z_0-9\-]+)`)
	deliveryModeRE = regexp.MustCompile(`(?m)^O\s*DeliveryMode=(\w)`)
	blankSubRE     = regexp.MustCompile(`(?m)^O\s*BlankSub=(\S)`)
	softBounceRE   = regexp.MustCompile(`(?mi)^O\s*SoftBounce(=\s*(true|t|yes|y|1))?\s*$`)
	operatorsRE    = regexp.MustCompile(`(?m)^O\s*OperatorChars=(.*)$`)
)

// aliasSpecPath is the file of one AliasFile spec: [class:][flags ]path.
func aliasSpecPath(spec string) string {
	path := strings.TrimSpace(spec)
	if mapTypeRE.MatchString(path) {
		_, path, _ = strings.Cut(path, ":")
	}
	if f := strings.Fields(path); len(f) > 0 {
		path = f[len(f)-1]
	}
	return path
}

// redirectSystemAliases points an AliasFile of /etc/aliases (ALIAS_FILE
// of RedHat's and others' .mc) at an empty alias file of the temporary
// folder: the real sendmail would otherwise read this machine's
// /etc/aliases.db, which one machine has and another lacks (a fresh
// Debian with Postfix unconfigured has /etc/aliases and no database,
// and sendmail then queues every local name: alias database
// unavailable). The oracle's answers depend on the configuration only.
func (c *config) redirectSystemAliases(t string) string {
	return aliasFileRE.ReplaceAllStringFunc(t, func(ln string) string {
		m := aliasFileRE.FindStringSubmatch(ln)
		specs := strings.Split(m[1], ",")
		n := 0
		for i, spec := range specs {
			if aliasSpecPath(spec) == "/etc/aliases" {
				specs[i] = strings.Replace(spec, "/etc/aliases", c.dir+"/system.aliases", 1)
				n++
			}
		}
		if n == 0 {
			return ln
		}
		c.note("cf: AliasFile /etc/aliases redirected to an empty system.aliases in the temp dir")
		return "O AliasFile=" + strings.Join(specs, ",")
	})
}

// editCF redirects the .cf's remaining /etc/mail/ paths, forces the
// options that keep sendmail inside the temporary folder (right after
// the V line; the config's own are commented out), drops the
// file-ownership options that name a user this machine lacks, appends
// the oracle_relay wrapper and writes dir/sendmail.cf.
func (c *config) editCF(t string) (string, error) {
	if n := strings.Count(t, "/etc/mail/"); n > 0 {
		t = strings.ReplaceAll(t, "/etc/mail/", c.dir+"/")
		c.note("cf: %d /etc/mail/ paths redirected to the temp dir (post-edit)", n)
	}
	t = c.redirectSystemAliases(t)
	forced := []struct{ name, value string }{
		{"QueueDirectory", c.dir + "/mqueue"},
		{"ServiceSwitchFile", c.dir + "/oracle.service.switch"},
		{"HostsFile", c.dir + "/oracle.hosts"},
		{"PidFile", c.dir + "/sendmail.pid"},
		{"StatusFile", c.dir + "/sendmail.st"},
		{"HostStatusDirectory", ""}, // off
	}
	isForced := func(name string) bool {
		return slices.ContainsFunc(forced, func(f struct{ name, value string }) bool { return f.name == name })
	}
	dontBlame := []string{"TrustStickyBit"}
	var out []string
	for _, ln := range strings.Split(t, "\n") {
		m := optionRE.FindStringSubmatch(ln)
		if m == nil {
			out = append(out, ln)
			continue
		}
		switch name, value := m[1], m[2]; {
		case isForced(name):
			ln = "#oracle# " + ln
		case name == "TrustedUser" || name == "RunAsUser" || name == "DefaultUser":
			u, _, _ := strings.Cut(strings.TrimSpace(value), ":")
			if u != "" && !allDigits(u) {
				if _, err := user.Lookup(u); err != nil {
					ln = "#oracle# " + ln
					c.note("option %s=%s dropped: no such user on this machine "+
						"(file-ownership option, no effect on decisions)", name, u)
				}
			}
		case name == "DontBlameSendmail":
			for _, f := range strings.Split(value, ",") {
				if f = strings.TrimSpace(f); f != "" && !slices.Contains(dontBlame, f) {
					dontBlame = append(dontBlame, f)
				}
			}
			ln = "#oracle# " + ln
		}
		out = append(out, ln)
	}
	ins := []string{"# --- inserted by sm-oracle ---"}
	for _, f := range forced {
		if f.value != "" {
			ins = append(ins, "O "+f.name+"="+f.value)
		}
	}
	ins = append(ins, "O DontBlameSendmail="+strings.Join(dontBlame, ","), "# --- end sm-oracle ---")
	pos := slices.IndexFunc(out, versionRE.MatchString) + 1 // 0 without a V line
	out = slices.Insert(out, pos, ins...)
	t = strings.Join(out, "\n")

	c.names = map[string]bool{}
	for _, m := range rulesetRE.FindAllStringSubmatch(t, -1) {
		c.names[m[1]] = true
	}
	for _, m := range mailerRE.FindAllStringSubmatch(t, -1) {
		c.mailers = append(c.mailers, m[1])
	}
	if c.names["check_relay"] {
		// the daemon calls check_relay with "{client_name} $| {client_addr}";
		// $| cannot be typed in -bt input
		t += "\n# --- sm-oracle wrapper: real sendmail calls check_relay with " +
			"'{client_name} $| {client_addr}' ---\n" +
			"Soracle_relay\n" +
			"R$*\t\t$: $>check_relay $&{client_name} $| $&{client_addr}\n"
	}
	if err := os.WriteFile(c.cf, []byte(t), 0o644); err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Join(c.dir, "mqueue"), 0o755); err != nil {
		return "", err
	}
	c.deliveryMode = "b"
	if m := deliveryModeRE.FindStringSubmatch(t); m != nil {
		c.deliveryMode = m[1]
	}
	c.softBounce = softBounceRE.MatchString(t)
	c.blankSub = " " // conf.c: SpaceSub
	if m := blankSubRE.FindStringSubmatch(t); m != nil {
		c.blankSub = m[1]
	}
	ops := defaultOperators
	if m := operatorsRE.FindStringSubmatch(t); m != nil {
		ops = strings.TrimSpace(m[1])
	}
	c.tok = newTokens(ops)
	return t, nil
}

func allDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// writeHosts writes the only name service sendmail sees (CONFIGDIR/hosts,
// else localhost, plus 127.0.1.1 HOSTNAME) and the service switch that
// makes it so.
func (c *config) writeHosts() error {
	txt := "127.0.0.1\tlocalhost\n::1\tlocalhost\n"
	if data, err := os.ReadFile(filepath.Join(c.src, "hosts")); err == nil {
		txt = string(data)
		c.note("hosts: using CONFIGDIR/hosts as the only name service")
	}
	// only the FQDN: a short alias would make sendmail's files-based
	// getcanonname() complete e.g. "mail.example" to "mail.example.com"
	listed := regexp.MustCompile(`(?m)\s` + regexp.QuoteMeta(c.hostname) + `(\s|$)`)
	if !listed.MatchString(txt) {
		if txt != "" && !strings.HasSuffix(txt, "\n") {
			txt += "\n"
		}
		txt += "127.0.1.1\t" + c.hostname + "\n"
	}
	if err := os.WriteFile(filepath.Join(c.dir, "oracle.hosts"), []byte(txt), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(c.dir, "oracle.service.switch"), []byte("hosts\tfiles\naliases\tfiles\n"), 0o644)
}

var (
	mapRE       = regexp.MustCompile(`(?m)^K(\S+)\s+(hash|btree|dbm)\s+(.*)$`)
	mapFlagFRE  = regexp.MustCompile(`(^|\s)-[A-Za-z]*f`)
	mapFlagNRE  = regexp.MustCompile(`(^|\s)-[A-Za-z]*N`)
	classFileRE = regexp.MustCompile(`(?m)^F(\{[^}]+\}|\w)(-o)?\s*(\S+)`)
	aliasFileRE = regexp.MustCompile(`(?m)^O\s*AliasFile=(.*)$`)
	mapTypeRE   = regexp.MustCompile(`^\w+:`)
)

// buildMaps builds every hash/btree/dbm map of the .cf that lives in the
// temporary folder with the real makemap (a missing source gives an
// empty map), creates missing class files and builds the aliases with
// sendmail -bi.
func (c *config) buildMaps(cf string) error {
	var missing []string
	for _, m := range mapRE.FindAllStringSubmatch(cf, -1) {
		name, class, rest := m[1], m[2], m[3]
		path := ""
		fields := strings.Fields(rest)
		for i := len(fields) - 1; i >= 0; i-- {
			if !strings.HasPrefix(fields[i], "-") {
				path = fields[i]
				break
			}
		}
		if _, ok := c.inDir(path); !ok {
			continue
		}
		src := strings.TrimSuffix(path, ".db")
		var flags []string
		if mapFlagFRE.MatchString(rest) {
			flags = append(flags, "-f")
		}
		if mapFlagNRE.MatchString(rest) {
			flags = append(flags, "-N")
		}
		if _, err := os.Stat(src); err != nil {
			if err := os.WriteFile(src, nil, 0o644); err != nil {
				return err
			}
			missing = append(missing, filepath.Base(src))
		}
		in, err := os.Open(src)
		if err != nil {
			return err
		}
		args := append(append([]string{"-C", c.cf}, flags...), class, src)
		cmd := exec.Command(c.opt.tool("makemap"), args...)
		cmd.Stdin = in
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err = cmd.Run()
		in.Close()
		if err != nil {
			return fmt.Errorf("smoracle: makemap failed for %s (%v):\n%s", src, err, out.String())
		}
		c.meta.Maps = append(c.meta.Maps, strings.TrimSpace(fmt.Sprintf("%s=%s %s %s",
			name, class, filepath.Base(src), strings.Join(flags, " "))))
	}
	if len(missing) > 0 {
		c.note("table sources not supplied, empty maps built: %s", strings.Join(missing, ", "))
	}
	for _, m := range classFileRE.FindAllStringSubmatch(cf, -1) {
		p := m[3]
		if _, ok := c.inDir(p); !ok {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			continue
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			return err
		}
		c.note("class file %s not supplied: empty", filepath.Base(p))
	}
	m := aliasFileRE.FindStringSubmatch(cf)
	if m == nil {
		return nil
	}
	need := false
	for _, spec := range strings.Split(m[1], ",") {
		path := aliasSpecPath(spec)
		if _, ok := c.inDir(path); !ok {
			continue
		}
		need = true
		if _, err := os.Stat(path); err != nil {
			if err := os.WriteFile(path, nil, 0o644); err != nil {
				return err
			}
			c.note("aliases not supplied: empty")
		}
	}
	if !need {
		return nil
	}
	cmd := exec.Command(c.opt.tool("sendmail"), "-bi", "-C", c.cf)
	cmd.Dir = c.dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			return err
		}
		c.note("sendmail -bi: %v: %s", err, strings.TrimSpace(out.String()))
	}
	if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); lines[len(lines)-1] != "" {
		c.meta.Newaliases = lines[len(lines)-1]
	}
	return nil
}
