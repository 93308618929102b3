// Package policy is mailcc's decision engine: given an ir.Config and the
// facts of an SMTP session (client address and name, HELO, sender,
// recipient, authentication) it says what the server would answer at
// each stage — accept, reject (code, enhanced status, text), tempfail
// or discard — and why, as a trace of the checks evaluated and the
// table entries and source lines that decided.
//
// # Semantics
//
// The engine follows the dialect the configuration came from. For
// sendmail it reproduces the cf library's rulesets (check_relay,
// check_mail, check_rcpt with its Rcpt_ok and Relay_ok parts, the
// access map's D, A, F and U lookups) over the IR's tables and classes;
// for Postfix it evaluates the restriction lists of each stage in
// order. Everything outside the configuration (DNS, the passwd
// database, the host's name) comes through Env: the engine does no I/O.
//
// # Compatibility
//
// The answers are compared probe by probe with the real sendmail in
// address test mode and a private Postfix (see runtime/probe and the
// oracle harnesses); what is known to differ is listed in the README.
package policy

import (
	"fmt"
	"hash/maphash"
	"net/netip"
	"strings"

	"mailcc/ir"
	"mailcc/runtime/probe"
)

// Session is what the server knows when it decides.
type Session struct {
	ClientAddr netip.Addr
	// ClientName is the client's verified host name, "" when it has
	// none.
	ClientName string
	Helo       string
	// AuthUser is who the client authenticated as ("" when not), with
	// AuthMech the SASL mechanism.
	AuthUser, AuthMech string
	From               string // "" is the null sender
	To                 string
}

// Decision is the answer at one stage.
type Decision struct {
	Decision string // probe.Accept, Reject, Tempfail, Discard
	Code     string
	DSN      string
	Text     string
	Stage    string
	// Verdict is the native detail: sendmail's ruleset result (RELAY,
	// OK, error, discard), Postfix's reply code.
	Verdict string
	Trace   []Step
}

// Step is one line of a decision's trace: what was evaluated, what it
// gave, and the source position of the rule or table entry.
type Step struct {
	What, Result string
	Pos          ir.Pos
}

// steps converts a trace to the probe answers' form.
func steps(tr []Step) []probe.Step {
	if len(tr) == 0 {
		return nil
	}
	out := make([]probe.Step, len(tr))
	for i, s := range tr {
		out[i] = probe.Step{What: s.What, Result: s.Result, Pos: posString(s.Pos)}
	}
	return out
}

// Engine answers questions about one configuration.
type Engine struct {
	cfg    *ir.Config
	env    Env
	tables map[string]*table
	sm     *sendmail
	pf     *postfix
}

// New prepares an engine for cfg.
func New(cfg *ir.Config, env Env) *Engine {
	e := &Engine{cfg: cfg, env: env, tables: map[string]*table{}}
	for _, t := range cfg.Tables {
		e.tables[t.Name] = newTable(t)
	}
	switch cfg.Dialect {
	case ir.Sendmail:
		e.sm = newSendmail(e)
	case ir.Postfix:
		e.pf = newPostfix(e)
	}
	return e
}

// Connect is the decision when the client connects.
func (e *Engine) Connect(s Session) Decision {
	if e.sm != nil {
		return e.sm.connect(s)
	}
	if e.pf != nil {
		return e.pf.connect(s)
	}
	return unsupported(e.cfg, "connect")
}

// Mail is the decision for MAIL FROM (after the connection's checks).
func (e *Engine) Mail(s Session) Decision {
	if e.sm != nil {
		return e.sm.mail(s)
	}
	if e.pf != nil {
		return e.pf.mail(s)
	}
	return unsupported(e.cfg, "mail")
}

// Rcpt is the decision for RCPT TO (after the connection's and the
// sender's checks).
func (e *Engine) Rcpt(s Session) Decision {
	if e.sm != nil {
		return e.sm.rcpt(s)
	}
	if e.pf != nil {
		return e.pf.rcpt(s)
	}
	return unsupported(e.cfg, "rcpt")
}

func unsupported(cfg *ir.Config, stage string) Decision {
	return Decision{Decision: probe.Error, Stage: stage,
		Text: fmt.Sprintf("mailcc trace does not decide for %s configurations yet", cfg.Dialect)}
}

