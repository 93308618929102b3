// Package mmap maps database files into memory for lookups without a
// system call per read, where the system allows it.
//
// A mapped file that another program truncates in place makes reads
// fault; ReadAt turns the fault into an error instead of a crash.
// mailcc's own writers never change a file in place: they rename a new
// one over it, and the mapped old one stays valid.
package mmap

import (
	"errors"
	"io"
	"os"
	"runtime/debug"
)

// ReaderAt reads from a mapped file.
type ReaderAt struct {
	data []byte
	f    *os.File
}

var errFault = errors.New("file changed while mapped")

// ReadAt copies from the mapping.
func (r *ReaderAt) ReadAt(p []byte, off int64) (n int, err error) {
	if off < 0 || off > int64(len(r.data)) {
		return 0, io.EOF
	}
	err = Guard(func() error {
		n = copy(p, r.data[off:])
		return nil
	})
	if err == nil && n < len(p) {
		return n, io.EOF
	}
	return n, err
}

// Bytes returns the mapping itself, for readers that look at it in
// place. Every access must happen inside Guard, and nothing may be kept
// past Close.
func (r *ReaderAt) Bytes() []byte { return r.data }

// Guard runs fn, turning a fault in a mapping (the file was truncated
// under it) into an error.
func Guard(fn func() error) (err error) {
	old := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(old)
		if e := recover(); e != nil {
			err = errFault
		}
	}()
	return fn()
}

// Size returns the mapped length.
func (r *ReaderAt) Size() int64 { return int64(len(r.data)) }

// Close unmaps the file and closes it.
func (r *ReaderAt) Close() error {
	err := unmap(r.data)
	r.data = nil
	if cerr := r.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Open maps the file at path. When mapping is not possible it falls
// back to the file itself, which is then the returned io.ReaderAt.
func Open(path string) (io.ReaderAt, io.Closer, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, 0, err
	}
	size := st.Size()
	if size > 0 && size == int64(int(size)) {
		if data, err := mapFile(f, int(size)); err == nil {
			r := &ReaderAt{data: data, f: f}
			return r, r, size, nil
		}
	}
	return f, f, size, nil
}
