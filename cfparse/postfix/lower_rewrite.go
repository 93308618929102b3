package postfix

import (
	"strings"

	"mailcc/ir"
)

// scopeOf turns a *_classes list (envelope_sender, envelope_recipient,
// header_sender, header_recipient) into a rewriting scope.
func (l *lowerer) scopeOf(param string) ir.Scope {
	var s ir.Scope
	for _, it := range l.items(param, nil) {
		switch strings.ToLower(it.Text) {
		case "envelope_sender":
			s.EnvelopeSender = true
		case "envelope_recipient":
			s.EnvelopeRecipient = true
		case "header_sender":
			s.HeaderSender = true
		case "header_recipient":
			s.HeaderRecipient = true
		default:
			l.errorf(it.Pos, "%s: unknown address class %q (envelope_sender, envelope_recipient, header_sender or header_recipient)", param, it.Text)
		}
	}
	return s
}

// tablesOf registers the tables a *_maps parameter lists.
func (l *lowerer) tablesOf(param string, kind ir.TableKind) ([]string, val) {
	v := l.param(param, nil)
	var names []string
	for _, it := range l.items(param, nil) {
		if _, ok := tableType(it.Text); !ok {
			l.errorf(it.Pos, "%s: %q is not a type:name table", param, it.Text)
			continue
		}
		names = append(names, l.tableRef(it.Text, kind, it))
	}
	return names, v
}

// rewrite: the address rewriting of cleanup(8) (canonical, masquerade,
// virtual aliases), relocated, local(8) aliases and the SMTP client's
// generic mapping, in the order Postfix applies them.
func (l *lowerer) rewrite() {
	rw := &l.cfg.Rewrite
	rw.RecipientDelimiter = l.param("recipient_delimiter", nil).Value
	rw.PercentHack = l.bool("allow_percent_hack", nil)
	rw.BangPath = l.bool("swap_bangpath", nil)
	rw.AlwaysAddDomain = l.bool("append_at_myorigin", nil)
	var headerClients []string
	for _, it := range l.items("local_header_rewrite_clients", nil) {
		headerClients = append(headerClients, it.Text)
	}
	addrOrder := []string{"address", "user", "at-domain"}
	stage := func(kind ir.RewriteKind, param string, tkind ir.TableKind, sc ir.Scope, when string, order []string) *ir.RewriteStage {
		names, v := l.tablesOf(param, tkind)
		if len(names) == 0 {
			return nil
		}
		st := ir.RewriteStage{Kind: kind, Name: param, Tables: names, Scope: sc, When: when, Order: order, Pos: v.Pos, Origin: v.origin()}
		if sc.HeaderSender || sc.HeaderRecipient {
			st.HeaderClients = headerClients
		}
		rw.Stages = append(rw.Stages, st)
		return &rw.Stages[len(rw.Stages)-1]
	}
	stage(ir.RewriteCanonical, "sender_canonical_maps", ir.CanonicalTable, l.scopeOf("sender_canonical_classes"), "receive", addrOrder)
	stage(ir.RewriteCanonical, "recipient_canonical_maps", ir.CanonicalTable, l.scopeOf("recipient_canonical_classes"), "receive", addrOrder)
	stage(ir.RewriteCanonical, "canonical_maps", ir.CanonicalTable, l.scopeOf("canonical_classes"), "receive", addrOrder)

	if items := l.items("masquerade_domains", nil); len(items) > 0 {
		v := l.param("masquerade_domains", nil)
		m := &ir.Masquerade{EntireDomain: true}
		for _, it := range items {
			d := ir.DomainMatch{Pos: it.Pos, Origin: it.Origin, Subdomains: true}
			text := strings.ToLower(it.Text)
			if strings.HasPrefix(text, "!") {
				// kept in place: the first entry that matches decides
				d.Negated, text = true, text[1:]
			}
			d.Domain = strings.TrimPrefix(text, ".")
			m.Domains = append(m.Domains, d)
		}
		for _, it := range l.items("masquerade_exceptions", nil) {
			m.ExposedUsers = append(m.ExposedUsers, ir.Value{Value: it.Text, Pos: it.Pos, Origin: it.Origin})
		}
		sc := l.scopeOf("masquerade_classes")
		st := ir.RewriteStage{Kind: ir.RewriteMasquerade, Name: "masquerade_domains", Scope: sc, When: "receive", Masquerade: m, Pos: v.Pos, Origin: v.origin()}
		if sc.HeaderSender || sc.HeaderRecipient {
			st.HeaderClients = headerClients
		}
		rw.Stages = append(rw.Stages, st)
	}

	if st := stage(ir.RewriteVirtual, "virtual_alias_maps", ir.VirtualTable, ir.Scope{EnvelopeRecipient: true}, "receive", addrOrder); st != nil {
		st.Domains = l.domainMatches(l.items("virtual_alias_domains", nil), "virtual_alias_domains")
	}
	stage(ir.RewriteRelocated, "relocated_maps", ir.RelocatedTable, ir.Scope{EnvelopeRecipient: true}, "receive", addrOrder)
	if st := stage(ir.RewriteAliases, "alias_maps", ir.AliasTable, ir.Scope{EnvelopeRecipient: true}, "delivery", []string{"user"}); st != nil {
		st.Domains = l.cfg.LocalDomains
	}
	// newaliases builds alias_database, which is usually alias_maps.
	l.tablesOf("alias_database", ir.AliasTable)
	all := ir.Scope{EnvelopeSender: true, EnvelopeRecipient: true, HeaderSender: true, HeaderRecipient: true}
	stage(ir.RewriteGeneric, "smtp_generic_maps", ir.GenericTable, all, "delivery", addrOrder)
}

