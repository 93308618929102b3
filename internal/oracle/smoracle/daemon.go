package smoracle

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"mailcc/internal/oracle/listen"
)

// What address test mode cannot show: the milters (which only an SMTP
// session initialises) and the daemon's listening sockets. Session and
// Listeners build the configuration as Run does and run the real
// sendmail, in the same private namespaces, as an SMTP server on
// standard input (-bs) or as the daemon (-bD).

// prepare builds the configuration of configDir on one worker thread in
// private namespaces and runs f there with it.
func prepare(configDir string, opt Options, f func(c *config) error) (meta *Meta, err error) {
	start := time.Now()
	if err := opt.defaults(); err != nil {
		return nil, err
	}
	meta = &Meta{Workers: 1}
	c, err := newConfig(configDir, opt, meta)
	if c != nil && !opt.Keep {
		defer func() { err = errors.Join(err, os.RemoveAll(c.dir)) }()
	}
	if err != nil {
		return meta, err
	}
	meta.Hostname = c.hostname
	sb, err := newSandbox(c.hostname, 1, opt.AllowUnisolated)
	if err != nil {
		return meta, err
	}
	defer sb.close()
	meta.Isolated = sb.isolated
	sb.do(func() {
		if err = c.build(); err != nil {
			return
		}
		meta.Build = time.Since(start)
		err = f(c)
	})
	meta.Total = time.Since(start)
	return meta, err
}

// Session runs one SMTP session with the real sendmail on the
// configuration of configDir: `sendmail -bs`, a local client (no
// client address), which initialises the configuration's milters as the
// daemon does for a connection. It sends the commands one at a time,
// each after the reply to the one before, then QUIT, and returns the
// replies' lines: the greeting's first, then one reply per command
// (fewer when sendmail ends the session early).
func Session(configDir string, cmds []string, opt Options) (replies [][]string, meta *Meta, err error) {
	meta, err = prepare(configDir, opt, func(c *config) error {
		var err error
		replies, err = c.bs(cmds)
		return err
	})
	return replies, meta, err
}

// daemonWait bounds the wait for the daemon's sockets.
const daemonWait = 20 * time.Second

// Listeners starts the real sendmail daemon (`sendmail -bD`, in the
// foreground) on the configuration of configDir, in the private
// namespaces (only lo), and returns the TCP sockets it listens on: read
// from its namespace's /proc/PID/net/tcp and tcp6 once it has written
// its pid file (it opens its sockets first), with the IPv4 connections
// an IPv6 socket on :: takes (listen.Effective). The daemon is then
// stopped (SIGTERM, SIGKILL after 5 s).
//
// The daemon runs with -ORefuseLA=0: sendmail closes its daemon sockets
// while the load average is at or above RefuseLA (12 per CPU by
// default, conf.c), checked right after it writes its pid file, and a
// loaded test machine (a CI run with two cores) once saw a daemon with
// no socket. What is compared is the configuration's listeners, not the
// machine's load. A DaemonPortOptions refuseLA= of the configuration
// still applies (none of the trap cases sets one).
func Listeners(configDir string, opt Options) (socks []listen.Socket, meta *Meta, err error) {
	meta, err = prepare(configDir, opt, func(c *config) error {
		var err error
		socks, err = c.daemonSockets()
		return err
	})
	return socks, meta, err
}

func (c *config) daemonSockets() ([]listen.Socket, error) {
	pidFile := filepath.Join(c.dir, "sendmail.pid")
	cmd := exec.Command(c.opt.tool("sendmail"), "-bD", "-ORefuseLA=0", "-C", c.cf)
	cmd.Dir = c.dir
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}
	deadline := time.Now().Add(daemonWait)
	for {
		if b, err := os.ReadFile(pidFile); err == nil && strings.TrimSpace(string(b)) != "" {
			break
		}
		select {
		case err := <-exited:
			return nil, fmt.Errorf("smoracle: sendmail -bD exited (%v) before it wrote its pid file:\n%s", err, out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("smoracle: sendmail -bD wrote no pid file within %v:\n%s", daemonWait, out.String())
		}
	}
	socks, err := listen.Read(cmd.Process.Pid)
	if err == nil {
		socks = listen.Effective(socks)
	}
	stop()
	if err != nil {
		return nil, fmt.Errorf("smoracle: reading the daemon's sockets: %w", err)
	}
	if s := strings.TrimSpace(out.String()); s != "" {
		c.note("sendmail -bD: %s", s)
	}
	return socks, nil
}
