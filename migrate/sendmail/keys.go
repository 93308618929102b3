package sendmail

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"mailcc/ir"
)

// maxEnumerate is the most access keys one network may become: a
// network whose prefix does not fall on an octet (IPv4) or a 16-bit
// group (IPv6) is written as the aligned networks it holds.
const maxEnumerate = 256

// netKeys writes a network as sendmail access keys (without their tag):
// whole-octet IPv4 prefixes ("10.1"), IPv6 prefixes of whole groups in
// sendmail's full form ("IPv6:2001:db8:0:0"). ok is false when the
// network needs more than maxEnumerate keys.
func netKeys(p netip.Prefix) (keys []string, ok bool) {
	p = p.Masked()
	a := p.Addr().Unmap()
	bits := p.Bits()
	if p.Addr().Is4In6() {
		bits -= 96
	}
	step := 8
	if a.Is6() {
		step = 16
	}
	aligned := (bits + step - 1) / step * step
	n := 1 << (aligned - bits)
	if aligned-bits > 8 || n > maxEnumerate {
		return nil, false
	}
	cur := a
	for i := 0; i < n; i++ {
		keys = append(keys, addrKey(cur, aligned))
		cur = nextPrefix(cur, aligned)
	}
	return keys, true
}

// addrKey writes the first bits (a multiple of 8, or 16 for IPv6) of an
// address as a sendmail key.
func addrKey(a netip.Addr, bits int) string {
	if a.Is4() {
		b := a.As4()
		var parts []string
		for i := 0; i < bits/8; i++ {
			parts = append(parts, strconv.Itoa(int(b[i])))
		}
		return strings.Join(parts, ".")
	}
	b := a.As16()
	var parts []string
	for i := 0; i < bits/16; i++ {
		parts = append(parts, strconv.FormatUint(uint64(b[2*i])<<8|uint64(b[2*i+1]), 16))
	}
	return "IPv6:" + strings.Join(parts, ":")
}

// nextPrefix is the start of the next network of that length.
func nextPrefix(a netip.Addr, bits int) netip.Addr {
	b := a.AsSlice()
	// add 1 at bit position bits-1
	byteIdx := (bits - 1) / 8
	inc := 1 << (7 - (bits-1)%8)
	for i := byteIdx; i >= 0; i-- {
		v := int(b[i]) + inc
		b[i] = byte(v)
		if v < 256 {
			break
		}
		inc = 1
	}
	out, _ := netip.AddrFromSlice(b)
	return out
}

// postfixIPKey turns a Postfix access key that is an IP address or an
// octet/group-truncated prefix into sendmail's form.
func postfixIPKey(k ir.Key) (string, bool) {
	switch k.Kind {
	case ir.KeyIPv4:
		return k.Value, true
	case ir.KeyIPv6:
		v := strings.TrimPrefix(strings.ToLower(k.Value), "ipv6:")
		if a, err := netip.ParseAddr(v); err == nil {
			return addrKey(a, 128), true
		}
		// a prefix of groups: "2001:db8:1"
		groups := strings.Split(v, ":")
		for i, g := range groups {
			n, err := strconv.ParseUint(g, 16, 16)
			if err != nil {
				return "", false
			}
			groups[i] = strconv.FormatUint(n, 16)
		}
		return "IPv6:" + strings.Join(groups, ":"), true
	}
	return "", false
}

// keyPrefix parses a sendmail IP key ("10.1", "IPv6:2001:db8") into the
// network it covers.
func keyPrefix(key string) (netip.Prefix, bool) {
	if v, ok := strings.CutPrefix(key, "IPv6:"); ok {
		groups := strings.Split(v, ":")
		full := append(append([]string{}, groups...), make([]string, 8-len(groups))...)
		for i := len(groups); i < 8; i++ {
			full[i] = "0"
		}
		a, err := netip.ParseAddr(strings.Join(full, ":"))
		if err != nil {
			return netip.Prefix{}, false
		}
		return netip.PrefixFrom(a, 16*len(groups)), true
	}
	parts := strings.Split(key, ".")
	if len(parts) > 4 {
		return netip.Prefix{}, false
	}
	full := append(append([]string{}, parts...), "0", "0", "0", "0")[:4]
	a, err := netip.ParseAddr(strings.Join(full, "."))
	if err != nil {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, 8*len(parts)), true
}

// reply writes an SMTP reply as sendmail's access RHS, with an explicit
// enhanced status code whose class matches the reply code (as Postfix
// makes it).
func reply(code int, dsn, text string) string {
	if dsn == "" || dsn[0] != strconv.Itoa(code)[0] {
		cls := strconv.Itoa(code)[:1]
		if dsn == "" {
			dsn = cls + ".7.1"
		} else {
			dsn = cls + dsn[1:]
		}
	}
	if text == "" {
		text = "Access denied"
	}
	return fmt.Sprintf("ERROR:%s:%d %s", dsn, code, text)
}

// parsePrefix parses a cidr: table key: a network or an address,
// IPv6 possibly in brackets.
func parsePrefix(s string) (netip.Prefix, error) {
	s = strings.NewReplacer("[", "", "]", "").Replace(strings.TrimSpace(s))
	if strings.Contains(s, "/") {
		return netip.ParsePrefix(s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// pfParseAction reads the right-hand side of a Postfix access entry
// the IR gives no typed view of (cidr: tables): OK, REJECT, DEFER,
// DUNNO, DISCARD, HOLD, a number, or a reply code with text.
func pfParseAction(v string) ir.Action {
	v = strings.TrimSpace(v)
	word, rest, _ := strings.Cut(v, " ")
	rest = strings.TrimSpace(rest)
	switch strings.ToUpper(word) {
	case "OK", "RELAY":
		return ir.Action{Kind: ir.ActOK}
	case "REJECT":
		return ir.Action{Kind: ir.ActReject, Text: rest}
	case "DEFER":
		return ir.Action{Kind: ir.ActDefer, Text: rest}
	case "DUNNO":
		return ir.Action{Kind: ir.ActDunno}
	case "DISCARD":
		return ir.Action{Kind: ir.ActDiscard, Text: rest}
	case "HOLD":
		return ir.Action{Kind: ir.ActQuarantine, Text: rest}
	}
	if n, err := strconv.Atoi(word); err == nil {
		if len(word) != 3 || (word[0] != '4' && word[0] != '5') {
			return ir.Action{Kind: ir.ActNumber, Number: n}
		}
		a := ir.Action{Kind: ir.ActError, Code: n, Text: rest}
		if d, t, ok := strings.Cut(rest, " "); ok && dsnRE(d) {
			a.DSN, a.Text = d, strings.TrimSpace(t)
		} else if dsnRE(rest) {
			a.DSN, a.Text = rest, ""
		}
		return a
	}
	if strings.ToUpper(word) == word {
		return ir.Action{Kind: ir.ActPostfix, Name: word, Arg: rest}
	}
	return ir.Action{Kind: ir.ActRestrict, Arg: v}
}

// dsnRE says whether s is an enhanced status code (x.y.z).
func dsnRE(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 || (parts[0] != "4" && parts[0] != "5" && parts[0] != "2") {
		return false
	}
	for _, p := range parts[1:] {
		if _, err := strconv.Atoi(p); err != nil || len(p) > 3 {
			return false
		}
	}
	return true
}
