package table

import (
	"net/netip"
	"strconv"
	"strings"

	"mailcc/ir"
)

// ipv4Prefix reports whether s is an IPv4 address or a prefix of whole
// octets ("10.1") and how many bits it covers.
func ipv4Prefix(s string) (bits int, ok bool) {
	if s == "" {
		return 0, false
	}
	octets, val, digits := 0, 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			val = val*10 + int(c-'0')
			digits++
			if digits > 3 || val > 255 {
				return 0, false
			}
		case c == '.':
			if digits == 0 {
				return 0, false
			}
			octets++
			val, digits = 0, 0
		default:
			return 0, false
		}
	}
	if digits == 0 || octets >= 4 {
		return 0, false
	}
	return 8 * (octets + 1), true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// scanGroups reads s as colon-separated groups of one to four hex
// digits (no empty group, eight at most) without allocating. plain tells
// whether every group is written the way sendmail and Postfix print
// them: lower case, no leading zeros.
func scanGroups(s string) (n int, plain, ok bool) {
	if s == "" {
		return 0, false, false
	}
	plain = true
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != ':' {
			c := s[i]
			if !isHex(c) {
				return 0, false, false
			}
			if 'A' <= c && c <= 'F' {
				plain = false
			}
			continue
		}
		g := s[start:i]
		if len(g) == 0 || len(g) > 4 {
			return 0, false, false
		}
		if len(g) > 1 && g[0] == '0' {
			plain = false
		}
		n++
		start = i + 1
	}
	if n > 8 {
		return 0, false, false
	}
	return n, plain, true
}

// plainGroups rewrites groups the way they are printed.
func plainGroups(s string) string {
	parts := strings.Split(s, ":")
	for i, g := range parts {
		parts[i] = plainGroup(g)
	}
	return strings.Join(parts, ":")
}

// plainGroup is how sendmail and Postfix print a group: lower-case hex
// without leading zeros.
func plainGroup(g string) string {
	v, _ := strconv.ParseUint(g, 16, 16)
	return strconv.FormatUint(v, 16)
}

// fullIPv6 writes a as sendmail does (sm_inet6_ntop): eight groups,
// lower-case hex without leading zeros, nothing compressed.
func fullIPv6(a netip.Addr) string {
	b := a.As16()
	var buf [39]byte
	out := buf[:0]
	for i := 0; i < 16; i += 2 {
		if i > 0 {
			out = append(out, ':')
		}
		out = strconv.AppendUint(out, uint64(b[i])<<8|uint64(b[i+1]), 16)
	}
	return string(out)
}

