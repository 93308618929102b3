package ir

// Relay says who may send mail through the server to other servers, and
// to which domains anyone may send. Neither MTA's syntax has a one-to-one
// form for it: sendmail's class R is both a list of destination domains
// and of trusted client names and networks; Postfix splits the same facts
// over relay_domains, mynetworks and the restriction lists.
type Relay struct {
	// Domains anyone may send to (sendmail class R, To: RELAY entries are
	// in Policy; Postfix relay_domains).
	Domains []DomainMatch `yaml:"domains,omitempty"`
	// Networks whose clients may relay (sendmail: R class IP prefixes,
	// loopback; Postfix mynetworks).
	Networks []Network `yaml:"networks,omitempty"`
	// ClientNames: clients whose verified host name is in (or below) one
	// of these may relay (sendmail class R; Postfix has no such list).
	ClientNames []DomainMatch `yaml:"client_names,omitempty"`
	// AuthMechanisms: clients authenticated with one of these SASL
	// mechanisms may relay (sendmail TRUST_AUTH_MECH); "*" means any
	// (Postfix permit_sasl_authenticated).
	AuthMechanisms []Value `yaml:"auth_mechanisms,omitempty"`
	// Open: anyone may relay (promiscuous_relay, or a Postfix list that
	// permits before reject_unauth_destination).
	Open bool `yaml:"open,omitempty"`
	// EntireDomain: hosts and recipients in the local domain ($m) may
	// relay (relay_entire_domain).
	EntireDomain bool `yaml:"entire_domain,omitempty"`
	// HostsOnly: R and access RELAY entries match only the exact host
	// (relay_hosts_only).
	HostsOnly bool `yaml:"hosts_only,omitempty"`
	// BasedOnMX: relay to domains whose MX is this host
	// (relay_based_on_MX, permit_mx_backup).
	BasedOnMX bool `yaml:"based_on_mx,omitempty"`
	// LocalFrom / MailFrom: relay when the envelope sender is local, or
	// RELAY in access (relay_local_from, relay_mail_from).
	LocalFrom bool `yaml:"local_from,omitempty"`
	MailFrom  bool `yaml:"mail_from,omitempty"`
	// Denied is the reply to an unauthorised relay attempt.
	Denied Reply `yaml:"denied"`
	Pos    Pos   `yaml:"pos,omitempty"`
}

// Stage is a step of the SMTP dialogue at which checks run.
type Stage string

// The stages.
const (
	StageConnect Stage = "connect"
	StageHelo    Stage = "helo"
	StageMail    Stage = "mail"
	StageRcpt    Stage = "rcpt"
	StageData    Stage = "data"
)

// Policy is the server's SMTP-time checks.
type Policy struct {
	Stages []StagePolicy `yaml:"stages,omitempty"`
	// DelayChecks: client and sender checks run at RCPT time, with the
	// recipient known (sendmail delay_checks, Postfix smtpd_delay_reject).
	DelayChecks bool `yaml:"delay_checks,omitempty"`
	// DelayFriend/DelayHater: sendmail's delay_checks argument (Spam:
	// FRIEND or HATER entries decide whether the checks run).
	DelayMode string `yaml:"delay_mode,omitempty"`
	// Defaults are the replies and options the checks use.
	Defaults PolicyDefaults `yaml:"defaults"`
	// CommandFilter names the table that rewrites each command of an
	// SMTP client before the server reads it (Postfix
	// smtpd_command_filter: the command line is the key, the result
	// replaces it).
	CommandFilter Value `yaml:"command_filter,omitempty"`
	// Classes are Postfix's smtpd_restriction_classes: named
	// restriction lists (List is the name) that a list or an access
	// table's result names (CheckClass).
	Classes []StagePolicy `yaml:"classes,omitempty"`
}

// PolicyDefaults are the replies the checks give when an entry does not
// say.
type PolicyDefaults struct {
	// Reject is what REJECT replies (sendmail 550 5.7.1 Access denied,
	// confREJECT_MSG; Postfix access_map_reject_code 554).
	Reject Reply `yaml:"reject"`
	// RecipientReject is sendmail's reply to a blocked recipient (550
	// 5.2.1 Mailbox disabled for this recipient, confRCPTREJ_MSG).
	RecipientReject Reply `yaml:"recipient_reject,omitempty"`
	// Defer is Postfix's DEFER reply (access_map_defer_code 450).
	Defer Reply `yaml:"defer,omitempty"`
}

