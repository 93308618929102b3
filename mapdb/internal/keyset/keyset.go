// Package keyset is an open-addressing set of keys that live elsewhere
// (in a builder's arena), used by the map writers to find a key put
// before without keeping a second copy of every key.
package keyset

import "bytes"

// Set maps keys to int32 ids. The zero value is not usable; call New.
type Set struct {
	slots  []int32 // id + 1; 0 is an empty slot
	hashes []uint32
	n      int
	keyOf  func(int32) []byte
}

// New returns a set sized for about hint keys. keyOf returns the key of
// an id.
func New(hint int, keyOf func(int32) []byte) *Set {
	size := 1024
	for size < hint*2 {
		size <<= 1
	}
	return &Set{slots: make([]int32, size), hashes: make([]uint32, size), keyOf: keyOf}
}

// Len returns the number of keys.
func (s *Set) Len() int { return s.n }

func spread(h uint32) uint32 { return h * 0x9e3779b1 }

// Find looks key (whose hash is h) up. It returns the slot where the key
// is or would go, and its id when found.
func (s *Set) Find(h uint32, key []byte) (slot int, id int32, found bool) {
	mask := len(s.slots) - 1
	i := int(spread(h)) & mask
	for {
		v := s.slots[i]
		if v == 0 {
			return i, 0, false
		}
		if s.hashes[i] == h && bytes.Equal(s.keyOf(v-1), key) {
			return i, v - 1, true
		}
		i = (i + 1) & mask
	}
}

// Insert puts id in the empty slot Find returned for its key.
func (s *Set) Insert(slot int, h uint32, id int32) {
	s.slots[slot] = id + 1
	s.hashes[slot] = h
	s.n++
	if s.n*2 > len(s.slots) {
		s.grow()
	}
}

// Replace changes the id stored in a slot Find found.
func (s *Set) Replace(slot int, id int32) { s.slots[slot] = id + 1 }

// IDs calls fn with every id, in no particular order.
func (s *Set) IDs(fn func(int32)) {
	for _, v := range s.slots {
		if v != 0 {
			fn(v - 1)
		}
	}
}

func (s *Set) grow() {
	old, oldh := s.slots, s.hashes
	s.slots = make([]int32, len(old)*2)
	s.hashes = make([]uint32, len(old)*2)
	mask := len(s.slots) - 1
	for j, v := range old {
		if v == 0 {
			continue
		}
		i := int(spread(oldh[j])) & mask
		for s.slots[i] != 0 {
			i = (i + 1) & mask
		}
		s.slots[i], s.hashes[i] = v, oldh[j]
	}
}
