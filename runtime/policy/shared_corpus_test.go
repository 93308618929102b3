package policy

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"mailcc/cfparse"
	"mailcc/internal/oracle/pforacle"
	"mailcc/internal/oracle/smoracle"
	"mailcc/internal/testenv"
	"mailcc/ir"
	"mailcc/runtime/probe"
)

var sharedUpdate = flag.Bool("shared-update", false,
	"rewrite testdata/shared/known-differences.txt with the disagreements TestSharedCorpusAgreement observes (existing reasons are kept)")

var sharedDump = flag.String("shared-dump", "",
	"TestSharedCorpusAgreement: copy each configuration's folder, with its generated hosts and probes.tsv, under this folder (to rerun sm-oracle or pf-oracle by hand)")

// sharedKnownFile lists the disagreements with the real MTAs on
// the shared corpus that are known, one a line: CONFIG, PROBE, REASON
// separated by TABs.
const sharedKnownFile = "testdata/shared/known-differences.txt"

const (
	// sharedMaxProbes bounds the probes generated for one configuration.
	sharedMaxProbes = 60
	// sharedPostfixTimeout bounds one private Postfix run (they take
	// 1-7 s, 10-12 s when Postfix refuses to start): an smtpd that never
	// answers its greeting costs the oracle 30 s a probe.
	sharedPostfixTimeout = 15 * time.Second
	// sharedPostfixGrace is how long a run may take to stop after its
	// deadline before the instance is killed.
	sharedPostfixGrace = 6 * time.Second
)

// sharedCase is one configuration of ../shared/corpus: a sendmail .mc
// in its folder, or a Postfix folder's main.cf.
type sharedCase struct {
	name     string // "sendmail/013-…/sendmail.mc", "postfix/001-…/main.cf"
	dir      string // the corpus folder
	file     string // the .mc or main.cf in it
	sendmail bool
}

// sharedOutcome is what happened to one configuration.
type sharedOutcome struct {
	ran          bool   // the oracle answered and the answers were compared
	skip         string // why not, when it did not
	agree, total int
	oracleErrs   int           // probes the oracle could not answer (not compared)
	diffs        []sharedDiff  // disagreements (mailcc answered)
	oracleTime   time.Duration // the oracle's run
	m4Errors     []string      // the cf library's *** ERROR lines (the .cf was built anyway)
}

// sharedDiff is one disagreement.
type sharedDiff struct {
	config, probe string
	mailcc, real  string
	fields        []string
	mailccError   bool // mailcc answered "error" where the oracle answered
}

func (d sharedDiff) key() string { return d.config + "\t" + d.probe }

