//go:build !unix

package mmap

import (
	"errors"
	"os"
)

func mapFile(f *os.File, size int) ([]byte, error) { return nil, errors.New("no mmap") }

func unmap(b []byte) error { return nil }
