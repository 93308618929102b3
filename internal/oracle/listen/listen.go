// Package listen reads which TCP sockets a mail server listens on, for
// the oracles that start the real sendmail daemon and the real Postfix
// master in a private network namespace: the sockets in state LISTEN of
// the namespace of a process (/proc/PID/net/tcp and tcp6), and, for an
// IPv6 socket on the unspecified address, whether it also takes IPv4
// connections (sendmail does not set IPV6_V6ONLY, Postfix does; with
// Linux's default net.ipv6.bindv6only = 0 such a socket serves both
// families, which /proc does not show).
package listen

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Socket is a listening TCP socket.
type Socket struct {
	// Family is "inet" or "inet6": the family of the connections it
	// takes (an IPv4 connection taken by a dual-stack IPv6 socket is an
	// "inet" Socket with Mapped set).
	Family string
	Addr   netip.Addr
	Port   int
	// Mapped: the IPv4 connections are taken by the IPv6 socket on the
	// unspecified address (v4-mapped), not by a socket of their own.
	Mapped bool
}

// String is "inet 0.0.0.0:25", "inet6 [::]:587", "inet 0.0.0.0:25
// (through [::]:25)".
func (s Socket) String() string {
	str := s.Family + " " + netip.AddrPortFrom(s.Addr, uint16(s.Port)).String()
	if s.Mapped {
		str += fmt.Sprintf(" (through [::]:%d)", s.Port)
	}
	return str
}

// Key is the socket without Mapped: what a client sees.
func (s Socket) Key() string {
	return s.Family + " " + netip.AddrPortFrom(s.Addr, uint16(s.Port)).String()
}

func compare(a, b Socket) int {
	if c := strings.Compare(a.Family, b.Family); c != 0 {
		return c
	}
	if a.Port != b.Port {
		return a.Port - b.Port
	}
	return a.Addr.Compare(b.Addr)
}

// Read returns the TCP sockets in state LISTEN of the network namespace
// process pid belongs to, sorted, without duplicates.
func Read(pid int) ([]Socket, error) {
	var out []Socket
	for _, f := range []struct{ file, family string }{{"tcp", "inet"}, {"tcp6", "inet6"}} {
		socks, err := readFile(fmt.Sprintf("/proc/%d/net/%s", pid, f.file), f.family)
		if err != nil {
			return nil, err
		}
		out = append(out, socks...)
	}
	slices.SortFunc(out, compare)
	return slices.CompactFunc(out, func(a, b Socket) bool { return compare(a, b) == 0 }), nil
}

// stateListen is TCP_LISTEN in /proc/net/tcp's "st" column.
const stateListen = "0A"

func readFile(path, family string) ([]Socket, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Socket
	sc := bufio.NewScanner(f)
	for first := true; sc.Scan(); first = false {
		w := strings.Fields(sc.Text())
		if first || len(w) < 4 || w[3] != stateListen {
			continue
		}
		s, err := parseLocal(w[1], family)
		if err != nil {
			return nil, fmt.Errorf("%s: %q: %v", path, w[1], err)
		}
		out = append(out, s)
	}
	return out, sc.Err()
}

// parseLocal reads "0100007F:0019" (IPv4) or 32 hex digits and a port
// (IPv6): the address is written as 32-bit words in host byte order.
func parseLocal(field, family string) (Socket, error) {
	a, p, ok := strings.Cut(field, ":")
	if !ok {
		return Socket{}, fmt.Errorf("no port")
	}
	port, err := strconv.ParseUint(p, 16, 16)
	if err != nil {
		return Socket{}, err
	}
	raw, err := hex.DecodeString(a)
	if err != nil || len(raw) != 4 && len(raw) != 16 {
		return Socket{}, fmt.Errorf("bad address")
	}
	b := make([]byte, len(raw))
	for i := 0; i < len(raw); i += 4 {
		binary.BigEndian.PutUint32(b[i:], binary.NativeEndian.Uint32(raw[i:]))
	}
	addr, _ := netip.AddrFromSlice(b)
	return Socket{Family: family, Addr: addr, Port: int(port)}, nil
}

// Effective adds to socks, for every IPv6 socket on the unspecified
// address (::) whose port has no IPv4 socket, the IPv4 connections it
// takes: an "inet 0.0.0.0:PORT" Socket with Mapped set, when a
// connection to 127.0.0.1:PORT succeeds. It must run where a connection
// reaches the sockets' namespace: on a thread in it.
func Effective(socks []Socket) []Socket {
	out := slices.Clone(socks)
	for _, s := range socks {
		if s.Family != "inet6" || !s.Addr.IsUnspecified() {
			continue
		}
		if slices.ContainsFunc(socks, func(o Socket) bool { return o.Family == "inet" && o.Port == s.Port }) {
			continue
		}
		if accepts4(s.Port) {
			out = append(out, Socket{Family: "inet", Addr: netip.IPv4Unspecified(), Port: s.Port, Mapped: true})
		}
	}
	slices.SortFunc(out, compare)
	return out
}

// loopback4 is 127.0.0.1.
var loopback4 = netip.AddrFrom4([4]byte{127, 0, 0, 1})

// accepts4 reports whether a TCP connection to 127.0.0.1:port succeeds
// (from the calling thread's network namespace).
func accepts4(port int) bool {
	c, err := net.DialTimeout("tcp4", netip.AddrPortFrom(loopback4, uint16(port)).String(), 2*time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
