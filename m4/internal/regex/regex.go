// Package regex implements the regular expressions of GNU m4's regexp and
// patsubst builtins, with the results GNU m4 1.4.19 gives.
//
// GNU m4 compiles these expressions with re_compile_pattern under the
// default syntax (re_syntax_options = 0, the syntax of GNU Emacs) and
// matches them with re_search, both from the copy of gnulib's regex built
// into m4. This package reproduces that combination in the C locale,
// oddities included where they show in m4's output.
//
// # Syntax
//
// Every byte stands for itself except the following.
//
//	.          any byte except newline
//	[list]     one byte of the list; [^list] one byte not in it, newline
//	           included. a-z is a range of byte values, empty when the
//	           ends are reversed. A ] first in the list and a - first or
//	           last are ordinary. [.c.] and [=c=] name the single byte c.
//	           A backslash is an ordinary byte in a list, and there are no
//	           character classes: [[:alpha:]] is the list "[:alph"
//	           followed by a literal ].
//	x*         zero or more x
//	x+         one or more x
//	x?         zero or one x
//	\( \)      a group; groups are numbered by their \( from 1
//	\|         alternation, with the lowest precedence: ab\|cd
//	\1 .. \9   the text the group matched (a back-reference); the group
//	           must be closed before, in the same alternative
//	^          beginning of the subject or of a line, but only at the
//	           start of the pattern or just after \( or \|; elsewhere an
//	           ordinary ^
//	$          end of the subject or of a line, but only at the end of the
//	           pattern or just before \) or \|; elsewhere an ordinary $
//	\` \'      beginning and end of the subject
//	\< \>      beginning and end of a word (letters, digits and _)
//	\b \B      a word boundary; anywhere else
//	\w \W      a word byte; any other byte
//	\s \S      a white space byte (space \t \n \v \f \r); any other byte
//	\c         the byte c, for any other c: \. \* \[ \^ \$ \\ \{ \+ \?;
//	           note that \n is the letter n and \t the letter t
//
// * + and ? are ordinary characters where there is nothing to repeat: at
// the start of the pattern, just after \(, \| or ^, and just after any
// other anchor such as \< or \`. There are no intervals: { and \{ are
// ordinary characters.
//
// A pattern that does not compile gets an *Error whose text is GNU's, the
// one GNU m4 prints after "bad regular expression": "Unmatched ( or \(",
// "Unmatched ) or \)", "Unmatched [, [^, [:, [., or [=", "Invalid regular
// expression" (a [ or [^ at the very end), "Trailing backslash", "Invalid
// back reference", "Invalid range end" or "Invalid collation character".
//
// # Semantics
//
// A search finds the leftmost position where the pattern matches and, at
// that position, the longest match: POSIX's rule, which GNU follows when
// the groups are asked for. Among the ways of matching that longest text,
// the groups come from the first in GNU's order of preference: the left
// alternative before the right one, except that an empty alternative
// comes last, and one more repetition before stopping. A group repeated
// by * or + reports its last repetition; a group in an alternative not
// taken, or in a repetition taken zero times, is unset (-1, -1).
//
// ^ and $ match at the ends of the subject and also just after and just
// before every newline: GNU's re_compile_pattern turns newline anchoring
// on. When a search starts inside the subject, as the searches of
// patsubst after the first one do, the bytes before the start still
// count: ^ does not match there unless a newline precedes, \` never does,
// and \< looks at the byte before.
//
// Patterns without back-references are matched by simulating the
// automaton, in time linear in the length of the subject. Patterns with
// back-references need backtracking; the number of steps one search may
// take is bounded (a few million), and past the bound SearchErr and Index
// report ErrMatchLimit, for which GNU m4 would print "error matching
// regular expression". GNU itself would rather take its time.
//
// # Compatibility
//
// The results are GNU m4's in the C locale (LC_ALL=C), offsets included:
// the differential tests run the real m4 on hand-picked and generated
// patterns and subjects. In a UTF-8 locale GNU m4 treats a multibyte
// character as one; this package always works on bytes.
//
// GNU's oddities are reproduced, because m4 users see them:
//
//   - After an empty repetition the groups can stay unset although the
//     match went through them: \(a*\)*\(b\) on "b" leaves group 2 unset.
//   - An anchor inside the repeated part of +, as in \(^a\)+, does not
//     constrain the repetitions after the first; the match is found when
//     only its position is asked for (m4's regexp with two arguments,
//     Index) but not when the groups are (regexp with a replacement,
//     patsubst, Search).
//   - An empty match found at the very start of GNU's search can be
//     reported a few bytes too late: b*\B matches "ab" at 2, not at 1.
//
// Where GNU leaves a group with a start but no end (after an empty
// repetition of a group that can be empty, as \(a*\)* on "aa"), this
// package reports the group unset. GNU m4 then prints nothing for the
// group when the match starts at offset 0 or 1, and dies with "memory
// exhausted" otherwise.
//
// With back-references GNU finds matches by its own route, which this
// package follows only roughly: the results differ in contrived patterns
// that combine back-references with empty repetitions or anchors, a few
// generated patterns in a thousand.
//
// Patterns that would need more than 16384 automaton nodes (thousands of
// bytes, or a long run of + such as a+++++++++++++) are rejected as
// "Regular expression too big"; GNU m4 would grind on or run out of
// memory.
package regex

