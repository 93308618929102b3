// Package table parses the text sources of sendmail's and Postfix's
// lookup tables into typed IR entries: access, aliases, virtusertable and
// virtual(5), genericstable, canonical(5) and generic(5), mailertable and
// transport(5), domaintable, relocated(5), authinfo, and sendmail's class
// files.
//
// # Syntax
//
// The sources are read by package tablesrc, exactly as the tools read
// them: sendmail's maps as makemap does (one "key value" per physical
// line, no continuation, '#' in the first column), sendmail's aliases as
// newaliases does ("name: value", continued by a leading blank or a
// backslash), Postfix's tables as postmap does (logical lines continued
// by leading white space) and its aliases as postalias does. Class files
// are read as sendmail's F lines read them (ParseClassFile): lines of at
// most 2047 bytes, '#' lines skipped, the line's scanf format applied
// ("%s": the first word; Debian's "%[^\#]": everything before a '#' or a
// backslash), the result split into words.
//
// # Semantics
//
// Parse returns what the tool stores: Entry.Key is the key as stored
// (folded unless KeepCase; sendmail alias names always), Entry.Value the
// value as stored (makemap: byte for byte, trailing blanks included;
// newaliases: as written, continuations joined; postmap: trimmed;
// postalias: re-serialised), in source order, duplicates resolved as the
// tool does (makemap, postmap and postalias keep the first, newaliases
// the last). Entry.Pos is where the key is.
//
// Each entry has the typed view its table kind gives it:
//
//   - access (sendmail): the tag, written as the cf library writes it
//     ("Connect", "From", "To", "Spam", "GreetPause", "QGRP", "TLS_Srv",
//     ...; "" untagged), the key classified (domain, .domain, IPv4 octet
//     prefix, IPv6 prefix, [address], user@domain, user@, +detail forms,
//     a bare tag as the tag's default, Compat: pairs) and the action
//     (OK, RELAY, REJECT, DISCARD, SKIP, ERROR: with its code, enhanced
//     status and text, the legacy "NNN text", QUARANTINE:, FRIEND and
//     HATER, numbers for GreetPause, ClientRate and ClientConn, settings
//     for the tags whose rulesets read the value themselves, anything
//     else as the error text sendmail makes of it). An IPv6 key's Value
//     is the address part without "IPv6:", in the full form sendmail
//     writes client addresses in;
//   - access(5) (Postfix): <>, IPv4 and IPv6 prefixes (Value in the
//     compressed form Postfix writes), domains, user@domain, user@; the
//     action in the order smtpd tries them (keywords, all digits = OK,
//     "4NN text", "5NN text", OK and RELAY, restriction names);
//   - aliases: the name and its targets, split as each MTA splits them
//     (addresses, |programs, /files, :include: files, \user);
//   - virtusertable and virtual(5), genericstable, canonical(5),
//     generic(5), relocated(5): the key (user@domain, user+detail forms,
//     @domain, +detail@domain, bare user, and in virtual(5) a domain) and
//     the targets (one for sendmail, a list for virtual(5)); sendmail's
//     "error:" values as a Reply;
//   - mailertable and transport(5): the key (domain, .domain, "." or "*",
//     user@domain) and the route (mailer or transport, host, port, user,
//     or an error reply).
//
// domaintable, authinfo and other tables have no typed view.
//
// # Compatibility
//
// The key/value pairs are checked against the real tools in the tests:
// makemap hash then makemap -u, sendmail -bi then praliases, postmap and
// postalias then -s. The typed views follow the cf library's rulesets
// (proto.m4) and Postfix's smtpd_check.c and local(8). Deliberate
// approximations: sendmail alias names user@domain are local when
// Options.IsLocal says so (sendmail asks its rulesets); reply texts keep
// their spacing as written (sendmail rebuilds them from tokens).
//
// # Diagnostics
//
// Every problem is a positioned diagnostic, "file:line:col: error:
// message" or "warning:", with the tool's own text where it has one:
//
//	access:7:1: error: syntax error (leading space)
//	access:9:1: error: key connect:10.0: duplicate key
//	aliases:3:1: error: missing colon
//	virtual:12:1: warning: expected format: key whitespace value
//	virtual:14:1: warning: duplicate entry: "user@example.com"
//
// Errors are what makes the tool fail (makemap and newaliases exit
// non-zero, and skip the line); warnings are what Postfix only warns
// about, and lint: entries the tool accepts but that never match or do
// not do what they seem to ("RELAY # comment" is an error text; an IPv6
// key with "::" never matches in sendmail; "*.example.com" is no
// wildcard). A table gets at most ten warnings of one kind, then one that
// counts the rest. Parsing goes on past bad lines and never panics.
package table
