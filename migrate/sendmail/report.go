package sendmail

import (
	"net/netip"
	"regexp"
	"strings"

	"mailcc/migrate/report"
)

// The report model is shared by both directions (package report):
// Fidelity, Item, Affect (the probes whose answers an item's difference
// may change) and Facts (what a probe asks), so that one oracle harness
// reads both.
type (
	Fidelity = report.Fidelity
	Item     = report.Item
	Affect   = report.Affect
	Facts    = report.Facts
)

// The fidelities.
const (
	Exact          = report.Exact
	Approximate    = report.Approximate
	NotExpressible = report.NotExpressible
)

// Report lists every source construct the migration looked at: the
// shared report (its text and JSON forms, Summary, AllExact, Unread),
// with the conditions this direction evaluates in Predicts.
type Report struct {
	report.Report

	// what the relay-denied condition needs: the migrated
	// configuration's local domains, relay domains and relay networks
	local     map[string]bool
	relayTo   []string
	relayNets []netip.Prefix
	authRelay bool
}

// Predicts returns the items that are not exact and whose Affects match
// the question, with this direction's conditions: a pattern key, an
// unresolvable recipient domain, sendmail's relay refusal.
func (r *Report) Predicts(f Facts) []*Item {
	return r.PredictsWith(f, func(a Affect, f Facts) (matched, ok bool) {
		if pat, ok := strings.CutPrefix(a.When, whenPattern); ok {
			return patternMatches(pat, f), true
		}
		switch a.When {
		case WhenRecipientUnresolvable:
			a.When = ""
			return a.Matches(f) && recipientUnresolvable(f), true
		case whenRelayDenied:
			return r.relayDenied(a, f), true
		}
		return false, false
	})
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
