package ir

// TableKind says what a table is used for; it decides which typed view
// its entries have.
type TableKind string

// The kinds of tables.
const (
	AccessTable    TableKind = "access"    // sendmail access, Postfix access(5)
	AliasTable     TableKind = "aliases"   // aliases(5)
	VirtualTable   TableKind = "virtual"   // virtusertable, virtual(5)
	GenericTable   TableKind = "generic"   // genericstable, generic(5)
	CanonicalTable TableKind = "canonical" // canonical(5)
	TransportTable TableKind = "transport" // mailertable, transport(5)
	DomainTable    TableKind = "domaintable"
	RelocatedTable TableKind = "relocated"
	DomainList     TableKind = "domains" // a list of domains (relay_domains, mydestination as a table)
	NetworkList    TableKind = "networks"
	AuthInfoTable  TableKind = "authinfo"
	OtherTable     TableKind = "other"
)

// Table is a lookup table: where it lives and, when its text source was
// read, what it holds.
type Table struct {
	// Name identifies the table in the Config: sendmail's map name
	// ("access", "virtuser", "mailertable") or Postfix's "type:name"
	// ("hash:/etc/postfix/virtual").
	Name    string    `yaml:"name"`
	Kind    TableKind `yaml:"kind"`
	Backend Backend   `yaml:"backend"`
	// Loaded says whether the text source was read; Entries are then
	// every entry it holds, in source order.
	Loaded  bool    `yaml:"loaded,omitempty"`
	Entries []Entry `yaml:"entries,omitempty"`
	Pos     Pos     `yaml:"pos,omitempty"`
	Origin  string  `yaml:"origin,omitempty"`
}

// Backend is where and how a table is stored.
type Backend struct {
	// Type is the map class or table type: hash, btree, cdb, dbm, lmdb,
	// texthash, inline, static, regexp, pcre, cidr, ldap, sequence, dns,
	// host, program, text, nis, socket, ...
	Type string `yaml:"type"`
	// Path is the database file without its suffix (or the table's name
	// for non-file types: "inline:{...}" contents, an LDAP spec).
	Path string `yaml:"path,omitempty"`
	// Source is the text file the entries were (or would be) read from.
	Source string `yaml:"source,omitempty"`
	// Spec is the declaration as written ("hash -T<TMPF> -o
	// /etc/mail/access", "proxy:hash:/etc/postfix/virtual").
	Spec string `yaml:"spec,omitempty"`
	// Flags are sendmail's K-line flags in order ("-o", "-T<TMPF>").
	Flags []string `yaml:"flags,omitempty"`
	// Optional: a missing file is an empty map (sendmail -o).
	Optional bool `yaml:"optional,omitempty"`
	// KeepCase: lookups do not fold the key (sendmail -f, postmap -f).
	KeepCase bool `yaml:"keep_case,omitempty"`
	// NUL says whether keys carry a trailing NUL: "" adaptive (sendmail's
	// default: try without, then with), "always" (-N), "never" (-O).
	NUL string `yaml:"nul,omitempty"`
	// Proxy: the table is read through Postfix's proxymap.
	Proxy bool `yaml:"proxy,omitempty"`
}

// Entry is one key/value pair with the typed view its table's kind gives
// it.
type Entry struct {
	Key   string `yaml:"key"`
	Value string `yaml:"value"`
	Pos   Pos    `yaml:"pos,omitempty"`

	Access    *AccessEntry    `yaml:"access,omitempty"`
	Alias     *AliasEntry     `yaml:"alias,omitempty"`
	Virtual   *AddressEntry   `yaml:"virtual,omitempty"`
	Generic   *AddressEntry   `yaml:"generic,omitempty"`
	Canonical *AddressEntry   `yaml:"canonical,omitempty"`
	Transport *TransportEntry `yaml:"transport,omitempty"`
	// Relocated is the view of a relocated(5) entry: the old address
	// and the new one (or text) the reply gives.
	Relocated *AddressEntry `yaml:"relocated,omitempty"`
	// Auth is the view of a credentials entry of the SMTP client:
	// sendmail's AuthInfo: entries (in the authinfo map, or in the
	// access map without it) and Postfix's smtp_sasl_password_maps.
	Auth *AuthEntry `yaml:"auth,omitempty"`
}

