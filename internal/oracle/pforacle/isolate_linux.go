package pforacle

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

// isolate moves the calling thread (locked by the caller) into new UTS
// and network namespaces, names it hostname and brings its loopback
// interface up. Processes started from the thread and sockets it opens
// belong to those namespaces. The error wraps ErrNoNamespace when the
// thread is left as it was.
func isolate(hostname string) error {
	if err := syscall.Unshare(syscall.CLONE_NEWUTS | syscall.CLONE_NEWNET); err != nil {
		return fmt.Errorf("%w: unshare: %v", ErrNoNamespace, err)
	}
	if err := syscall.Sethostname([]byte(hostname)); err != nil {
		return fmt.Errorf("sethostname %q: %v", hostname, err)
	}
	if err := loopbackUp(); err != nil {
		return fmt.Errorf("bringing lo up: %v", err)
	}
	// A new network namespace queues 10 datagrams on a unix socket:
	// Postfix's postlogd socket fills when daemons log in bursts, and
	// every daemon (postfix stop too) then blocks on its next log line.
	// The setting is per namespace; this thread's is the new one.
	_ = os.WriteFile("/proc/sys/net/unix/max_dgram_qlen", []byte("1024\n"), 0o644)
	return nil
}

// loopbackUp sets IFF_UP on lo (a new network namespace has it down).
func loopbackUp() error {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	// struct ifreq: the interface name (IFNAMSIZ bytes), then a union
	// whose short ifr_flags is all that is used here.
	var ifr [40]byte
	copy(ifr[:syscall.IFNAMSIZ], "lo")
	ioctl := func(req uintptr) error {
		if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), req, uintptr(unsafe.Pointer(&ifr[0]))); e != 0 {
			return e
		}
		return nil
	}
	if err := ioctl(syscall.SIOCGIFFLAGS); err != nil {
		return err
	}
	flags := (*uint16)(unsafe.Pointer(&ifr[syscall.IFNAMSIZ]))
	if *flags&syscall.IFF_UP != 0 {
		return nil
	}
	*flags |= syscall.IFF_UP
	return ioctl(syscall.SIOCSIFFLAGS)
}

// privateResolver moves the calling thread (locked, already isolated)
// into a new mount namespace, private all the way down so that nothing
// mounted in it reaches the system's, and bind-mounts the file conf over
// /etc/resolv.conf there: processes started from the thread resolve
// through the private name server.
func privateResolver(conf string) error {
	if err := syscall.Unshare(syscall.CLONE_NEWNS); err != nil {
		return fmt.Errorf("unshare(CLONE_NEWNS): %v", err)
	}
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("making / private: %v", err)
	}
	if err := syscall.Mount(conf, "/etc/resolv.conf", "", syscall.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind-mounting %s over /etc/resolv.conf: %v", conf, err)
	}
	return nil
}
