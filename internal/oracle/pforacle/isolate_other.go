//go:build !linux

package pforacle

import "fmt"

func isolate(string) error {
	return fmt.Errorf("%w: they need Linux", ErrNoNamespace)
}

func privateResolver(string) error {
	return fmt.Errorf("%w: they need Linux", ErrNoNamespace)
}