func sharedCases(t *testing.T, corpus string) []sharedCase {
	var out []sharedCase
	sm, _ := filepath.Glob(filepath.Join(corpus, "sendmail", "*", "*.mc"))
	for _, f := range sm {
		dir := filepath.Dir(f)
		out = append(out, sharedCase{
			name:     "sendmail/" + filepath.Base(dir) + "/" + filepath.Base(f),
			dir:      dir,
			file:     f,
			sendmail: true,
		})
	}
	pf, _ := filepath.Glob(filepath.Join(corpus, "postfix", "*"))
	for _, dir := range pf {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			continue
		}
		out = append(out, sharedCase{
			name: "postfix/" + filepath.Base(dir) + "/main.cf",
			dir:  dir,
			file: filepath.Join(dir, "main.cf"),
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	if len(out) == 0 {
		t.Fatalf("%s holds no sendmail .mc and no Postfix folder", corpus)
	}
	return out
}

// sharedMSP: a sendmail submission (MSP) configuration, not an MTA's.
func sharedMSP(c sharedCase) bool {
	return c.sendmail && strings.Contains(filepath.Base(c.file), "submit")
}

// The host names the oracles pick when none is given (smoracle's and
// pforacle's own rules): the .mc's literal confDOMAIN_NAME, main.cf's
// literal myhostname, else mx.oracle.test. Both sides are given the
// same one explicitly.
var (
	sharedDomainNameRE = regexp.MustCompile("define\\(\\s*`?confDOMAIN_NAME'?\\s*,\\s*`?([A-Za-z0-9.\\-]+)'?\\s*\\)")
	sharedMyhostnameRE = regexp.MustCompile(`(?m)^[ \t]*myhostname[ \t]*=[ \t]*([A-Za-z0-9.\-]+)[ \t]*$`)
)

func sharedHostname(c sharedCase) string {
	b, err := os.ReadFile(c.file)
	if err == nil {
		re := sharedMyhostnameRE
		if c.sendmail {
			re = sharedDomainNameRE
		}
		if m := re.FindSubmatch(b); m != nil {
			return string(m[1])
		}
	}
	return "mx.oracle.test"
}

// sharedConfigDir makes the folder both sides read: the corpus
// folder's files; for sendmail the chosen .mc as sendmail.mc and no
// other .mc.
func sharedConfigDir(t *testing.T, c sharedCase) string {
	dst := t.TempDir()
	ents, err := os.ReadDir(c.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		name := e.Name()
		if c.sendmail && strings.HasSuffix(name, ".mc") {
			continue
		}
		if name == "hosts" || name == "hostname" {
			continue // the oracles' inputs are generated
		}
		b, err := os.ReadFile(filepath.Join(c.dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if c.sendmail {
		b, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, "sendmail.mc"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// sharedMkdirs makes, in the configuration folder, the subfolders that
// the configuration's tables live in (/etc/mail/authinfo/gmail-auth,
// /etc/postfix/sasl/passwd). The oracles give a table whose source is
// missing an empty map, but fail when they cannot write that empty
// source because its folder is missing too; an empty folder changes
// nothing else, for either side.
func sharedMkdirs(t *testing.T, dir string, cfg *ir.Config, sendmail bool) {
	prefix := "/etc/postfix/"
	if sendmail {
		prefix = "/etc/mail/"
	}
	var paths []string
	for _, tb := range cfg.Tables {
		paths = append(paths, tb.Backend.Path, tb.Backend.Source)
	}
	for _, cl := range cfg.Classes {
		for _, f := range cl.Files {
			paths = append(paths, f.Path)
		}
	}
	for _, p := range paths {
		rel, ok := strings.CutPrefix(p, prefix)
		if !ok || !strings.Contains(rel, "/") {
			continue
		}
		sub := filepath.Dir(filepath.Clean(rel))
		if !filepath.IsLocal(sub) {
			continue
		}
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// sharedHostsGen builds the hosts file both sides see.
type sharedHostsGen struct {
	lines []string
	names map[string]bool
	next  int
}

func newSharedHostsGen() *sharedHostsGen {
	h := &sharedHostsGen{names: map[string]bool{}, next: 10}
	h.add("127.0.0.1", "localhost")
	h.add("192.0.2.20", "example.net")
	h.add("192.0.2.21", "mail.example.net")
	return h
}

func (h *sharedHostsGen) add(addr, name string) {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	if name == "" || h.names[name] {
		return
	}
	h.names[name] = true
	h.lines = append(h.lines, addr+"\t"+name)
}

// name lists a name with an address of its own (a sender domain, a
// client's PTR name).
func (h *sharedHostsGen) name(name string) {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	if name == "" || h.names[name] || strings.HasPrefix(name, "[") {
		return
	}
	h.add(fmt.Sprintf("198.51.100.%d", h.next), name)
	if h.next < 250 {
		h.next++
	}
}

func (h *sharedHostsGen) String() string { return strings.Join(h.lines, "\n") + "\n" }

// sharedProbeGen collects probe lines, without duplicates, up to a bound.
type sharedProbeGen struct {
	lines []string
	seen  map[string]bool
	max   int
}

func (g *sharedProbeGen) full() bool { return len(g.lines) >= g.max }

func (g *sharedProbeGen) add(fields ...string) {
	if g.full() {
		return
	}
	l := strings.Join(fields, "\t")
	if g.seen[l] {
		return
	}
	g.seen[l] = true
	g.lines = append(g.lines, l)
}

// sharedWord: a key or name that fits in a probe field as it is.
var sharedWord = regexp.MustCompile(`^[A-Za-z0-9._+\-@:]+$`)

// sharedDomain: a plain domain name.
var sharedDomain = regexp.MustCompile(`^[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*$`)

// sharedKeyAddr is a client address inside an access key's IP prefix
// ("10.1" → 10.1.0.1), or false.
func sharedKeyAddr(k ir.Key) (netip.Addr, bool) {
	v := k.Value
	if len(v) > 5 && strings.EqualFold(v[:5], "ipv6:") {
		v = v[5:]
	}
	v = strings.Trim(v, "[]")
	if p, err := netip.ParsePrefix(v); err == nil {
		a := p.Masked().Addr()
		if p.Bits() < a.BitLen() {
			a = a.Next()
		}
		return a, true
	}
	if a, err := netip.ParseAddr(v); err == nil {
		return a.Unmap(), true
	}
	switch k.Kind {
	case ir.KeyIPv4:
		parts := strings.Split(strings.TrimSuffix(v, "."), ".")
		if len(parts) == 0 || len(parts) > 4 {
			return netip.Addr{}, false
		}
		padded := len(parts) < 4
		for len(parts) < 4 {
			parts = append(parts, "0")
		}
		if padded {
			parts[3] = "1"
		}
		a, err := netip.ParseAddr(strings.Join(parts, "."))
		return a, err == nil
	case ir.KeyIPv6:
		groups := strings.Split(strings.Trim(v, ":"), ":")
		if len(groups) == 0 || len(groups) >= 8 {
			return netip.Addr{}, false
		}
		for len(groups) < 8 {
			groups = append(groups, "0")
		}
		groups[7] = "1"
		a, err := netip.ParseAddr(strings.Join(groups, ":"))
		return a, err == nil
	}
	return netip.Addr{}, false
}

// sharedClient formats a probe client: ADDR, or NAME[ADDR].
func sharedClient(name string, a netip.Addr) string {
	if name == "" {
		return a.String()
	}
	return name + "[" + a.String() + "]"
}

// sharedProbes generates the probes for a configuration from its IR:
// the connection, sender and relay checks from relay and non-relay
// clients, the local domains' users, the access keys and virtual users
// present, aliases, routes and sender rewriting. It returns the probe
// file's text and the hosts file both sides see.
func sharedProbes(cfg *ir.Config, hostname string) (string, string) {
	h := newSharedHostsGen()
	g := &sharedProbeGen{seen: map[string]bool{}, max: sharedMaxProbes}

	host := hostname
	if v := cfg.Identity.Hostname.Value; v != "" && sharedDomain.MatchString(v) && strings.Contains(v, ".") {
		host = strings.ToLower(v)
	}
	// the local domains: the host name, then up to two more
	locals := []string{host}
	var lh []string
	for _, d := range cfg.LocalDomains {
		dom := strings.ToLower(strings.TrimSuffix(d.Domain, "."))
		if d.Negated || d.Table != "" || d.OnlySubdomains || !sharedDomain.MatchString(dom) || slices.Contains(locals, dom) {
			continue
		}
		if dom == "localhost" || strings.HasPrefix(dom, "localhost.") {
			lh = append(lh, dom)
			continue
		}
		if len(locals) < 3 {
			locals = append(locals, dom)
		}
	}
	if len(locals) < 3 && len(lh) > 0 {
		locals = append(locals, lh[0])
	}
	ld := host
	if len(locals) > 1 && !strings.HasPrefix(locals[1], "localhost") {
		ld = locals[1]
	}
	// a relay client inside the first trusted network that is not
	// loopback
	var relayNet netip.Addr
	for _, n := range cfg.Relay.Networks {
		if n.Negated || n.CIDR == "" {
			continue
		}
		p, err := netip.ParsePrefix(n.CIDR)
		if err != nil {
			continue
		}
		if p.Addr().IsLoopback() || p.Addr().Is4In6() {
			continue
		}
		a := p.Masked().Addr()
		if p.Bits() < a.BitLen() {
			a = a.Next()
		}
		relayNet = a
		break
	}
	var relayDom string
	for _, d := range cfg.Relay.Domains {
		dom := strings.ToLower(strings.TrimSuffix(d.Domain, "."))
		if d.Negated || d.Table != "" || !sharedDomain.MatchString(dom) || slices.Contains(locals, dom) || strings.HasPrefix(dom, "localhost") {
			continue
		}
		if d.OnlySubdomains {
			dom = "sub." + dom
		}
		relayDom = dom
		break
	}

	const (
		outsider  = "192.0.2.9"
		outsider6 = "2001:db8::9"
		sender    = "someone@example.net"
		named     = "mail.example.net[192.0.2.21]"
		elsewhere = "x@elsewhere.example"
	)
	// connections
	g.add("connect", outsider)
	g.add("connect", outsider6)
	g.add("connect", "127.0.0.1")
	g.add("connect", named)
	if relayNet.IsValid() {
		g.add("connect", relayNet.String())
	}
	// senders
	g.add("mail", outsider, sender)
	g.add("mail", outsider, "<>")
	g.add("mail", outsider, "someone@unknown-domain.invalid")
	g.add("mail", outsider, "root")
	g.add("mail", "127.0.0.1", "root@"+host)
	// relaying
	g.add("rcpt", outsider, sender, elsewhere)
	g.add("rcpt", outsider6, sender, elsewhere)
	g.add("rcpt", named, sender, elsewhere)
	g.add("rcpt", "127.0.0.1", sender, elsewhere)
	if relayNet.IsValid() {
		g.add("rcpt", relayNet.String(), sender, elsewhere)
	}
	if len(cfg.Relay.AuthMechanisms) > 0 {
		g.add("rcpt", outsider, sender, elsewhere, "root")
	}
	if relayDom != "" {
		g.add("rcpt", outsider, sender, "x@"+relayDom)
	}
	// local recipients
	for _, d := range locals {
		g.add("rcpt", outsider, sender, "postmaster@"+d)
	}
	g.add("rcpt", outsider, sender, "root@"+ld)
	g.add("rcpt", outsider, sender, "nobody@"+ld)
	g.add("rcpt", outsider, sender, "no-such-user-7@"+ld)
	g.add("rcpt", outsider6, "<>", "postmaster@"+ld)
	// routes
	g.add("resolve", "root@"+host)
	g.add("resolve", "postmaster@"+ld)
	g.add("resolve", "nobody@"+ld)
	g.add("resolve", "root")
	g.add("resolve", elsewhere)
	if relayDom != "" {
		g.add("resolve", "x@"+relayDom)
	}
	// sender rewriting
	g.add("header_from", "root")
	g.add("header_from", "joe@"+ld)
	// aliases
	g.add("alias", "postmaster")
	g.add("alias", "root")
	g.add("alias", "no-such-alias-7")
	nAlias := 0
	for _, tb := range cfg.Tables {
		if tb.Kind != ir.AliasTable {
			continue
		}
		for _, en := range tb.Entries {
			if nAlias >= 3 || en.Alias == nil || !sharedWord.MatchString(en.Alias.Name) {
				continue
			}
			name := strings.ToLower(en.Alias.Name)
			if name == "postmaster" || name == "root" {
				continue
			}
			g.add("alias", name)
			nAlias++
		}
	}

	// access keys and virtual users: each entry gives a group of
	// probes; the groups are taken round-robin over the kinds of key,
	// so that one long list does not crowd out the others
	type group struct {
		bucket string
		probes [][]string
	}
	var groups []group
	subjects := map[string]map[string]bool{} // table → check subjects
	for _, st := range cfg.Policy.Stages {
		for _, ch := range st.Checks {
			if ch.Kind == ir.CheckAccess && ch.Table != "" {
				if subjects[ch.Table] == nil {
					subjects[ch.Table] = map[string]bool{}
				}
				subjects[ch.Table][ch.Subject] = true
			}
		}
	}
	nextClient := 50
	clientAddr := func() netip.Addr {
		a := netip.AddrFrom4([4]byte{192, 0, 2, byte(nextClient)})
		if nextClient < 250 {
			nextClient++
		}
		return a
	}
	// addrs gives, for an address-shaped key, the sender and recipient
	// it stands for.
	addrs := func(k ir.Key) (from, to string, ok bool) {
		v := k.Value
		switch k.Kind {
		case ir.KeyAddress, ir.KeyUserDetail:
			if k.Detail != "" && k.User != "" && k.Domain != "" {
				v = k.User + "+" + map[string]string{"*": "x", "+": "x"}[k.Detail] + "@" + k.Domain
				if k.Detail != "*" && k.Detail != "+" {
					v = k.User + "+" + k.Detail + "@" + k.Domain
				}
			}
			if !strings.Contains(v, "@") || !sharedWord.MatchString(v) {
				return "", "", false
			}
			_, dom, _ := strings.Cut(v, "@")
			h.name(dom)
			return v, v, true
		case ir.KeyUser:
			u := strings.TrimSuffix(v, "@")
			if k.User != "" {
				u = k.User
			}
			if !sharedWord.MatchString(u) || strings.Contains(u, "@") {
				return "", "", false
			}
			return u + "@example.net", u + "@" + ld, true
		case ir.KeyDomain:
			if !sharedDomain.MatchString(v) {
				return "", "", false
			}
			h.name(v)
			return "someone@" + v, "someone@" + v, true
		case ir.KeyDotDomain:
			d := "host." + strings.TrimPrefix(v, ".")
			if !sharedDomain.MatchString(d) {
				return "", "", false
			}
			h.name(d)
			return "someone@" + d, "someone@" + d, true
		case ir.KeyDomainUser:
			d := strings.TrimPrefix(v, "@")
			if k.Domain != "" {
				d = k.Domain
			}
			if !sharedDomain.MatchString(d) {
				return "", "", false
			}
			h.name(d)
			return "anyone@" + d, "anyone@" + d, true
		case ir.KeyNull:
			return "<>", "", true
		}
		return "", "", false
	}
	for _, tb := range cfg.Tables {
		switch tb.Kind {
		case ir.AccessTable:
			for _, en := range tb.Entries {
				a := en.Access
				if a == nil {
					continue
				}
				k := a.Key
				var subj []string
				switch a.Tag {
				case "Connect":
					subj = []string{"client"}
				case "From":
					subj = []string{"sender"}
				case "To":
					subj = []string{"recipient"}
				case "":
					ts := subjects[tb.Name]
					if cfg.Dialect == ir.Sendmail || len(ts) == 0 {
						ts = map[string]bool{"client": true, "sender": true, "recipient": true}
					}
					switch k.Kind {
					case ir.KeyIPv4, ir.KeyIPv6, ir.KeyBracketed:
						subj = []string{"client"}
					case ir.KeyDomain, ir.KeyDotDomain:
						for _, s := range []string{"sender", "recipient", "helo"} {
							if ts[s] {
								subj = append(subj, s)
							}
						}
						if len(subj) == 0 && ts["client"] {
							subj = []string{"client"}
						}
					default:
						subj = []string{"sender", "recipient"}
					}
					if cfg.Dialect == ir.Postfix {
						subj = slices.DeleteFunc(subj, func(s string) bool { return !ts[s] })
					}
				}
				var ps [][]string
				for _, s := range subj {
					switch s {
					case "client":
						var c string
						switch k.Kind {
						case ir.KeyIPv4, ir.KeyIPv6, ir.KeyBracketed:
							ad, ok := sharedKeyAddr(k)
							if !ok {
								continue
							}
							c = ad.String()
						case ir.KeyDomain, ir.KeyDotDomain:
							name := k.Value
							if k.Kind == ir.KeyDotDomain {
								name = "host." + strings.TrimPrefix(name, ".")
							}
							if !sharedDomain.MatchString(name) {
								continue
							}
							ad := clientAddr()
							h.add(ad.String(), name)
							c = sharedClient(name, ad)
						default:
							continue
						}
						ps = append(ps, []string{"connect", c},
							[]string{"rcpt", c, sender, "postmaster@" + ld})
					case "helo":
						if k.Kind != ir.KeyDomain || !sharedDomain.MatchString(k.Value) {
							continue
						}
						ps = append(ps, []string{"rcpt", outsider, sender, "postmaster@" + ld, "helo=" + k.Value})
					case "sender":
						if from, _, ok := addrs(k); ok && from != "" {
							ps = append(ps, []string{"mail", outsider, from})
						}
					case "recipient":
						if _, to, ok := addrs(k); ok && to != "" {
							ps = append(ps, []string{"rcpt", outsider, sender, to})
						}
					}
				}
				if len(ps) > 0 {
					groups = append(groups, group{bucket: "access/" + a.Tag + "/" + string(k.Kind), probes: ps})
				}
			}
		case ir.VirtualTable:
			if tb.Backend.Type == "regexp" || tb.Backend.Type == "pcre" {
				continue
			}
			for _, en := range tb.Entries {
				if en.Virtual == nil {
					continue
				}
				k := en.Virtual.Key
				var to string
				switch k.Kind {
				case ir.KeyAddress, ir.KeyUserDetail:
					if _, t, ok := addrs(k); ok {
						to = t
					}
				case ir.KeyDomainUser:
					if _, t, ok := addrs(k); ok {
						to = t
					}
				case ir.KeyUser:
					u := strings.TrimSuffix(k.Value, "@")
					if sharedWord.MatchString(u) && !strings.Contains(u, "@") {
						to = u + "@" + host
					}
				}
				if to == "" {
					continue
				}
				groups = append(groups, group{bucket: "virtual/" + string(k.Kind),
					probes: [][]string{{"rcpt", outsider, sender, to}, {"resolve", to}}})
			}
		}
	}
	// round-robin over the buckets, in order of first appearance
	var order []string
	byBucket := map[string][]group{}
	for _, gr := range groups {
		if _, ok := byBucket[gr.bucket]; !ok {
			order = append(order, gr.bucket)
		}
		byBucket[gr.bucket] = append(byBucket[gr.bucket], gr)
	}
	for i := 0; !g.full(); i++ {
		took := false
		for _, b := range order {
			if i < len(byBucket[b]) {
				took = true
				for _, p := range byBucket[b][i].probes {
					g.add(p...)
				}
			}
		}
		if !took {
			break
		}
	}
	return strings.Join(g.lines, "\n") + "\n", h.String()
}

// sharedNeedOracle reports a missing oracle for one dialect (a failure
// in CI, a skip elsewhere).
func sharedNeedOracle(t *testing.T, sendmail bool) {
	t.Helper()
	if sendmail {
		if _, err := os.Stat(filepath.Join(testenv.SendmailBin(), "usr", "libexec", "sendmail", "sendmail")); err != nil {
			testenv.Missing(t, "sendmail-bin unpacked by make deps")
		}
		testenv.Tool(t, "m4")
		testenv.CFDir(t)
		return
	}
	for _, tool := range []string{"postfix", "postconf", "postmap", "postalias"} {
		testenv.Tool(t, tool)
	}
	if os.Geteuid() != 0 {
		testenv.Missing(t, "root (a private Postfix instance must be started as root)")
	}
}

// sharedRunPostfix runs the Postfix oracle with a time limit. Beyond
// the limit its context is cancelled; should it still not return, the
// instance's processes are killed by their pids and the run is given
// up. (Seen: the instance's postlogd blocked writing to its own full
// unix-dgram socket — net.unix.max_dgram_qlen is 10 — and with it every
// daemon that logs, "postfix stop" included.)
func sharedRunPostfix(t *testing.T, dir string, ps []probe.Probe, hostname string) ([]probe.Result, error) {
	tmp, err := os.MkdirTemp("", "shared-pforacle.")
	if err != nil {
		t.Fatal(err)
	}
	// Postfix's unprivileged daemons must reach the instance below
	if err := os.Chmod(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	type outcome struct {
		res []probe.Result
		err error
	}
	ch := make(chan outcome, 1)
	ctx, cancel := context.WithTimeout(context.Background(), sharedPostfixTimeout)
	defer cancel()
	go func() {
		res, _, err := pforacle.RunContext(ctx, dir, ps, pforacle.Options{Hostname: hostname, TempDir: tmp})
		ch <- outcome{res, err}
	}()
	var o outcome
	select {
	case o = <-ch:
	case <-time.After(sharedPostfixTimeout + sharedPostfixGrace):
		killed := sharedKillInstance(tmp)
		select {
		case o = <-ch:
			o.res, o.err = nil, fmt.Errorf("%w (pforacle did not return %v after its deadline; its processes %v were killed)", errSharedPostfixHangs, sharedPostfixGrace, killed)
		case <-time.After(10 * time.Second):
			// the oracle's goroutine is left behind, and its folder
			return nil, fmt.Errorf("%w (pforacle does not return although its processes %v were killed; %s is left behind)", errSharedPostfixHangs, killed, tmp)
		}
	}
	os.RemoveAll(tmp)
	if errors.Is(o.err, context.DeadlineExceeded) {
		o.err = fmt.Errorf("%w: no answers within %v (a probe waits for a reply that does not come)", errSharedPostfixHangs, sharedPostfixTimeout)
	}
	return o.res, o.err
}

// errSharedPostfixHangs is the error of a Postfix run that did not
// finish in time.
var errSharedPostfixHangs = errors.New("the private Postfix hangs")

// sharedKillInstance kills every process of the Postfix instances
// under tmp — the master, its daemons and a stuck "postfix stop": the
// processes whose working folder is inside tmp (Postfix's programs
// work in the instance's queue folder) — and returns their pids.
func sharedKillInstance(tmp string) []int {
	real, err := filepath.EvalSymlinks(tmp)
	if err != nil {
		return nil
	}
	ents, _ := os.ReadDir("/proc")
	var killed []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 1 || pid == os.Getpid() {
			continue
		}
		cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd"))
		if err != nil || !strings.HasPrefix(cwd, real+"/") {
			continue
		}
		if p, err := os.FindProcess(pid); err == nil && p.Kill() == nil {
			killed = append(killed, pid)
		}
	}
	return killed
}

// sharedNoNamespaces says whether an oracle failed for lack of private
// namespaces: the oracle cannot run here at all.
func sharedNoNamespaces(err error) bool {
	return errors.Is(err, pforacle.ErrNoNamespace) || strings.Contains(err.Error(), "namespaces")
}

// sharedAnswer is e.Answer, with a panic turned into an error answer.
func sharedAnswer(e *Engine, p probe.Probe) (r probe.Result, panicked string) {
	defer func() {
		if v := recover(); v != nil {
			r = probe.Result{N: p.N, Line: p.Line, Kind: p.Kind, Probe: p.Text, Decision: probe.Error}
			panicked = fmt.Sprint(v)
		}
	}()
	return e.Answer(p), ""
}

func sharedFirstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// runSharedCase runs one configuration through both sides.
func runSharedCase(t *testing.T, c sharedCase) (out sharedOutcome) {
	if !c.sendmail {
		if _, err := os.Stat(c.file); err != nil {
			out.skip = "no main.cf (not a Postfix configuration folder)"
			return out
		}
	}
	hostname := sharedHostname(c)
	dir := sharedConfigDir(t, c)
	target := dir
	if c.sendmail {
		target = filepath.Join(dir, "sendmail.mc")
	}

	// mailcc's view, and the probes generated from it
	// absolute paths are read under an empty root, so that the tables
	// beside the configuration are read as the oracles redirect them
	// there. Neither oracle reads this machine's aliases (the sendmail
	// oracle gives an AliasFile of /etc/aliases an empty file of its
	// own, the Postfix oracle redirects alias_maps to the configuration
	// folder), and mailcc finds no /etc/aliases under the root either;
	// local users come from this machine's passwd for all three.
	cfg, diags, err := cfparse.Load([]string{target}, cfparse.Options{Root: t.TempDir()})
	if err != nil || cfg == nil {
		out.skip = fmt.Sprintf("mailcc cannot load: %v", err)
		if diags.HasErrors() {
			out.skip += " " + sharedFirstLine(fmt.Sprint(diags.Errors()))
		}
		return out
	}
	if diags.HasErrors() {
		t.Logf("%s: mailcc reports %d errors (the first: %s)", c.name, len(diags.Errors()), sharedFirstLine(fmt.Sprint(diags.Errors()[0])))
	}
	sharedMkdirs(t, dir, cfg, c.sendmail)
	probeText, hostsText := sharedProbes(cfg, hostname)
	if err := os.WriteFile(filepath.Join(dir, "hosts"), []byte(hostsText), 0o644); err != nil {
		t.Fatal(err)
	}
	ps, err := probe.Parse(strings.NewReader(probeText), c.name+"/probes.tsv")
	if err != nil {
		t.Fatalf("generated probes: %v\n%s", err, probeText)
	}
	if *sharedDump != "" {
		dump := filepath.Join(*sharedDump, strings.TrimSuffix(strings.ReplaceAll(c.name, "/", "_"), "_main.cf"))
		if err := os.MkdirAll(dump, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.CopyFS(dump, os.DirFS(dir)); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dump, "probes.tsv"), []byte(probeText), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dns, err := ParseHosts(strings.NewReader(hostsText), "hosts")
	if err != nil {
		t.Fatalf("generated hosts: %v\n%s", err, hostsText)
	}
	e := New(cfg, Env{Hostname: hostname, DNS: dns, Users: passwdUsers(t)})

	// the real MTA's
	start := time.Now()
	var want []probe.Result
	if c.sendmail {
		var meta *smoracle.Meta
		// one sendmail at a time: the Postfix lane runs beside this
		// one, and a private Postfix starved of CPU can hang (its
		// postlogd blocks writing to its own full socket)
		want, meta, err = smoracle.Run(dir, ps, smoracle.Options{Hostname: hostname, Workers: 1,
			BinDir: filepath.Join(testenv.SendmailBin(), "usr", "libexec", "sendmail")})
		if meta != nil {
			for _, w := range meta.M4Warnings {
				if strings.Contains(w, "*** ERROR") {
					out.m4Errors = append(out.m4Errors, strings.TrimSpace(w))
				}
			}
		}
	} else {
		want, err = sharedRunPostfix(t, dir, ps, hostname)
		if errors.Is(err, errSharedPostfixHangs) {
			// private instances that log much hang now and then
			// (see sharedRunPostfix): once more
			t.Logf("%s: %v; once more", c.name, err)
			want, err = sharedRunPostfix(t, dir, ps, hostname)
		}
	}
	out.oracleTime = time.Since(start)
	if err != nil {
		if sharedNoNamespaces(err) {
			testenv.Missing(t, "private UTS and network namespaces for the oracles (root or CAP_SYS_ADMIN): "+sharedFirstLine(err.Error()))
		}
		out.skip = "oracle does not run: " + sharedFirstLine(err.Error())
		return out
	}
	if len(want) != len(ps) {
		t.Fatalf("the oracle answered %d of %d probes", len(want), len(ps))
	}
	// every answer an error: the configuration does not run. For
	// Postfix, every session probe an error means its smtpd refuses to
	// start (the injection listener may still answer, with the same
	// broken instance behind it).
	answered, sessions := 0, 0
	var why string
	for i, w := range want {
		if w.Decision == probe.Error {
			if why == "" {
				why = sharedFirstLine(w.Text)
			}
			continue
		}
		answered++
		switch ps[i].Kind {
		case probe.Connect, probe.Mail, probe.Rcpt:
			sessions++
		}
	}
	if answered == 0 || (!c.sendmail && sessions == 0) {
		out.skip = "oracle does not run: every answer is error (" + why + ")"
		return out
	}

	out.ran = true
	for i, p := range ps {
		if want[i].Decision == probe.Error {
			out.oracleErrs++
			t.Logf("  oracle error (not compared): %s: %s", p.Text, sharedFirstLine(want[i].Text))
			continue
		}
		out.total++
		got, panicked := sharedAnswer(e, p)
		if panicked != "" {
			got.Text = "panic: " + panicked
		}
		fields := probe.Compare(got, want[i])
		if len(fields) == 0 {
			out.agree++
			continue
		}
		out.diffs = append(out.diffs, sharedDiff{config: c.name, probe: p.Text,
			mailcc: got.Summary(), real: want[i].Summary(), fields: fields,
			mailccError: got.Decision == probe.Error})
	}
	return out
}

// readSharedKnown reads CONFIG<TAB>PROBE<TAB>REASON lines.
func readSharedKnown(t *testing.T, path string) map[string]string {
	known := map[string]string{}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return known
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		l := sc.Text()
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.SplitN(l, "\t", 3)
		if len(f) < 2 {
			t.Errorf("%s:%d: want CONFIG<TAB>PROBE<TAB>REASON", path, line)
			continue
		}
		reason := ""
		if len(f) == 3 {
			reason = f[2]
		}
		known[f[0]+"\t"+f[1]] = reason
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return known
}

const sharedKnownHeader = `# Disagreements of mailcc's runtime/policy engine with the real sendmail
# and Postfix on ../shared/corpus (TestSharedCorpusAgreement), one a line:
# CONFIG<TAB>PROBE<TAB>REASON. A disagreement not listed here fails the
# test; a listed one that no longer occurs is noted. Rewrite with
#   go test ./runtime/policy -run TestSharedCorpusAgreement -shared-update
# (reasons are kept; new lines say "unexplained").
`

func writeSharedKnown(path string, lines map[string]string) error {
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range lines {
			if !yield(k) {
				return
			}
		}
	})
	var b bytes.Buffer
	b.WriteString(sharedKnownHeader)
	for _, k := range keys {
		b.WriteString(k + "\t" + lines[k] + "\n")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// TestSharedCorpusAgreement: on every configuration of ../shared/corpus
// the real MTA can run (every sendmail .mc but the MSP ones, every
// Postfix main.cf), a generated probe set — the local domains, relay
// and non-relay clients, the access keys and virtual users present,
// aliases, routes, sender rewriting — is answered by the real sendmail
// or Postfix and by mailcc, and the answers are compared. The agreement
// is logged per configuration. mailcc answering "error" where the real
// MTA answered fails; other disagreements fail unless
// testdata/shared/known-differences.txt lists them (-shared-update
// rewrites it).
func TestSharedCorpusAgreement(t *testing.T) {
	shared := testenv.Shared()
	if shared == "" {
		testenv.Missing(t, "../shared (the shared corpus)")
	}
	corpus := filepath.Join(shared, "corpus")
	if _, err := os.Stat(corpus); err != nil {
		testenv.Missing(t, "../shared/corpus")
	}
	cases0 := sharedCases(t, corpus)

	var mu sync.Mutex
	outcomes := map[string]sharedOutcome{}
	start := time.Now()
	// two lanes, side by side: the sendmail configurations one after
	// the other, and the Postfix ones one after the other (two private
	// Postfix instances at once made one of them hang)
	lane := func(t *testing.T, sendmail bool, prefix string) {
		sharedNeedOracle(t, sendmail)
		for _, c := range cases0 {
			if c.sendmail != sendmail || sharedMSP(c) {
				continue
			}
			name := strings.TrimSuffix(strings.TrimPrefix(c.name, prefix), "/main.cf")
			t.Run(name, func(t *testing.T) {
				o := runSharedCase(t, c)
				mu.Lock()
				outcomes[c.name] = o
				mu.Unlock()
				if !o.ran {
					t.Logf("shared %s: %s", c.name, o.skip)
					return
				}
				note := ""
				if o.oracleErrs > 0 {
					note = fmt.Sprintf("; %d more the oracle could not answer", o.oracleErrs)
				}
				t.Logf("shared %s: %d of %d agree (oracle %.1f s%s)", c.name, o.agree, o.total, o.oracleTime.Seconds(), note)
				for _, m := range o.m4Errors {
					t.Logf("  m4: %s", m)
				}
				for _, d := range o.diffs {
					t.Logf("  %s: differs in %v\n      mailcc: %s\n      real:   %s", d.probe, d.fields, d.mailcc, d.real)
					if d.mailccError {
						t.Errorf("%s: %s: mailcc answers error where the real MTA answers %s (mailcc: %s)", c.name, d.probe, d.real, d.mailcc)
					}
				}
			})
		}
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		t.Run("sendmail", func(t *testing.T) { lane(t, true, "sendmail/") })
	}()
	go func() {
		defer wg.Done()
		t.Run("postfix", func(t *testing.T) { lane(t, false, "postfix/") })
	}()
	wg.Wait()

	// totals
	var agree, total, ran, smRan, pfRan int
	var names []string
	for name := range outcomes {
		names = append(names, name)
	}
	sort.Strings(names)
	var diffs []sharedDiff
	var skipped []string
	for _, name := range names {
		o := outcomes[name]
		if !o.ran {
			skipped = append(skipped, name+": "+o.skip)
			continue
		}
		ran++
		if strings.HasPrefix(name, "sendmail/") {
			smRan++
		} else {
			pfRan++
		}
		agree += o.agree
		total += o.total
		diffs = append(diffs, o.diffs...)
	}
	pct := 0.0
	if total > 0 {
		pct = 100 * float64(agree) / float64(total)
	}
	t.Logf("shared corpus: %d of %d probes agree (%.1f%%) on %d configurations (%d sendmail, %d Postfix) in %v",
		agree, total, pct, ran, smRan, pfRan, time.Since(start).Round(100*time.Millisecond))
	for _, c := range cases0 {
		if sharedMSP(c) {
			t.Logf("  not compared: %s: MSP configuration (submit.mc)", c.name)
		}
	}
	for _, s := range skipped {
		t.Logf("  not compared: %s", s)
	}
	// an oracle that ran on no configuration at all (while every one
	// was tried) is broken here, not refused by the configurations
	for _, dialect := range []string{"sendmail", "postfix"} {
		cases, tried, ran := 0, 0, 0
		for _, c := range cases0 {
			if strings.HasPrefix(c.name, dialect+"/") && !sharedMSP(c) {
				cases++
				if o, ok := outcomes[c.name]; ok {
					tried++
					if o.ran {
						ran++
					}
				}
			}
		}
		if cases > 0 && tried == cases && ran == 0 {
			t.Errorf("the real %s ran on none of the %d configurations", dialect, cases)
		}
	}
	if ran == 0 {
		return
	}

	// the disagreements against the known list
	known := readSharedKnown(t, sharedKnownFile)
	seen := map[string]bool{}
	var unlisted []sharedDiff
	for _, d := range diffs {
		if d.mailccError {
			continue // reported above: never acceptable
		}
		seen[d.key()] = true
		if _, ok := known[d.key()]; !ok {
			unlisted = append(unlisted, d)
		}
	}
	var gone []string
	for k := range known {
		config, _, _ := strings.Cut(k, "\t")
		if o, ok := outcomes[config]; ok && o.ran && !seen[k] {
			gone = append(gone, k)
		}
	}
	sort.Strings(gone)
	if *sharedUpdate {
		next := map[string]string{}
		for k, reason := range known {
			config, _, _ := strings.Cut(k, "\t")
			if o, ok := outcomes[config]; ok && o.ran && !seen[k] {
				continue // fixed
			}
			next[k] = reason
		}
		for k := range seen {
			if _, ok := next[k]; !ok {
				next[k] = "unexplained"
			}
		}
		if err := writeSharedKnown(sharedKnownFile, next); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: rewritten, %d disagreements (%d new, %d no longer occur)", sharedKnownFile, len(next), len(unlisted), len(gone))
		return
	}
	for _, k := range gone {
		t.Logf("%s lists a disagreement that no longer occurs: %s", sharedKnownFile, strings.ReplaceAll(k, "\t", ": "))
	}
	for _, d := range unlisted {
		t.Errorf("%s: %s: mailcc %s; real %s (not in %s; -shared-update adds it)", d.config, d.probe, d.mailcc, d.real, sharedKnownFile)
	}
}
