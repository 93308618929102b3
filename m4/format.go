package m4

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// format: GNU m4's format builtin is C's printf with the arguments taken
// from the macro's arguments. This file reimplements the C library's
// conversions in the C locale (so the ' flag groups nothing): %c %s %d %i
// %o %u %x %X %a %A %e %E %f %F %g %G, flags ' + - space 0 #, width and
// precision (or * from the arguments), and the l, h and hh modifiers.

const (
	fThousands = 1 << iota
	fPlus
	fMinus
	fSpace
	fZero
	fAlt
)

// formatArgs hands out the arguments after the format string; missing
// ones are 0 or "".
type formatArgs struct {
	p    *Processor
	args []arg
}

func (a *formatArgs) next() ([]byte, bool) {
	if len(a.args) == 0 {
		return nil, false
	}
	s := a.args[0].text
	a.args = a.args[1:]
	return s, true
}

func (a *formatArgs) str() []byte {
	s, _ := a.next()
	return s
}

// numeric takes the next argument and parses it with parse, warning as
// GNU's arg_int, arg_long and arg_double do; missing arguments are 0.
func numeric[T int64 | float64](a *formatArgs, parse func([]byte) (T, int, bool)) T {
	s, ok := a.next()
	if !ok {
		return 0
	}
	if len(s) == 0 {
		a.p.warn("empty string treated as 0")
		return 0
	}
	v, n, overflow := parse(s)
	switch {
	case n != len(s):
		a.p.warn("non-numeric argument " + string(s))
	case isSpace(s[0]):
		a.p.warn("leading whitespace ignored")
	case overflow:
		a.p.warn("numeric overflow detected")
	}
	return v
}

// long parses an integer argument (GNU's arg_long); with int32Range, a
// value that does not fit an int is an overflow too (arg_int).
func (a *formatArgs) long(int32Range bool) int64 {
	return numeric(a, func(s []byte) (int64, int, bool) {
		v, n, overflow := strtol(s)
		return v, n, overflow || int32Range && int64(int32(v)) != v
	})
}

func (a *formatArgs) int() int64 { return int64(int32(a.long(true))) }

func (a *formatArgs) double() float64 { return numeric(a, strtod) }

