package ir

// Rewrite is the address rewriting pipeline: its stages in the order the
// MTA applies them.
type Rewrite struct {
	Stages []RewriteStage `yaml:"stages,omitempty"`
	// RecipientDelimiter separates user and detail (sendmail always "+";
	// Postfix recipient_delimiter, empty by default).
	RecipientDelimiter string `yaml:"recipient_delimiter,omitempty"`
	// PercentHack and BangPath: % and ! are routing operators in local
	// parts (sendmail unless nopercenthack/nouucp; Postfix
	// allow_percent_hack, swap_bangpath).
	PercentHack bool `yaml:"percent_hack,omitempty"`
	BangPath    bool `yaml:"bang_path,omitempty"`
	// AlwaysAddDomain: unqualified addresses get the origin domain even
	// for local delivery (always_add_domain; Postfix always).
	AlwaysAddDomain bool `yaml:"always_add_domain,omitempty"`
	// Canonify: domains are canonicalised through DNS (sendmail without
	// nocanonify; Postfix never).
	Canonify bool `yaml:"canonify,omitempty"`
}

// RewriteKind is what a rewriting stage does.
type RewriteKind string

// The rewriting stages.
const (
	RewriteDomainTable RewriteKind = "domaintable" // rename domains (sendmail ruleset 3)
	RewriteCanonical   RewriteKind = "canonical"   // canonical(5) maps
	RewriteVirtual     RewriteKind = "virtual"     // virtusertable, virtual_alias_maps
	RewriteAliases     RewriteKind = "aliases"     // aliases(5) for local recipients
	RewriteMasquerade  RewriteKind = "masquerade"  // MASQUERADE_AS, masquerade_domains
	RewriteGeneric     RewriteKind = "generic"     // genericstable, smtp_generic_maps
	RewriteRelocated   RewriteKind = "relocated"   // relocated_maps, FEATURE(redirect)
)

// Scope is which addresses a stage rewrites.
type Scope struct {
	EnvelopeSender    bool `yaml:"envelope_sender,omitempty"`
	EnvelopeRecipient bool `yaml:"envelope_recipient,omitempty"`
	HeaderSender      bool `yaml:"header_sender,omitempty"`
	HeaderRecipient   bool `yaml:"header_recipient,omitempty"`
}

// RewriteStage is one step of the pipeline.
type RewriteStage struct {
	Kind RewriteKind `yaml:"kind"`
	// Name is the stage's native name when it has one: the Postfix
	// parameter that lists its tables (sender_canonical_maps).
	Name string `yaml:"name,omitempty"`
	// Tables are the tables consulted, in order (Postfix allows a list).
	Tables []string `yaml:"tables,omitempty"`
	Scope  Scope    `yaml:"scope"`
	// When: "receive" (Postfix cleanup, before routing; sendmail's
	// ruleset 3/0 work) or "delivery" (sendmail's per-mailer rewriting,
	// Postfix's smtp_generic_maps).
	When string `yaml:"when"`
	// Domains limit the stage to addresses in these domains (sendmail's
	// class G for genericstable, VirtHost for virtusertable; "" list:
	// every domain). Unqualified: unqualified addresses too.
	Domains     []DomainMatch `yaml:"domains,omitempty"`
	Unqualified bool          `yaml:"unqualified,omitempty"`
	// Order is the order of key forms tried ("address", "user",
	// "at-domain", with detail variants), first hit wins.
	Order []string `yaml:"order,omitempty"`
	// Masquerade holds the parameters of a masquerading stage.
	Masquerade *Masquerade `yaml:"masquerade,omitempty"`
	// LocalMailer: the stage also applies to mail for the local mailer
	// (sendmail's default; local_no_masquerade turns it off).
	LocalMailer bool `yaml:"local_mailer,omitempty"`
	// HeaderClients: header rewriting applies only to mail from these
	// clients (Postfix local_header_rewrite_clients).
	HeaderClients []string `yaml:"header_clients,omitempty"`
	Pos           Pos      `yaml:"pos,omitempty"`
	Origin        string   `yaml:"origin,omitempty"`
}

// Masquerade is how masquerading rewrites addresses.
type Masquerade struct {
	// As is the name addresses take (sendmail $M); "" for Postfix, where
	// each address takes the listed domain it matched.
	As Value `yaml:"as,omitempty"`
	// Domains are the domains masqueraded (sendmail class M, and class w
	// unless Limited; Postfix masquerade_domains, in order, its !domain
	// entries Negated in their places: the first entry that matches
	// decides).
	Domains []DomainMatch `yaml:"domains,omitempty"`
	// Exceptions: domains never masqueraded (sendmail class N).
	Exceptions []DomainMatch `yaml:"exceptions,omitempty"`
	// ExposedUsers are never masqueraded (class E, masquerade_exceptions).
	ExposedUsers []Value `yaml:"exposed_users,omitempty"`
	// EntireDomain: subdomains of Domains too (masquerade_entire_domain;
	// always so for Postfix).
	EntireDomain bool `yaml:"entire_domain,omitempty"`
	// Limited: only class M, not class w (limited_masquerade).
	Limited bool `yaml:"limited,omitempty"`
}
