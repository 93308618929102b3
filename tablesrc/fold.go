package tablesrc

import (
	"unicode"
	"unicode/utf8"
)

// FoldASCII returns key with ASCII upper-case letters folded to lower
// case and every other byte unchanged: what makemap, sendmail's map
// lookups and Postfix (outside SMTPUTF8 mode) do to keys.
func FoldASCII(key []byte) []byte {
	return AppendFoldASCII(make([]byte, 0, len(key)), key)
}

// AppendFoldASCII appends key, folded as FoldASCII does, to dst.
func AppendFoldASCII(dst, key []byte) []byte {
	for _, c := range key {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// FoldPostfix folds a key the way a Postfix table does: ASCII only, or,
// in SMTPUTF8 mode (utf8 true) with Unicode case folding of non-ASCII
// UTF-8 text (Postfix uses ICU's full case folding; this covers the
// simple foldings and the common multi-character ones such as ß → ss).
func FoldPostfix(key []byte, utf8mode bool) []byte {
	return AppendFoldPostfix(make([]byte, 0, len(key)), key, utf8mode)
}

// AppendFoldPostfix appends key, folded as FoldPostfix does, to dst.
func AppendFoldPostfix(dst, key []byte, utf8mode bool) []byte {
	if !utf8mode || isASCII(key) || !utf8.Valid(key) {
		return AppendFoldASCII(dst, key)
	}
	for _, r := range string(key) {
		if r < utf8.RuneSelf {
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			dst = append(dst, byte(r))
			continue
		}
		if s, ok := fullFold[r]; ok {
			dst = append(dst, s...)
			continue
		}
		dst = utf8.AppendRune(dst, caseFold(r))
	}
	return dst
}

// fullFold holds the multi-character foldings of CaseFolding.txt that
// matter for mail addresses.
var fullFold = map[rune]string{
	'ß':      "ss",
	'ẞ':      "ss",
	'İ':      "i\u0307",
	'ŉ':      "\u02bcn",
	'ǰ':      "j\u030c",
	'ﬀ':      "ff",
	'ﬁ':      "fi",
	'ﬂ':      "fl",
	'ﬃ':      "ffi",
	'ﬄ':      "ffl",
	'ﬅ':      "st",
	'ﬆ':      "st",
	'\u0390': "\u03b9\u0308\u0301",
	'\u03b0': "\u03c5\u0308\u0301",
}

// caseFold maps r to its simple case folding: lower case, except for
// letters whose folding is not their lower case.
func caseFold(r rune) rune {
	switch r {
	case 'ς':
		return 'σ'
	case 'ſ':
		return 's'
	case 'µ':
		return 'μ'
	case '\u0345', '\u1fbe':
		return 'ι'
	case 'ϐ':
		return 'β'
	case 'ϑ':
		return 'θ'
	case 'ϕ':
		return 'φ'
	case 'ϖ':
		return 'π'
	case 'ϰ':
		return 'κ'
	case 'ϱ':
		return 'ρ'
	case 'ϵ':
		return 'ε'
	case 'ẛ':
		return 'ṡ'
	}
	if l := unicode.ToLower(r); l != r {
		return l
	}
	// Letters with no lower case but a fold (Cherokee small letters
	// fold to their capitals).
	if unicode.Is(unicode.Cherokee, r) {
		if u := unicode.ToUpper(r); u != r {
			return u
		}
	}
	return r
}
