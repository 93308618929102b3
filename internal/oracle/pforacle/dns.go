package pforacle

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"github.com/miekg/dns"

	"mailcc/runtime/hosts"
)

// The private name service. Postfix's DNS-dependent checks
// (reject_unknown_sender_domain, reject_unknown_recipient_domain, ...)
// ask DNS, never the hosts file, so an isolated run serves
// CONFIGDIR/hosts as DNS: a server on 127.0.0.1:53 inside the private
// network namespace answers A and AAAA queries for the names of the
// hosts file (an alias answers with a CNAME to the line's first name),
// NXDOMAIN for every other name, and no data for other types (there are
// no MX records: a name resolves by its address, as sendmail's
// files-based host lookups decide). The resolver is pointed at it by a
// resolv.conf bind-mounted over /etc/resolv.conf in a private mount
// namespace (isolateNS), so nothing outside the run sees either. This
// is the same name service smoracle gives sendmail (its hosts file),
// which is what lets the two oracles be compared on senders whose
// domain does or does not resolve.

// resolvConf is the private resolver configuration: the private server
// only. It answers at once, but it runs in the process that asks
// (a test binary), which a loaded machine can stall for seconds: a lost
// answer would become Postfix's temporary DNS failure (450 4.4.3) and
// an answer no configuration gave, so the resolver asks three times,
// five seconds apart. (Postfix's checks switch the resolver's search
// list off, so none is set.)
const resolvConf = "nameserver 127.0.0.1\noptions attempts:3 timeout:5\n"

// nameServer answers from a hosts file.
type nameServer struct {
	hosts *hosts.Hosts
	udp   *dns.Server
	tcp   *dns.Server
}

// startNameServer reads CONFIGDIR/hosts (none: only localhost is known)
// and serves it on 127.0.0.1:53. It must be called on the isolated
// thread, so that its sockets belong to the private network namespace.
func startNameServer(configDir string) (*nameServer, error) {
	h := &hosts.Hosts{}
	h.Add(netip.MustParseAddr("127.0.0.1"), "localhost")
	h.Add(netip.MustParseAddr("::1"), "localhost")
	if parsed, err := hosts.ParseFile(filepath.Join(configDir, "hosts")); err == nil {
		h = parsed
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	pc, err := net.ListenPacket("udp4", "127.0.0.1:53")
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:53")
	if err != nil {
		pc.Close()
		return nil, err
	}
	ns := &nameServer{hosts: h}
	ns.udp = &dns.Server{PacketConn: pc, Handler: ns}
	ns.tcp = &dns.Server{Listener: ln, Handler: ns}
	go ns.udp.ActivateAndServe()
	go ns.tcp.ActivateAndServe()
	return ns, nil
}

// close stops the server.
func (ns *nameServer) close() {
	if ns == nil {
		return
	}
	ns.udp.Shutdown()
	ns.tcp.Shutdown()
}

// ServeDNS answers one query.
func (ns *nameServer) ServeDNS(w dns.ResponseWriter, q *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(q)
	m.Authoritative = true
	m.RecursionAvailable = true
	if len(q.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		w.WriteMsg(m)
		return
	}
	qq := q.Question[0]
	name := strings.TrimSuffix(qq.Name, ".")
	canon, ok := ns.hosts.Canonical(name)
	if !ok {
		m.Rcode = dns.RcodeNameError
		w.WriteMsg(m)
		return
	}
	owner := qq.Name
	if !strings.EqualFold(canon, name) && (qq.Qtype == dns.TypeA || qq.Qtype == dns.TypeAAAA || qq.Qtype == dns.TypeCNAME || qq.Qtype == dns.TypeANY) {
		target := dns.Fqdn(canon)
		m.Answer = append(m.Answer, &dns.CNAME{Hdr: hdr(owner, dns.TypeCNAME), Target: target})
		owner = target
		if qq.Qtype == dns.TypeCNAME {
			w.WriteMsg(m)
			return
		}
	}
	for _, a := range ns.hosts.Addrs(canon) {
		switch {
		case a.Is4() && (qq.Qtype == dns.TypeA || qq.Qtype == dns.TypeANY):
			m.Answer = append(m.Answer, &dns.A{Hdr: hdr(owner, dns.TypeA), A: a.AsSlice()})
		case a.Is6() && (qq.Qtype == dns.TypeAAAA || qq.Qtype == dns.TypeANY):
			m.Answer = append(m.Answer, &dns.AAAA{Hdr: hdr(owner, dns.TypeAAAA), AAAA: a.AsSlice()})
		}
	}
	w.WriteMsg(m)
}

func hdr(name string, t uint16) dns.RR_Header {
	return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: 60}
}

// nameService starts the private name server and points the isolated
// thread's resolver at it.
func (in *instance) nameService() (*nameServer, error) {
	ns, err := startNameServer(in.configDir)
	if err != nil {
		return nil, fmt.Errorf("pforacle: private name server: %w", err)
	}
	conf := filepath.Join(in.tmp, "resolv.conf")
	if err := os.WriteFile(conf, []byte(resolvConf), 0o644); err != nil {
		ns.close()
		return nil, err
	}
	if err := privateResolver(conf); err != nil {
		ns.close()
		return nil, fmt.Errorf("pforacle: %w", err)
	}
	if _, err := os.Stat(filepath.Join(in.configDir, "hosts")); err == nil {
		in.note("DNS: CONFIGDIR/hosts served on 127.0.0.1:53 as the only name service")
	} else {
		in.note("DNS: a private name server that knows only localhost")
	}
	return ns, nil
}
