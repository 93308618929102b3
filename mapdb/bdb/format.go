package bdb

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// On-disk constants of the Berkeley DB 5.3 file format (db_page.h,
// hash.h, btree.h). Only the facts are taken from there.
const (
	hashMagic   = 0x061561
	btreeMagic  = 0x053162
	hashVersion = 9
	btreeVersn  = 9

	// Page types.
	pInvalid      = 0
	pHashUnsorted = 2
	pIBtree       = 3
	pIRecno       = 4
	pLBtree       = 5
	pLRecno       = 6
	pOverflow     = 7
	pHashMeta     = 8
	pBtreeMeta    = 9
	pLDup         = 12
	pHash         = 13

	// Hash item types.
	hKeyData   = 1
	hDuplicate = 2
	hOffpage   = 3
	hOffDup    = 4

	// Btree item types.
	bKeyData   = 1
	bDuplicate = 2
	bOverflow  = 3
	bDelete    = 0x80

	pageHeader = 26 // SIZEOF_PAGE: header bytes before the index array
	metaUIDOff = 52 // the 20-byte unique file id of a metadata page
	metaUIDLen = 20

	// DefaultPageSize is the page size makemap and postmap get on the
	// usual Linux file systems, and the one this package writes.
	DefaultPageSize = 4096

	// makemap and postmap both ask for h_nelem 4096 and leave the fill
	// factor unset, which makes the table grow only when a bucket
	// overflows a page.
	defaultNelem = 4096

	nCached = 32 // spare points in the hash metadata

	// Hash metadata flags.
	hashFlagDup     = 0x01
	hashFlagSubDB   = 0x02
	hashFlagDupSort = 0x04

	// Btree metadata flags.
	btmDup     = 0x001
	btmRecno   = 0x002
	btmRecnum  = 0x004
	btmSubDB   = 0x020
	btmDupSort = 0x040
	btmCompres = 0x080

	// Metadata-only flags.
	metaChksum = 0x01

	charKey = "%$sniglet^&\x00" // sizeof(CHARKEY): the NUL counts
)

// Errors returned by readers. Each is wrapped with the file name and
// the page where the problem was seen.
var (
	// ErrNotFound is returned by Get when the key is not in the map.
	ErrNotFound = errors.New("key not found")
	// ErrFormat is wrapped by every error about a file that is not a
	// well-formed Berkeley DB hash or btree file.
	ErrFormat = errors.New("not a valid Berkeley DB file")
	// ErrUnsupported is wrapped by errors about valid files that use a
	// feature this package does not read (encryption, checksums,
	// sub-databases, recno, compression, unusual versions).
	ErrUnsupported = errors.New("unsupported Berkeley DB feature")
)

func formatErr(pgno uint32, format string, args ...any) error {
	return fmt.Errorf("%w: page %d: %s", ErrFormat, pgno, fmt.Sprintf(format, args...))
}

// hashFunc is __ham_func5, the Fowler/Noll/Vo variant Berkeley DB uses
// for hash version 5 and later.
func hashFunc(key []byte) uint32 {
	var h uint32
	for _, c := range key {
		h *= 16777619
		h ^= uint32(c)
	}
	return h
}

// hashFunc4 is __ham_func4, used by hash versions before 5.
func hashFunc4(key []byte) uint32 {
	var h uint32
	for _, c := range key {
		h = (h << 5) + h + uint32(c)
	}
	return h
}

// log2ceil is __db_log2: the smallest i with 1<<i >= n.
func log2ceil(n uint32) uint32 {
	var i uint32
	for limit := uint64(1); limit < uint64(n); limit <<= 1 {
		i++
	}
	return i
}

func align4(n int) int { return (n + 3) &^ 3 }

// page is a view of one page of a file in its byte order.
type page struct {
	b  []byte
	bo binary.ByteOrder
}

func (p page) pgno() uint32       { return p.bo.Uint32(p.b[8:]) }
func (p page) prev() uint32       { return p.bo.Uint32(p.b[12:]) }
func (p page) next() uint32       { return p.bo.Uint32(p.b[16:]) }
func (p page) entries() int       { return int(p.bo.Uint16(p.b[20:])) }
func (p page) hfOffset() int      { return int(p.bo.Uint16(p.b[22:])) }
func (p page) level() int         { return int(p.b[24]) }
func (p page) typ() byte          { return p.b[25] }
func (p page) inp(i int) int      { return int(p.bo.Uint16(p.b[pageHeader+2*i:])) }
func (p page) u32(off int) uint32 { return p.bo.Uint32(p.b[off:]) }

// putHeader writes a page header in little-endian order.
func putHeader(b []byte, pgno, prev, next uint32, entries, hf int, level, typ byte) {
	le := binary.LittleEndian
	le.PutUint32(b[0:], 0) // LSN file: not logged
	le.PutUint32(b[4:], 1) // LSN offset: LSN_NOT_LOGGED
	le.PutUint32(b[8:], pgno)
	le.PutUint32(b[12:], prev)
	le.PutUint32(b[16:], next)
	le.PutUint16(b[20:], uint16(entries))
	le.PutUint16(b[22:], uint16(hf))
	b[24] = level
	b[25] = typ
}
