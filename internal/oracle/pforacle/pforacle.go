// Package pforacle asks a real, private Postfix what it decides for a
// configuration and a list of probes: the project's own Postfix oracle
// harness (the Go version of ../shared/oracle/pf-oracle, whose README
// describes the method).
//
// Run builds a private instance in a temporary folder: the
// configuration folder is copied to TMP/etc with its /etc/postfix/ and
// /etc/aliases paths redirected there, queue, data and log live under
// TMP, the maps are built with the real postmap and postalias, and
// master.cf is rewritten so that nothing is delivered (every delivery
// agent becomes a pipe(8) recorder run as nobody) and three smtpd
// listeners answer on 127.0.0.1:
//
//   - rcpt: the configured port-25 smtpd as it is, for rcpt probes;
//   - early: the same with smtpd_delay_reject=no, for connect and mail
//     probes, so that client and sender restrictions answer where
//     sendmail's check_relay and check_mail do (unless
//     Options.AsConfigured);
//   - inject: a permissive smtpd through which resolve and header_from
//     probes inject a message whose route cleanup, qmgr and
//     trivial-rewrite decide, caught by the recorders or, for bounces,
//     read from the mail log.
//
// Session probes impersonate their client with XCLIENT (ADDR, NAME,
// REVERSE_NAME, HELO and, for an authenticated rcpt probe, LOGIN; SASL is
// switched on in the probe listeners so that LOGIN counts for
// permit_sasl_authenticated). Alias probes ask postalias -q.
//
// Everything runs in a private UTS and network namespace that holds only
// the loopback interface: the goroutine that does the work locks its
// thread and unshares that thread's namespaces, so Postfix, its tools and
// the SMTP client all see the oracle's host name and a 127.0.0.1 nobody
// else can reach, and the rest of the process is untouched. Without the
// privilege to do so Run fails, unless ORACLE_ALLOW_UNISOLATED=1 is set
// (as for the shell oracle; then this machine's name and interfaces
// leak into the answers).
//
// /etc/postfix, the system's Postfix instance and the machine's host
// name are never touched; the only signals sent are Postfix's own stop
// and, if the private master outlives it, SIGKILL to that master.
package pforacle

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"

	"mailcc/runtime/probe"
)

// DefaultHostname is the host name used when neither the options nor
// the configuration name one.
const DefaultHostname = "mx.oracle.test"

// ErrNoNamespace is the error (wrapped) of a run that could not make its
// private namespaces: it needs root, or CAP_SYS_ADMIN.
var ErrNoNamespace = errors.New("cannot make private UTS and network namespaces")

// Options control a run.
type Options struct {
	// Hostname is the host name Postfix sees. Default: the first word of
	// CONFIGDIR/hostname, else main.cf's myhostname, else
	// DefaultHostname.
	Hostname string
	// Keep keeps the temporary folder (Meta.Dir names it).
	Keep bool
	// TempDir is where the temporary folder is made (default
	// os.TempDir()).
	TempDir string
	// AsConfigured sends connect and mail probes to the configured
	// smtpd too, instead of the early listener: every probe then sees
	// the configuration as it is written, smtpd_delay_reject included.
	// The shared oracle's convention (the early listener) makes
	// Postfix refuse where sendmail's check_relay and check_mail do,
	// which is right for comparing a sendmail configuration with
	// Postfix, but not for asking what a Postfix configuration
	// itself does (a migration from Postfix must do what it does).
	AsConfigured bool
}

// Meta describes a run.
type Meta struct {
	// Dir is the temporary folder, when Options.Keep kept it (else it
	// is removed at the end and Dir is "").
	Dir string
	// Hostname is the host name Postfix saw; Isolated says whether the
	// run had its private namespaces.
	Hostname string
	Isolated bool
	// Start is the time from the call to a running instance (build,
	// maps, postfix start); PerProbe the time of the probes that
	// followed, divided by their number.
	Start    time.Duration
	PerProbe time.Duration
	// Maps lists the tables built ("postmap hash:access", ...).
	Maps []string
	// Notes are what the harness changed or assumed.
	Notes []string
}

// Run answers probes with a private Postfix built from configDir.
func Run(configDir string, probes []probe.Probe, opt Options) ([]probe.Result, *Meta, error) {
	return RunContext(context.Background(), configDir, probes, opt)
}

