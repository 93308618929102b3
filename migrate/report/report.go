// Package report is the migration report both directions of mailcc
// migrate write: every source construct the migration looked at, with
// its position and its fidelity (exact; approximate, with what differs
// and an example probe; not expressible, with why and what to do), and,
// as data, the probes (Affect) whose answers each difference may change,
// so that the oracle tests can check that every disagreement between
// the real MTAs was predicted (Predicts). WriteText is the form for
// people, the JSON encoding the form for programs.
package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"mailcc/internal/smreply"
)

// Fidelity says how well a source construct survived the migration.
type Fidelity string

// The fidelities.
const (
	// Exact: Postfix does what sendmail did for every case the construct
	// covers.
	Exact Fidelity = "exact"
	// Approximate: a Postfix construct was emitted, but it differs; the
	// item says how, with an example probe.
	Approximate Fidelity = "approximate"
	// NotExpressible: nothing was emitted (or only a comment); the item
	// says why and what the admin should do.
	NotExpressible Fidelity = "not-expressible"
)

// Report lists every source construct the migration looked at.
type Report struct {
	// From and To describe the migration ("sendmail", "postfix").
	From string `json:"from"`
	To   string `json:"to"`
	// Items are in the order the constructs were visited: identity,
	// domains, relaying, the access map, address rewriting, routing,
	// listeners, options, what mailcc keeps opaque. The exact entries
	// of tables added with AddEntries are not among them (All and the
	// JSON encoding list them, in their place).
	Items []Item `json:"items"`

	// tables added with AddEntries, by the index in Items where their
	// entries go
	tables []entryTable
}

// Entries are the report items of one table's entries. A table may
// have a million entries: the item of an exact entry is made only when
// All (or the JSON encoding) asks for it, since the text form only
// counts those (a million Items, with their strings, were the largest
// part of the memory of the migration of such a table).
type Entries interface {
	// Len is the number of entries.
	Len() int
	// Exact says whether entry i migrated exactly.
	Exact(i int) bool
	// File is the file entry i is in (the file of its item's Pos).
	File(i int) string
	// Item is the item of entry i; Report asks once for each entry that
	// is not exact, and for the exact ones only in All.
	Item(i int) Item
}

type entryTable struct {
	at      int // index in Items of the table's first item that is not exact
	exact   int
	perFile map[string]int // the exact entries, counted by file
	e       Entries
}

// AddEntries adds the items of a table's entries: those that are not
// exact to Items, now and in order; the exact ones as a count, made by
// All when asked for.
func (r *Report) AddEntries(e Entries) {
	t := entryTable{at: len(r.Items), perFile: map[string]int{}, e: e}
	n := 0
	for i := range e.Len() {
		if !e.Exact(i) {
			n++
		}
	}
	r.Items = slices.Grow(r.Items, n)
	file, run := "", 0 // a run of exact entries in one file
	for i := range e.Len() {
		if !e.Exact(i) {
			r.Items = append(r.Items, e.Item(i))
			continue
		}
		t.exact++
		if f := e.File(i); f != file {
			if run > 0 {
				t.perFile[file] += run
			}
			file, run = f, 0
		}
		run++
	}
	if run > 0 {
		t.perFile[file] += run
	}
	r.tables = append(r.tables, t)
}

// Len is the number of items, the exact entries of tables added with
// AddEntries included.
func (r *Report) Len() int {
	n := len(r.Items)
	for _, t := range r.tables {
		n += t.exact
	}
	return n
}

// All returns every item in the order the constructs were visited: Items
// with the exact entries of the tables added with AddEntries in their
// places. Items added after a table come after it.
func (r *Report) All() []Item {
	if len(r.tables) == 0 {
		return r.Items
	}
	out := make([]Item, 0, r.Len())
	next := 0
	for _, t := range r.tables {
		out = append(out, r.Items[next:t.at]...)
		next = t.at
		for i := range t.e.Len() {
			if t.e.Exact(i) {
				out = append(out, t.e.Item(i))
			} else {
				out = append(out, r.Items[next])
				next++
			}
		}
	}
	return append(out, r.Items[next:]...)
}

