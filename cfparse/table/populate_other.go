//go:build !linux

package table

// populatePages does nothing where there is no MADV_POPULATE_WRITE.
func populatePages(b []byte) {}