// format expands a format call; args[0] is the format string.
func (p *Processor) format(out *[]byte, args []arg) {
	f := args[0].text
	fa := &formatArgs{p: p, args: args[1:]}
	fmtS := f
	for {
		i := bytes.IndexByte(fmtS, '%')
		if i < 0 {
			*out = append(*out, fmtS...)
			return
		}
		*out = append(*out, fmtS[:i]...)
		fmtS = fmtS[i+1:]
		if len(fmtS) > 0 && fmtS[0] == '%' {
			*out = append(*out, '%')
			fmtS = fmtS[1:]
			continue
		}
		ok := map[byte]bool{'a': true, 'A': true, 'c': true, 'd': true, 'e': true, 'E': true,
			'f': true, 'F': true, 'g': true, 'G': true, 'i': true, 'o': true, 's': true,
			'u': true, 'x': true, 'X': true}
		flags := 0
	flagLoop:
		for len(fmtS) > 0 {
			switch fmtS[0] {
			case '\'':
				for _, c := range "aAceEosxX" {
					ok[byte(c)] = false
				}
				flags |= fThousands
			case '+':
				for _, c := range "cosuxX" {
					ok[byte(c)] = false
				}
				flags |= fPlus
			case ' ':
				for _, c := range "cosuxX" {
					ok[byte(c)] = false
				}
				flags |= fSpace
			case '0':
				ok['c'], ok['s'] = false, false
				flags |= fZero
			case '#':
				for _, c := range "cdisu" {
					ok[byte(c)] = false
				}
				flags |= fAlt
			case '-':
				flags |= fMinus
			default:
				break flagLoop
			}
			fmtS = fmtS[1:]
		}
		width := int64(0)
		if len(fmtS) > 0 && fmtS[0] == '*' {
			width = fa.int()
			fmtS = fmtS[1:]
		} else {
			for len(fmtS) > 0 && isDigit(fmtS[0]) {
				width = 10*width + int64(fmtS[0]-'0')
				if width > 1<<31 {
					width = 1 << 31
				}
				fmtS = fmtS[1:]
			}
		}
		prec := int64(-1)
		if len(fmtS) > 0 && fmtS[0] == '.' {
			ok['c'] = false
			fmtS = fmtS[1:]
			if len(fmtS) > 0 && fmtS[0] == '*' {
				prec = fa.int()
				fmtS = fmtS[1:]
			} else {
				prec = 0
				for len(fmtS) > 0 && isDigit(fmtS[0]) {
					prec = 10*prec + int64(fmtS[0]-'0')
					if prec > 1<<31 {
						prec = 1 << 31
					}
					fmtS = fmtS[1:]
				}
			}
		}
		mod := ""
		if len(fmtS) > 0 && fmtS[0] == 'l' {
			mod = "l"
			fmtS = fmtS[1:]
			ok['c'], ok['s'] = false, false
		} else if len(fmtS) > 0 && fmtS[0] == 'h' {
			mod = "h"
			fmtS = fmtS[1:]
			if len(fmtS) > 0 && fmtS[0] == 'h' {
				mod = "hh"
				fmtS = fmtS[1:]
			}
			for _, c := range "aAceEfFgGs" {
				ok[byte(c)] = false
			}
		}
		var c byte
		if len(fmtS) > 0 {
			c = fmtS[0]
			fmtS = fmtS[1:]
		}
		if !ok[c] {
			p.warn("Warning: unrecognized specifier in `" + string(f) + "'")
			continue
		}
		// a negative width from * means left justification
		if width < 0 {
			flags |= fMinus
			width = -width
		}
		if width > 0 {
			p.checkSize(len(*out) + int(width))
		}
		if prec > 0 {
			p.checkSize(len(*out) + int(prec))
		}
		var body string
		switch c {
		case 'c':
			v := fa.int()
			body = string([]byte{byte(v)})
			body = pad(body, "", "", width, flags&^fZero)
			// C strings end at NUL: what follows a NUL is lost
			if i := strings.IndexByte(body, 0); i >= 0 {
				body = body[:i]
			}
		case 's':
			s := fa.str()
			if prec >= 0 && int64(len(s)) > prec {
				s = s[:prec]
			}
			body = pad(string(s), "", "", width, flags&^fZero)
		case 'd', 'i', 'o', 'u', 'x', 'X':
			var v int64
			if mod == "l" {
				v = fa.long(false)
			} else {
				v = fa.int()
			}
			body = formatInt(v, c, mod, flags, width, prec)
		default:
			body = formatFloat(fa.double(), c, flags, width, prec)
		}
		*out = append(*out, body...)
	}
}

// pad applies width: sign and prefix stay in front of zero padding.
func pad(digits, sign, prefix string, width int64, flags int) string {
	n := int64(len(sign) + len(prefix) + len(digits))
	if width <= n {
		return sign + prefix + digits
	}
	fill := int(width - n)
	switch {
	case flags&fMinus != 0:
		return sign + prefix + digits + strings.Repeat(" ", fill)
	case flags&fZero != 0:
		return sign + prefix + strings.Repeat("0", fill) + digits
	}
	return strings.Repeat(" ", fill) + sign + prefix + digits
}

func formatInt(v int64, c byte, mod string, flags int, width, prec int64) string {
	signed := c == 'd' || c == 'i'
	var u uint64
	neg := false
	switch mod {
	case "hh":
		if signed {
			v = int64(int8(v))
		} else {
			u = uint64(uint8(v))
		}
	case "h":
		if signed {
			v = int64(int16(v))
		} else {
			u = uint64(uint16(v))
		}
	case "l":
		if !signed {
			u = uint64(v)
		}
	default:
		if signed {
			v = int64(int32(v))
		} else {
			u = uint64(uint32(v))
		}
	}
	if signed {
		if v < 0 {
			neg = true
			u = uint64(-v)
		} else {
			u = uint64(v)
		}
	}
	var digits string
	switch c {
	case 'o':
		digits = strconv.FormatUint(u, 8)
	case 'x':
		digits = strconv.FormatUint(u, 16)
	case 'X':
		digits = strings.ToUpper(strconv.FormatUint(u, 16))
	default:
		digits = strconv.FormatUint(u, 10)
	}
	if prec == 0 && u == 0 {
		digits = ""
	}
	if prec > int64(len(digits)) {
		digits = strings.Repeat("0", int(prec)-len(digits)) + digits
	}
	prefix := ""
	if flags&fAlt != 0 {
		switch c {
		case 'o':
			if !strings.HasPrefix(digits, "0") {
				digits = "0" + digits
			}
		case 'x':
			if u != 0 {
				prefix = "0x"
			}
		case 'X':
			if u != 0 {
				prefix = "0X"
			}
		}
	}
	sign := ""
	if signed {
		switch {
		case neg:
			sign = "-"
		case flags&fPlus != 0:
			sign = "+"
		case flags&fSpace != 0:
			sign = " "
		}
	}
	if prec >= 0 {
		flags &^= fZero
	}
	return pad(digits, sign, prefix, width, flags)
}

