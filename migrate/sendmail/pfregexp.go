package sendmail

import (
	"fmt"
	"strconv"
	"strings"
)

// pfRegexpMap translates one entry of a Postfix regexp: table
// (/pattern/flags result) into a sendmail regex map: the pattern is
// POSIX extended in both (sendmail's regex maps, like Postfix's regexp
// tables, match case-insensitively unless told otherwise: -f is
// Postfix's i flag), and the result is what the map returns, built from
// at most one matched substring (-s) followed by literal text (-a).
// It returns the K line and the map's name, or why the entry has no
// such form.
func (m *migrator) pfRegexpMap(key, value string) (kline, name, why string) {
	if len(key) < 2 || key[0] != '/' {
		return "", "", "not a /pattern/ key"
	}
	end := strings.LastIndexByte(key, '/')
	if end <= 0 {
		return "", "", "not a /pattern/ key"
	}
	pat, flags := key[1:end], key[end+1:]
	if strings.Trim(flags, "i") != "" {
		return "", "", "the flags " + flags + " have no sendmail form"
	}
	// the pattern and result are written into the .mc, read by m4 and
	// then by sendmail's K line parser: no quotes or blanks
	if strings.ContainsAny(pat+value, "`' \t") {
		return "", "", "the pattern or result holds blanks or quotes"
	}
	group, rest, ok := regexpTemplate(value)
	if !ok {
		return "", "", "the result is more than one matched substring followed by text"
	}
	m.reMaps++
	name = fmt.Sprintf("pfre%d", m.reMaps)
	opts := []string{}
	if strings.Count(flags, "i")%2 == 1 {
		opts = append(opts, "-f")
	}
	if group >= 0 {
		opts = append(opts, "-s"+strconv.Itoa(group))
	}
	if rest != "" {
		opts = append(opts, "-a"+rest)
	}
	// the line is quoted for m4 where it is written (m4Quoted)
	return "K" + name + " regex " + strings.Join(append(opts, pat), " "), name, ""
}

// regexpTemplate splits a regexp: table's result into the number of the
// substring it starts with (-1 for none) and the literal text after it;
// ok is false for any other shape ($$ is a literal $).
func regexpTemplate(v string) (group int, rest string, ok bool) {
	group = -1
	var lit strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '$' {
			lit.WriteByte(v[i])
			continue
		}
		if i+1 < len(v) && v[i+1] == '$' {
			lit.WriteByte('$')
			i++
			continue
		}
		j, n := i+1, ""
		if j < len(v) && v[j] == '{' {
			k := strings.IndexByte(v[j:], '}')
			if k < 0 {
				return 0, "", false
			}
			n, i = v[j+1:j+k], j+k
		} else {
			for j < len(v) && v[j] >= '0' && v[j] <= '9' {
				j++
			}
			n, i = v[i+1:j], j-1
		}
		g, err := strconv.Atoi(n)
		if err != nil || group >= 0 || lit.Len() > 0 || g > 9 {
			return 0, "", false
		}
		group = g
	}
	return group, lit.String(), group >= 0 || lit.Len() > 0
}
