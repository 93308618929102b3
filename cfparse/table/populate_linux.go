package table

import "syscall"

// madvPopulateWrite is MADV_POPULATE_WRITE (Linux 5.14): fault the
// pages of a range in, writable, without writing them.
const madvPopulateWrite = 23

// populatePages faults in the pages of b, which starts on a page (a
// large Go allocation does). It changes no byte of b; where the kernel
// does not know the advice, it does nothing.
func populatePages(b []byte) {
	_ = syscall.Madvise(b, madvPopulateWrite)
}
