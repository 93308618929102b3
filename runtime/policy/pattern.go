package policy

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"mailcc/ir"
)

// patterns evaluates a Postfix regexp, pcre or cidr table: rules in
// file order, the first that matches gives the result, "if" ... "endif"
// blocks apply their rules only when their pattern matches.
type patterns struct {
	cidr  bool
	rules []prule
}

type prule struct {
	kind   int // ruleMatch, ruleIf, ruleEndif
	negate bool
	re     *regexp.Regexp
	prefix netip.Prefix
	entry  *ir.Entry
}

const (
	ruleMatch = iota
	ruleIf
	ruleEndif
)

// compilePatterns compiles a table's rules. Regular expressions are
// compiled with Go's RE2, which accepts the POSIX extended and the
// common PCRE syntax; a rule RE2 cannot compile (back-references,
// look-around) never matches, and the rule is reported by unmatched.
func compilePatterns(t *ir.Table) *patterns {
	p := &patterns{cidr: t.Backend.Type == "cidr"}
	for i := range t.Entries {
		en := &t.Entries[i]
		r := prule{entry: en}
		key := en.Key
		switch {
		case key == "endif":
			r.kind = ruleEndif
			p.rules = append(p.rules, r)
			continue
		case strings.HasPrefix(key, "if "):
			r.kind = ruleIf
			key = strings.TrimSpace(key[3:])
		}
		if strings.HasPrefix(key, "!") {
			r.negate = true
			key = strings.TrimLeft(key[1:], " \t")
		}
		if p.cidr {
			k := strings.Trim(key, "[]")
			if pr, err := netip.ParsePrefix(k); err == nil {
				r.prefix = pr.Masked()
			} else if a, err := netip.ParseAddr(k); err == nil {
				r.prefix = netip.PrefixFrom(a, a.BitLen())
			}
		} else {
			r.re = compileRule(key)
		}
		p.rules = append(p.rules, r)
	}
	return p
}

// compileRule compiles "/pattern/flags": case-insensitive unless the
// i flag toggles it; m makes ^ and $ match at line ends.
func compileRule(rule string) *regexp.Regexp {
	if len(rule) < 2 {
		return nil
	}
	delim := rule[0]
	end := strings.LastIndexByte(rule, delim)
	if end <= 0 {
		return nil
	}
	pat, flags := rule[1:end], rule[end+1:]
	fold, multi := true, false
	for _, f := range flags {
		switch f {
		case 'i':
			fold = !fold
		case 'm':
			multi = !multi
		}
	}
	prefix := ""
	if fold {
		prefix += "i"
	}
	if multi {
		prefix += "m"
	}
	if prefix != "" {
		pat = "(?" + prefix + ")" + pat
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil
	}
	return re
}

// lookup evaluates the rules for key: the result (with $1 ... $9
// substituted) and the rule that gave it.
func (p *patterns) lookup(key string) (string, *ir.Entry, bool) {
	var addr netip.Addr
	if p.cidr {
		a, err := netip.ParseAddr(strings.Trim(key, "[]"))
		if err != nil {
			return "", nil, false
		}
		addr = a.Unmap()
	}
	skip := 0 // depth of if-blocks being skipped
	for _, r := range p.rules {
		switch r.kind {
		case ruleEndif:
			if skip > 0 {
				skip--
			}
			continue
		case ruleIf:
			if skip > 0 || !p.matches(r, key, addr) {
				skip++
			}
			continue
		}
		if skip > 0 || !p.matches(r, key, addr) {
			continue
		}
		if p.cidr || r.negate {
			return r.entry.Value, r.entry, true
		}
		return substitute(r.entry.Value, r.re.FindStringSubmatch(key)), r.entry, true
	}
	return "", nil, false
}

func (p *patterns) matches(r prule, key string, addr netip.Addr) bool {
	var m bool
	if p.cidr {
		// a rule of the other address family never matches, negated
		// or not
		if !r.prefix.IsValid() || r.prefix.Addr().Is4() != addr.Is4() {
			return false
		}
		m = r.prefix.Contains(addr)
	} else {
		m = r.re != nil && r.re.MatchString(key)
	}
	return m != r.negate
}

// substitute replaces $n and ${n} in a result with the submatches; $$
// is a dollar sign.
func substitute(result string, sub []string) string {
	if !strings.Contains(result, "$") {
		return result
	}
	var b strings.Builder
	for i := 0; i < len(result); i++ {
		c := result[i]
		if c != '$' || i+1 >= len(result) {
			b.WriteByte(c)
			continue
		}
		j := i + 1
		num := ""
		switch {
		case result[j] == '$':
			b.WriteByte('$')
			i = j
			continue
		case result[j] == '{':
			k := strings.IndexByte(result[j:], '}')
			if k < 0 {
				b.WriteByte(c)
				continue
			}
			num, i = result[j+1:j+k], j+k
		case result[j] >= '0' && result[j] <= '9':
			k := j
			for k < len(result) && result[k] >= '0' && result[k] <= '9' {
				k++
			}
			num, i = result[j:k], k-1
		default:
			b.WriteByte(c)
			continue
		}
		if n, err := strconv.Atoi(num); err == nil && n < len(sub) {
			b.WriteString(sub[n])
		}
	}
	return b.String()
}