func formatFloat(v float64, c byte, flags int, width, prec int64) string {
	upper := c >= 'A' && c <= 'Z'
	sign := ""
	if math.Signbit(v) {
		sign = "-"
		v = -v
	} else if flags&fPlus != 0 {
		sign = "+"
	} else if flags&fSpace != 0 {
		sign = " "
	}
	var digits string
	switch {
	case math.IsInf(v, 0):
		digits = "inf"
		flags &^= fZero
	case math.IsNaN(v):
		digits = "nan"
		flags &^= fZero
	default:
		digits = cFloat(v, c|0x20, flags, prec)
	}
	if upper {
		digits = strings.ToUpper(digits)
	}
	prefix := ""
	if (c|0x20) == 'a' && !math.IsInf(v, 0) && !math.IsNaN(v) {
		prefix, digits = digits[:2], digits[2:]
	}
	return pad(digits, sign, prefix, width, flags)
}

// cFloat formats a non-negative finite v like C's %f, %e, %g or %a.
func cFloat(v float64, c byte, flags int, prec int64) string {
	alt := flags&fAlt != 0
	switch c {
	case 'f':
		if prec < 0 {
			prec = 6
		}
		s := strconv.FormatFloat(v, 'f', int(prec), 64)
		if alt && prec == 0 {
			s += "."
		}
		return s
	case 'e':
		if prec < 0 {
			prec = 6
		}
		s := strconv.FormatFloat(v, 'e', int(prec), 64)
		if alt && prec == 0 {
			i := strings.IndexByte(s, 'e')
			s = s[:i] + "." + s[i:]
		}
		return s
	case 'g':
		if prec < 0 {
			prec = 6
		}
		if prec == 0 {
			prec = 1
		}
		e := strconv.FormatFloat(v, 'e', int(prec-1), 64)
		x := 0
		if i := strings.IndexByte(e, 'e'); i >= 0 {
			x, _ = strconv.Atoi(e[i+1:])
		}
		var s string
		if int64(x) < prec && x >= -4 {
			s = strconv.FormatFloat(v, 'f', int(prec-1-int64(x)), 64)
		} else {
			s = e
		}
		if !alt {
			s = trimZeros(s)
		} else if !strings.Contains(s, ".") {
			if i := strings.IndexByte(s, 'e'); i >= 0 {
				s = s[:i] + "." + s[i:]
			} else {
				s += "."
			}
		}
		return s
	}
	return hexFloat(v, alt, prec)
}

// hexFloat formats a non-negative finite v like glibc's %a: the leading
// digit is 1 (0 for subnormals and zero), the 13 hexadecimal digits of
// the mantissa are rounded to the precision (to nearest, ties to even),
// and a carry makes the leading digit 2 rather than renormalising.
func hexFloat(v float64, alt bool, prec int64) string {
	bits := math.Float64bits(v)
	exp := int((bits >> 52) & 0x7ff)
	mant := bits & (1<<52 - 1)
	lead := uint64(1)
	e := exp - 1023
	switch {
	case exp == 0 && mant == 0:
		lead, e = 0, 0
	case exp == 0:
		lead, e = 0, -1022
	}
	digits := fmt.Sprintf("%013x", mant)
	if prec >= 0 && prec < 13 {
		shift := uint(4 * (13 - prec))
		kept := mant >> shift
		rest := mant & (1<<shift - 1)
		half := uint64(1) << (shift - 1)
		odd := kept&1 == 1
		if prec == 0 {
			odd = lead&1 == 1 // the digit rounded is the leading one
		}
		if rest > half || rest == half && odd {
			kept++
		}
		if prec == 0 || kept>>(4*uint(prec)) != 0 {
			lead += kept >> (4 * uint(prec))
			kept &= 1<<(4*uint(prec)) - 1
		}
		digits = ""
		if prec > 0 {
			digits = fmt.Sprintf("%0*x", prec, kept)
		}
	} else if prec < 0 {
		digits = strings.TrimRight(digits, "0")
	} else {
		digits += strings.Repeat("0", int(prec)-13)
	}
	s := "0x" + strconv.FormatUint(lead, 16)
	if digits != "" || alt {
		s += "." + digits
	}
	sign := "+"
	if e < 0 {
		sign = "-"
		e = -e
	}
	return s + "p" + sign + strconv.Itoa(e)
}

