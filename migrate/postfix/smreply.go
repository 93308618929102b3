package postfix

import (
	"regexp"
	"strconv"
	"strings"

	"mailcc/internal/smreply"
	"mailcc/ir"
)

// smReply is the SMTP reply sendmail gives for an error: its code,
// enhanced status code and text, worked out as sendmail's buildaddr()
// reads "$#error $@ status $: text".
type smReply struct {
	code int
	dsn  string
	text string
}

func (r smReply) temp() bool { return r.code/100 == 4 }

// postfix is the reply as a Postfix access(5) action: "550 5.7.1 text".
func (r smReply) postfix() string {
	text := strings.TrimSpace(r.text)
	if text == "" {
		text = "Access denied"
	}
	return strconv.Itoa(r.code) + " " + r.dsn + " " + text
}

// errorReply is buildaddr()'s reading of an error's status and text
// (smreply.Error).
func errorReply(status, text string) smReply {
	code, dsn, msg := smreply.Error(status, text)
	c, _ := strconv.Atoi(code)
	return smReply{code: c, dsn: dsn, text: msg}
}

// smAccess reads an access value the way the check rulesets' result
// rules do: the verdict and, for errors, sendmail's reply; arg is a
// quarantine reason.
// accessVerdict is what a sendmail access value tells the check
// rulesets to do.
type accessVerdict int

// The verdicts of access values.
const (
	vAccept     accessVerdict = iota // OK
	vRelay                           // RELAY
	vReject                          // REJECT
	vDiscard                         // DISCARD
	vSkip                            // SKIP (access_db skip)
	vFriend                          // Spam: FRIEND
	vHater                           // Spam: HATER
	vQuarantine                      // QUARANTINE:reason
	vError                           // ERROR:..., or any other text
)

// smAccess reads an access value as the check rulesets do: the verdict,
// the reply of an error, and a quarantine reason.
func smAccess(value string, skip bool) (v accessVerdict, r smReply, arg string) {
	val := strings.TrimSpace(value)
	up := strings.ToUpper(val)
	switch {
	case up == "OK":
		return vAccept, r, ""
	case up == "RELAY":
		return vRelay, r, ""
	case up == "REJECT":
		return vReject, r, ""
	case up == "DISCARD":
		return vDiscard, r, ""
	case up == "SKIP" && skip:
		return vSkip, r, ""
	case up == "FRIEND":
		return vFriend, r, ""
	case up == "HATER":
		return vHater, r, ""
	case strings.HasPrefix(up, "QUARANTINE:"):
		return vQuarantine, r, strings.TrimSpace(val[len("QUARANTINE:"):])
	case strings.HasPrefix(up, "ERROR:"):
		rest := val[len("ERROR:"):]
		if m := errDSN.FindStringSubmatch(rest); m != nil {
			return vError, errorReply(m[1], smreply.CatAddr(smreply.Tokenize(m[2]))), ""
		}
		return vError, errorReply("", smreply.CatAddr(smreply.Tokenize(rest))), ""
	}
	return vError, errorReply("", smreply.CatAddr(smreply.Tokenize(val))), ""
}

// virtError reads a virtusertable or mailertable "error:" value as
// ruleset 0 returns it: "error:D.S.N:text" gives the status D.S.N,
// "error:word text" the status word.
func virtError(v string) smReply {
	if m := virtErrDSN.FindStringSubmatch(v); m != nil {
		return errorReply(m[1], smreply.CatAddr(smreply.Tokenize(m[2])))
	}
	v = strings.TrimSpace(v)
	word, rest, _ := strings.Cut(v, " ")
	return errorReply(word, smreply.CatAddr(smreply.Tokenize(rest)))
}

// errDSN splits "D.D.D:text" (an access ERROR: value with a status).
var errDSN = regexp.MustCompile(`^\s*([0-9]+\s*\.\s*[0-9]+\s*\.\s*[0-9]+)\s*:(.*)$`)

var virtErrDSN = regexp.MustCompile(`^\s*([0-9]+\.[0-9]+\.[0-9]+)\s*:(.*)$`)

// replyOf turns an IR reply into sendmail's, with defaults.
func replyOf(r ir.Reply, def smReply) smReply {
	if r.Code == 0 {
		return def
	}
	out := smReply{code: r.Code, dsn: r.DSN, text: r.Text}
	if out.dsn == "" {
		out.dsn = strconv.Itoa(r.Code/100) + ".0.0"
	}
	return out
}
