package postfix

import (
	"strings"

	"mailcc/ir"
)

// simpleRestrictions are the restrictions without an argument that the
// IR models, by the check they lower into.
var simpleRestrictions = map[string]ir.CheckKind{
	"permit":                                       ir.CheckPermit,
	"reject":                                       ir.CheckReject,
	"defer":                                        ir.CheckDefer,
	"permit_mynetworks":                            ir.CheckPermitRelayClients,
	"permit_sasl_authenticated":                    ir.CheckPermitAuth,
	"reject_unauth_destination":                    ir.CheckRejectUnauthDestination,
	"defer_unauth_destination":                     ir.CheckDeferUnauthDestination,
	"reject_unknown_sender_domain":                 ir.CheckRejectUnknownSenderDomain,
	"reject_unknown_recipient_domain":              ir.CheckRejectUnknownRecipientDomain,
	"reject_non_fqdn_sender":                       ir.CheckRejectUnqualifiedSender,
	"reject_non_fqdn_recipient":                    ir.CheckRejectUnqualifiedRecipient,
	"reject_unknown_client_hostname":               ir.CheckRejectUnknownClient,
	"reject_unknown_client":                        ir.CheckRejectUnknownClient,
	"reject_invalid_helo_hostname":                 ir.CheckHelo,
	"reject_invalid_hostname":                      ir.CheckHelo,
	"reject_non_fqdn_helo_hostname":                ir.CheckHelo,
	"reject_non_fqdn_hostname":                     ir.CheckHelo,
	"reject_unknown_helo_hostname":                 ir.CheckHelo,
	"reject_unknown_hostname":                      ir.CheckHelo,
	"reject_unlisted_recipient":                    ir.CheckRejectUnknownLocal,
	"check_recipient_maps":                         ir.CheckRejectUnknownLocal,
	"permit_mx_backup":                             ir.CheckOpaque,
	"permit_auth_destination":                      ir.CheckOpaque,
	"check_relay_domains":                          ir.CheckOpaque,
	"reject_unauth_pipelining":                     ir.CheckOpaque,
	"permit_inet_interfaces":                       ir.CheckOpaque,
	"permit_naked_ip_address":                      ir.CheckOpaque,
	"permit_tls_clientcerts":                       ir.CheckOpaque,
	"permit_tls_all_clientcerts":                   ir.CheckOpaque,
	"reject_unknown_reverse_client_hostname":       ir.CheckOpaque,
	"reject_unknown_forward_client_hostname":       ir.CheckOpaque,
	"reject_unverified_sender":                     ir.CheckOpaque,
	"reject_unverified_recipient":                  ir.CheckOpaque,
	"reject_unlisted_sender":                       ir.CheckOpaque,
	"reject_sender_login_mismatch":                 ir.CheckOpaque,
	"reject_authenticated_sender_login_mismatch":   ir.CheckOpaque,
	"reject_known_sender_login_mismatch":           ir.CheckOpaque,
	"reject_unauthenticated_sender_login_mismatch": ir.CheckOpaque,
	"reject_multi_recipient_bounce":                ir.CheckOpaque,
	"reject_plaintext_session":                     ir.CheckOpaque,
	"defer_if_permit":                              ir.CheckOpaque,
	"defer_if_reject":                              ir.CheckOpaque,
	"warn_if_reject":                               ir.CheckOpaque,
	"reject_maps_rbl":                              ir.CheckOpaque,
}

// accessRestrictions take a table; the subject and key order they look
// up.
var accessRestrictions = map[string]string{
	"check_client_access":                  "client",
	"check_reverse_client_hostname_access": "reverse-client",
	"check_helo_access":                    "helo",
	"check_sender_access":                  "sender",
	"check_recipient_access":               "recipient",
}

// argRestrictions take one argument and are not access checks the IR
// models: DNS-based access lookups, policy services, SASL and
// certificate lookups, ETRN, sleep.
var argRestrictions = map[string]bool{
	"check_client_a_access": true, "check_client_mx_access": true, "check_client_ns_access": true,
	"check_reverse_client_hostname_a_access": true, "check_reverse_client_hostname_mx_access": true, "check_reverse_client_hostname_ns_access": true,
	"check_helo_a_access": true, "check_helo_mx_access": true, "check_helo_ns_access": true,
	"check_sender_a_access": true, "check_sender_mx_access": true, "check_sender_ns_access": true,
	"check_recipient_a_access": true, "check_recipient_mx_access": true, "check_recipient_ns_access": true,
	"check_etrn_access": true, "check_sasl_access": true, "check_ccert_access": true,
	"check_policy_service": true, "sleep": true, "check_address_map": true,
	"permit_dnswl_client": true, "permit_rhswl_client": true,
}

