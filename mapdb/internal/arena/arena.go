// Package arena holds the keys and values of a map being built in large
// blocks that are never copied: a slice that doubles as it grows would
// copy (and, with Go's growth factor for large slices, allocate) several
// times the data of a million-entry build.
package arena

// blockSize is the size of an ordinary block; larger items get a block
// of their own.
const blockSize = 4 << 20

// Arena is an append-only store of byte strings.
type Arena struct {
	blocks [][]byte
	size   int64
}

// Ref names a string stored in an arena.
type Ref int64

// Alloc returns room for n bytes and its reference.
func (a *Arena) Alloc(n int) (Ref, []byte) {
	last := len(a.blocks) - 1
	if last < 0 || cap(a.blocks[last])-len(a.blocks[last]) < n {
		size := blockSize
		if n > size/4 {
			size = n
		}
		a.blocks = append(a.blocks, make([]byte, 0, size))
		last++
	}
	b := a.blocks[last]
	off := len(b)
	a.blocks[last] = b[:off+n]
	a.size += int64(n)
	return Ref(int64(last)<<32 | int64(off)), a.blocks[last][off : off+n : off+n]
}

// Bytes returns the n bytes at ref.
func (a *Arena) Bytes(ref Ref, n int) []byte {
	b := a.blocks[ref>>32]
	off := int(ref & 0xffffffff)
	return b[off : off+n : off+n]
}

// Size returns the number of bytes stored.
func (a *Arena) Size() int64 { return a.size }

// Slab is an append-only array of T in fixed chunks, so that growing it
// never copies what it holds.
type Slab[T any] struct {
	chunks [][]T
	n      int
}

const slabShift = 15

// Append adds v and returns its index.
func (s *Slab[T]) Append(v T) int {
	c := s.n >> slabShift
	if c == len(s.chunks) {
		s.chunks = append(s.chunks, make([]T, 1<<slabShift))
	}
	s.chunks[c][s.n&(1<<slabShift-1)] = v
	s.n++
	return s.n - 1
}

// At returns a pointer to element i.
func (s *Slab[T]) At(i int) *T { return &s.chunks[i>>slabShift][i&(1<<slabShift-1)] }

// Len returns the number of elements.
func (s *Slab[T]) Len() int { return s.n }
