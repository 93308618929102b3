// Package smoracle asks the real sendmail 8.17 what it decides for a
// configuration folder and a list of probes (package mailcc/runtime/probe),
// one answer per probe: the project's sendmail oracle, the Go version of
// ../shared/oracle/sm-oracle (whose README describes the method).
//
// Run copies the configuration folder (sendmail.mc, table sources,
// aliases, class files, and two inputs of the oracle itself: hosts, the
// only name service sendmail sees, and hostname) into a temporary
// folder, compiles the .mc with GNU m4 and the cf library, post-edits the
// .cf so that sendmail reads and writes only there, builds the maps with
// the real makemap and the aliases with sendmail -bi, and answers each
// probe with sendmail in address test mode (-bt), a local SMTP session
// (-bs) for local recipients, praliases and -bv. Every program runs in
// private UTS and network namespaces (the chosen host name, only lo):
// see isolate.go.
//
// What -bt cannot show is emulated by setting the session macros a daemon
// would set (sm-oracle's README lists them and what is not emulated:
// milters, TLS, rate and connection control beyond a first connection,
// header checks, ...).
package smoracle

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"mailcc/runtime/probe"
)

// Options says where the tools are and how to run.
type Options struct {
	// Hostname is the host name sendmail runs under; default the first
	// word of CONFIGDIR/hostname, else the .mc's confDOMAIN_NAME, else
	// mx.oracle.test.
	Hostname string
	// Keep keeps the temporary folder (Meta.Dir).
	Keep bool
	// BinDir holds sendmail, makemap and praliases; default
	// DefaultBinDir().
	BinDir string
	// CFDir is the sendmail cf library (holding m4/cf.m4); default
	// $SM_ORACLE_CFDIR, else /usr/share/sendmail/cf.
	CFDir string
	// M4 is GNU m4; default "m4" on $PATH.
	M4 string
	// TempDir is where the temporary folder is made; default
	// os.TempDir().
	TempDir string
	// Workers is how many probes run at once; default the number of
	// CPUs (at most 8).
	Workers int
	// FoldAliasNames looks an alias probe's name up in lower case, as
	// sendmail's own alias lookup does (the user part of a local
	// address is folded, as the local mailer has no F=u, and so are the
	// database's keys), rather than as given, as praliases looks it up
	// and the shared oracle's convention asks it. The question is then
	// what mail to the name expands to.
	FoldAliasNames bool
	// AllowUnisolated runs the programs in this machine's namespaces
	// when private ones cannot be made (then its host name and
	// interfaces leak into the answers); by default Run fails.
	AllowUnisolated bool
}

func (o *Options) tool(name string) string { return filepath.Join(o.BinDir, name) }

// Meta describes a run.
type Meta struct {
	// Dir is the temporary folder (removed at the end unless Keep).
	Dir string
	// Build is the time the configuration took to build; PerProbe the
	// time of the probes divided by their number (they run Workers at a
	// time), Total the whole run.
	Build, PerProbe, Total time.Duration
	// Notes say what the harness changed or made up (redirected paths,
	// dropped options, empty maps for missing sources, ...).
	Notes []string
	// ClassW is sendmail's class w ($=w), sorted; MacroJ and MacroM its
	// $j and $m.
	ClassW         []string
	MacroJ, MacroM string
	// Hostname is the host name sendmail ran under; Isolated says
	// whether it ran in private namespaces.
	Hostname string
	Isolated bool
	// Maps lists the maps built ("access=hash access -f").
	Maps []string
	// M4Warnings is what m4 printed on its standard error; Newaliases
	// the last line of sendmail -bi.
	M4Warnings []string
	Newaliases string
	Workers    int
	// MailerPorts are the SMTP mailers of sendmail.cf that connect to
	// a port of their own (P=[IPC], A=TCP $h PORT; not 25), by name:
	// a resolved address names the mailer, the port is its.
	MailerPorts map[string]string
}

// DefaultBinDir is where the sendmail binaries are looked for:
// $SM_ORACLE_BINDIR, else usr/libexec/sendmail of the sendmail-bin
// package unpacked by `make deps` into the project's .cache (or $CACHE),
// else /opt/sm/usr/libexec/sendmail (../shared/oracle/setup.sh).
func DefaultBinDir() string {
	if d := os.Getenv("SM_ORACLE_BINDIR"); d != "" {
		return d
	}
	const rel = "sendmail-bin/usr/libexec/sendmail"
	cache := os.Getenv("CACHE")
	if cache == "" {
		if root := moduleRoot(); root != "" {
			cache = filepath.Join(root, ".cache")
		}
	}
	if cache != "" {
		if _, err := os.Stat(filepath.Join(cache, rel, "sendmail")); err == nil {
			return filepath.Join(cache, rel)
		}
	}
	return "/opt/sm/usr/libexec/sendmail"
}

// moduleRoot is the folder holding go.mod: this source file's (when the
// binary runs where it was built), else the nearest above the working
// directory.
func moduleRoot() string {
	if _, file, _, ok := runtime.Caller(0); ok {
		// this file is <root>/internal/oracle/smoracle/smoracle.go
		root := filepath.Dir(filepath.Dir(filepath.Dir(filepath.Dir(file))))
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			return root
		}
	}
	dir, err := os.Getwd()
	for err == nil && dir != "/" {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		dir = filepath.Dir(dir)
	}
	return ""
}

