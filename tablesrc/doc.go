// Package tablesrc reads the text sources of sendmail's and Postfix's
// lookup tables exactly as each tool reads them: makemap's input
// (MakemapReader), sendmail's aliases as newaliases reads them
// (AliasReader), postmap's input (PostmapReader, on Postfix's logical
// lines, LogicalLines) and postalias's (PostaliasReader), with the key
// folding each tool applies (Fold*). It is a leaf: it imports only the
// standard library, so that both the map database code (mapdb) and the
// configuration parsers (cfparse) build on the same readers.
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
// the newline, and the value is kept as written:
//
//	list: a, b,
//	  c			(sendmail stores "a, b,  c", Postfix "a, b, c")
//	list2: x, \
//	y			(sendmail only: "x, y")
//
// # Semantics
//
// The readers return what each tool would store, in input order; what
// happens to duplicates is the caller's business (makemap and postmap
// keep the first, newaliases the last):
//
//   - makemap: keys with ASCII letters folded to lower case (not with
//     -f), no trailing NUL (with -N: NUL after keys and values);
//   - newaliases: names parsed as local addresses (the caller folds
//     them), values as written;
//   - postmap and postalias: keys as written (the caller folds them with
//     FoldPostfix, as Unicode in SMTPUTF8 mode), values trimmed.
//
// # Compatibility
//
// Every reader follows the tool's own code path, limits included
// (makemap's 1024-byte and sendmail's 8192-byte line buffers, C-string
// ends at a NUL byte, Postfix's non-UTF-8 lines in SMTPUTF8 mode); the
// differential tests of cmd/mailcc and cfparse/table compare what they
// read with what the real tools store.
//
// Deliberate differences: alias names user@domain are local when the
// domain is one of the host's names the caller knows (AliasOptions.
// IsLocal; localhost by default), while sendmail decides with its
// rewriting rules; Unicode case folding covers the simple foldings and
// the common multi-character ones, not all of ICU's.
//
// # Diagnostics
//
// Readers report problems through a Report callback as *LineError values
// carrying the file, the line (the first line of a logical line; for
// sendmail's aliases, the last, as sendmail says it) and the tool's own
// message text, for example:
//
//	makemap: access: line 7: syntax error (leading space)
//	postmap: warning: virtual, line 12: expected format: key whitespace value
//	/etc/mail/aliases: line 3: missing colon
//
// Warning marks what the tool reports without failing. The readers go on
// past bad lines as the tools do, and never panic.
package tablesrc
