package pforacle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"mailcc/runtime/probe"
)

// The Postfix programs, where Debian installs them.
var (
	postfixCmd   = lookTool("postfix")
	postconfCmd  = lookTool("postconf")
	postmapCmd   = lookTool("postmap")
	postaliasCmd = lookTool("postalias")
)

func lookTool(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return "/usr/sbin/" + name
}

// The listeners of the private instance.
const (
	lisRcpt   = "rcpt"
	lisEarly  = "early"
	lisInject = "inject"
)

// instance is one private Postfix.
type instance struct {
	configDir string
	hostname  string
	ipv6      bool
	meta      *Meta

	tmp, etc, queue, data, records, maillogPath string

	ports map[string]int
	// ownListeners: the configuration's own inet services and
	// inet_interfaces are kept and no probe listener is added
	// (Listeners); else the inet services are replaced by the probe
	// listeners on 127.0.0.1.
	ownListeners bool
	started      bool
	masterPID    int
	log          *maillog
	// broken holds, per listener, the fatal error its smtpd reports at
	// start-up (then it never answers).
	broken    map[string]string
	aliasMaps []string
	runID     string
	// asConfigured: Options.AsConfigured.
	asConfigured bool
}

func newInstance(configDir string, opt Options, meta *Meta, probes []probe.Probe) (*instance, error) {
	base := opt.TempDir
	if base == "" {
		base = os.TempDir()
	}
	tmp, err := os.MkdirTemp(base, "pforacle.")
	if err != nil {
		return nil, err
	}
	meta.Dir = tmp
	in := &instance{
		configDir:    configDir,
		hostname:     meta.Hostname,
		meta:         meta,
		tmp:          tmp,
		etc:          filepath.Join(tmp, "etc"),
		queue:        filepath.Join(tmp, "queue"),
		data:         filepath.Join(tmp, "data"),
		records:      filepath.Join(tmp, "records"),
		maillogPath:  filepath.Join(tmp, "maillog"),
		broken:       map[string]string{},
		runID:        strconv.FormatInt(time.Now().UnixMilli(), 16),
		asConfigured: opt.AsConfigured,
	}
	in.log = &maillog{path: in.maillogPath}
	for _, p := range probes {
		if p.Client.Addr.Is6() {
			in.ipv6 = true
		}
	}
	if err := in.mkdirs(); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	return in, nil
}

func (in *instance) note(format string, args ...any) {
	in.meta.Notes = append(in.meta.Notes, fmt.Sprintf(format, args...))
}

func (in *instance) mkdirs() error {
	if err := os.Chmod(in.tmp, 0o755); err != nil {
		return err
	}
	if err := copyTree(in.configDir, in.etc); err != nil {
		return err
	}
	for _, d := range []string{in.queue, in.data, in.records} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return err
		}
	}
	// the recorders run as nobody
	if err := os.Chmod(in.records, 0o1777); err != nil {
		return err
	}
	if u, err := user.Lookup("postfix"); err == nil {
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		os.Chown(in.data, uid, gid)
	}
	return nil
}

// copyTree copies a folder, following symbolic links, keeping modes
// (plus the owner's write bit) and modification times.
func copyTree(src, dst string) error {
	st, err := os.Stat(src)
	if err != nil {
		return err
	}
	if err := os.Mkdir(dst, 0o755); err != nil {
		return err
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range ents {
		s, d := filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())
		fi, err := os.Stat(s)
		if err != nil {
			return err
		}
		switch {
		case fi.IsDir():
			err = copyTree(s, d)
		case fi.Mode().IsRegular():
			err = copyFile(s, d, fi)
		}
		if err != nil {
			return err
		}
	}
	return os.Chtimes(dst, st.ModTime(), st.ModTime())
}

func copyFile(src, dst string, fi os.FileInfo) error {
	r, err := os.Open(src)
	if err != nil {
		return err
	}
	defer r.Close()
	w, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fi.Mode().Perm()|0o200)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Close()
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return os.Chtimes(dst, fi.ModTime(), fi.ModTime())
}

// redirectPaths points /etc/postfix/... and /etc/aliases at the copy, in
// one pass (so that TMP/etc/aliases is not redirected again), only
// where the path starts a word (not in /usr/etc/postfix/ or a.etc/...).
// It returns the new text and the number of paths redirected.
func redirectPaths(text, etc string) (string, int) {
	var b strings.Builder
	n := 0
	for i := 0; i < len(text); {
		if text[i] == '/' && (i == 0 || !pathByte(text[i-1])) {
			rest := text[i:]
			if strings.HasPrefix(rest, "/etc/postfix/") {
				b.WriteString(etc + "/")
				i += len("/etc/postfix/")
				n++
				continue
			}
			const al = "/etc/aliases"
			if strings.HasPrefix(rest, al) && (len(rest) == len(al) || !wordByte(rest[len(al)])) {
				b.WriteString(etc + "/aliases")
				i += len(al)
				n++
				continue
			}
		}
		b.WriteByte(text[i])
		i++
	}
	return b.String(), n
}

