// Package mapdb reads and writes the map databases of sendmail and
// Postfix in pure Go: Berkeley DB 5.3 hash and btree files (package
// mapdb/bdb) and cdb files (package mapdb/cdb), together with the text
// sources the tools build them from and the key conventions of each tool.
//
// # Syntax
//
// makemap (MakemapReader) reads one "key value" pair per physical line,
// with no continuation lines:
//
//	# comment (first byte is the comment character, -D)
//	Connect:192.168.1	REJECT
//	From:Spammer@Example.COM  ERROR:5.7.1:550 Go Away
//
// The key runs to the first white space (or the -t delimiter), the value
// is the rest after the separating run, kept byte for byte, trailing
// blanks included. Lines are read with makemap's 1024-byte buffer: a
// line of 1023 bytes or more is "too long" and its rest is read as the
// next line.
//
// Postfix's tables (PostmapReader) are read as logical lines: a line
// starting with white space continues the previous one, comment lines
// (first non-blank '#') and blank lines are skipped even between a line
// and its continuation:
//
//	user@example.org	first value,
//	# a comment
//		continued
//
// The key ends at the first white space outside double quotes (a
// backslash protects the next character) and keeps its quotes; the
// value has leading and trailing white space removed.
//
// Postfix's aliases (PostaliasReader) are logical lines parsed as RFC
// 822 tokens "name: value, value"; the name is stored unquoted, the value
// re-serialised with ", " between addresses. sendmail's aliases
// (AliasReader) are continued by a leading blank or by a backslash before
// the newline, and the value is kept as written.
//
// # Semantics
//
// What each tool stores (see Lookup* and Fold* for how they read):
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
// Readers: sendmail looks keys up without and then with a trailing NUL
// (LookupSendmail), Postfix with and then without (LookupPostfix).
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
// localhost, while sendmail decides with its rewriting rules; Unicode
// case folding covers the simple foldings and the common multi-character
// ones, not all of ICU's.
//
// # Diagnostics
//
// Source readers report problems as *LineError values carrying the
// file, the line (the first line of a logical line; for sendmail's
// aliases, the last, as sendmail says it) and the tool's own message
// text, for example:
//
//	makemap: access: line 7: syntax error (leading space)
//	postmap: warning: virtual, line 12: expected format: key whitespace value
//	/etc/mail/aliases: line 3: missing colon
//
// Opening a file that is truncated, damaged or not a database of the
// expected kind fails with an error wrapping bdb.ErrFormat or
// cdb.ErrFormat; readers never panic, never loop, and never read or
// allocate more than a few times the file's size.
package mapdb
