package regex

import "errors"

// errorCode identifies why a pattern was rejected. The values follow the
// POSIX REG_* codes of the same names.
type errorCode int

// The error codes. Only some of them can occur with this syntax (no
// intervals, no character classes): errBadRpt, errEnd, errBrace, errBadBr
// and errCType are listed for completeness.
const (
	errBadPat  errorCode = iota + 2 // REG_BADPAT
	errCollate                      // REG_ECOLLATE
	errCType                        // REG_ECTYPE
	errEscape                       // REG_EESCAPE
	errSubReg                       // REG_ESUBREG
	errBrack                        // REG_EBRACK
	errParen                        // REG_EPAREN
	errBrace                        // REG_EBRACE
	errBadBr                        // REG_BADBR
	errRange                        // REG_ERANGE
	errSpace                        // REG_ESPACE
	errBadRpt                       // REG_BADRPT
	errEnd                          // REG_EEND
	errSize                         // REG_ESIZE
	errRParen                       // REG_ERPAREN
)

// messages are GNU's texts, which GNU m4 prints after "bad regular
// expression".
var messages = map[errorCode]string{
	errBadPat:  "Invalid regular expression",
	errCollate: "Invalid collation character",
	errCType:   "Invalid character class name",
	errEscape:  "Trailing backslash",
	errSubReg:  "Invalid back reference",
	errBrack:   "Unmatched [, [^, [:, [., or [=",
	errParen:   "Unmatched ( or \\(",
	errBrace:   "Unmatched \\{",
	errBadBr:   "Invalid content of \\{\\}",
	errRange:   "Invalid range end",
	errSpace:   "Memory exhausted",
	errBadRpt:  "Invalid preceding regular expression",
	errEnd:     "Premature end of regular expression",
	errSize:    "Regular expression too big",
	errRParen:  "Unmatched ) or \\)",
}

// Error is a pattern that does not compile. Its Error method returns
// exactly GNU's message, for example "Unmatched ( or \(".
type Error struct {
	code errorCode
}

func (e *Error) Error() string { return messages[e.code] }

func errorOf(c errorCode) *Error { return &Error{code: c} }

// ErrMatchLimit is returned by SearchErr and Index when matching a
// pattern with back-references needs more steps than the matcher allows.
// GNU m4 reports such a failure as "error matching regular expression".
var ErrMatchLimit = errors.New("regular expression matching needs too many steps")
