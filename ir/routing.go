package ir

import "strings"

// Routing says where each recipient goes.
type Routing struct {
	// Transport is the per-domain routing table (mailertable,
	// transport_maps) and how it is consulted.
	Transport *TransportRouting `yaml:"transport,omitempty"`
	// SmartHost gets non-local mail not routed otherwise (SMART_HOST,
	// relayhost).
	SmartHost *NextHop `yaml:"smart_host,omitempty"`
	// MailHub gets local mail after alias expansion (MAIL_HUB).
	MailHub *NextHop `yaml:"mail_hub,omitempty"`
	// LocalRelay gets unqualified names (LOCAL_RELAY).
	LocalRelay *NextHop `yaml:"local_relay,omitempty"`
	// LuserRelay gets local names that are neither aliases nor users
	// (LUSER_RELAY, luser_relay).
	LuserRelay *NextHop `yaml:"luser_relay,omitempty"`
	// LDAP routes recipients by LDAP lookups (sendmail
	// FEATURE(ldap_routing) with LDAPROUTE_DOMAIN).
	LDAP *LDAPRouting `yaml:"ldap,omitempty"`
	// LocalUsers are always delivered locally (class L, LOCAL_USER).
	LocalUsers []Value `yaml:"local_users,omitempty"`
	// StickyHost: user@localhost-name is not sent to the local relay or
	// mail hub (stickyhost).
	StickyHost bool `yaml:"sticky_host,omitempty"`
	// Local is how local mail is delivered.
	Local LocalDelivery `yaml:"local"`
	// DefaultMailer, RelayMailer: which mailer or transport carries
	// ordinary remote mail and relayed mail (confSMTP_MAILER,
	// confRELAY_MAILER; default_transport, relay_transport).
	DefaultMailer Value `yaml:"default_mailer,omitempty"`
	RelayMailer   Value `yaml:"relay_mailer,omitempty"`
}

// TransportRouting is a routing table and how it is consulted.
type TransportRouting struct {
	Table string `yaml:"table"`
	// More are the tables after Table (Postfix's transport_maps is a
	// list): each form of the key is asked of every table in order
	// before the next form is tried.
	More []string `yaml:"more,omitempty"`
	// LocalDomains: the table is consulted for local domains too
	// (Postfix; mailertable never is).
	LocalDomains bool `yaml:"local_domains,omitempty"`
	// AddressKeys: user@domain keys are tried (Postfix transport).
	AddressKeys bool `yaml:"address_keys,omitempty"`
	// ParentDomains: a domain key matches subdomains too (Postfix with
	// transport_maps in parent_domain_matches_subdomains).
	ParentDomains bool `yaml:"parent_domains,omitempty"`
	Pos           Pos  `yaml:"pos,omitempty"`
}

// Tables are the routing's tables in the order they are asked: Table,
// then More.
func (t *TransportRouting) Tables() []string {
	return append([]string{t.Table}, t.More...)
}

// LDAPRouting is sendmail's FEATURE(ldap_routing): recipients in Domains
// are looked up in LDAP; a mailHost routes the message there, a
// mailRoutingAddress rewrites the recipient.
type LDAPRouting struct {
	// Domains are the domains routed (class LDAPRoute); Equivalents are
	// treated as the local domain (class LDAPRouteEquiv).
	Domains     []DomainMatch `yaml:"domains,omitempty"`
	Equivalents []DomainMatch `yaml:"equivalents,omitempty"`
	// MailHostTable and AddressTable name the two maps (ldapmh,
	// ldapmra).
	MailHostTable string `yaml:"mail_host_table"`
	AddressTable  string `yaml:"address_table"`
	// NotFound is what happens to a recipient LDAP does not know:
	// "passthru" (delivered as usual) or "bounce"; "sendertoo" also
	// rejects unknown senders.
	NotFound string `yaml:"not_found"`
	// Detail: "strip" or "preserve" +detail in lookups ("" as sendmail's
	// default: the lookup is retried without it).
	Detail string `yaml:"detail,omitempty"`
	// NoDomain: the lookup is also done without the domain (user only).
	NoDomain bool `yaml:"no_domain,omitempty"`
	// TempFail: an LDAP failure is a temporary error ("tempfail") or
	// queues the message ("queue").
	TempFail string `yaml:"temp_fail,omitempty"`
	Pos      Pos    `yaml:"pos,omitempty"`
}