// RunContext is Run with a context: when it is cancelled the probes stop,
// Postfix is stopped, the temporary folder is removed and the context's
// error is returned.
func RunContext(ctx context.Context, configDir string, probes []probe.Probe, opt Options) ([]probe.Result, *Meta, error) {
	var res []probe.Result
	meta, err := isolated(configDir, opt, func(abs string, meta *Meta) error {
		var err error
		res, err = run(ctx, abs, probes, opt, meta)
		return err
	})
	return res, meta, err
}

// isolated checks configDir and runs f on a thread of its own in private
// namespaces (or, with ORACLE_ALLOW_UNISOLATED=1 and no privilege, as
// it is), with the absolute configuration folder and the run's Meta.
func isolated(configDir string, opt Options, f func(abs string, meta *Meta) error) (*Meta, error) {
	abs, err := filepath.Abs(configDir)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(filepath.Join(abs, "main.cf")); err != nil || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("pforacle: %s has no main.cf", configDir)
	}
	hostname := pickHostname(abs, opt.Hostname)

	type outcome struct {
		meta *Meta
		err  error
	}
	done := make(chan outcome, 1)
	go func() {
		// The thread's namespaces are changed below; it is never
		// unlocked, so it ends with this goroutine and no other
		// goroutine ever runs on it.
		runtime.LockOSThread()
		var o outcome
		o.meta = &Meta{Hostname: hostname}
		if err := isolate(hostname); err != nil {
			if !errors.Is(err, ErrNoNamespace) || os.Getenv("ORACLE_ALLOW_UNISOLATED") != "1" {
				o.err = fmt.Errorf("pforacle: %w (ORACLE_ALLOW_UNISOLATED=1 runs without them)", err)
				done <- o
				return
			}
			o.meta.Notes = append(o.meta.Notes, "not isolated ("+err.Error()+"): this machine's host name and interfaces are visible")
			if h, err := os.Hostname(); err == nil {
				o.meta.Hostname = h
			}
		} else {
			o.meta.Isolated = true
		}
		o.err = f(abs, o.meta)
		done <- o
	}()
	o := <-done
	return o.meta, o.err
}

// run does the work on the isolated thread.
func run(ctx context.Context, configDir string, probes []probe.Probe, opt Options, meta *Meta) (res []probe.Result, err error) {
	err = withInstance(ctx, configDir, probes, opt, meta, false, func(inst *instance) error {
		t1 := time.Now()
		res, err = inst.probeAll(ctx, probes)
		if len(probes) > 0 {
			meta.PerProbe = time.Since(t1) / time.Duration(len(probes))
		}
		return err
	})
	return res, err
}

// withInstance builds and starts a private instance (on the isolated
// thread), runs f with it and stops it. With ownListeners the
// configuration's own inet services and inet_interfaces are kept, and
// the private name server is not started (its socket would be one of
// the namespace's listeners; the instance then has no name service).
func withInstance(ctx context.Context, configDir string, probes []probe.Probe, opt Options, meta *Meta, ownListeners bool, f func(*instance) error) error {
	t0 := time.Now()
	inst, err := newInstance(configDir, opt, meta, probes)
	if err != nil {
		return err
	}
	inst.ownListeners = ownListeners
	defer func() {
		inst.stop()
		if !opt.Keep {
			os.RemoveAll(inst.tmp)
			meta.Dir = ""
		}
	}()
	if meta.Isolated && !ownListeners {
		ns, err := inst.nameService()
		if err != nil {
			return err
		}
		defer ns.close()
	}
	if err := inst.build(); err != nil {
		return err
	}
	if err := inst.start(ctx); err != nil {
		return err
	}
	meta.Start = time.Since(t0)
	return f(inst)
}

var myhostnameRE = regexp.MustCompile(`(?m)^[ \t]*myhostname[ \t]*=[ \t]*([A-Za-z0-9.\-]+)[ \t]*$`)

// pickHostname: the option, else CONFIGDIR/hostname's first word, else
// main.cf's literal myhostname, else DefaultHostname.
func pickHostname(configDir, opt string) string {
	if opt != "" {
		return opt
	}
	if b, err := os.ReadFile(filepath.Join(configDir, "hostname")); err == nil {
		if f := strings.Fields(string(b)); len(f) > 0 {
			return f[0]
		}
	}
	if b, err := os.ReadFile(filepath.Join(configDir, "main.cf")); err == nil {
		if m := myhostnameRE.FindSubmatch(b); m != nil {
			return string(m[1])
		}
	}
	return DefaultHostname
}
