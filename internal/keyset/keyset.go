// Package keyset is an open-addressing set of keys that live elsewhere
// (in a builder's arena, a table's lines), used to find a key put
// before without keeping a second copy of every key: the map writers
// (mapdb) and the migration's tables.
package keyset

// Set maps keys to int32 ids. The zero value is not usable; call New.
type Set[K ~string | ~[]byte] struct {
	// slots: a key's 32-bit hash (which also places it) in the upper
	// half, its id + 1 in the lower; 0 is an empty slot. A lookup
	// reads one slot, and a key only when the hashes are equal.
	slots []uint64
	n     int
	keyOf func(int32) K
}

// New returns a set sized for about hint keys. keyOf returns the key of
// an id.
func New[K ~string | ~[]byte](hint int, keyOf func(int32) K) *Set[K] {
	s := &Set[K]{keyOf: keyOf}
	s.Reserve(hint)
	return s
}

// Len returns the number of keys.
func (s *Set[K]) Len() int { return s.n }

// first is the slot a key with the hash h is looked for first in.
func (s *Set[K]) first(h uint32) int {
	return int((uint64(h*0x9e3779b1) * uint64(len(s.slots))) >> 32)
}

// Find looks key (whose hash is h) up. It returns the slot where the key
// is or would go, and its id when found.
func (s *Set[K]) Find(h uint32, key K) (slot int, id int32, found bool) {
	mask := len(s.slots) - 1
	for i := s.first(h); ; i = (i + 1) & mask {
		v := s.slots[i]
		if v == 0 {
			return i, 0, false
		}
		if uint32(v>>32) == h && string(s.keyOf(int32(uint32(v)-1))) == string(key) {
			return i, int32(uint32(v) - 1), true
		}
	}
}

// Insert puts id in the empty slot Find returned for its key.
func (s *Set[K]) Insert(slot int, h uint32, id int32) {
	s.slots[slot] = uint64(h)<<32 | uint64(uint32(id)+1)
	s.n++
	if s.n*2 > len(s.slots) {
		s.Reserve(s.n)
	}
}

// Replace changes the id stored in a slot Find found.
func (s *Set[K]) Replace(slot int, id int32) {
	s.slots[slot] = s.slots[slot]&^(1<<32-1) | uint64(uint32(id)+1)
}

// IDs calls fn with every id, in no particular order.
func (s *Set[K]) IDs(fn func(int32)) {
	for _, v := range s.slots {
		if v != 0 {
			fn(int32(uint32(v) - 1))
		}
	}
}

// Reserve makes room for n keys in all (the table stays at most half
// full). The slots Find returned before are no longer valid.
func (s *Set[K]) Reserve(n int) {
	size := 1024
	for size < 2*n || size <= 2*s.n {
		size *= 2
	}
	if size <= len(s.slots) {
		return
	}
	old := s.slots
	s.slots = make([]uint64, size)
	mask := size - 1
	for _, v := range old {
		if v == 0 {
			continue
		}
		i := s.first(uint32(v >> 32))
		for s.slots[i] != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = v
	}
}
