package sendmail

import (
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"regexp"
	"strings"

	"mailcc/migrate/postfix"
)

// Fidelity says how well a source construct survived the migration.
type Fidelity = postfix.Fidelity

// The fidelities (the same words as the other direction's report).
const (
	Exact          = postfix.Exact
	Approximate    = postfix.Approximate
	NotExpressible = postfix.NotExpressible
)

// Affect describes the probes whose answers an item's difference may
// change, and Facts what a probe asks: the same model as the
// sendmail-to-Postfix report, so that one oracle harness reads both.
type (
	Affect = postfix.Affect
	Facts  = postfix.Facts
)

// Report lists every source construct the migration looked at.
type Report struct {
	// From and To describe the migration ("postfix", "sendmail").
	From  string `json:"from"`
	To    string `json:"to"`
	Items []Item `json:"items"`

	// what the relay-denied condition needs: the migrated
	// configuration's local domains, relay domains and relay networks
	local     map[string]bool
	relayTo   []string
	relayNets []netip.Prefix
	authRelay bool
}

// Item is one source construct and what became of it.
type Item struct {
	// Construct names the construct as written ("main.cf
	// relay_domains", "access 192.0.2.7 REJECT").
	Construct string `json:"construct"`
	// Pos is where it came from (file:line:col); Origin says which
	// default an item without a position is about.
	Pos      string   `json:"pos,omitempty"`
	Origin   string   `json:"origin,omitempty"`
	Fidelity Fidelity `json:"fidelity"`
	// Target is what it became ("sendmail.mc: LOCAL_DOMAIN",
	// "access: Connect:192.0.2.7 ERROR:5.7.1:554 Access denied").
	Target string `json:"target,omitempty"`
	// Differs says what sendmail does differently (approximate items),
	// Why why nothing could be emitted (not expressible ones), Action
	// what the admin should do.
	Differs string `json:"differs,omitempty"`
	Why     string `json:"why,omitempty"`
	Action  string `json:"action,omitempty"`
	// Example is a probe (runtime/probe grammar) whose answer shows the
	// difference.
	Example string `json:"example,omitempty"`
	// Affects describe which probes may be answered differently.
	Affects []Affect `json:"affects,omitempty"`
	// Inherent: a difference between the two MTAs that no configuration
	// avoids.
	Inherent bool `json:"inherent,omitempty"`
}

// Summary counts the items by fidelity.
func (r *Report) Summary() (exact, approx, none int) {
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
// aside.
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
func (r *Report) Predicts(f Facts) []*Item {
	var out []*Item
	for i := range r.Items {
		it := &r.Items[i]
		if it.Fidelity == Exact {
			continue
		}
		for _, a := range it.Affects {
			if pat, ok := strings.CutPrefix(a.When, whenPattern); ok {
				if patternMatches(pat, f) {
					out = append(out, it)
					break
				}
				continue
			}
			if a.When == WhenRecipientUnresolvable {
				b := a
				b.When = ""
				if b.Matches(f) && recipientUnresolvable(f) {
					out = append(out, it)
					break
				}
				continue
			}
			if a.When == whenRelayDenied {
				if r.relayDenied(a, f) {
					out = append(out, it)
					break
				}
				continue
			}
			if a.Matches(f) {
				out = append(out, it)
				break
			}
		}
	}
	return out
}

// relayDenied says whether sendmail's relay check refuses the
// question: a recipient neither local nor in a relay domain, from a
// client that may not relay.
func (r *Report) relayDenied(a Affect, f Facts) bool {
	a.When = ""
	if !a.Matches(f) || f.Kind != "rcpt" || f.Auth && r.authRelay {
		return false
	}
	addr := strings.Trim(strings.TrimSpace(f.To), "<>")
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return false
	}
	dom := lower(addr[at+1:])
	if r.local[dom] {
		return false
	}
	for _, d := range r.relayTo {
		if dom == d || strings.HasSuffix(dom, "."+d) {
			return false
		}
	}
	if c := f.ClientAddr.Unmap(); c.IsValid() {
		if c.IsLoopback() {
			return false
		}
		for _, p := range r.relayNets {
			if p.Contains(c) {
				return false
			}
		}
	}
	return true
}

// WriteJSON writes the report as one indented JSON object.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the items that are not exact, with what differs or
// why, an example and what to do, then the totals.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, f := range []Fidelity{NotExpressible, Approximate} {
		for _, it := range r.Items {
			if it.Fidelity != f {
				continue
			}
			where := it.Pos
			if where == "" {
				where = "(" + it.Origin + ")"
			}
			inh := ""
			if it.Inherent {
				inh = " (inherent)"
			}
			fmt.Fprintf(&b, "%s: %s%s: %s\n", where, f, inh, it.Construct)
			for _, kv := range [][2]string{{"became", it.Target}, {"differs", it.Differs}, {"why", it.Why}, {"example", it.Example}, {"do", it.Action}} {
				if kv[1] != "" {
					fmt.Fprintf(&b, "    %-8s %s\n", kv[0]+":", kv[1])
				}
			}
		}
	}
	exact, approx, none := r.Summary()
	fmt.Fprintf(&b, "%d constructs: %d exact, %d approximate, %d not expressible\n", len(r.Items), exact, approx, none)
	_, err := io.WriteString(w, b.String())
	return err
}

// whenPattern, followed by a regexp: or pcre: table's key
// (/pattern/flags), is evaluated by the report: the probe's recipient
// (rcpt) or address (resolve, header_from) matches the pattern, as
// Postfix would match it (case-insensitively unless the flags hold i).
const whenPattern = "pattern:"

func patternMatches(key string, f Facts) bool {
	if len(key) < 2 || key[0] != '/' {
		return false
	}
	end := strings.LastIndexByte(key, '/')
	if end <= 0 {
		return false
	}
	pat, flags := key[1:end], key[end+1:]
	if strings.Count(flags, "i")%2 == 0 {
		pat = "(?i)" + pat
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return true // a pattern Go cannot read: say it may match
	}
	addr := f.Address
	if f.Kind == "rcpt" {
		addr = f.To
	}
	addr = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(addr), "<"), ">")
	return addr != "" && re.MatchString(addr)
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

// WhenRecipientUnresolvable, evaluated by the report: the recipient's
// domain (not an address literal) does not resolve.
const WhenRecipientUnresolvable = "recipient-domain-unresolvable"

func recipientUnresolvable(f Facts) bool {
	addr := strings.Trim(strings.TrimSpace(f.To), "<>")
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return false
	}
	dom := lower(addr[at+1:])
	if dom == "" || strings.HasPrefix(dom, "[") {
		return false
	}
	return f.Resolves == nil || !f.Resolves(dom)
}