// sendmailIPv6 reads the part of a sendmail IPv6 key after "IPv6:". It
// returns the form sendmail's client addresses take (eight groups at
// most, lower-case hex, no leading zeros, no "::"), the bits the key
// covers, and whether the key is written that way already (only then can
// it match).
func sendmailIPv6(s string) (norm string, bits int, exact, ok bool) {
	if n, plain, ok := scanGroups(s); ok {
		if plain {
			return s, 16 * n, true, true
		}
		return plainGroups(s), 16 * n, false, true
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is6() || a.Zone() != "" {
		return "", 0, false, false
	}
	return fullIPv6(a), 128, false, true
}

// postfixIPv6 reads a Postfix IPv6 key: a full address, or a prefix of
// whole groups as Postfix cuts the client address (compressed form,
// truncated at colons). It returns the form Postfix's client addresses
// take, the bits covered and whether the key is written that way.
func postfixIPv6(s string) (norm string, bits int, exact, ok bool) {
	t := s
	if strings.HasSuffix(t, ":") && !strings.HasSuffix(t, "::") {
		// What remains of "2001:db8::1" after one cut: "2001:db8:".
		t = t[:len(t)-1]
	}
	if n, plain, ok := scanGroups(t); ok && n < 8 {
		if plain {
			return t, 16 * n, true, true
		}
		return plainGroups(t), 16 * n, false, true
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is6() || a.Zone() != "" {
		return "", 0, false, false
	}
	norm = a.String()
	return norm, 128, norm == s, true
}

// splitAt splits an address at its last '@'.
func splitAt(s string) (user, domain string, ok bool) {
	i := strings.LastIndexByte(s, '@')
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}

// splitDetail splits user+detail at the first '+', as the cf library's
// "$+ + $*" patterns do.
func splitDetail(user string) (u, detail string, ok bool) {
	i := strings.IndexByte(user, '+')
	if i < 0 {
		return user, "", false
	}
	return user[:i], user[i+1:], true
}

// addressKey classifies a key of the user@domain family the sendmail
// way: user@domain, user+detail@domain (detail "*", "+" or literal),
// user@, @domain, +detail@domain. bare is what a key without '@' is.
func sendmailAddressKey(k string) (ir.Key, bool) {
	user, domain, ok := splitAt(k)
	if !ok {
		return ir.Key{}, false
	}
	key := ir.Key{Value: k, Domain: domain}
	u, detail, plus := splitDetail(user)
	switch {
	case user == "":
		key.Kind = ir.KeyDomainUser
	case plus && u == "":
		key.Kind, key.Detail = ir.KeyDetailOnly, detail
	case plus:
		key.Kind, key.User, key.Detail = ir.KeyUserDetail, u, detail
	case domain == "":
		key.Kind, key.User = ir.KeyUser, user
	default:
		key.Kind, key.User = ir.KeyAddress, user
	}
	return key, true
}

// domainKey classifies a host or domain key: ".example.com" covers only
// names below example.com.
func domainKey(k string) ir.Key {
	if strings.HasPrefix(k, ".") && len(k) > 1 {
		return ir.Key{Kind: ir.KeyDotDomain, Value: k, Domain: k[1:]}
	}
	return ir.Key{Kind: ir.KeyDomain, Value: k, Domain: k}
}

// plausibleDomain reports whether k could be a host or domain name (or
// an address literal): no characters that never occur in one.
func plausibleDomain(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		switch c := k[i]; {
		case c == '*', c == '?', c == '/', c == '\\', c == '"', c == '<', c == '>', c == ',', c == ';', c == '(', c == ')', c == '|':
			return false
		case c <= ' ', c == 0x7f:
			return false
		}
	}
	return true
}

// trimSpace trims ASCII white space.
func trimSpace(s string) string {
	i, j := 0, len(s)
	for i < j && isSpace(s[i]) {
		i++
	}
	for j > i && isSpace(s[j-1]) {
		j--
	}
	return s[i:j]
}

// cutWord splits s at its first run of blanks.
func cutWord(s string) (word, rest string) {
	i := 0
	for i < len(s) && s[i] != ' ' && s[i] != '\t' {
		i++
	}
	word = s[:i]
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return word, s[i:]
}

// hasPrefixFold reports whether s starts with prefix, ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// smtpCode reads a reply code at the start of s: three digits, the first
// 2 to 5, followed by a blank or the end when atEnd. It returns the code
// and the rest after the blank.
func smtpCode(s string, atEnd bool) (code int, rest string, ok bool) {
	if len(s) < 3 || s[0] < '2' || s[0] > '5' || !isDigit(s[1]) || !isDigit(s[2]) {
		return 0, s, false
	}
	if len(s) == 3 {
		if !atEnd {
			return 0, s, false
		}
		return int(s[0]-'0')*100 + int(s[1]-'0')*10 + int(s[2]-'0'), "", true
	}
	if s[3] != ' ' && s[3] != '\t' {
		return 0, s, false
	}
	code = int(s[0]-'0')*100 + int(s[1]-'0')*10 + int(s[2]-'0')
	return code, trimLeft(s[4:]), true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func trimLeft(s string) string {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return s[i:]
}

// enhancedStatus reads an RFC 3463 status ("5.7.1") at the start of s,
// followed by a blank or the end: the class 2, 4 or 5, a subject of one
// to three digits, a detail of one to three digits.
func enhancedStatus(s string) (dsn, rest string, ok bool) {
	if len(s) < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.' {
		return "", s, false
	}
	i := 2
	for n := 0; n < 2; n++ {
		j := i
		for j < len(s) && isDigit(s[j]) && j-i < 3 {
			j++
		}
		if j == i {
			return "", s, false
		}
		i = j
		if n == 0 {
			if i >= len(s) || s[i] != '.' {
				return "", s, false
			}
			i++
		}
	}
	if i < len(s) && s[i] != ' ' && s[i] != '\t' {
		return "", s, false
	}
	return s[:i], trimLeft(s[i:]), true
}

// atoi reads a non-negative decimal number that is all of s.
func atoi(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}
