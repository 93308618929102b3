// Package mapdb reads and writes the map databases of sendmail and
// Postfix in pure Go: Berkeley DB 5.3 hash and btree files (package
// mapdb/bdb) and cdb files (package mapdb/cdb), with the key conventions
// of each tool. The text sources are read by package tablesrc.
//
// # Syntax
//
// The text sources the databases are built from (makemap's input,
// aliases(5), postmap's and postalias's input) are read by package
// tablesrc, which describes their syntax; this package only stores what
// those readers return.
//
// # Semantics
//
// What each tool stores (see Lookup* here and tablesrc.Fold* for how
// they read):
//
//   - makemap: keys with ASCII letters folded to lower case (not with
//     -f), no trailing NUL (with -N: NUL after keys and values); the
//     first value of a duplicate key is kept (-r: the last, -d: all).
//   - newaliases: names parsed as local addresses and folded, values as
//     written, NUL-terminated for the default (implicit) class, and the
//     "@" → "@" entry last; the last value of a duplicate name wins.
//   - postmap and postalias: keys folded (in SMTPUTF8 mode, as Unicode),
//     NUL-terminated for hash and btree, not for cdb (-N and -n force
//     either way); the first value of a duplicate wins (-r: the last).
//     postalias adds "@" → "@" and the NIS entries YP_LAST_MODIFIED and
//     YP_MASTER_NAME, which are neither folded nor NUL-terminated.
//
// Readers (Table): sendmail looks keys up without and then with a
// trailing NUL, Postfix with and then without; both keep to the form
// of their first successful lookup.
//
// Builders (NewBuilder) collect the entries in memory, keys and values
// once, and Commit writes the file through a temporary file in the same
// folder that is renamed over the old one only when everything was
// written: an error or an interruption leaves the previous database as
// it was.
//
// # Compatibility
//
// A hash file written here is the file Berkeley DB writes from the same
// puts, page for page: the builder replays Berkeley DB's own insert,
// split and page allocation decisions (mapdb/bdb). Only the unique file
// id and bytes that hold no data differ. A btree file lists its keys in
// the same order as Berkeley DB's, but its tree is bulk-loaded rather
// than grown by splits. A cdb file is byte for byte tinycdb's. Off-page
// duplicate sets (makemap -d with more than about 1 KiB of values for
// one key) are laid out differently from Berkeley DB's, but list alike.
//
// Deliberate differences from the tools: makemap and newaliases keep the
// previous database when the source has errors (they write the good
// lines); alias names user@domain are local when the domain is one of
// the host's names known from sendmail.cf ($j, $w, class w) or
// localhost, while sendmail decides with its rewriting rules (see
// tablesrc for the other differences of the readers).
//
// # Diagnostics
//
// Problems in the text sources are tablesrc's *LineError values.
// Opening a file that is truncated, damaged or not a database of the
// expected kind fails with an error wrapping bdb.ErrFormat or
// cdb.ErrFormat; readers never panic, never loop, and never read or
// allocate more than a few times the file's size.
package mapdb
