package main

import (
	"io"
	"os"
	"syscall"
)

// The Go runtime replaces a standard descriptor that is closed when the
// program starts with /dev/null opened read-write, so "mailcc ... >&-"
// would silently write nowhere and succeed. GNU m4 and the other tools
// mailcc replaces fail with "write error: Bad file descriptor" instead;
// so does mailcc: a standard output that is /dev/null opened O_RDWR (what
// the runtime installs; a shell's >/dev/null opens it write-only) is
// treated as closed.

func stdoutClosedAtStart() bool {
	flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, 1, syscall.F_GETFL, 0)
	if errno != 0 || int(flags)&syscall.O_ACCMODE != syscall.O_RDWR {
		return false
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(1, &st); err != nil {
		return false
	}
	var null syscall.Stat_t
	if err := syscall.Stat("/dev/null", &null); err != nil {
		return false
	}
	return st.Mode&syscall.S_IFMT == syscall.S_IFCHR && st.Rdev == null.Rdev
}

// closedWriter fails every write as a closed descriptor does.
type closedWriter struct{}

func (closedWriter) Write([]byte) (int, error) {
	return 0, &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EBADF}
}

// stdout is where commands write their main output.
func stdout() io.Writer {
	if stdoutClosedAtStart() {
		return closedWriter{}
	}
	return os.Stdout
}