// dnsbl are the block list restrictions: the subject they look up.
var dnsbl = map[string]string{
	"reject_rbl_client":           "client",
	"reject_rhsbl_client":         "client-name",
	"reject_rhsbl_reverse_client": "reverse-client",
	"reject_rhsbl_sender":         "sender",
	"reject_rhsbl_helo":           "helo",
	"reject_rhsbl_recipient":      "recipient",
}

// policy: the smtpd_*_restrictions lists, per stage.
func (l *lowerer) policy() {
	p := &l.cfg.Policy
	p.DelayChecks = l.bool("smtpd_delay_reject", nil)
	rc := l.param("access_map_reject_code", nil)
	dc := l.param("access_map_defer_code", nil)
	p.Defaults.Reject = ir.Reply{Code: atoiDefault(rc.Value, 554), DSN: "5.7.1", Text: "Access denied"}
	p.Defaults.Defer = ir.Reply{Code: atoiDefault(dc.Value, 450), DSN: "4.7.1", Text: "Access denied"}

	if its := l.items("smtpd_command_filter", nil); len(its) > 0 {
		it := its[0]
		if _, ok := tableType(it.Text); !ok || len(its) > 1 {
			l.errorf(it.Pos, "smtpd_command_filter: %q is not one type:name table", l.param("smtpd_command_filter", nil).Value)
		} else {
			p.CommandFilter = ir.Value{Value: l.tableRef(it.Text, ir.OtherTable, it), Pos: it.Pos, Origin: it.Origin}
		}
	}

	classItems := l.items("smtpd_restriction_classes", nil)
	classes := map[string]bool{}
	for _, it := range classItems {
		classes[it.Text] = true
	}
	l.classes = classes
	// the classes' own lists (a class may name another class; smtpd
	// looks each name up when it evaluates it)
	for _, it := range classItems {
		v := l.param(it.Text, nil)
		p.Classes = append(p.Classes, ir.StagePolicy{List: it.Text, Checks: l.restrictions(it.Text, nil, classes), Pos: v.Pos, Origin: v.origin()})
	}
	rcpt := []string{"smtpd_recipient_restrictions", "smtpd_relay_restrictions"}
	if l.bool("smtpd_relay_before_recipient_restrictions", nil) {
		rcpt[0], rcpt[1] = rcpt[1], rcpt[0]
	}
	lists := []struct {
		stage ir.Stage
		param string
	}{
		{ir.StageConnect, "smtpd_client_restrictions"},
		{ir.StageHelo, "smtpd_helo_restrictions"},
		{ir.StageMail, "smtpd_sender_restrictions"},
		{ir.StageRcpt, rcpt[0]},
		{ir.StageRcpt, rcpt[1]},
		{ir.StageData, "smtpd_data_restrictions"},
		{ir.StageData, "smtpd_end_of_data_restrictions"},
	}
	for _, ls := range lists {
		checks := l.restrictions(ls.param, nil, classes)
		if len(checks) == 0 {
			continue
		}
		v := l.param(ls.param, nil)
		p.Stages = append(p.Stages, ir.StagePolicy{Stage: ls.stage, List: ls.param, Checks: checks, Pos: v.Pos, Origin: v.origin()})
	}

	// What the recipient lists say about relaying.
	guarded := false
	for _, st := range p.Stages {
		if st.Stage != ir.StageRcpt {
			continue
		}
		for _, c := range st.Checks {
			switch c.Kind {
			case ir.CheckPermitAuth:
				if len(l.cfg.Relay.AuthMechanisms) == 0 {
					l.cfg.Relay.AuthMechanisms = []ir.Value{{Value: "*", Pos: c.Pos, Origin: c.Origin}}
				}
			case ir.CheckRejectUnauthDestination, ir.CheckDeferUnauthDestination, ir.CheckReject, ir.CheckDefer:
				guarded = true
			}
			switch c.Name {
			case "permit_mx_backup":
				l.cfg.Relay.BasedOnMX = true
			case "defer_if_permit", "check_relay_domains":
				guarded = true
			}
		}
	}
	if !guarded {
		v := l.param("smtpd_recipient_restrictions", nil)
		l.errorf(v.Pos, "neither smtpd_relay_restrictions nor smtpd_recipient_restrictions has reject_unauth_destination, defer_unauth_destination, reject, defer, defer_if_permit or check_relay_domains: smtpd stops with a fatal error at the first RCPT TO (\"specify at least one working instance of\" these), so no mail is accepted")
	}
}