// NextHop is a mailer (transport) and a host.
type NextHop struct {
	Mailer string `yaml:"mailer,omitempty"`
	Host   string `yaml:"host,omitempty"`
	Port   string `yaml:"port,omitempty"`
	// NoMX: the host was bracketed, MX records are not looked up.
	NoMX bool `yaml:"no_mx,omitempty"`
	// User: the recipient becomes this address (local:user,
	// LUSER_RELAY).
	User string `yaml:"user,omitempty"`
	// Raw is the value as written ("[relay.example]", "relay:mx.example").
	Raw string `yaml:"raw"`
	Pos Pos    `yaml:"pos,omitempty"`
}

// LocalDelivery says how mail for local users is delivered.
type LocalDelivery struct {
	// Mailer is the local mailer or transport (local, procmail, lmtp,
	// cyrusv2, ...).
	Mailer Value `yaml:"mailer,omitempty"`
	// Command is the delivery program (LOCAL_MAILER_PATH and ARGS,
	// mailbox_command).
	Command Value `yaml:"command,omitempty"`
	// Aliases are the aliases tables, in order (AliasFile, alias_maps).
	Aliases []string `yaml:"aliases,omitempty"`
	// ForwardPath is where .forward files are looked for.
	ForwardPath Value `yaml:"forward_path,omitempty"`
	// PreserveDetail: +detail is passed to the local mailer intact
	// (preserve_local_plus_detail).
	PreserveDetail bool `yaml:"preserve_detail,omitempty"`
}

// Listener is a daemon socket accepting SMTP (sendmail DAEMON_OPTIONS,
// Postfix master.cf inet services).
type Listener struct {
	Name   string `yaml:"name"`
	Addr   string `yaml:"addr,omitempty"`
	Port   string `yaml:"port"`
	Family string `yaml:"family,omitempty"`
	// Modifiers are sendmail's M= letters as written.
	Modifiers string `yaml:"modifiers,omitempty"`
	// The modifiers' meaning, in neutral terms.
	RequireAuth bool `yaml:"require_auth,omitempty"` // a
	NoAuth      bool `yaml:"no_auth,omitempty"`      // A
	TLSWrapper  bool `yaml:"tls_wrapper,omitempty"`  // s (smtps)
	NoSTARTTLS  bool `yaml:"no_starttls,omitempty"`  // S
	NoETRN      bool `yaml:"no_etrn,omitempty"`      // E
	// Overrides are per-listener settings (Postfix -o name=value,
	// sendmail's other DaemonPortOptions keys).
	Overrides []Setting `yaml:"overrides,omitempty"`
	// Spec is the declaration as written.
	Spec   string `yaml:"spec,omitempty"`
	Pos    Pos    `yaml:"pos,omitempty"`
	Origin string `yaml:"origin,omitempty"`
}

// Setting is a name and a value.
type Setting struct {
	Name  string `yaml:"name"`
	Value string `yaml:"value"`
	Pos   Pos    `yaml:"pos,omitempty"`
}

// Client is the outgoing SMTP client's settings (CLIENT_OPTIONS,
// smtp_bind_address, ...).
type Client struct {
	BindAddress []Value `yaml:"bind_address,omitempty"`
	HeloName    Value   `yaml:"helo_name,omitempty"`
	Families    []Value `yaml:"families,omitempty"`
	// AuthTable holds the credentials the client authenticates with
	// (sendmail's authinfo map, Postfix's first smtp_sasl_password_maps
	// table). sendmail without an authinfo map reads the AuthInfo:
	// entries of its access map.
	AuthTable string `yaml:"auth_table,omitempty"`
	// TLS: the client tries STARTTLS ("may"), "none", "encrypt", ...
	TLS Value `yaml:"tls,omitempty"`
	// Overrides are other client settings.
	Overrides []Setting `yaml:"overrides,omitempty"`
}

// Mailer is a delivery agent: a sendmail M line or a Postfix master.cf
// service of a delivery type.
type Mailer struct {
	Name string `yaml:"name"`
	// Path is the program (P=; "[IPC]" for SMTP mailers), Args its
	// argument vector (A=), Flags the F= letters.
	Path  string `yaml:"path,omitempty"`
	Args  string `yaml:"args,omitempty"`
	Flags string `yaml:"flags,omitempty"`
	// Equates are the other fields (S=, R=, E=, L=, T=, M=, m=, r=, ...)
	// in the order written; for Postfix, the service's fields and -o.
	Equates []Setting `yaml:"equates,omitempty"`
	// Origin says which cf file or master.cf default defined it.
	Pos    Pos    `yaml:"pos,omitempty"`
	Origin string `yaml:"origin,omitempty"`
}

