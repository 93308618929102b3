package m4

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// shell runs cmd for syscmd (out == nil: the command's output goes
// straight to the output stream, as GNU m4 does) or esyscmd (its output
// is the expansion). A ShellHandler is asked first; without one that
// handles the command, the command runs only with AllowShell.
func (p *Processor) shell(me, cmd string, out *[]byte) {
	if h := p.opts.ShellHandler; h != nil {
		res, status, handled, err := h(cmd, ShellContext{File: p.curFile, Line: p.curLine, TempFiles: p.tempFiles, Esyscmd: out != nil})
		if err != nil {
			p.fatal(me + ": " + err.Error())
		}
		if handled {
			if out != nil {
				*out = append(*out, res...)
			} else if res != "" {
				p.flush()
				p.writeRaw([]byte(res))
			}
			p.sysval = status
			return
		}
	}
	if !p.opts.AllowShell {
		p.fatal(me + ": refusing to run the shell command `" + cmd + "': mailcc starts no shell unless " + p.opts.ShellFlag + " is given")
	}
	p.flush()
	c := exec.Command("/bin/sh", "-c", cmd)
	c.Stdin = os.Stdin
	c.Stderr = p.stderr
	var buf bytes.Buffer
	if out != nil {
		c.Stdout = &buf
	} else {
		c.Stdout = p.rawOut()
		if p.outFile != nil {
			c.Stdout = p.outFile
		}
	}
	err := c.Run()
	if out != nil {
		p.chargeWork(int64(buf.Len()))
		*out = append(*out, buf.Bytes()...)
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
		p.sysval = 0
	case errors.As(err, &ee):
		ws, ok := ee.Sys().(syscall.WaitStatus)
		switch {
		case ok && ws.Signaled():
			p.sysval = int(ws.Signal()) << 8
		case ok:
			p.sysval = ws.ExitStatus()
		default:
			p.sysval = ee.ExitCode()
		}
	default:
		p.warn("cannot run command `" + cmd + "': " + errnoText(err))
		p.sysval = 127
	}
}

// rawOut is where a syscmd's output goes when no output was set.
func (p *Processor) rawOut() *os.File { return os.Stdout }

// writeRaw writes straight to the output stream, bypassing diversions.
func (p *Processor) writeRaw(b []byte) {
	if p.outFile != nil {
		p.outFile.Write(b)
	}
}