// trimZeros removes trailing zeros of a fraction (and a dangling point),
// keeping any exponent.
func trimZeros(s string) string {
	exp := ""
	if i := strings.IndexByte(s, 'e'); i >= 0 {
		s, exp = s[:i], s[i:]
	}
	if strings.Contains(s, ".") {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	return s + exp
}

// strtod parses the longest prefix of s that C's strtod accepts. It
// returns the value, the bytes used (0 when none) and whether the value
// is out of range.
func strtod(s []byte) (float64, int, bool) {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	start := i
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	rest := strings.ToLower(string(s[i:]))
	switch {
	case strings.HasPrefix(rest, "infinity"):
		i += 8
	case strings.HasPrefix(rest, "inf"):
		i += 3
	case strings.HasPrefix(rest, "nan"):
		i += 3
		if i < len(s) && s[i] == '(' {
			j := i + 1
			for j < len(s) && (isDigit(s[j]) || s[j] == '_' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z') {
				j++
			}
			if j < len(s) && s[j] == ')' {
				i = j + 1
			}
		}
	case strings.HasPrefix(rest, "0x") && len(rest) > 2 && (isHex(rest[2]) || rest[2] == '.' && len(rest) > 3 && isHex(rest[3])):
		j := i + 2
		for j < len(s) && isHex(s[j]) {
			j++
		}
		if j < len(s) && s[j] == '.' {
			j++
			for j < len(s) && isHex(s[j]) {
				j++
			}
		}
		mant := string(s[start:j])
		exp := "p0"
		if j < len(s) && (s[j] == 'p' || s[j] == 'P') {
			k := j + 1
			if k < len(s) && (s[k] == '+' || s[k] == '-') {
				k++
			}
			if k < len(s) && isDigit(s[k]) {
				for k < len(s) && isDigit(s[k]) {
					k++
				}
				exp = string(s[j:k])
				j = k
			}
		}
		v, err := strconv.ParseFloat(mant+exp, 64)
		return v, j, err != nil
	default:
		j := i
		digits := 0
		for j < len(s) && isDigit(s[j]) {
			j++
			digits++
		}
		if j < len(s) && s[j] == '.' {
			j++
			for j < len(s) && isDigit(s[j]) {
				j++
				digits++
			}
		}
		if digits == 0 {
			return 0, 0, false
		}
		if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
			k := j + 1
			if k < len(s) && (s[k] == '+' || s[k] == '-') {
				k++
			}
			if k < len(s) && isDigit(s[k]) {
				for k < len(s) && isDigit(s[k]) {
					k++
				}
				j = k
			}
		}
		i = j
	}
	v, err := strconv.ParseFloat(string(s[start:i]), 64)
	rangeErr := false
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			rangeErr = true
		}
	}
	// glibc also reports ERANGE for results below the smallest normal
	// double (subnormals, and nonzero input that rounds to zero)
	if a := math.Abs(v); a != 0 && a < 0x1p-1022 || a == 0 && nonzeroDigits(s[start:i]) {
		rangeErr = true
	}
	return v, i, rangeErr
}

// nonzeroDigits reports whether a number's mantissa has a nonzero digit.
func nonzeroDigits(s []byte) bool {
	hex := bytes.HasPrefix(bytes.TrimLeft(s, "+-"), []byte("0x")) || bytes.HasPrefix(bytes.TrimLeft(s, "+-"), []byte("0X"))
	if hex {
		s = bytes.TrimLeft(s, "+-")[2:]
	}
	for _, c := range s {
		switch {
		case c >= '1' && c <= '9', hex && (c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'):
			return true
		case c == 'e' || c == 'E' || c == 'p' || c == 'P':
			return false
		}
	}
	return false
}

func isHex(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