// StagePolicy is one ordered list of checks run at a stage. A stage may
// have several lists, run in order (Postfix's smtpd_relay_restrictions
// then smtpd_recipient_restrictions): a check that permits ends only its
// own list, one that rejects ends the stage.
type StagePolicy struct {
	Stage Stage `yaml:"stage"`
	// List names the list natively: sendmail's ruleset (check_relay,
	// check_mail, check_rcpt) or Postfix's parameter
	// (smtpd_relay_restrictions).
	List   string  `yaml:"list"`
	Checks []Check `yaml:"checks"`
	Pos    Pos     `yaml:"pos,omitempty"`
	Origin string  `yaml:"origin,omitempty"`
}

// CheckKind is what a check does.
type CheckKind string

// The checks. Sendmail's rulesets and Postfix's restrictions both lower
// into these.
const (
	// CheckAccess looks the client, HELO name, sender or recipient up in
	// a table (Table) the way Lookup says, and applies the entry's action.
	CheckAccess CheckKind = "access"
	// CheckClass evaluates the restriction class Name (Policy.Classes):
	// a permit or a refusal of the class ends the list that names it.
	CheckClass CheckKind = "class"
	// CheckPermit / CheckReject / CheckDefer end the list.
	CheckPermit CheckKind = "permit"
	CheckReject CheckKind = "reject"
	CheckDefer  CheckKind = "defer"
	// CheckPermitRelayClients permits clients allowed to relay (Relay's
	// networks, names, loopback; Postfix permit_mynetworks).
	CheckPermitRelayClients CheckKind = "permit-relay-clients"
	// CheckPermitAuth permits authenticated clients (permit_sasl_
	// authenticated; sendmail TRUST_AUTH_MECH).
	CheckPermitAuth CheckKind = "permit-auth"
	// CheckRejectUnauthDestination rejects recipients that are neither
	// local nor relay domains unless the client may relay (sendmail's
	// "Relaying denied"; reject_unauth_destination).
	CheckRejectUnauthDestination CheckKind = "reject-unauth-destination"
	// CheckDeferUnauthDestination is Postfix's defer_unauth_destination.
	CheckDeferUnauthDestination CheckKind = "defer-unauth-destination"
	// CheckRejectUnknownSenderDomain: the sender's domain must resolve
	// (sendmail's default unless accept_unresolvable_domains).
	CheckRejectUnknownSenderDomain CheckKind = "reject-unknown-sender-domain"
	// CheckRejectUnqualifiedSender: MAIL FROM must be user@domain
	// (sendmail's default unless accept_unqualified_senders).
	CheckRejectUnqualifiedSender    CheckKind = "reject-non-fqdn-sender"
	CheckRejectUnqualifiedRecipient CheckKind = "reject-non-fqdn-recipient"
	// CheckRejectUnknownRecipientDomain: the recipient's domain must
	// resolve (reject_unknown_recipient_domain).
	CheckRejectUnknownRecipientDomain CheckKind = "reject-unknown-recipient-domain"
	// CheckRejectUnknownClient: the client must have a forward-confirmed
	// name (require_rdns, reject_unknown_client_hostname).
	CheckRejectUnknownClient CheckKind = "reject-unknown-client"
	// CheckDNSBL rejects clients listed in a DNS block list (Args: zone;
	// sendmail dnsbl/enhdnsbl, Postfix reject_rbl_client).
	CheckDNSBL CheckKind = "dnsbl"
	// CheckRHSBL: sender domain block list.
	CheckRHSBL CheckKind = "rhsbl"
	// CheckHelo: HELO name checks (block_bad_helo,
	// reject_invalid_helo_hostname, reject_non_fqdn_helo_hostname).
	CheckHelo CheckKind = "helo"
	// CheckRejectUnknownLocal rejects unknown local users (sendmail's
	// local recipient check, Postfix local_recipient_maps).
	CheckRejectUnknownLocal CheckKind = "reject-unknown-local-recipient"
	// CheckRoutingError applies an error: route (mailertable, virtuser
	// error:) at RCPT time.
	CheckRoutingError CheckKind = "routing-error"
	// CheckPercentHack / CheckBangPath reject %-hack or ! recipients
	// (nopercenthack/nouucp with reject).
	CheckPercentHack CheckKind = "reject-percent-hack"
	CheckBangPath    CheckKind = "reject-bang-path"
	// CheckNullSender: sendmail accepts MAIL FROM:<> before any lookup.
	CheckNullSender CheckKind = "accept-null-sender"
	// CheckRate / CheckConnLimit / CheckGreetPause: ratecontrol,
	// conncontrol, greet_pause (Table holds the per-client entries).
	CheckRate       CheckKind = "rate-limit"
	CheckConnLimit  CheckKind = "connection-limit"
	CheckGreetPause CheckKind = "greet-pause"
	// CheckOpaque is a Postfix restriction or sendmail rule mailcc does
	// not model; Name holds it.
	CheckOpaque CheckKind = "opaque"
)