// routing: transport_maps, relayhost, luser_relay, the default
// transports and local delivery.
func (l *lowerer) routing() {
	rt := &l.cfg.Routing
	if names, v := l.tablesOf("transport_maps", ir.TransportTable); len(names) > 0 {
		rt.Transport = &ir.TransportRouting{Table: names[0], More: names[1:], LocalDomains: true, AddressKeys: true,
			ParentDomains: l.parentMatches("transport_maps"), Pos: v.Pos}
	}
	if v := l.param("relayhost", nil); v.Value != "" {
		items := l.items("relayhost", nil)
		h := nextHop(items[0].Text)
		h.Pos = items[0].Pos
		rt.SmartHost = &h
		if len(items) > 1 {
			l.warnf(items[1].Pos, "relayhost: only the first of %d next hops is modelled; Postfix tries the others when it fails", len(items))
		}
	}
	if v := l.param("luser_relay", nil); v.Value != "" {
		h := ir.NextHop{Raw: v.Value, User: v.Value, Pos: v.Pos}
		rt.LuserRelay = &h
	}
	rt.DefaultMailer = l.param("default_transport", nil).irValue()
	rt.RelayMailer = l.param("relay_transport", nil).irValue()
	local := l.param("local_transport", nil)
	lm := local.irValue()
	if i := strings.IndexByte(lm.Value, ':'); i >= 0 {
		lm.Value = lm.Value[:i]
	}
	rt.Local.Mailer = lm
	rt.Local.Command = l.param("mailbox_command", nil).irValue()
	rt.Local.ForwardPath = l.param("forward_path", nil).irValue()
	for _, st := range l.cfg.Rewrite.Stages {
		if st.Kind == ir.RewriteAliases {
			rt.Local.Aliases = st.Tables
		}
	}
}

// nextHop parses a Postfix next hop: [host]:port, host:port, host (MX
// lookup), optionally transport:nexthop.
func nextHop(s string) ir.NextHop {
	h := ir.NextHop{Raw: s}
	rest := s
	if strings.HasPrefix(rest, "[") {
		if i := strings.IndexByte(rest, ']'); i > 0 {
			h.Host, h.NoMX = rest[1:i], true
			rest = rest[i+1:]
			h.Port = strings.TrimPrefix(rest, ":")
			return h
		}
	}
	if i := strings.LastIndexByte(rest, ':'); i >= 0 && !strings.Contains(rest[:i], ":") {
		h.Host, h.Port = rest[:i], rest[i+1:]
		return h
	}
	h.Host = rest
	return h
}
