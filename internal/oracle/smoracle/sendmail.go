package smoracle

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

// runTimeout bounds every sendmail process.
const runTimeout = 60 * time.Second

// mark separates the answers of the commands of one -bt session: after
// each command the session prints the macro {oraclemark}, which holds it.
const mark = "@@ORACLE-MARK@@"

// bt runs one `sendmail -bt` session with the given input lines and
// returns its output (stdout and stderr as one stream) split into one
// chunk of lines per command, prompts, the banner and blank lines left
// out.
func (c *config) bt(cmds []string) ([][]string, error) {
	var in strings.Builder
	in.WriteString(".D{oraclemark}" + mark + "\n")
	for _, cmd := range cmds {
		in.WriteString(cmd + "\n${oraclemark}\n")
	}
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.opt.tool("sendmail"), "-bt", "-C", c.cf)
	cmd.Dir = c.dir
	cmd.Stdin = strings.NewReader(in.String())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if _, exit := err.(*exec.ExitError); !exit || ctx.Err() != nil {
			return nil, fmt.Errorf("sendmail -bt: %w", err)
		}
	}
	chunks := strings.Split(out.String(), mark)
	res := make([][]string, len(cmds))
	for i := range min(len(chunks), len(cmds)) {
		for _, ln := range strings.Split(chunks[i], "\n") {
			for strings.HasPrefix(ln, "> ") {
				ln = ln[2:]
			}
			if strings.HasPrefix(ln, "ADDRESS TEST MODE") || strings.HasPrefix(ln, "Enter <ruleset>") {
				continue
			}
			if t := strings.TrimSpace(ln); t == "" || t == ">" {
				continue
			}
			res[i] = append(res[i], ln)
		}
	}
	return res, nil
}

// returns finds what ruleset returned in a chunk of -bt output, and the
// status it reported; ok is false when the ruleset did not run (it does
// not exist).
func returns(chunk []string, ruleset string) (val string, status int, ok bool) {
	retRE := regexp.MustCompile(`^` + regexp.QuoteMeta(ruleset) + `\s+returns: ?(.*)$`)
	statusRE := regexp.MustCompile(`^== Ruleset ` + regexp.QuoteMeta(ruleset) + ` \(\d+\) status (\d+)`)
	for _, ln := range chunk {
		if m := retRE.FindStringSubmatch(ln); m != nil {
			val, ok = m[1], true
		}
		if m := statusRE.FindStringSubmatch(ln); m != nil {
			fmt.Sscan(m[1], &status)
		}
	}
	return val, status, ok
}

// bsRcpt runs the recipient() step that -bt cannot show (alias and local
// user lookup at RCPT time) in a real SMTP session, `sendmail -bs` as a
// local client with the null sender, and returns the last line of the
// reply to RCPT (or to MAIL, when that failed).
func (c *config) bsRcpt(to string) (string, error) {
	replies, err := c.bs([]string{"HELO oracle.localhost", "MAIL FROM:<>", "RCPT TO:<" + to + ">"})
	if err != nil {
		return "", err
	}
	last := func(r []string) string {
		if len(r) == 0 {
			return ""
		}
		return r[len(r)-1]
	}
	// replies[0] is the greeting
	if len(replies) < 3 {
		return "", nil
	}
	if mail := last(replies[2]); !strings.HasPrefix(mail, "250") || len(replies) < 4 {
		return mail, nil
	}
	return last(replies[3]), nil
}

// bs runs one SMTP session, `sendmail -bs` (a local client), sends each
// command after the reply to the one before and QUIT at the end, and
// returns the replies' lines: the greeting's, then one reply per
// command (fewer when sendmail ends the session early).
func (c *config) bs(cmds []string) ([][]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.opt.tool("sendmail"), "-bs", "-C", c.cf)
	cmd.Dir = c.dir
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	waited := make(chan error, 1)
	go func() { err := cmd.Wait(); pw.Close(); waited <- err }()
	r := bufio.NewReader(pr)
	reply := func() []string {
		var lines []string
		for {
			ln, err := r.ReadString('\n')
			if ln != "" {
				lines = append(lines, strings.TrimRight(ln, "\r\n"))
			}
			if err != nil || len(ln) >= 4 && ln[3] == ' ' {
				return lines
			}
		}
	}
	var replies [][]string
	if g := reply(); len(g) > 0 {
		replies = append(replies, g)
	}
	for _, line := range cmds {
		if len(replies) == 0 {
			break
		}
		io.WriteString(stdin, line+"\r\n")
		rep := reply()
		if len(rep) == 0 {
			break
		}
		replies = append(replies, rep)
	}
	io.WriteString(stdin, "QUIT\r\n")
	reply()
	stdin.Close()
	go io.Copy(io.Discard, r)
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-waited
	}
	return replies, nil
}

// praliases runs praliases for one name and returns the value, "" when
// there is no such alias.
func (c *config) praliases(name string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.opt.tool("praliases"), "-C", c.cf, name)
	cmd.Dir = c.dir
	out, err := cmd.Output()
	if _, exit := err.(*exec.ExitError); err != nil && (!exit || ctx.Err() != nil) {
		return "", err
	}
	val := ""
	for _, ln := range strings.Split(string(out), "\n") {
		if len(ln) > len(name) && strings.EqualFold(ln[:len(name)+1], name+":") {
			if v := strings.TrimSpace(ln[len(name)+1:]); v != "No such key" {
				val = v
			}
		}
	}
	return val, nil
}

// verify runs `sendmail -bv` for name: the full expansion with the
// mailer of each leaf.
func (c *config) verify(name string) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.opt.tool("sendmail"), "-bv", "-C", c.cf, name)
	cmd.Dir = c.dir
	out, err := cmd.CombinedOutput()
	if _, exit := err.(*exec.ExitError); err != nil && (!exit || ctx.Err() != nil) {
		return nil, err
	}
	var lines []string
	for _, ln := range strings.Split(string(out), "\n") {
		if strings.Contains(ln, "... ") {
			lines = append(lines, ln)
		}
	}
	return lines, nil
}