// AuthEntry is what the SMTP client authenticates with at one server.
type AuthEntry struct {
	// Server is the server the entry is for, as its key names it: a
	// host name, a domain, an address; "" with Default. Postfix's
	// [host] and host:port forms are split into Server, Bracketed and
	// Port. Sender is set instead for Postfix's sender-dependent keys
	// (user@domain, @domain).
	Server    string `yaml:"server,omitempty"`
	Bracketed bool   `yaml:"bracketed,omitempty"`
	Port      string `yaml:"port,omitempty"`
	Sender    string `yaml:"sender,omitempty"`
	// Default is sendmail's bare tag AuthInfo: (any server).
	Default bool `yaml:"default,omitempty"`
	// AuthzID is sendmail's U: (the authorization identity) and AuthID
	// its I: (the authentication identity), each filled in from the
	// other when missing as sendmail's getauth() does; Postfix's one
	// user name is both. Password is decoded (sendmail's P= is base64).
	AuthzID  string `yaml:"authz_id,omitempty"`
	AuthID   string `yaml:"auth_id,omitempty"`
	Password string `yaml:"password,omitempty"`
	// Realm (R:) and Mechanisms (M:) are sendmail's; empty when the
	// entry does not name them.
	Realm      string   `yaml:"realm,omitempty"`
	Mechanisms []string `yaml:"mechanisms,omitempty"`
	// Problem says why the client cannot use the entry (sendmail's
	// getauth() fails on it, a key that is never looked up); "" when
	// it can.
	Problem string `yaml:"problem,omitempty"`
}

// KeyKind is the form of a table key.
type KeyKind string

// The key forms of access, virtual, generic and transport tables.
const (
	KeyDomain     KeyKind = "domain"      // example.com (with subdomains in a sendmail access walk)
	KeyDotDomain  KeyKind = "dot-domain"  // .example.com: only names below
	KeyIPv4       KeyKind = "ipv4"        // 10.1.2.3 or an octet prefix 10.1
	KeyIPv6       KeyKind = "ipv6"        // a full or prefix IPv6 address
	KeyBracketed  KeyKind = "bracketed"   // [192.0.2.1]: a client without a verified name
	KeyAddress    KeyKind = "address"     // user@domain
	KeyUser       KeyKind = "user"        // user@ (sendmail) or user (Postfix)
	KeyUserDetail KeyKind = "user-detail" // user+detail@domain, user+*@domain, user++@domain
	KeyDomainUser KeyKind = "at-domain"   // @domain (catch-all)
	KeyDetailOnly KeyKind = "at-detail"   // +*@domain, ++@domain
	KeyNull       KeyKind = "null-sender" // <> (Postfix)
	KeyWildcard   KeyKind = "wildcard"    // * (transport), . (mailertable)
	KeyTagDefault KeyKind = "tag-default" // a bare tag: "ClientRate:" (the default for the tag)
	KeyPair       KeyKind = "sender-rcpt" // Compat: sender<@>recipient
	KeyOther      KeyKind = "other"       // a key mailcc does not classify
)

// Key is a classified table key.
type Key struct {
	Kind KeyKind `yaml:"kind"`
	// Value is the key without its tag, normalised for matching: lower
	// case (unless the table keeps case), IPv6 in full uncompressed form
	// for sendmail and compressed for Postfix.
	Value string `yaml:"value"`
	// Prefix is, for IPv4/IPv6 keys, the number of leading bits the key
	// covers (24 for "10.1.2", 128 for a full IPv6 address).
	Prefix int `yaml:"prefix,omitempty"`
	// User, Detail and Domain split address-shaped keys; Detail is "*"
	// (any, also empty), "+" (non-empty) or the literal detail.
	User   string `yaml:"user,omitempty"`
	Detail string `yaml:"detail,omitempty"`
	Domain string `yaml:"domain,omitempty"`
}

// ActionKind is what an access entry tells the server to do.
type ActionKind string

// The access actions (sendmail's and Postfix's).
const (
	ActOK         ActionKind = "ok"
	ActRelay      ActionKind = "relay"          // sendmail RELAY
	ActReject     ActionKind = "reject"         // REJECT
	ActDiscard    ActionKind = "discard"        // DISCARD
	ActSkip       ActionKind = "skip"           // sendmail SKIP (access_db skip option)
	ActDunno      ActionKind = "dunno"          // Postfix DUNNO
	ActError      ActionKind = "error"          // ERROR:..., NNN text
	ActDefer      ActionKind = "defer"          // Postfix DEFER, 4NN
	ActQuarantine ActionKind = "quarantine"     // sendmail QUARANTINE:, Postfix HOLD
	ActFriend     ActionKind = "friend"         // Spam: FRIEND
	ActHater      ActionKind = "hater"          // Spam: HATER
	ActNumber     ActionKind = "number"         // GreetPause:, ClientRate:, ClientConn: values
	ActRestrict   ActionKind = "restriction"    // a Postfix restriction name or class
	ActPostfix    ActionKind = "postfix-action" // BCC, FILTER, PREPEND, REDIRECT, INFO, WARN, ...
	// ActSetting is a value the tag's own ruleset reads rather than an
	// accept/reject decision (sendmail Try_TLS: NO, Srv_Features: letters,
	// TLS_Srv:/TLS_Clt:/TLS_Rcpt: requirements, AuthInfo: credentials,
	// QGRP: a queue group, bcc: an address); Arg holds it.
	ActSetting ActionKind = "setting"
	ActText    ActionKind = "text" // anything else: sendmail uses it as an error text
)