// MarshalJSON encodes the report with every item (All).
func (r *Report) MarshalJSON() ([]byte, error) {
	type plain Report // without this method
	p := plain(*r)
	p.Items = r.All()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // as WriteJSON and mailcc migrate --json write it
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Item is one source construct and what became of it.
type Item struct {
	// Construct names the construct as written ("access To:rej@example.com
	// REJECT", "FEATURE(blocklist_recipients)", "MASQUERADE_AS(example.com)").
	Construct string `json:"construct"`
	// Pos is where it came from (file:line:col), "" for a default of the
	// cf library (then Origin says which).
	Pos      string   `json:"pos,omitempty"`
	Origin   string   `json:"origin,omitempty"`
	Fidelity Fidelity `json:"fidelity"`
	// Target is what it became ("main.cf: mydestination", "access_client:
	// 203.0.113.10 550 5.7.1 Access denied").
	Target string `json:"target,omitempty"`
	// Differs says, for an approximate item, what Postfix does
	// differently; Why says, for one that is not expressible, why.
	Differs string `json:"differs,omitempty"`
	Why     string `json:"why,omitempty"`
	// Action is what the admin should do about it.
	Action string `json:"action,omitempty"`
	// Example is a probe (in the oracle harnesses' probe grammar) whose
	// answer shows the difference.
	Example string `json:"example,omitempty"`
	// Affects describe, as data, which probes may be answered differently
	// (empty for exact items).
	Affects []Affect `json:"affects,omitempty"`
	// Inherent: the difference is between the two MTAs themselves (no
	// configuration of either avoids it, as Postfix's acceptance of
	// RCPT TO:<postmaster>); such items do not make the migration
	// inexact (AllExact).
	Inherent bool `json:"inherent,omitempty"`
}

// Affect describes a set of questions (probes) whose answers the
// difference of an item may change. Every non-empty field must match.
//
// Address patterns (Sender, Recipient, Address): "user@domain" (the
// address, also with a +detail), "user@" (that local part at any domain;
// unqualified too), "@domain" (any address at exactly that domain),
// "domain" (that domain and its subdomains), ".domain" (only its
// subdomains), "<>" (the null sender), "*" (any address).
// Client patterns: an address, a CIDR prefix, or a name pattern as
// above ("domain", ".domain").
type Affect struct {
	// Kinds are probe kinds: connect, mail, rcpt, resolve, header_from,
	// alias; empty means every kind.
	Kinds     []string `json:"kinds,omitempty"`
	Client    string   `json:"client,omitempty"`
	Sender    string   `json:"sender,omitempty"`
	Recipient string   `json:"recipient,omitempty"`
	// Address is the address of resolve and header_from probes.
	Address string `json:"address,omitempty"`
	// Name is an alias name.
	Name string `json:"name,omitempty"`
	// When is a condition the caller evaluates: see the When constants.
	When string `json:"when,omitempty"`
	// Authenticated: only probes of authenticated clients.
	Authenticated bool `json:"authenticated,omitempty"`
	// Mailer: only header_from probes for this sendmail mailer.
	Mailer string `json:"mailer,omitempty"`
}

// Conditions of an Affect that need knowledge the report does not have
// (DNS) or that are about the question's form.
const (
	// WhenSenderUnresolvable: the sender's domain does not resolve.
	WhenSenderUnresolvable = "sender-domain-unresolvable"
	// WhenUppercase: the name or address holds upper-case letters.
	WhenUppercase = "uppercase"
	// WhenNoClientName: the client has no verified host name.
	WhenNoClientName = "client-unnamed"
	// WhenRoutingLocalPart: the recipient's or address's local part
	// routes on (holds @, % or !, or is quoted).
	WhenRoutingLocalPart = "local-part-routes"
	// WhenUnqualified: the address of the question has no domain.
	WhenUnqualified = "unqualified"
	// WhenIPv6Client: the client connects over IPv6.
	WhenIPv6Client = "ipv6-client"
	// WhenSenderUnqualified: the envelope sender has no @.
	WhenSenderUnqualified = "sender-unqualified"
	// WhenSenderNoDot: the sender's domain is a single label.
	WhenSenderNoDot = "sender-domain-single-label"
	// WhenRecipientUnqualified: the recipient has no domain.
	WhenRecipientUnqualified = "recipient-unqualified"
	// WhenDNSAlias: a domain of the question (sender, recipient,
	// address, client name) is an alias in DNS (its canonical name
	// differs).
	WhenDNSAlias = "dns-alias"
	// WhenAddressLiteral: the recipient or address is at an address
	// literal (user@[192.0.2.1]).
	WhenAddressLiteral = "address-literal"
	// WhenHeloRefused: the question gives a HELO name (helo=) that
	// sendmail's HELO command refuses without confALLOW_BOGUS_HELO.
	WhenHeloRefused = "helo-refused-by-sendmail"
	// WhenHelo: the question gives a HELO name of its own (helo=).
	WhenHelo = "helo"
)

// Facts are what a question asks, in neutral terms, for Affect.Matches.
type Facts struct {
	Kind       string
	ClientAddr netip.Addr
	ClientName string
	Auth       bool
	// AuthMech is the SASL mechanism of an authenticated client.
	AuthMech string
	From, To string
	// Address is the address of resolve and header_from questions, Name
	// the name of alias questions.
	Address, Name string
	// Mailer is the sendmail mailer a header_from question asks about
	// ("" for esmtp).
	Mailer string
	// Helo is the HELO name the question gives ("": the client's name
	// or address literal).
	Helo string
	// Resolves says whether a domain resolves (nil: every domain does);
	// Canonical gives a domain's canonical name in DNS.
	Resolves  func(domain string) bool
	Canonical func(domain string) (string, bool)
}

// Matches reports whether the question is one the Affect describes.
func (a Affect) Matches(f Facts) bool {
	if len(a.Kinds) > 0 && !containsFold(a.Kinds, f.Kind) {
		return false
	}
	if a.Authenticated && !f.Auth {
		return false
	}
	if a.Client != "" && !matchClient(a.Client, f.ClientAddr, f.ClientName) {
		return false
	}
	if a.Sender != "" && !matchAddress(a.Sender, f.From) {
		return false
	}
	if a.Recipient != "" && !matchAddress(a.Recipient, f.To) {
		return false
	}
	if a.Address != "" && !matchAddress(a.Address, f.Address) {
		return false
	}
	if a.Name != "" && !strings.EqualFold(a.Name, f.Name) && a.Name != "*" {
		return false
	}
	if a.Mailer != "" {
		m := f.Mailer
		if m == "" {
			m = "esmtp"
		}
		if !strings.EqualFold(a.Mailer, m) {
			return false
		}
	}
	w := a.When
	switch {
	case w == "":
	case w == WhenSenderUnresolvable:
		dom, ok := senderDomain(f.From)
		if !ok || dom == "" || strings.HasPrefix(dom, "[") {
			return false
		}
		if f.Resolves != nil && f.Resolves(strings.TrimSuffix(dom, ".")) {
			return false
		}
	case w == WhenSenderUnqualified:
		if strings.Contains(f.From, "@") || f.From == "" || f.From == "<>" {
			return false
		}
	case w == WhenSenderNoDot:
		dom, ok := senderDomain(f.From)
		if !ok || strings.Contains(strings.TrimSuffix(dom, "."), ".") || strings.HasPrefix(dom, "[") {
			return false
		}
	case w == WhenRecipientUnqualified:
		if strings.Contains(f.To, "@") || f.To == "" {
			return false
		}
	case w == WhenAddressLiteral:
		addr := f.To
		if f.Kind == "resolve" || f.Kind == "header_from" {
			addr = f.Address
		}
		if _, d, ok := cutLast(stripAngle(addr), "@"); !ok || !strings.HasPrefix(d, "[") {
			return false
		}
	case w == WhenDNSAlias:
		if f.Canonical == nil {
			return false
		}
		alias := false
		for _, a := range []string{f.From, f.To, f.Address} {
			if _, d, ok := cutLast(stripAngle(a), "@"); ok && d != "" {
				if c, found := f.Canonical(strings.TrimSuffix(d, ".")); found && !strings.EqualFold(strings.TrimSuffix(c, "."), strings.TrimSuffix(d, ".")) {
					alias = true
				}
			}
		}
		if n := f.ClientName; n != "" {
			if c, found := f.Canonical(strings.TrimSuffix(n, ".")); found && !strings.EqualFold(strings.TrimSuffix(c, "."), strings.TrimSuffix(n, ".")) {
				alias = true
			}
		}
		if !alias {
			return false
		}
	case w == WhenUppercase:
		s := f.Name + f.Address + f.To + f.From
		if strings.ToLower(s) == s {
			return false
		}
	case w == WhenNoClientName:
		if f.ClientName != "" {
			return false
		}
	case w == WhenRoutingLocalPart:
		addr := f.To
		if f.Kind == "resolve" || f.Kind == "header_from" {
			addr = f.Address
		}
		user, _, _ := cutLast(stripAngle(addr), "@")
		if !strings.ContainsAny(user, "@%!\"") {
			return false
		}
	case w == WhenUnqualified:
		addr := f.Address
		if f.Kind == "mail" {
			addr = f.From
		} else if f.Kind == "rcpt" {
			addr = f.To
		}
		if strings.Contains(addr, "@") || addr == "" {
			return false
		}
	case strings.HasPrefix(w, "auth-mechanism-not:"):
		mech := strings.ToUpper(f.AuthMech)
		if mech == "" {
			mech = "PLAIN"
		}
		for _, x := range strings.Fields(strings.TrimPrefix(w, "auth-mechanism-not:")) {
			if strings.EqualFold(x, mech) {
				return false
			}
		}
	case w == WhenHelo:
		if f.Helo == "" {
			return false
		}
	case w == WhenHeloRefused:
		if f.Helo == "" || smreply.HeloRefusal(f.Helo) == "" {
			return false
		}
	case w == WhenIPv6Client:
		if !f.ClientAddr.Is6() || f.ClientAddr.Is4In6() {
			return false
		}
	default:
		return false
	}
	return true
}

// senderDomain is the domain of an envelope sender as sendmail reads it:
// after a source route, the part after the last @; without an @, the
// host of host!user or of user%host.
func senderDomain(from string) (string, bool) {
	a := stripAngle(from)
	if strings.HasPrefix(a, "@") {
		if i := strings.IndexByte(a, ':'); i > 0 {
			a = a[i+1:]
		}
	}
	if _, d, ok := cutLast(a, "@"); ok {
		return d, true
	}
	if h, _, ok := strings.Cut(a, "!"); ok {
		return h, true
	}
	if _, d, ok := cutLast(a, "%"); ok {
		return d, true
	}
	return "", false
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func stripAngle(a string) string {
	a = strings.TrimSpace(a)
	if strings.HasPrefix(a, "<") && strings.HasSuffix(a, ">") && a != "<>" {
		return a[1 : len(a)-1]
	}
	return a
}

// matchAddress matches an address against an Affect address pattern.
func matchAddress(pat, addr string) bool {
	addr = strings.ToLower(stripAngle(addr))
	pat = strings.ToLower(pat)
	switch {
	case pat == "*":
		return addr != "" && addr != "<>"
	case pat == "<>":
		return addr == "" || addr == "<>"
	}
	user, dom, qualified := cutLast(addr, "@")
	base, _, _ := strings.Cut(user, "+")
	switch {
	case strings.HasSuffix(pat, "@"):
		pu := strings.TrimSuffix(pat, "@")
		return user == pu || base == pu
	case strings.HasPrefix(pat, "@"):
		return qualified && dom == pat[1:]
	case strings.Contains(pat, "@"):
		pu, pd, _ := cutLast(pat, "@")
		return qualified && dom == pd && (user == pu || base == pu)
	default:
		return qualified && matchDomain(pat, dom)
	}
}

// matchDomain matches a domain against "domain" (itself and below) or
// ".domain" (only below).
func matchDomain(pat, dom string) bool {
	dom = strings.TrimSuffix(strings.ToLower(dom), ".")
	pat = strings.ToLower(pat)
	if strings.HasPrefix(pat, ".") {
		return strings.HasSuffix(dom, pat)
	}
	return dom == pat || strings.HasSuffix(dom, "."+pat)
}

func matchClient(pat string, addr netip.Addr, name string) bool {
	if p, err := netip.ParsePrefix(pat); err == nil {
		return addr.IsValid() && p.Contains(addr.Unmap())
	}
	if a, err := netip.ParseAddr(pat); err == nil {
		return addr.Unmap() == a
	}
	return name != "" && matchDomain(pat, name)
}

// Summary counts the items by fidelity.
func (r *Report) Summary() (exact, approx, none int) {
	for _, t := range r.tables {
		exact += t.exact
	}
	for _, it := range r.Items {
		switch it.Fidelity {
		case Exact:
			exact++
		case Approximate:
			approx++
		case NotExpressible:
			none++
		}
	}
	return
}

// AllExact reports whether every item is exact, inherent differences
// between the two MTAs aside (the command's exit status 0).
func (r *Report) AllExact() bool {
	for _, it := range r.Items {
		if it.Fidelity != Exact && !it.Inherent {
			return false
		}
	}
	return true
}

// Predicts returns the items that are not exact and whose Affects match
// the question.
func (r *Report) Predicts(f Facts) []*Item { return r.PredictsWith(f, nil) }

// PredictsWith is Predicts for a report whose Affects also use
// conditions of their own: match, when not nil, decides an Affect it
// knows (ok) and leaves the others to Affect.Matches.
func (r *Report) PredictsWith(f Facts, match func(Affect, Facts) (matched, ok bool)) []*Item {
	var out []*Item
	for i := range r.Items {
		it := &r.Items[i]
		if it.Fidelity == Exact {
			continue
		}
		for _, a := range it.Affects {
			matched, ok := false, false
			if match != nil {
				matched, ok = match(a, f)
			}
			if !ok {
				matched = a.Matches(f)
			}
			if matched {
				out = append(out, it)
				break
			}
		}
	}
	return out
}

// WriteJSON writes the report as one indented JSON object.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the report for people: the items that are not
// exact, each with its position, what differs or why, an example probe
// and what to do; then the exact ones, those from one table counted on
// one line; then the totals.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	exact, approx, none := r.Summary()
	line := func(label, text string) {
		if text != "" {
			b.WriteString(label)
			b.WriteString(text)
			b.WriteByte('\n')
		}
	}
	// room for the items that are printed in full
	size := 256
	for i := range r.Items {
		if it := &r.Items[i]; it.Fidelity != Exact {
			size += len(it.Pos) + len(it.Origin) + len(it.Construct) + len(it.Target) + len(it.Differs) +
				len(it.Why) + len(it.Example) + len(it.Action) + 96
		}
	}
	b.Grow(size)
	for _, f := range []Fidelity{NotExpressible, Approximate} {
		fs := string(f)
		for i := range r.Items {
			it := &r.Items[i]
			if it.Fidelity != f {
				continue
			}
			b.WriteString(posOr(*it))
			b.WriteString(": ")
			b.WriteString(fs)
			if it.Inherent {
				b.WriteString(" (inherent)")
			}
			b.WriteString(": ")
			b.WriteString(it.Construct)
			b.WriteByte('\n')
			line("    became:  ", it.Target)
			line("    differs: ", it.Differs)
			line("    why:     ", it.Why)
			line("    example: ", it.Example)
			line("    do:      ", it.Action)
		}
	}
	// Exact items: one line each, except table entries, which are
	// counted per table.
	perFile := map[string]int{}
	var files []string
	for i := range r.Items {
		it := &r.Items[i]
		if it.Fidelity != Exact {
			continue
		}
		if file, ok := entryFile(*it); ok {
			if perFile[file] == 0 {
				files = append(files, file)
			}
			perFile[file]++
			continue
		}
		b.WriteString(posOr(*it))
		b.WriteString(": exact: ")
		b.WriteString(it.Construct)
		if it.Target != "" {
			b.WriteString(" -> ")
			b.WriteString(it.Target)
		}
		b.WriteByte('\n')
	}
	for _, t := range r.tables {
		for file, n := range t.perFile {
			if perFile[file] == 0 {
				files = append(files, file)
			}
			perFile[file] += n
		}
	}
	sort.Strings(files)
	for _, f := range files {
		n := perFile[f]
		fmt.Fprintf(&b, "%s: exact: %d entr%s\n", f, n, map[bool]string{true: "y", false: "ies"}[n == 1])
	}
	inherent := 0
	for _, it := range r.Items {
		if it.Inherent && it.Fidelity != Exact {
			inherent++
		}
	}
	fmt.Fprintf(&b, "%d constructs: %d exact, %d approximate, %d not expressible", r.Len(), exact, approx, none)
	if inherent > 0 {
		fmt.Fprintf(&b, " (%d of them differences between the two MTAs that no configuration avoids)", inherent)
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func posOr(it Item) string {
	if it.Pos != "" {
		return it.Pos
	}
	if it.Origin != "" {
		return "(" + it.Origin + ")"
	}
	return "(default)"
}

// entryFile says whether an item is a table entry (its construct starts
// with the table's name and a blank, and its position is in a file
// other than the .mc), and which file.
func entryFile(it Item) (string, bool) {
	if it.Pos == "" || !strings.HasPrefix(it.Construct, "entry ") {
		return "", false
	}
	file, _, _ := strings.Cut(it.Pos, ":")
	return file, true
}

// Unread adds a not-expressible item for a part of the source that
// could not be read (an error of the loader, at pos "file:line:col"):
// the migration went on without it.
func (r *Report) Unread(pos, msg string) {
	r.Items = append(r.Items, Item{
		Construct: "unreadable source: " + msg,
		Pos:       pos,
		Fidelity:  NotExpressible,
		Why:       "mailcc could not read this part of the configuration, so nothing was migrated from it",
		Action:    "fix the source and migrate again, or migrate this part by hand",
	})
}

// cutLast cuts s around the last sep.
func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}