// restrictions lowers one restriction list (param in scope sc).
func (l *lowerer) restrictions(param string, sc scope, classes map[string]bool) []ir.Check {
	items := l.items(param, sc)
	var checks []ir.Check
	for i := 0; i < len(items); i++ {
		it := items[i]
		name := strings.ToLower(it.Text)
		c := ir.Check{Name: name, Pos: it.Pos, Origin: it.Origin}
		arg := func() (item, bool) {
			if i+1 >= len(items) {
				l.errorf(it.Pos, "%s: %s needs an argument: smtpd replies 451 4.3.5 Server configuration error", param, name)
				return item{}, false
			}
			i++
			return items[i], true
		}
		if kind, ok := simpleRestrictions[name]; ok {
			c.Kind = kind
			if kind == ir.CheckOpaque {
				l.opaqueRestriction(name, it)
			}
			checks = append(checks, c)
			continue
		}
		if subject, ok := accessRestrictions[name]; ok {
			a, ok := arg()
			if !ok {
				break
			}
			c.Kind, c.Subject = ir.CheckAccess, subject
			c.Table = l.tableRef(a.Text, ir.AccessTable, a)
			c.Lookup = l.lookupStyle(subject, sc)
			checks = append(checks, c)
			continue
		}
		if subject, ok := dnsbl[name]; ok {
			a, ok := arg()
			if !ok {
				break
			}
			c.Kind, c.Subject, c.Args = ir.CheckDNSBL, subject, []string{a.Text}
			if name != "reject_rbl_client" {
				c.Kind = ir.CheckRHSBL
			}
			checks = append(checks, c)
			continue
		}
		if argRestrictions[name] {
			a, ok := arg()
			if !ok {
				break
			}
			c.Kind, c.Args = ir.CheckOpaque, []string{a.Text}
			if strings.HasSuffix(name, "_access") {
				if _, isTable := tableType(a.Text); isTable {
					c.Table = l.tableRef(a.Text, ir.AccessTable, a)
				}
			}
			l.opaqueRestriction(name, it)
			checks = append(checks, c)
			continue
		}
		if classes[it.Text] {
			c.Kind, c.Name = ir.CheckClass, it.Text
			checks = append(checks, c)
			continue
		}
		if _, ok := tableType(it.Text); ok {
			// A bare table in a restriction list: Postfix 2.x style
			// "hash:/etc/postfix/access" means the access check of the
			// list's subject.
			subject := map[string]string{"smtpd_client_restrictions": "client", "smtpd_helo_restrictions": "helo",
				"smtpd_sender_restrictions": "sender"}[param]
			if subject == "" {
				subject = "recipient"
			}
			c.Kind, c.Subject = ir.CheckAccess, subject
			c.Table = l.tableRef(it.Text, ir.AccessTable, it)
			c.Lookup = l.lookupStyle(subject, sc)
			checks = append(checks, c)
			continue
		}
		l.errorf(it.Pos, "%s: unknown smtpd restriction %q: smtpd replies 451 4.3.5 Server configuration error", param, it.Text)
		c.Kind = ir.CheckOpaque
		checks = append(checks, c)
	}
	return checks
}

// opaqueRestriction records a restriction mailcc keeps by name only.
func (l *lowerer) opaqueRestriction(name string, it item) {
	if l.warned["restriction\x00"+name] {
		return
	}
	why := "mailcc keeps " + name + " by name: trace and migrate do not evaluate it"
	l.cfg.Opaque = append(l.cfg.Opaque, ir.Opaque{Kind: "restriction", Name: name, Pos: it.Pos, Why: why})
	l.warnOnce("restriction\x00"+name, it.Pos, "%s", why)
}

// lookupStyle is how Postfix's access restrictions look their subject
// up (access(5)).
func (l *lowerer) lookupStyle(subject string, sc scope) *ir.LookupStyle {
	parent := l.parentMatches("smtpd_access_maps")
	s := &ir.LookupStyle{ParentDomains: parent, DotDomain: !parent}
	switch subject {
	case "client":
		s.Order = []string{"client-name", "client-address"}
		s.IPv6 = "compressed"
	case "reverse-client":
		s.Order = []string{"reverse-client-name", "client-address"}
		s.IPv6 = "compressed"
	case "helo":
		s.Order = []string{"domain"}
	case "sender", "recipient":
		s.Order = []string{"address", "domain", "user"}
		s.Detail = l.param("recipient_delimiter", sc).Value
		if subject == "sender" {
			s.NullSender = l.param("smtpd_null_access_lookup_key", sc).Value
		}
	}
	return s
}