func wordByte(c byte) bool {
	return c == '_' || c >= 0x80 || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func pathByte(c byte) bool { return wordByte(c) || c == '.' || c == '/' || c == '-' }

var myhostnameSetRE = regexp.MustCompile(`(?m)^[ \t]*myhostname[ \t]*=`)

// build writes the instance's main.cf and master.cf, builds its maps and
// writes the recorder.
func (in *instance) build() error {
	mainPath := filepath.Join(in.etc, "main.cf")
	b, err := os.ReadFile(mainPath)
	if err != nil {
		return err
	}
	main, n1 := redirectPaths(string(b), in.etc)
	in.ports = map[string]int{}
	for _, l := range in.listeners() {
		if in.ports[l], err = freePort(); err != nil {
			return err
		}
	}
	// inet_protocols also decides which address records Postfix's DNS
	// checks look for: the configuration's own setting is kept, unless
	// a probe's client is IPv6 (XCLIENT then needs "all"); without one,
	// Postfix's default ("all") in a private namespace, and ipv4 on a
	// machine that may lack IPv6.
	protocols := ""
	switch {
	case in.ipv6:
		protocols = "all"
	case inetProtocolsSetRE.MatchString(main):
	case in.meta.Isolated:
		protocols = "all"
	default:
		protocols = "ipv4"
	}
	var sb strings.Builder
	sb.WriteString(main)
	sb.WriteString("\n# --- appended by pforacle ---\n")
	set := func(k, v string) { fmt.Fprintf(&sb, "%s = %s\n", k, v) }
	set("queue_directory", in.queue)
	set("data_directory", in.data)
	if !in.ownListeners {
		set("inet_interfaces", "127.0.0.1")
	}
	if protocols != "" {
		set("inet_protocols", protocols)
	}
	set("smtpd_authorized_xclient_hosts", "127.0.0.1")
	set("maillog_file", in.maillogPath)
	set("maillog_file_prefixes", in.tmp)
	set("import_environment", "MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C")
	if !myhostnameSetRE.MatchString(main) {
		set("myhostname", in.hostname)
	}
	if err := writeAged(mainPath, sb.String()); err != nil {
		return err
	}

	masterPath := filepath.Join(in.etc, "master.cf")
	master, n2 := defaultMaster, 0
	if b, err := os.ReadFile(masterPath); err == nil {
		master, n2 = redirectPaths(string(b), in.etc)
		if in.ownListeners {
			in.note("master.cf from CONFIGDIR (chroot forced off)")
		} else {
			in.note("master.cf from CONFIGDIR (chroot forced off, inet services replaced)")
		}
	} else if in.ownListeners {
		// Postfix's own default has the port-25 smtpd
		master = "smtp inet n - n - - smtpd\n" + defaultMaster
		in.note("master.cf: built-in default, with Postfix's smtp inet smtpd")
	} else {
		in.note("master.cf: built-in default")
	}
	if n1+n2 > 0 {
		in.note("%d /etc/postfix/ or /etc/aliases paths redirected to the temp dir", n1+n2)
	}
	if err := in.writeMaster(master); err != nil {
		return err
	}

	// The default alias_maps and alias_database name the system's file.
	var fix []string
	am, ad := in.postconf("-h", "alias_maps"), in.postconf("-h", "alias_database")
	if systemAliasesRE.MatchString(am) || strings.Contains(am, "nis:") {
		fix = append(fix, "alias_maps=hash:"+in.etc+"/aliases")
	}
	if systemAliasesRE.MatchString(ad) {
		fix = append(fix, "alias_database=hash:"+in.etc+"/aliases")
	}
	if len(fix) > 0 {
		if out, err := exec.Command(postconfCmd, append([]string{"-c", in.etc, "-e"}, fix...)...).CombinedOutput(); err != nil {
			return fmt.Errorf("pforacle: postconf -e: %v\n%s", err, out)
		}
		if err := backdate(mainPath); err != nil {
			return err
		}
		in.note("alias_maps/alias_database defaulted to the system file: redirected to CONFIGDIR/aliases")
	}
	if err := in.buildMaps(); err != nil {
		return err
	}
	in.aliasMaps = splitList(in.postconf("-h", "alias_maps"))
	rec := strings.ReplaceAll(recorderScript, "@RECORDS@", in.records)
	return os.WriteFile(filepath.Join(in.tmp, "recorder.sh"), []byte(rec), 0o755)
}

var (
	systemAliasesRE    = regexp.MustCompile(`:/etc/aliases\b`)
	inetProtocolsSetRE = regexp.MustCompile(`(?m)^[ \t]*inet_protocols[ \t]*=`)
)

// postconf runs postconf on the instance and returns its standard
// output, trimmed.
func (in *instance) postconf(args ...string) string {
	cmd := exec.Command(postconfCmd, append([]string{"-c", in.etc}, args...)...)
	out, _ := cmd.Output()
	return strings.TrimSpace(string(out))
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
}

var (
	indexedMapRE = regexp.MustCompile(`\b(hash|btree|lmdb|cdb|dbm|sdbm):([^\s,]+)`)
	textMapRE    = regexp.MustCompile(`\b(regexp|pcre|texthash|cidr):([^\s,]+)`)
)

// buildMaps builds every indexed table of the copy that main.cf or
// master.cf names: alias tables with postalias, others with postmap. A
// missing source gives an empty table, as does a missing regexp, pcre,
// texthash or cidr file.
func (in *instance) buildMaps() error {
	conf := in.postconf("-n") + "\n" + in.postconf("-P")
	aliases := splitList(in.postconf("-h", "alias_database") + " " + in.postconf("-h", "alias_maps"))
	var missing []string
	seen := map[string]bool{}
	for _, m := range indexedMapRE.FindAllStringSubmatch(conf, -1) {
		spec, path := m[0], m[2]
		if seen[spec] || !strings.HasPrefix(path, in.etc+"/") {
			continue
		}
		seen[spec] = true
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			if err := os.WriteFile(path, nil, 0o644); err != nil {
				return err
			}
			missing = append(missing, filepath.Base(path))
		}
		tool := postmapCmd
		if slices.Contains(aliases, spec) {
			tool = postaliasCmd
		}
		if out, err := exec.Command(tool, "-c", in.etc, spec).CombinedOutput(); err != nil {
			return fmt.Errorf("pforacle: %s failed for %s: %v\n%s", filepath.Base(tool), path, err, out)
		}
		in.meta.Maps = append(in.meta.Maps, filepath.Base(tool)+" "+m[1]+":"+filepath.Base(path))
	}
	if len(missing) > 0 {
		in.note("map sources not supplied, empty maps built: %s", strings.Join(missing, ", "))
	}
	for _, m := range textMapRE.FindAllStringSubmatch(conf, -1) {
		path := m[2]
		if !strings.HasPrefix(path, in.etc+"/") {
			continue
		}
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			if err := os.WriteFile(path, nil, 0o644); err != nil {
				return err
			}
			in.note("%s table %s not supplied: empty", m[1], path)
		}
	}
	return nil
}

