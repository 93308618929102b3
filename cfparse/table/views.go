package table

import (
	"unsafe"

	"mailcc/ir"
)

// viewSlabs hold the typed views of a table's entries, allocated once per
// table rather than once per entry.
type viewSlabs struct {
	access    []ir.AccessEntry
	alias     []ir.AliasEntry
	address   []ir.AddressEntry
	transport []ir.TransportEntry
}

func (v *viewSlabs) init(kind ir.TableKind, n int) {
	switch kind {
	case ir.AccessTable:
		v.access = make([]ir.AccessEntry, n)
		populate(v.access)
	case ir.AliasTable:
		v.alias = make([]ir.AliasEntry, n)
		populate(v.alias)
	case ir.VirtualTable, ir.GenericTable, ir.CanonicalTable, ir.RelocatedTable:
		v.address = make([]ir.AddressEntry, n)
		populate(v.address)
	case ir.TransportTable:
		v.transport = make([]ir.TransportEntry, n)
		populate(v.transport)
	}
}

// populate faults in the pages of a large slice that was just made, in
// one system call, before it is filled in. A large table's entries and
// views are fresh memory from the operating system, and the garbage
// collector scans them while they are being filled: page by page, the
// faults of the scan and of the fill then interleave, which measured
// more than half of the time of lowering a 1,000,000-entry access map
// under mailcc's soft memory limit (the collector runs back to back
// once the heap is over it).
func populate[T any](s []T) {
	if len(s) == 0 {
		return
	}
	n := uintptr(len(s)) * unsafe.Sizeof(s[0])
	if n < 1<<20 {
		return
	}
	populatePages(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), n))
}

// view fills in the typed view of entry i, which starts at off in the
// source and has its value at valOff.
func (p *parser) view(e *ir.Entry, i, off, valOff int) {
	postfix := p.opt.Dialect == ir.Postfix
	switch p.kind {
	case ir.AccessTable:
		a := &p.views.access[i]
		if postfix {
			p.postfixAccess(e, a, off, valOff)
		} else {
			p.sendmailAccess(e, a, off, valOff)
		}
		e.Access = a
	case ir.AliasTable:
		a := &p.views.alias[i]
		a.Name = e.Key
		if postfix {
			a.Targets = postfixAliasTargets(e.Value)
		} else {
			a.Targets = p.sendmailAliasTargets(e.Value, valOff)
		}
		e.Alias = a
	case ir.VirtualTable:
		a := &p.views.address[i]
		if postfix {
			p.postfixAddress(e, a, off, valOff, true)
		} else {
			p.virtusertable(e, a, off, valOff)
		}
		e.Virtual = a
	case ir.GenericTable, ir.CanonicalTable:
		a := &p.views.address[i]
		if postfix {
			p.postfixAddress(e, a, off, valOff, false)
		} else {
			p.genericstable(e, a, off, valOff)
		}
		if p.kind == ir.GenericTable {
			e.Generic = a
		} else {
			e.Canonical = a
		}
	case ir.RelocatedTable:
		a := &p.views.address[i]
		p.postfixAddress(e, a, off, valOff, false)
		e.Relocated = a
	case ir.TransportTable:
		t := &p.views.transport[i]
		if postfix {
			p.transport(e, t, off, valOff)
		} else {
			p.mailertable(e, t, off, valOff)
		}
		e.Transport = t
	case ir.AuthInfoTable:
		if postfix {
			postfixSASLPassword(e)
		} else {
			p.sendmailAuthInfo(e, off)
		}
	}
}
