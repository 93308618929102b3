package m4

import "encoding/binary"

// symtab is the symbol table: an open-addressing hash table of symbols
// keyed by name bytes. Every name token of the input is looked up, so
// this is on the hottest path; it hashes the token's bytes in place (no
// string conversion) and compares the stored hash before the name.
type symtab struct {
	slots []*symbol // len is a power of two; nil is empty
	n     int
	// defined counts the symbols that have a definition by a cheap
	// signature of their names (first byte, last byte, length): a name
	// whose cell is zero is certainly not a macro, and most words of
	// plain text are answered without hashing (mayBeDefined).
	defined [1 << 12]uint16
}

func sigOf(b []byte) int {
	if len(b) == 0 {
		return 0 // define(`', ...) is allowed; such a name is never read
	}
	return (int(b[0])*131 + int(b[len(b)-1])*31 + len(b)) & (1<<12 - 1)
}

// mayBeDefined reports whether a symbol named name might have a
// definition (false means certainly not).
func (t *symtab) mayBeDefined(name []byte) bool { return t.defined[sigOf(name)] != 0 }

// noteDefined records that s gained (+1) or lost (-1) its definitions.
func (t *symtab) noteDefined(s *symbol, delta int) {
	i := sigOf([]byte(s.name))
	t.defined[i] = uint16(int(t.defined[i]) + delta)
}

func newSymtab() *symtab { return &symtab{slots: make([]*symbol, 1024)} }

// hashName mixes the name eight bytes at a time (names are short; this
// is several times faster than a byte-at-a-time hash).
func hashName(b []byte) uint32 {
	h := uint64(len(b)) * 0x9E3779B97F4A7C15
	for len(b) >= 8 {
		h = (h ^ binary.LittleEndian.Uint64(b)) * 0xff51afd7ed558ccd
		h ^= h >> 32
		b = b[8:]
	}
	if len(b) > 0 {
		var t uint64
		for i, c := range b {
			t |= uint64(c) << (8 * i)
		}
		h = (h ^ t) * 0xc4ceb9fe1a85ec53
		h ^= h >> 29
	}
	return uint32(h ^ h>>32)
}

func hashString(s string) uint32 {
	// the compiler does not copy s for this conversion
	return hashName([]byte(s))
}

// get returns the symbol named name, or nil.
func (t *symtab) get(name []byte) *symbol {
	h := hashName(name)
	mask := uint32(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == nil {
			return nil
		}
		if s.hash == h && s.name == string(name) {
			return s
		}
	}
}

// getString is get for a string name.
func (t *symtab) getString(name string) *symbol {
	h := hashString(name)
	mask := uint32(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == nil {
			return nil
		}
		if s.hash == h && s.name == name {
			return s
		}
	}
}

// add inserts a symbol whose name is not in the table.
func (t *symtab) add(s *symbol) {
	if 4*(t.n+1) > 3*len(t.slots) {
		t.grow()
	}
	s.hash = hashString(s.name)
	t.place(s)
	t.n++
}

func (t *symtab) place(s *symbol) {
	mask := uint32(len(t.slots) - 1)
	i := s.hash & mask
	for t.slots[i] != nil {
		i = (i + 1) & mask
	}
	t.slots[i] = s
}

func (t *symtab) grow() {
	old := t.slots
	t.slots = make([]*symbol, 2*len(old))
	for _, s := range old {
		if s != nil {
			t.place(s)
		}
	}
}

// remove deletes s, shifting later entries of its probe run back so that
// lookups need no tombstones.
func (t *symtab) remove(s *symbol) {
	mask := uint32(len(t.slots) - 1)
	i := s.hash & mask
	for t.slots[i] != s {
		if t.slots[i] == nil {
			return
		}
		i = (i + 1) & mask
	}
	t.slots[i] = nil
	t.n--
	for j := (i + 1) & mask; t.slots[j] != nil; j = (j + 1) & mask {
		e := t.slots[j]
		home := e.hash & mask
		// e may move into the hole at i if its home is not in (i, j]
		if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
			t.slots[i] = e
			t.slots[j] = nil
			i = j
		}
	}
}

// all returns the symbols, in no particular order.
func (t *symtab) all() []*symbol {
	out := make([]*symbol, 0, t.n)
	for _, s := range t.slots {
		if s != nil {
			out = append(out, s)
		}
	}
	return out
}
