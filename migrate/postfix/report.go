package postfix

import "mailcc/migrate/report"

// The report model is shared by both directions (package report).
type (
	Fidelity = report.Fidelity
	Report   = report.Report
	Item     = report.Item
	Affect   = report.Affect
	Facts    = report.Facts
)

// The fidelities and the conditions of an Affect (package report).
const (
	Exact          = report.Exact
	Approximate    = report.Approximate
	NotExpressible = report.NotExpressible

	WhenSenderUnresolvable   = report.WhenSenderUnresolvable
	WhenUppercase            = report.WhenUppercase
	WhenNoClientName         = report.WhenNoClientName
	WhenRoutingLocalPart     = report.WhenRoutingLocalPart
	WhenUnqualified          = report.WhenUnqualified
	WhenIPv6Client           = report.WhenIPv6Client
	WhenRecipientUnqualified = report.WhenRecipientUnqualified
	WhenDNSAlias             = report.WhenDNSAlias
	WhenAddressLiteral       = report.WhenAddressLiteral
	WhenHeloRefused          = report.WhenHeloRefused
)