// listeners are the probe listeners the instance has.
func (in *instance) listeners() []string {
	if in.ownListeners {
		return nil
	}
	return []string{lisRcpt, lisEarly, lisInject}
}

// freePort returns a port nothing listens on at 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// start starts Postfix and waits for its master and listeners.
func (in *instance) start(ctx context.Context) error {
	cmd := postfixCommand(in.etc, "start")
	cmd.Env = slices.DeleteFunc(os.Environ(), func(e string) bool { return strings.HasPrefix(e, "MAIL_CONFIG=") })
	out, err := cmd.CombinedOutput()
	in.started = true
	if err != nil {
		return fmt.Errorf("pforacle: postfix start: %v\n%s", err, out)
	}
	deadline := time.Now().Add(20 * time.Second)
	pidFile := filepath.Join(in.queue, "pid", "master.pid")
	for in.masterPID == 0 {
		if b, err := os.ReadFile(pidFile); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
				in.masterPID = pid
				break
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pforacle: postfix start: no %s after 20 s", pidFile)
		}
		if err := sleep(ctx, 20*time.Millisecond); err != nil {
			return err
		}
	}
	// Then for every listener to take connections.
	for _, l := range in.listeners() {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(in.ports[l]))
		for {
			c, err := net.DialTimeout("tcp4", addr, time.Second)
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("pforacle: the %s listener %s does not answer: %v", l, addr, err)
			}
			if err := sleep(ctx, 20*time.Millisecond); err != nil {
				return err
			}
		}
	}
	return nil
}

// postfixCommand runs postfix in a process group of its own, so that a
// terminal's ^C, meant for the caller (which then stops Postfix), does
// not interrupt a start or stop half-way.
func postfixCommand(etc, verb string) *exec.Cmd {
	cmd := exec.Command(postfixCmd, "-c", etc, verb)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

// stop stops Postfix and makes sure its master is gone: it waits up to
// 5 s for the master (by its pid) and kills it if it is still there.
// Nothing else is signalled.
func (in *instance) stop() {
	if !in.started {
		return
	}
	in.started = false
	postfixCommand(in.etc, "stop").Run()
	if in.masterPID == 0 {
		return
	}
	for range 250 {
		if !isMaster(in.masterPID) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	if isMaster(in.masterPID) {
		syscall.Kill(in.masterPID, syscall.SIGKILL)
		in.note("postfix master %d did not stop: killed", in.masterPID)
	}
}

// isMaster says whether pid is a live Postfix master. The master is not
// our child (it detaches), so once dead it stays a zombie until init
// reaps it; a zombie, or a pid reused by another program, is gone.
func isMaster(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return false
		}
		return syscall.Kill(pid, 0) != syscall.ESRCH // no /proc: ask the kernel
	}
	// pid (comm) state ...
	s := string(b)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open || end+2 >= len(s) {
		return false
	}
	state := s[end+2]
	return s[open+1:end] == "master" && state != 'Z' && state != 'X'
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