// Action is the typed right-hand side of an access entry.
type Action struct {
	Kind ActionKind `yaml:"kind"`
	// Code, DSN and Text are the reply of error/reject/defer actions
	// ("550", "5.7.1", "Access denied"); empty when the value gives none.
	Code int    `yaml:"code,omitempty"`
	DSN  string `yaml:"dsn,omitempty"`
	Text string `yaml:"text,omitempty"`
	// Number is the value of ActNumber actions.
	Number int `yaml:"number,omitempty"`
	// Arg is the argument of other actions (the restriction's name, the
	// BCC address, the quarantine reason).
	Arg string `yaml:"arg,omitempty"`
	// Name is the keyword of a Postfix action (ActPostfix), in upper
	// case: BCC, FILTER, PREPEND, REDIRECT, INFO, WARN, HANGUP,
	// DEFER_IF_REJECT, DEFER_IF_PERMIT.
	Name string `yaml:"name,omitempty"`
}

// AccessEntry is an access table entry.
type AccessEntry struct {
	// Tag is sendmail's tag without its colon ("Connect", "From", "To",
	// "Spam", "GreetPause", ...; "" untagged and in Postfix tables).
	Tag    string `yaml:"tag,omitempty"`
	Key    Key    `yaml:"match"`
	Action Action `yaml:"action"`
}

// AliasEntry is an aliases entry: a local name and its expansion.
type AliasEntry struct {
	Name    string        `yaml:"name"`
	Targets []AliasTarget `yaml:"targets"`
}

// TargetKind is the kind of an alias expansion item.
type TargetKind string

// The kinds of alias targets.
const (
	TargetAddress TargetKind = "address" // a local name or remote address
	TargetProgram TargetKind = "program" // |command
	TargetFile    TargetKind = "file"    // /path
	TargetInclude TargetKind = "include" // :include:/path
	TargetNoAlias TargetKind = "local"   // \user: the mailbox, no more aliasing
	TargetError   TargetKind = "error"   // error:code text (sendmail)
)

// AliasTarget is one item of an alias expansion.
type AliasTarget struct {
	Kind  TargetKind `yaml:"kind"`
	Value string     `yaml:"value"`
}

// AddressEntry is an entry of an address-rewriting table: virtusertable
// and virtual(5), genericstable and generic(5), canonical(5).
type AddressEntry struct {
	Key Key `yaml:"match"`
	// Targets are the replacement addresses (one in sendmail's tables; a
	// list in Postfix's virtual(5)). Each may hold sendmail's %1, %2, %3.
	Targets []string `yaml:"targets,omitempty"`
	// Error is set for sendmail's "error:" values (virtusertable).
	Error *Reply `yaml:"error,omitempty"`
}

// TransportEntry is an entry of mailertable or transport(5).
type TransportEntry struct {
	Key Key `yaml:"match"`
	// Mailer (sendmail) or transport (Postfix); "" keeps the default.
	Mailer string `yaml:"mailer,omitempty"`
	// Host is the next hop ("[relay.example]" suppresses MX lookups), or
	// for sendmail's local mailer the user.
	Host string `yaml:"host,omitempty"`
	Port string `yaml:"port,omitempty"`
	// User is sendmail's mailer:user@host form: the recipient is forced.
	User string `yaml:"user,omitempty"`
	// Error is set for error:/error transports.
	Error *Reply `yaml:"error,omitempty"`
}

// Reply is an SMTP reply: code, enhanced status code and text.
type Reply struct {
	Code int    `yaml:"code,omitempty"`
	DSN  string `yaml:"dsn,omitempty"`
	Text string `yaml:"text,omitempty"`
	// Keyword is sendmail's named status ("nouser", "unavailable") when
	// the value used one instead of a code.
	Keyword string `yaml:"keyword,omitempty"`
}