func (o *Options) defaults() error {
	if o.BinDir == "" {
		o.BinDir = DefaultBinDir()
	}
	if o.CFDir == "" {
		o.CFDir = os.Getenv("SM_ORACLE_CFDIR")
	}
	if o.CFDir == "" {
		o.CFDir = "/usr/share/sendmail/cf"
	}
	o.CFDir = filepath.Clean(o.CFDir)
	if o.M4 == "" {
		o.M4 = "m4"
	}
	m4, err := exec.LookPath(o.M4)
	if err != nil {
		return fmt.Errorf("smoracle: GNU m4: %w", err)
	}
	o.M4 = m4
	if o.TempDir == "" {
		o.TempDir = os.TempDir()
	}
	if o.Workers <= 0 {
		o.Workers = min(runtime.NumCPU(), 8)
	}
	for _, name := range []string{"sendmail", "makemap", "praliases"} {
		if _, err := os.Stat(o.tool(name)); err != nil {
			return fmt.Errorf("smoracle: sendmail's %s: %w (unpack sendmail-bin: make deps)", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(o.CFDir, "m4", "cf.m4")); err != nil {
		return fmt.Errorf("smoracle: the sendmail cf library: %w", err)
	}
	return nil
}

// open copies the configuration into a temporary folder and starts the
// sandbox's workers (opt.Workers unless workers is set); close ends
// them and removes the folder (unless Keep), joining its error to err.
func open(configDir string, opt *Options, workers int) (c *config, sb *sandbox, meta *Meta, err error) {
	if err := opt.defaults(); err != nil {
		return nil, nil, nil, err
	}
	if workers == 0 {
		workers = opt.Workers
	}
	meta = &Meta{Workers: workers}
	if c, err = newConfig(configDir, *opt, meta); err != nil {
		return c, nil, meta, err
	}
	meta.Hostname = c.hostname
	if sb, err = newSandbox(c.hostname, workers, opt.AllowUnisolated); err != nil {
		return c, nil, meta, err
	}
	meta.Isolated = sb.isolated
	return c, sb, meta, nil
}

func (c *config) close(sb *sandbox, opt Options, err *error) {
	if sb != nil {
		sb.close()
	}
	if c != nil && !opt.Keep {
		*err = errors.Join(*err, os.RemoveAll(c.dir))
	}
}

// Run builds the configuration in configDir and answers the probes, in
// their order. A probe the harness cannot answer gets decision "error";
// Run fails when the configuration cannot be built or the tools or the
// private namespaces are missing.
func Run(configDir string, probes []probe.Probe, opt Options) (results []probe.Result, meta *Meta, err error) {
	start := time.Now()
	c, sb, meta, err := open(configDir, &opt, 0)
	defer c.close(sb, opt, &err)
	if err != nil {
		return nil, meta, err
	}
	if !sb.isolated {
		h, _ := os.Hostname()
		meta.Hostname = h
		c.note("not isolated: sendmail sees this machine's host name (%s) and interfaces", h)
	}

	sb.do(func() {
		if err = c.build(); err != nil {
			return
		}
		var cf []byte
		if cf, err = os.ReadFile(c.cf); err != nil {
			return
		}
		meta.MailerPorts = mailerPorts(cf)
		var ch [][]string
		if ch, err = c.bt([]string{"$j", "$=w", "$m"}); err != nil {
			return
		}
		if len(ch[0]) > 0 {
			meta.MacroJ = ch[0][0]
		}
		meta.ClassW = slices.Sorted(slices.Values(ch[1]))
		if len(ch[2]) > 0 {
			meta.MacroM = ch[2][0]
		}
	})
	meta.Build = time.Since(start)
	if err != nil {
		return nil, meta, err
	}

	probing := time.Now()
	results = make([]probe.Result, len(probes))
	sb.each(len(probes), func(i int) { results[i] = c.answer(&probes[i]) })
	if len(probes) > 0 {
		meta.PerProbe = time.Since(probing) / time.Duration(len(probes))
	}
	meta.Total = time.Since(start)
	return results, meta, nil
}

// mailerPorts reads the mailer definitions of a sendmail.cf (an M line
// and the lines that continue it, which start with white space) for
// SMTP mailers whose argument vector names a port other than 25: the
// third word of A= for P=[IPC] (deliver.c).
func mailerPorts(cf []byte) map[string]string {
	ports := map[string]string{}
	lines := strings.Split(string(cf), "\n")
	for i := 0; i < len(lines); i++ {
		if !strings.HasPrefix(lines[i], "M") {
			continue
		}
		def := lines[i]
		for i+1 < len(lines) && lines[i+1] != "" && (lines[i+1][0] == ' ' || lines[i+1][0] == '\t') {
			i++
			def += " " + lines[i]
		}
		name, rest, ok := strings.Cut(def[1:], ",")
		if !ok {
			continue
		}
		var path, args string
		for _, f := range strings.Split(rest, ",") {
			f = strings.TrimSpace(f)
			switch {
			case strings.HasPrefix(f, "P="):
				path = f[2:]
			case strings.HasPrefix(f, "A="):
				args = f[2:]
			}
		}
		// written here again rather than taken from mailcc's IR: the
		// oracle does not lean on the code it judges
		w := strings.Fields(args)
		if (path == "[IPC]" || path == "[TCP]") && len(w) >= 3 && (w[0] == "TCP" || w[0] == "IPC") && w[2] != "25" {
			ports[strings.TrimSpace(name)] = w[2]
		}
	}
	return ports
}
