package mapdb

import (
	"bytes"
	"errors"

	"mailcc/tablesrc"
)

// NulMode says how a reader treats the NUL some tools store after keys.
type NulMode int

const (
	// NulAdaptive tries the key both ways (sendmail without and then
	// with a NUL, Postfix with and then without) until a lookup
	// succeeds; from then on only the way that succeeded is tried.
	NulAdaptive NulMode = iota
	// NulAlways looks up key plus NUL only (sendmail -N, postmap -N).
	NulAlways
	// NulNever looks up the key as is only (sendmail -O, postmap -n).
	NulNever
)

// Dialect is the tool whose lookup conventions a Table follows.
type Dialect int

const (
	// Sendmail: keys folded to lower case in ASCII (map.c's
	// makelower), tried without a NUL first.
	Sendmail Dialect = iota
	// Postfix: keys folded as dict_db and dict_cdb fold them (Unicode
	// in SMTPUTF8 mode), tried with a NUL first.
	Postfix
)

// A Table looks keys up in a Map the way sendmail's map code or
// Postfix's dict layer does: the key is folded to lower case unless
// NoFold, then looked up with and without a trailing NUL. Both MTAs
// start by trying both forms and, after the first lookup that
// succeeds, keep to the form that succeeded for the rest of the
// process (sendmail's MF_TRY0NULL/MF_TRY1NULL in map.c, Postfix's
// DICT_FLAG_TRY0NULL/TRY1NULL in dict_db.c and dict_cdb.c): a table
// that holds both forms answers as the real program does. A Table is
// not safe for concurrent use; open one per goroutine.
type Table struct {
	Map     Map
	Dialect Dialect
	NoFold  bool
	// UTF8 folds keys as Postfix does in SMTPUTF8 mode.
	UTF8       bool
	try0, try1 bool // try without / with a NUL
	buf        []byte
}

// NewTable returns a Table over m.
func NewTable(m Map, d Dialect, noFold bool, mode NulMode) *Table {
	t := &Table{Map: m, Dialect: d, NoFold: noFold}
	t.try0 = mode != NulAlways
	t.try1 = mode != NulNever
	return t
}

// Lookup returns the value of key as the MTA sees it: up to its first
// NUL (both programs treat values as C strings), or ErrNotFound.
func (t *Table) Lookup(key []byte) ([]byte, error) {
	k := t.buf[:0]
	switch {
	case t.NoFold:
		k = append(k, key...)
	case t.Dialect == Postfix:
		k = tablesrc.AppendFoldPostfix(k, key, t.UTF8)
	default:
		k = tablesrc.AppendFoldASCII(k, key)
	}
	k = append(k, 0)
	t.buf = k
	nulFirst := t.Dialect == Postfix
	for _, withNul := range [2]bool{nulFirst, !nulFirst} {
		form := k
		if !withNul {
			form = k[:len(k)-1]
		}
		if v, ok, err := t.try(form, withNul); ok || err != nil {
			return v, err
		}
	}
	return nil, ErrNotFound
}

// try looks k up if its form (withNul) is still tried, and on success
// keeps to that form.
func (t *Table) try(k []byte, withNul bool) ([]byte, bool, error) {
	if withNul && !t.try1 || !withNul && !t.try0 {
		return nil, false, nil
	}
	v, err := t.Map.Get(k)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, false, nil
		}
		return nil, false, err
	}
	if withNul {
		t.try0 = false
	} else {
		t.try1 = false
	}
	return CString(v), true, nil
}

// CString returns b up to its first NUL, as C's %s and %.*s print it.
func CString(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}