// Check is one step of a stage.
type Check struct {
	Kind CheckKind `yaml:"kind"`
	// What the check looks at: "client", "helo", "sender", "recipient"
	// (access checks, DNSBL).
	Subject string `yaml:"subject,omitempty"`
	// Table names the table of access checks.
	Table  string       `yaml:"table,omitempty"`
	Lookup *LookupStyle `yaml:"lookup,omitempty"`
	// Reply overrides the default reply of a rejecting check.
	Reply *Reply `yaml:"reply,omitempty"`
	// Name is the native name (Postfix restriction, sendmail ruleset or
	// FEATURE) the check came from.
	Name string   `yaml:"name,omitempty"`
	Args []string `yaml:"args,omitempty"`
	Pos  Pos      `yaml:"pos,omitempty"`
	// Origin says where a check without a position comes from ("sendmail
	// default: check_mail", "Postfix default smtpd_relay_restrictions").
	Origin string `yaml:"origin,omitempty"`
}

// LookupStyle says how a check looks a key up in an access table: the
// same table means different things to sendmail and Postfix.
type LookupStyle struct {
	// Tag is sendmail's tag tried first ("Connect", "From", "To", "Spam").
	Tag string `yaml:"tag,omitempty"`
	// Untagged: also try the untagged key at every step (sendmail's "+"
	// lookups).
	Untagged bool `yaml:"untagged,omitempty"`
	// Order is the order of the key forms tried, first hit wins:
	// "address" (user@domain, with +detail variants), "user" (user@ in
	// sendmail, bare user in Postfix), "domain" (the domain, then its
	// parents when ParentDomains), "client-name", "client-address".
	Order []string `yaml:"order"`
	// ParentDomains: a domain key also matches its subdomains.
	ParentDomains bool `yaml:"parent_domains,omitempty"`
	// DotDomain: ".domain" keys are tried too (sendmail lookupdotdomain,
	// Postfix without parent_domain_matches_subdomains).
	DotDomain bool `yaml:"dot_domain,omitempty"`
	// UserOnlyLocal: the user form applies only to local domains
	// (sendmail To:user@).
	UserOnlyLocal bool `yaml:"user_only_local,omitempty"`
	// IPv6 is how IPv6 client addresses are written as keys: "full"
	// (sendmail: IPv6: prefix, 8 groups, no leading zeros) or
	// "compressed" (Postfix).
	IPv6 string `yaml:"ipv6,omitempty"`
	// NullSender is the key the null sender is looked up as (Postfix
	// smtpd_null_access_lookup_key "<>"); "" when it is not looked up.
	NullSender string `yaml:"null_sender,omitempty"`
	// Detail: +detail forms are tried (sendmail always; Postfix with a
	// recipient_delimiter, which is given here).
	Detail string `yaml:"detail,omitempty"`
	// Skip: the SKIP action is understood (access_db skip).
	Skip bool `yaml:"skip,omitempty"`
}
