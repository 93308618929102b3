package mapdb

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"mailcc/tablesrc"
)

// accessSource renders n access-map lines of the kinds a large site
// has: client addresses (IPv4 and IPv6), senders, recipients.
func accessSource(n int) []byte {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&b, "Connect:%d.%d.%d.%d\tREJECT\n", i>>24&255, i>>16&255, i>>8&255, i&255)
		case 1:
			fmt.Fprintf(&b, "From:user%d@example%d.com\tREJECT\n", i, i%997)
		case 2:
			fmt.Fprintf(&b, "To:list%d@lists.example.org\tRELAY\n", i)
		case 3:
			fmt.Fprintf(&b, "Connect:IPv6:2001:db8:%x:%x::1\tREJECT\n", i>>16, i&0xffff)
		}
	}
	return b.Bytes()
}

// buildMakemap runs makemap's pipeline: read the source, put every
// entry, write the file.
func buildMakemap(t Type, src []byte, path string) error {
	b, err := NewBuilder(t, BuildOptions{})
	if err != nil {
		return err
	}
	r := tablesrc.NewMakemapReader(bytes.NewReader(src), tablesrc.MakemapOptions{})
	for {
		e, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if err := b.Put(e.Key, e.Value, Insert); err != nil && err != ErrKeyExists {
			return err
		}
	}
	return Commit(path, 0o640, b, nil)
}

// BenchmarkWrite1M builds a 1,000,000-entry access map the way
// "mailcc makemap hash" does, file written included.
func BenchmarkWrite1M(b *testing.B) {
	src := accessSource(1000000)
	dir := b.TempDir()
	for _, t := range []Type{Hash, Btree, CDB} {
		b.Run(string(t), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if err := buildMakemap(t, src, filepath.Join(dir, "access"+t.Suffix())); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	os.RemoveAll(dir)
}

// BenchmarkLookup: random lookups in a 1,000,000-entry access map, the
// way the MTA looks keys up (a sendmail Table for hash and btree, Get for cdb).
func BenchmarkLookup(b *testing.B) {
	src := accessSource(1000000)
	dir := b.TempDir()
	var keys [][]byte
	r := tablesrc.NewMakemapReader(bytes.NewReader(src), tablesrc.MakemapOptions{})
	for i := 0; ; i++ {
		e, err := r.Next()
		if err != nil {
			break
		}
		if i%97 == 0 {
			keys = append(keys, append([]byte(nil), e.Key...))
		}
	}
	for _, t := range []Type{Hash, Btree, CDB} {
		path := filepath.Join(dir, "access"+t.Suffix())
		if err := buildMakemap(t, src, path); err != nil {
			b.Fatal(err)
		}
		m, err := Open(t, path)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(string(t), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := m.Get(keys[i%len(keys)]); err != nil {
					b.Fatal(err)
				}
			}
		})
		m.Close()
	}
}