// Port is the port an SMTP mailer connects to when its argument vector
// names one ("TCP $h 2525": sendmail's deliver() reads the third
// argument of an [IPC] mailer as the port), "" otherwise (port 25).
func (m *Mailer) Port() string {
	if m.Path != "[IPC]" && m.Path != "[TCP]" {
		return ""
	}
	f := strings.Fields(m.Args)
	if len(f) < 3 || (f[0] != "TCP" && f[0] != "IPC") || f[2] == "25" {
		return ""
	}
	return f[2]
}

// Mailer is the mailer named name, nil when there is none.
func (c *Config) Mailer(name string) *Mailer {
	for i := range c.Mailers {
		if c.Mailers[i].Name == name {
			return &c.Mailers[i]
		}
	}
	return nil
}

// MailerPort is the port of the mailer named name (Mailer.Port), ""
// when there is no such mailer or it names none.
func (c *Config) MailerPort(name string) string {
	if m := c.Mailer(name); m != nil {
		return m.Port()
	}
	return ""
}

// Milter is a mail filter the server consults.
type Milter struct {
	Name string `yaml:"name"`
	// Socket is sendmail's S= ("inet:8891@localhost") or Postfix's form.
	Socket string `yaml:"socket"`
	// OnFailure: "continue" (sendmail without F=), "reject" (F=R),
	// "tempfail" (F=T, Postfix default).
	OnFailure string `yaml:"on_failure,omitempty"`
	// Timeouts are sendmail's T= as written.
	Timeouts string `yaml:"timeouts,omitempty"`
	// Flags are sendmail's F= letters as written.
	Flags string `yaml:"flags,omitempty"`
	// Equates are the other fields, in the order written.
	Equates []Setting `yaml:"equates,omitempty"`
	// Input: the filter sees incoming SMTP mail (INPUT_MAIL_FILTER,
	// smtpd_milters); otherwise it is only declared (MAIL_FILTER).
	Input bool `yaml:"input,omitempty"`
	Pos   Pos  `yaml:"pos,omitempty"`
}

// ValueType is the type of an option's value.
type ValueType string

// The option types.
const (
	TypeString   ValueType = "string"
	TypeInt      ValueType = "int"
	TypeSize     ValueType = "size"     // bytes
	TypeDuration ValueType = "duration" // seconds
	TypeBool     ValueType = "bool"
	TypeList     ValueType = "list"
	TypePath     ValueType = "path"
)

// Option is a typed setting: a sendmail option or macro (confX
// defines), a Postfix parameter.
type Option struct {
	// Name is the native name: sendmail's .cf option name
	// ("MaxMessageSize", "Timeout.queuereturn"), a macro ("Dj"), or the
	// Postfix parameter ("message_size_limit").
	Name string `yaml:"name"`
	// Source is what set it: the m4 variable ("confMAX_MESSAGE_SIZE").
	Source string `yaml:"source,omitempty"`
	// Raw is the value as written.
	Raw  string    `yaml:"raw"`
	Type ValueType `yaml:"type"`
	// The typed value, by type: Int for int and size (bytes), Seconds
	// for durations, Bool, List.
	Int     int64    `yaml:"int,omitempty"`
	Seconds int64    `yaml:"seconds,omitempty"`
	Bool    bool     `yaml:"bool,omitempty"`
	List    []string `yaml:"list,omitempty"`
	Pos     Pos      `yaml:"pos,omitempty"`
	Origin  string   `yaml:"origin,omitempty"`
}

// MXNextHops are the next hops of the routing that are names whose MX
// hosts the client connects to (a smart host, mail hub or transport
// table host written without brackets), in lower case: an SMTP client
// that looks credentials up by next hop (Postfix) finds an entry for
// such a name where one that looks up the server's own name (sendmail)
// does not.
func (c *Config) MXNextHops() map[string]bool {
	out := map[string]bool{}
	add := func(mailer, host string) {
		switch strings.ToLower(mailer) {
		case "local", "error", "discard", "prog", "lmtp", "pipe":
			return
		}
		if host == "" || strings.ContainsAny(host, "[]:%$/ ") {
			return
		}
		out[strings.ToLower(strings.TrimSuffix(host, "."))] = true
	}
	r := c.Routing
	for _, h := range []*NextHop{r.SmartHost, r.MailHub, r.LocalRelay} {
		if h != nil && !h.NoMX {
			add(h.Mailer, h.Host)
		}
	}
	if r.Transport != nil {
		if t := c.Table(r.Transport.Table); t != nil {
			for _, e := range t.Entries {
				if e.Transport != nil && e.Transport.Error == nil {
					add(e.Transport.Mailer, e.Transport.Host)
				}
			}
		}
	}
	return out
}
