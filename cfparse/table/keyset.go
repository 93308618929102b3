package table

import "hash/maphash"

// keySet finds duplicate keys among a table's entries. It is an open
// addressing hash table of entry indices with the hash's top bits beside
// each, so that most probes never touch the key itself. It serves the
// tables read one entry at a time (aliases, Postfix); makemap's entries
// go through firstDuplicates instead.
type keySet struct {
	seed  maphash.Seed
	slots []uint64 // hash<<32 | index+1; 0 = empty
	mask  uint64
	n     int
	key   func(i int) string
}

// newKeySet returns a set for about n keys; key gives the key of entry i.
func newKeySet(n int, key func(i int) string) *keySet {
	size := 16
	for size < 2*n {
		size <<= 1
	}
	return &keySet{seed: maphash.MakeSeed(), slots: make([]uint64, size), mask: uint64(size - 1), key: key}
}

// add adds entry i under k unless k is there already; it returns the
// index of the entry that has k, and whether that is i.
func (s *keySet) add(k string, i int) (int, bool) {
	if 2*(s.n+1) > len(s.slots) {
		s.grow()
	}
	h := maphash.String(s.seed, k)
	tag := h >> 32
	for j := h & s.mask; ; j = (j + 1) & s.mask {
		v := s.slots[j]
		if v == 0 {
			s.slots[j] = tag<<32 | uint64(i+1)
			s.n++
			return i, true
		}
		if v>>32 == tag {
			if old := int(v&0xffffffff) - 1; s.key(old) == k {
				return old, false
			}
		}
	}
}

// set makes k name entry i (replacing the entry that had it).
func (s *keySet) set(k string, i int) {
	h := maphash.String(s.seed, k)
	tag := h >> 32
	for j := h & s.mask; ; j = (j + 1) & s.mask {
		v := s.slots[j]
		if v == 0 {
			return
		}
		if v>>32 == tag && s.key(int(v&0xffffffff)-1) == k {
			s.slots[j] = tag<<32 | uint64(i+1)
			return
		}
	}
}

func (s *keySet) grow() {
	old := s.slots
	s.slots = make([]uint64, 2*len(old))
	s.mask = uint64(len(s.slots) - 1)
	for _, v := range old {
		if v == 0 {
			continue
		}
		k := s.key(int(v&0xffffffff) - 1)
		h := maphash.String(s.seed, k)
		j := h & s.mask
		for s.slots[j] != 0 {
			j = (j + 1) & s.mask
		}
		s.slots[j] = v
	}
}

// partitionBits is how finely firstDuplicates splits the keys by hash:
// each part's table then stays in the processor's cache.
const partitionBits = 10

// firstDuplicates reports, for keys key(0) ... key(n-1), which repeat an
// earlier key: dup[i] is true when some j < i has the same key. It
// returns nil when no key repeats. The keys are hashed once, spread over
// parts by hash in index order, and each part is checked with a small
// hash table, so that memory is mostly read in order: a map of a million
// keys spends its time waiting for memory.
func firstDuplicates(n int, key func(i int) string) []bool {
	if n < 2 {
		return nil
	}
	seed := maphash.MakeSeed()
	hashes := make([]uint64, n)
	for i := range hashes {
		hashes[i] = maphash.String(seed, key(i))
	}
	const parts = 1 << partitionBits
	var start [parts + 1]int32
	for _, h := range hashes {
		start[h>>(64-partitionBits)+1]++
	}
	for p := 1; p <= parts; p++ {
		start[p] += start[p-1]
	}
	order := make([]int32, n)
	fill := start
	for i, h := range hashes {
		p := h >> (64 - partitionBits)
		order[fill[p]] = int32(i)
		fill[p]++
	}
	var dup []bool
	var table []int32 // index+1 into order's part; 0 = empty
	for p := 0; p < parts; p++ {
		part := order[start[p]:start[p+1]]
		if len(part) < 2 {
			continue
		}
		size := 4
		for size < 2*len(part) {
			size <<= 1
		}
		if cap(table) < size {
			table = make([]int32, size)
		}
		table = table[:size]
		clear(table)
		mask := uint64(size - 1)
		for _, i := range part {
			h := hashes[i]
			for j := h & mask; ; j = (j + 1) & mask {
				v := table[j]
				if v == 0 {
					table[j] = i + 1
					break
				}
				if o := v - 1; hashes[o] == h && key(int(o)) == key(int(i)) {
					if dup == nil {
						dup = make([]bool, n)
					}
					dup[i] = true
					break
				}
			}
		}
	}
	return dup
}
