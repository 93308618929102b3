package mapdb

import (
	"bytes"
	"errors"

	"mailcc/tablesrc"
)

// NulMode says how a reader treats the NUL some tools store after keys.
type NulMode int

const (
	// NulAdaptive tries the key without and then with a NUL (sendmail
	// maps without -N or -O; Postfix tries with first).
	NulAdaptive NulMode = iota
	// NulAlways looks up key plus NUL only (sendmail -N).
	NulAlways
	// NulNever looks up the key as is only (sendmail -O).
	NulNever
)

// LookupSendmail finds key the way sendmail's map code does for hash,
// btree and cdb maps: the key is folded to lower case unless noFold,
// then looked up without and with a trailing NUL as mode says. The
// value is returned without its trailing NUL.
func LookupSendmail(m Map, key []byte, noFold bool, mode NulMode) ([]byte, error) {
	k := key
	if !noFold {
		k = tablesrc.FoldASCII(key)
	}
	var order [][]byte
	withNul := append(append([]byte(nil), k...), 0)
	switch mode {
	case NulAlways:
		order = [][]byte{withNul}
	case NulNever:
		order = [][]byte{k}
	default:
		order = [][]byte{k, withNul}
	}
	return lookupFirst(m, order)
}

// LookupPostfix finds key the way Postfix's hash, btree and cdb tables
// do: the key is folded unless noFold, then looked up with a trailing
// NUL and without one. The value is returned as a string would be (up
// to its first NUL).
func LookupPostfix(m Map, key []byte, noFold, utf8mode bool) ([]byte, error) {
	k := key
	if !noFold {
		k = tablesrc.FoldPostfix(key, utf8mode)
	}
	return lookupFirst(m, [][]byte{append(append([]byte(nil), k...), 0), k})
}

func lookupFirst(m Map, keys [][]byte) ([]byte, error) {
	for _, k := range keys {
		v, err := m.Get(k)
		if err == nil {
			return CString(v), nil
		}
		if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
	}
	return nil, ErrNotFound
}

// CString returns b up to its first NUL, as C's %s and %.*s print it.
func CString(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}
