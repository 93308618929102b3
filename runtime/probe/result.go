package probe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// Decisions.
const (
	Accept   = "accept"
	Reject   = "reject"
	Tempfail = "tempfail"
	Discard  = "discard"
	Error    = "error"    // the probe could not be answered
	NotFound = "notfound" // alias probes: no such alias
)

// Result is the answer to one probe, in the shape of the oracles'
// JSON lines (../shared/oracle/README.md). Fields that do not apply to
// the probe's kind are left empty and omitted.
type Result struct {
	N     int    `json:"n"`
	Line  int    `json:"line"`
	Kind  Kind   `json:"kind"`
	Probe string `json:"probe"`
	// Decision is accept, reject, tempfail, discard, error or notfound.
	Decision string `json:"decision"`
	// Code, DSN and Text are the SMTP reply of a refusal (and of a
	// routing error).
	Code string `json:"code,omitempty"`
	DSN  string `json:"dsn,omitempty"`
	Text string `json:"text,omitempty"`
	// Stage is where a session probe's decision was taken.
	Stage string `json:"stage,omitempty"`
	// Verdict is the native detail (sendmail's ruleset return, RELAY,
	// OK, ...; Postfix's reply code).
	Verdict string `json:"verdict,omitempty"`
	// Mailer, Host and User are a resolve probe's route.
	Mailer string `json:"mailer,omitempty"`
	Host   Str    `json:"host,omitempty"`
	User   Str    `json:"user,omitempty"`
	// Header and Envelope are a header_from probe's rewritten From:
	// address and envelope sender.
	Header   string `json:"header,omitempty"`
	Envelope string `json:"envelope,omitempty"`
	// Alias is an alias probe's one-level expansion.
	Alias []string `json:"alias,omitempty"`
	// Trace lists the checks and table entries that decided, with their
	// positions (mailcc only).
	Trace []Step `json:"trace,omitempty"`
}

// Str is a string that also decodes from JSON null and from a list (the
// Postfix oracle lists every delivery when one address fans out; the
// first is kept).
type Str string

// UnmarshalJSON implements json.Unmarshaler.
func (s *Str) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*s = ""
		return nil
	case len(b) > 0 && b[0] == '[':
		var l []string
		if err := json.Unmarshal(b, &l); err != nil {
			return err
		}
		*s = ""
		if len(l) > 0 {
			*s = Str(l[0])
		}
		return nil
	}
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = Str(v)
	return nil
}

// Step is one line of a trace: what was evaluated, what it gave, and the
// source position of the rule or table entry.
type Step struct {
	What   string `json:"what"`
	Result string `json:"result,omitempty"`
	Pos    string `json:"pos,omitempty"`
}

// ReadResults reads JSON lines of results; a {"meta": ...} object is
// skipped.
func ReadResults(r io.Reader) ([]Result, error) {
	dec := json.NewDecoder(r)
	var out []Result
	for {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err == io.EOF {
			return out, nil
		} else if err != nil {
			return out, err
		}
		var meta struct {
			Meta json.RawMessage `json:"meta"`
		}
		if json.Unmarshal(raw, &meta) == nil && meta.Meta != nil {
			continue
		}
		var res Result
		if err := json.Unmarshal(raw, &res); err != nil {
			return out, err
		}
		out = append(out, res)
	}
}

// WriteResults writes results as JSON lines.
func WriteResults(w io.Writer, rs []Result) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := range rs {
		if err := enc.Encode(&rs[i]); err != nil {
			return err
		}
	}
	return nil
}

// smtpMailers are the mailer names compared as one class, as
// oracle-diff does.
var smtpMailers = map[string]bool{"esmtp": true, "smtp": true, "smtp8": true, "dsmtp": true, "relay": true, "lmtp": true}

func mailerClass(m string) string {
	m = strings.ToLower(strings.Trim(m, "*"))
	if smtpMailers[m] {
		return "smtp"
	}
	return m
}

func hostNorm(h Str) string { return strings.TrimRight(strings.ToLower(string(h)), ".") }

func userNorm(u Str, local bool) string {
	s := strings.TrimRight(strings.ToLower(string(u)), ".")
	if local {
		s, _, _ = strings.Cut(s, "@")
	}
	return s
}

// Compare says what differs between two answers to the same probe, by
// the rules of oracle-diff: the decision; for refusals the code and
// enhanced status (and the stage of a rejection); for routes the mailer
// class (esmtp, smtp, relay, ... are one), the host (not for local
// mail, case and trailing dot ignored) and the user (only the local
// part for local mail); for header_from the header and envelope
// addresses; for aliases the expansion as a set. Texts are not
// compared. An empty result means they agree.
func Compare(a, b Result) []string {
	var diffs []string
	if a.Kind != b.Kind || a.Probe != b.Probe {
		return []string{"probe"}
	}
	if a.Decision != b.Decision {
		return []string{"decision"}
	}
	refusal := a.Decision == Reject || a.Decision == Tempfail
	switch a.Kind {
	case Connect, Mail, Rcpt:
		if refusal {
			if a.Code != b.Code {
				diffs = append(diffs, "code")
			}
			if a.DSN != b.DSN {
				diffs = append(diffs, "dsn")
			}
		}
		if a.Decision == Reject && a.Stage != b.Stage {
			diffs = append(diffs, "stage")
		}
	case Resolve:
		switch {
		case a.Decision == Accept:
			ma, mb := mailerClass(a.Mailer), mailerClass(b.Mailer)
			if ma != mb {
				diffs = append(diffs, "mailer")
			}
			local := ma == "local"
			if !local && hostNorm(a.Host) != hostNorm(b.Host) {
				diffs = append(diffs, "host")
			}
			if userNorm(a.User, local) != userNorm(b.User, local) {
				diffs = append(diffs, "user")
			}
		case refusal:
			if a.Code != b.Code {
				diffs = append(diffs, "code")
			}
			if a.DSN != b.DSN {
				diffs = append(diffs, "dsn")
			}
		}
	case HeaderFrom:
		if !strings.EqualFold(a.Header, b.Header) {
			diffs = append(diffs, "header")
		}
		if !strings.EqualFold(a.Envelope, b.Envelope) {
			diffs = append(diffs, "envelope")
		}
	case Alias:
		if !sameSet(a.Alias, b.Alias) {
			diffs = append(diffs, "alias")
		}
	}
	return diffs
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	norm := func(l []string) []string {
		out := make([]string, len(l))
		for i, s := range l {
			out[i] = strings.ToLower(s)
		}
		sort.Strings(out)
		return out
	}
	x, y := norm(a), norm(b)
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}

// Summary is a one-line description of an answer, for reports.
func (r Result) Summary() string {
	switch r.Kind {
	case Resolve:
		if r.Decision == Accept {
			return fmt.Sprintf("%s %s %s", r.Mailer, r.Host, r.User)
		}
	case HeaderFrom:
		return fmt.Sprintf("header=%s envelope=%s", r.Header, r.Envelope)
	case Alias:
		return fmt.Sprintf("%s %v", r.Decision, r.Alias)
	}
	if r.Decision == Reject || r.Decision == Tempfail {
		return strings.TrimSpace(fmt.Sprintf("%s %s %s %s (%s)", r.Decision, r.Code, r.DSN, r.Text, r.Stage))
	}
	return r.Decision
}

// ReadResultsFile reads the JSON lines of results at path.
func ReadResultsFile(path string) ([]Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rs, err := ReadResults(f)
	if err != nil {
		return rs, fmt.Errorf("%s: %w", path, err)
	}
	return rs, nil
}
