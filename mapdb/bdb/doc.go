// Package bdb reads and writes Berkeley DB 5.3 hash and btree files (the
// "hash" and "btree" maps of sendmail and Postfix) without Berkeley DB.
//
// # Syntax
//
// A file is a sequence of pages (4096 bytes as written here; any power
// of two from 512 to 65536 is read, in either byte order). Page 0 holds
// the metadata: magic number, version, page size, last page, free list,
// and for hash the bucket count, masks and spare points, for btree the
// root page. Other pages start with a 26-byte header (page number,
// previous and next page, entry count, free-space offset, level, type)
// followed by an index of 16-bit offsets to items stored from the end of
// the page:
//
//   - hash bucket pages: key/data item pairs (type byte then bytes, or
//     an off-page reference to an overflow chain, or a duplicate set),
//     chained by next page when a bucket overflows;
//   - btree leaves: key/data pairs in key order, linked left to right;
//     internal pages: child page and separator key;
//   - overflow pages: one chunk of a big item each;
//   - off-page duplicates: recno leaves (unsorted duplicates).
//
// # Semantics
//
// HashBuilder keeps the database in memory as Berkeley DB's pages would
// be and replays, put by put, what Berkeley DB does for a database
// created with h_nelem 4096 and no fill factor: the bucket is found with
// the FNV hash and the linear-hashing masks; the first page of its chain
// with room takes the pair, kept in Berkeley DB's page order (on-page
// keys sort with a longer key before its prefix; off-page keys in
// ordinary order); when no page has room an overflow page is linked and
// the table grows by one bucket, splitting the bucket the masks name;
// pages come from the free list or the end of the file, and a freed last
// page is truncated away. Items longer than a quarter page go to
// overflow pages. The result is Berkeley DB's file, page for page.
//
// BtreeBuilder collects the entries and bulk-loads a tree: leaves filled
// in key order (duplicates in insertion order), internal pages with the
// shortest separating prefix, big items on overflow pages.
//
// DB reads either kind. Lookups follow Berkeley DB's own search, so a
// key finds what Berkeley DB finds (also in the rare files where
// Berkeley DB's mixed page order hides a key); Walk lists pairs in the
// order of Berkeley DB's cursor (db_dump, makemap -u, postmap -s).
//
// # Compatibility
//
// Not read: encrypted or checksummed files, files holding several
// databases, recno and queue databases, compressed btrees, hash versions
// before 7. Written: version 9 files in little-endian order, as on the
// machines makemap and postmap run on. The unique file id is the one
// given to the builder (mapdb gives each file a random one); Berkeley DB
// only uses it to share a cache between processes.
//
// # Diagnostics
//
// Every error about a file's content wraps ErrFormat (the file is not a
// well-formed database: bad magic, page outside the file, page of the
// wrong type, item past its page, chain that loops) or ErrUnsupported
// (a valid file using a feature listed above), and names the page.
// Reading stops after a few times the file's size, so that no damaged
// file can make a lookup or a walk loop or allocate without bound.
package bdb
