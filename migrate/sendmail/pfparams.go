package sendmail

import (
	"slices"
	"strings"

	"mailcc/ir"
)

// pfHandled are the main.cf parameters the migration carries over
// through the IR's typed parts (identity, domains, relaying, the smtpd
// restrictions, rewriting, routing, listeners, milters): the step that
// reads each reports what became of it, where the construct is (often
// the value's items, or the table's entries, rather than the
// parameter's line).
var pfHandled = map[string]bool{
	// identity and domains
	"myhostname": true, "mydomain": true, "myorigin": true, "mydestination": true,
	"relay_domains": true, "virtual_alias_domains": true, "parent_domain_matches_subdomains": true,
	// relaying
	"mynetworks": true, "mynetworks_style": true, "smtpd_sasl_auth_enable": true,
	// the SMTP policy
	"smtpd_client_restrictions": true, "smtpd_helo_restrictions": true, "smtpd_sender_restrictions": true,
	"smtpd_recipient_restrictions": true, "smtpd_relay_restrictions": true, "smtpd_data_restrictions": true,
	"smtpd_end_of_data_restrictions": true, "smtpd_etrn_restrictions": true, "smtpd_restriction_classes": true,
	"smtpd_delay_reject": true, "smtpd_null_access_lookup_key": true, "access_map_reject_code": true,
	"access_map_defer_code": true, "non_fqdn_reject_code": true, "invalid_hostname_reject_code": true, "unknown_address_reject_code": true,
	"unknown_client_reject_code": true, "unknown_local_recipient_reject_code": true, "relay_domains_reject_code": true,
	"local_recipient_maps": true, "smtpd_reject_unlisted_recipient": true,
	// rewriting
	"canonical_maps": true, "sender_canonical_maps": true, "recipient_canonical_maps": true,
	"canonical_classes": true, "sender_canonical_classes": true, "recipient_canonical_classes": true,
	"virtual_alias_maps": true, "virtual_maps": true, "smtp_generic_maps": true, "relocated_maps": true,
	"masquerade_domains": true, "masquerade_exceptions": true, "masquerade_classes": true,
	"alias_maps": true, "recipient_delimiter": true, "propagate_unmatched_extensions": true,
	// routing, listeners, milters
	"relayhost": true, "transport_maps": true, "inet_interfaces": true, "inet_protocols": true,
	"smtp_sasl_auth_enable": true, "smtp_sasl_password_maps": true, "smtp_sasl_mechanism_filter": true,
	"smtp_sasl_security_options": true, "smtp_sasl_tls_security_options": true,
	"smtpd_milters": true, "non_smtpd_milters": true, "milter_default_action": true, "milter_connect_timeout": true,
}

// pfInstallation are the parameters that say where this Postfix
// installation keeps its programs, queue and files, and which account
// runs it: sendmail has its own, and nothing of them is migrated.
var pfInstallation = map[string]bool{
	"command_directory": true, "daemon_directory": true, "data_directory": true, "queue_directory": true,
	"meta_directory": true, "shlib_directory": true, "html_directory": true, "manpage_directory": true,
	"readme_directory": true, "sample_directory": true, "sendmail_path": true, "newaliases_path": true,
	"mailq_path": true, "mail_owner": true, "setgid_group": true,
	"alias_database": true, "debug_peer_level": true, "debugger_command": true, "program_directory": true,
}

// pfParams reports, as the other direction does for sendmail's options,
// every parameter main.cf sets that no step of the migration has
// reported: one whose lines (from its name to the next parameter) hold
// no report item (pfOptions and the steps it calls report each
// parameter they read on its line) and that is not carried through the
// IR (pfHandled). Installation settings are exact (nothing to migrate);
// every other one is not translated.
func (m *migrator) pfParams() {
	opts := slices.Clone(m.cfg.Options)
	slices.SortStableFunc(opts, func(a, b ir.Option) int {
		if c := strings.Compare(a.Pos.File, b.Pos.File); c != 0 {
			return c
		}
		return a.Pos.Line - b.Pos.Line
	})
	// the report's items, by file and line
	reported := map[string][]int{}
	for _, it := range m.rep.Items {
		if p, err := ir.ParsePos(it.Pos); err == nil && p.Line > 0 {
			reported[p.File] = append(reported[p.File], p.Line)
		}
	}
	for i, o := range opts {
		if !o.Pos.IsValid() || pfHandled[o.Name] {
			continue
		}
		end := int(^uint(0) >> 1)
		for _, n := range opts[i+1:] {
			if n.Pos.File == o.Pos.File && n.Pos.Line > o.Pos.Line {
				end = n.Pos.Line
				break
			}
		}
		if slices.ContainsFunc(reported[o.Pos.File], func(l int) bool { return l >= o.Pos.Line && l < end }) {
			continue
		}
		construct := o.Name + " = " + o.Raw
		switch {
		case o.Name == "compatibility_level":
			m.exact(construct, o.Pos, "", "(nothing: it chooses Postfix's defaults, which the configuration was read with)")
			continue
		case pfInstallation[o.Name]:
			m.exact(construct, o.Pos, "", "(nothing: where this Postfix installation keeps its programs and files, or who runs it; sendmail has its own)")
			continue
		}
		m.none(construct, o.Pos, "this version of the migration does not translate the parameter "+o.Name,
			"set the corresponding sendmail option by hand (see sendmail's cf/README)", "")
	}
}
