package smoracle

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"syscall"
	"unsafe"
)

// Isolation. sendmail's decisions depend on the host name it runs under
// and on the machine's interfaces (class w), and its name lookups must
// not leave the machine. So every program the harness starts runs in
// private UTS and network namespaces that hold the chosen host name and
// only the loopback interface.
//
// The namespaces are made once per worker, not once per process: a
// worker goroutine locks itself to its OS thread and unshare(2)s that
// thread into new UTS and network namespaces, sets the host name and
// brings lo up (each worker has its own, identical, namespaces). A child
// forked from such a thread starts in its namespaces. The workers never
// unlock their threads, so when they return the Go runtime ends those
// threads instead of reusing them, and no other goroutine ever runs in
// the namespaces (the runtime also never clones a new thread from a
// locked one). The machine's own host name is never set: sethostname is
// only called after unshare succeeded on the same thread.
//
// Measured here (BenchmarkNamespace, 2 cores): a worker's namespaces
// cost about 1.1 ms, once per Run; a fresh namespace per process
// (unshare + a shell that sets the name and brings lo up, then exec)
// costs about 7 ms per process, as much as the sendmail -bt run itself,
// and a rcpt probe starts up to 6 of them.

// sandbox runs jobs on worker threads inside private namespaces.
type sandbox struct {
	jobs     chan func()
	wg       sync.WaitGroup
	isolated bool
}

// errUnisolated is returned when the namespaces cannot be made.
var errUnisolated = errors.New("cannot create private UTS+network namespaces " +
	"(needs root or CAP_SYS_ADMIN); without them this machine's host name and interfaces " +
	"leak into the results and name lookups may leave the machine")

// newSandbox starts workers threads, each in new namespaces named
// hostname (identical ones: a host name and lo). When the namespaces
// cannot be made it fails, unless allowUnisolated, when the workers run
// as they are.
func newSandbox(hostname string, workers int, allowUnisolated bool) (*sandbox, error) {
	s := &sandbox{jobs: make(chan func()), isolated: true}
	started := make(chan error, workers)
	for range workers {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
			err := enterNew(hostname)
			started <- err
			if err == nil {
				s.serve()
			}
		}()
	}
	var errs error
	for range workers {
		errs = errors.Join(errs, <-started)
	}
	if errs == nil {
		return s, nil
	}
	s.close() // the threads that did get in end here
	if !allowUnisolated {
		return nil, fmt.Errorf("smoracle: %w: %v", errUnisolated, errs)
	}
	s = &sandbox{jobs: make(chan func())}
	for range workers {
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.serve() }()
	}
	return s, nil
}

func (s *sandbox) serve() {
	for f := range s.jobs {
		f()
	}
}

// do runs f on a worker and waits for it.
func (s *sandbox) do(f func()) {
	done := make(chan struct{})
	s.jobs <- func() { defer close(done); f() }
	<-done
}

// each runs f(0) ... f(n-1) on the workers, concurrently, and waits.
func (s *sandbox) each(n int, f func(i int)) {
	var wg sync.WaitGroup
	wg.Add(n)
	for i := range n {
		s.jobs <- func() { defer wg.Done(); f(i) }
	}
	wg.Wait()
}

// close stops the workers (their threads end with them).
func (s *sandbox) close() {
	close(s.jobs)
	s.wg.Wait()
}

// enterNew moves the calling (locked) thread into new UTS and network
// namespaces, names it hostname and brings lo up.
func enterNew(hostname string) error {
	if err := syscall.Unshare(syscall.CLONE_NEWUTS | syscall.CLONE_NEWNET); err != nil {
		return fmt.Errorf("unshare: %w", err)
	}
	if err := syscall.Sethostname([]byte(hostname)); err != nil {
		return fmt.Errorf("sethostname in the private namespace: %w", err)
	}
	if err := loopbackUp(); err != nil {
		return fmt.Errorf("bringing lo up: %w", err)
	}
	if h, _ := os.Hostname(); h != hostname {
		// os.Hostname asks on this thread, in its UTS namespace
		return fmt.Errorf("host name in the private namespace is %q, not %q", h, hostname)
	}
	return nil
}

// loopbackUp sets IFF_UP on lo (a new network namespace has it down).
func loopbackUp() error {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	var ifr [40]byte // struct ifreq: name[16], then a union (flags: short)
	copy(ifr[:], "lo")
	ioctl := func(req uintptr) error {
		if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), req, uintptr(unsafe.Pointer(&ifr[0]))); e != 0 {
			return e
		}
		return nil
	}
	if err := ioctl(syscall.SIOCGIFFLAGS); err != nil {
		return err
	}
	flags := binary.NativeEndian.Uint16(ifr[16:])
	if flags&syscall.IFF_UP != 0 {
		return nil
	}
	binary.NativeEndian.PutUint16(ifr[16:], flags|syscall.IFF_UP)
	return ioctl(syscall.SIOCSIFFLAGS)
}