// table is an IR table indexed by key, or a table of patterns.
type table struct {
	t    *ir.Table
	keys map[string]*ir.Entry
	pat  *patterns
	// filter is a Bloom filter over the keys (two bits a key): most
	// lookups of an access walk miss, and a miss in a large map costs
	// a cache miss the filter's few hundred kilobytes avoid.
	filter []uint64
	seed   maphash.Seed
	// static is the one result of a Postfix static:VALUE table, for
	// every key.
	static *ir.Entry
}

// usable: the table answers lookups (its entries were read, or it is
// a pattern or static table that needs no source).
func (tb *table) usable() bool {
	return tb != nil && (tb.t.Loaded || tb.pat != nil || tb.static != nil)
}

// isPattern: the table matches whole keys against patterns (Postfix
// regexp, pcre, cidr): the MTAs look up only the full key in it, not
// its parent domains or address prefixes.
func (tb *table) isPattern() bool { return tb != nil && tb.pat != nil }

func newTable(t *ir.Table) *table {
	switch t.Backend.Type {
	case "regexp", "pcre", "cidr":
		return &table{t: t, pat: compilePatterns(t)}
	case "static":
		return &table{t: t, static: &ir.Entry{Key: t.Name, Value: t.Backend.Path, Pos: t.Pos}}
	}
	tb := &table{t: t, keys: make(map[string]*ir.Entry, len(t.Entries))}
	for i := range t.Entries {
		en := &t.Entries[i]
		k := en.Key
		if !t.Backend.KeepCase {
			k = strings.ToLower(k)
		}
		if _, dup := tb.keys[k]; !dup { // makemap and postmap keep the first
			tb.keys[k] = en
		}
	}
	if len(tb.keys) > 64 {
		bits := 64
		for bits < 16*len(tb.keys) {
			bits <<= 1
		}
		tb.filter = make([]uint64, bits/64)
		tb.seed = maphash.MakeSeed()
		for k := range tb.keys {
			tb.setBits(maphash.String(tb.seed, k))
		}
	}
	return tb
}

// get looks key up as the MTA does (folded unless the table keeps case).
func (tb *table) get(key string) *ir.Entry {
	if tb == nil {
		return nil
	}
	if tb.static != nil {
		return tb.static
	}
	if tb.pat != nil {
		v, en, ok := tb.pat.lookup(key)
		if !ok {
			return nil
		}
		// the rule's result, substituted, as an entry of its own
		out := *en
		out.Value = v
		return &out
	}
	if !tb.t.Backend.KeepCase {
		key = strings.ToLower(key)
	}
	return tb.keys[key]
}

func (tb *table) setBits(h uint64) {
	mask := uint64(len(tb.filter)*64 - 1)
	a, b := h&mask, (h>>32)&mask
	tb.filter[a/64] |= 1 << (a % 64)
	tb.filter[b/64] |= 1 << (b % 64)
}

// mayHold says whether the filter lets key through.
func (tb *table) mayHold(key []byte) bool {
	if tb.filter == nil {
		return true
	}
	h := maphash.Bytes(tb.seed, key)
	mask := uint64(len(tb.filter)*64 - 1)
	a, b := h&mask, (h>>32)&mask
	return tb.filter[a/64]&(1<<(a%64)) != 0 && tb.filter[b/64]&(1<<(b%64)) != 0
}

// getParts looks up "tag:" a+b+c (or a+b+c when tag is "") without
// allocating: the key is folded into buf unless the table keeps case.
func (tb *table) getParts(buf *[]byte, tag, a, b2, c string) *ir.Entry {
	if tb == nil || tb.keys == nil {
		return nil
	}
	b := (*buf)[:0]
	if tag != "" {
		b = append(b, tag...)
		b = append(b, ':')
	}
	b = append(b, a...)
	b = append(b, b2...)
	b = append(b, c...)
	if !tb.t.Backend.KeepCase {
		for i, c := range b {
			if 'A' <= c && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			}
		}
	}
	*buf = b
	if !tb.mayHold(b) {
		return nil
	}
	return tb.keys[string(b)]
}

func posString(p ir.Pos) string {
	if p.File == "" {
		return ""
	}
	s := fmt.Sprintf("%s:%d", p.File, p.Line)
	if p.Col > 0 {
		s += fmt.Sprintf(":%d", p.Col)
	}
	return s
}
