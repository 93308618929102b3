package pforacle

import (
	"context"
	"fmt"

	"mailcc/internal/oracle/listen"
)

// Session runs one SMTP session with a private Postfix built from
// configDir: a connection from 127.0.0.1, without XCLIENT, to the
// configuration's port-25 smtpd (its main.cf settings, milters
// included, and its master.cf -o overrides; the rcpt listener). It
// sends the commands one at a time, each after the reply to the one
// before, then QUIT, and returns the replies' lines: the greeting's
// first, then one reply per command (fewer when the connection ends
// early).
func Session(configDir string, cmds []string, opt Options) ([][]string, *Meta, error) {
	var replies [][]string
	meta, err := isolated(configDir, opt, func(abs string, meta *Meta) error {
		ctx := context.Background()
		return withInstance(ctx, abs, nil, opt, meta, false, func(in *instance) error {
			s, err := in.dial(ctx, lisRcpt)
			if err != nil {
				return err
			}
			defer s.close()
			r, err := s.reply()
			if err != nil {
				return fmt.Errorf("pforacle: greeting: %w", err)
			}
			replies = append(replies, r.lines)
			for _, c := range cmds {
				r, err := s.cmd(c)
				if err != nil {
					if len(r.lines) > 0 {
						replies = append(replies, r.lines)
					}
					break // the connection ended
				}
				replies = append(replies, r.lines)
			}
			return nil
		})
	})
	return replies, meta, err
}

// Listeners starts a private Postfix built from configDir with its own
// master.cf inet services and main.cf inet_interfaces and
// inet_protocols (inet_protocols = all when main.cf does not set it, in
// the private namespace), and returns the TCP sockets its master
// listens on (read from the namespace's /proc/PID/net/tcp and tcp6 once
// postfix start has returned: the master opens its sockets before it
// reports that it started), with the IPv4 connections an IPv6 socket on
// :: takes (listen.Effective; Postfix sets IPV6_V6ONLY, so none).
func Listeners(configDir string, opt Options) ([]listen.Socket, *Meta, error) {
	var socks []listen.Socket
	meta, err := isolated(configDir, opt, func(abs string, meta *Meta) error {
		return withInstance(context.Background(), abs, nil, opt, meta, true, func(in *instance) error {
			s, err := listen.Read(in.masterPID)
			if err != nil {
				return fmt.Errorf("pforacle: reading the master's sockets: %w", err)
			}
			socks = listen.Effective(s)
			return nil
		})
	})
	return socks, meta, err
}
