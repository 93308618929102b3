// Package sendmail migrates a configuration lowered into mailcc's IR
// into sendmail's: a sendmail.mc for the cf library (include of cf.m4,
// VERSIONID, OSTYPE, define()s, FEATUREs, class macros such as
// LOCAL_DOMAIN, RELAY_DOMAIN, VIRTUSER_DOMAIN, GENERICS_DOMAIN,
// MASQUERADE_AS/MASQUERADE_DOMAIN/EXPOSED_USER, DAEMON_OPTIONS,
// MAILER(local) and MAILER(smtp)) and the text sources of the tables it
// names, in makemap's syntax: access, virtusertable, genericstable,
// mailertable, aliases, and the class files local-host-names and
// relay-domains. A report says, for every source construct, whether
// sendmail does exactly what the source did, approximately (what
// differs, with an example probe in runtime/probe's grammar and the
// probes it may change as Affects), or not at all (why, and what to do).
//
// # Semantics
//
// A Postfix configuration is translated: mydestination becomes class w
// (local-host-names), mynetworks Connect: RELAY entries (networks not on
// an octet or 16-bit boundary are written as the aligned networks they
// hold, exceptions as OK entries), relay_domains To: RELAY entries
// (recipient-only, as in Postfix), check_client_access,
// check_sender_access and check_recipient_access tables (cidr: tables
// too) tagged Connect:, From: and To: entries with Postfix's replies
// written out as ERROR:D.S.N:code text, virtual_alias_maps virtusertable
// (virtual alias domains with a catch-all that refuses unknown users),
// sender canonical and generic maps genericstable, a one-domain
// masquerade_domains MASQUERADE_AS, transport_maps mailertable, relayhost
// SMART_HOST. Postfix's defaults that sendmail does not share are
// spelled out (FEATURE(nocanonify), accept_unqualified_senders,
// accept_unresolvable_domains, no_default_msa); reject_non_fqdn_sender
// and reject_unknown_sender_domain become a Local_check_mail with
// Postfix's replies, after permit_mynetworks where the list has it. What
// cannot be expressed is reported and the rest is still written.
//
// A sendmail configuration is written back: what its .mc set (the IR
// nodes positioned in the .mc) is written with the macro that sets it,
// its tables and class files beside it, so that lowering the result
// gives the same IR.
//
// Migrate is pure and deterministic. Every file starts with a comment
// holding MarkerText ("dnl " in the .mc, "# " in tables).
//
// # Compatibility
//
// The report uses the Affect and Facts model of migrate/postfix, so that
// one oracle harness can check both directions' predictions.
package sendmail
