// Package safeio writes files so that a reader never sees half of one: the
// data goes to a temporary file in the target's directory, is flushed to
// disk, and is renamed over the target only when everything succeeded. On
// any failure the previous file, if there was one, is left untouched and
// the temporary file is removed.
//
// When the target already exists its permission bits are kept; otherwise
// the mode given by the caller is used.
package safeio

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// File is a file being written. Write to it, then call Commit to put it in
// place, or Abort to throw it away. Abort after Commit does nothing, so
// `defer f.Abort()` is the usual pattern.
type File struct {
	*os.File
	target string
	mode   fs.FileMode
	done   bool
}

// Create starts writing the file that will replace path.
func Create(path string, mode fs.FileMode) (*File, error) {
	if st, err := os.Stat(path); err == nil {
		if !st.Mode().IsRegular() {
			return nil, fmt.Errorf("%s: not a regular file", path)
		}
		mode = st.Mode().Perm()
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, err
	}
	return &File{File: tmp, target: path, mode: mode}, nil
}

// Commit flushes the data, closes the file and renames it over the target.
func (f *File) Commit() error {
	if f.done {
		return errors.New("safeio: file already committed or aborted")
	}
	f.done = true
	name := f.File.Name()
	err := f.File.Chmod(f.mode)
	if err == nil {
		err = f.File.Sync()
	}
	if cerr := f.File.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(name, f.target)
	}
	if err != nil {
		os.Remove(name)
		return fmt.Errorf("writing %s: %w", f.target, err)
	}
	return nil
}

// Abort discards everything written; the target is not touched.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.File.Close()
	os.Remove(f.File.Name())
}

// WriteFile writes data to path atomically.
func WriteFile(path string, data []byte, mode fs.FileMode) error {
	f, err := Create(path, mode)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Commit()
}