import "sync"

// Regexp is a compiled pattern. It is safe for concurrent use.
type Regexp struct {
	nsub     int
	nodes    []nnode
	sets     []byteSet
	closure  [][]int32
	init     int32
	subexp   []int // group i reports group subexp[i]; nil when all are their own
	wordOps  bool  // word anchors used: bytes have a word context
	plural   bool  // the automaton has choices (GNU's has_plural_match)
	nbackref int
	limit    int // step bound for back-references; 0 means the default
	pool     sync.Pool
}

// Compile parses pattern in GNU Emacs syntax (re_syntax_options = 0). On
// error it returns an *Error whose Error() is exactly GNU's message.
func Compile(pattern []byte) (*Regexp, error) {
	p := &parser{pat: pattern}
	root, err := p.parse()
	if err != nil {
		return nil, err
	}
	c := &compiler{}
	if err := c.build(root, p.nsub); err != nil {
		return nil, err
	}
	cl, ok := closures(c.nodes)
	if !ok {
		return nil, errorOf(errSize)
	}
	re := &Regexp{
		nsub:     p.nsub,
		nodes:    c.nodes,
		sets:     p.sets,
		closure:  cl,
		init:     root.first.id,
		wordOps:  p.wordOps,
		nbackref: p.nbackref,
	}
	for i, j := range c.subexp {
		if i != j {
			re.subexp = c.subexp
			break
		}
	}
	for _, n := range c.nodes {
		if n.kind == nAlt || n.kind == nStar {
			re.plural = true
			break
		}
	}
	return re, nil
}

// MustCompile is Compile that panics on a bad pattern, for patterns known
// to be good.
func MustCompile(pattern string) *Regexp {
	re, err := Compile([]byte(pattern))
	if err != nil {
		panic("regex: Compile(" + pattern + "): " + err.Error())
	}
	return re
}

// NumSubexp is the number of \( \) groups.
func (re *Regexp) NumSubexp() int { return re.nsub }

// Search finds the leftmost match starting at or after start in s (like
// re_search with range len(s)-start, registers requested), the longest at
// that position, and returns 2*(NumSubexp()+1) offsets into s: the whole
// match, then each group, -1, -1 for a group that did not participate. It
// returns nil when there is no match, and also when the matcher for
// back-references gives up (see SearchErr).
func (re *Regexp) Search(s []byte, start int) []int {
	m, _ := re.SearchErr(s, start)
	return m
}

// SearchErr is Search that also reports ErrMatchLimit when a pattern with
// back-references needs too many steps; GNU m4 prints "error matching
// regular expression" in that case.
func (re *Regexp) SearchErr(s []byte, start int) ([]int, error) {
	m, _, err := re.search(s, start, true)
	return m, err
}

// Index returns where the leftmost match at or after start begins, or -1,
// without computing the groups: what re_search reports when no registers
// are requested, as in m4's two-argument regexp. It differs from
// Search(s, start)[0] only in the rare cases, described in the package
// documentation, where GNU fails to set the groups of a match it found.
func (re *Regexp) Index(s []byte, start int) (int, error) {
	m, _, err := re.search(s, start, false)
	if m == nil {
		return -1, err
	}
	return m[0], nil
}

// search runs the matcher that suits the pattern. open reports a group
// that GNU leaves with a start but no end, which this package reports
// unset.
func (re *Regexp) search(s []byte, start int, withRegs bool) (m []int, open bool, err error) {
	if start < 0 || start > len(s) {
		return nil, false, nil
	}
	if re.nbackref > 0 {
		return re.searchBacktrack(s, start, withRegs)
	}
	m, open = re.searchNFA(s, start, withRegs)
	return m, open, nil
}
