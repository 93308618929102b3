package listen

import (
	"net"
	"net/netip"
	"os"
	"slices"
	"testing"
)

// TestRead: a socket this process listens on is read back from /proc,
// with its family, address and port.
func TestRead(t *testing.T) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	socks, err := Read(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	want := Socket{Family: "inet", Addr: netip.MustParseAddr("127.0.0.1"), Port: port}
	if !slices.Contains(socks, want) {
		t.Errorf("Read: %v does not hold %v", socks, want)
	}
	if l6, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		defer l6.Close()
		p6 := l6.Addr().(*net.TCPAddr).Port
		socks, err := Read(os.Getpid())
		if err != nil {
			t.Fatal(err)
		}
		want := Socket{Family: "inet6", Addr: netip.MustParseAddr("::1"), Port: p6}
		if !slices.Contains(socks, want) {
			t.Errorf("Read: %v does not hold %v", socks, want)
		}
	}
}

func TestParseLocal(t *testing.T) {
	for _, c := range []struct{ field, family, want string }{
		{"0100007F:0019", "inet", "inet 127.0.0.1:25"},
		{"00000000:024B", "inet", "inet 0.0.0.0:587"},
		{"00000000000000000000000000000000:0019", "inet6", "inet6 [::]:25"},
		{"00000000000000000000000001000000:0019", "inet6", "inet6 [::1]:25"},
	} {
		s, err := parseLocal(c.field, c.family)
		if err != nil || s.String() != c.want {
			t.Errorf("parseLocal(%q) = %v, %v; want %s", c.field, s, err, c.want)
		}
	}
}
