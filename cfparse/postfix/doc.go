// Package postfix reads Postfix's configuration: main.cf with its $name
// expansion and built-in defaults, master.cf, and lowers them (with the
// tables they name) into mailcc's typed IR.
//
// # Syntax
//
// main.cf is a list of "name = value" assignments, one per logical line.
// A physical line that starts with white space continues the logical
// line before it: the newline goes, the white space stays, so
//
//	mydestination = $myhostname,
//	    localhost.$mydomain
//
// is "$myhostname,    localhost.$mydomain". A line whose first non-blank
// character is '#' is a comment, also between a line and its
// continuation; a '#' after other text is part of the value. White space
// around '=' and at the end of the value goes. A name set twice: the
// last one counts.
//
// Values may refer to other parameters: $name, ${name} and $(name) are
// its value; ${name?text} and ${name?{text}} are text when $name is not
// empty, ${name:text} and ${name:{text}} when it is; ${name?{t1}:{t2}}
// chooses; ${{a} == {b} ? {t1} : {t2}} compares (==, !=, <, <=, >, >=,
// numerically when both sides are all digits; with the suffix "level",
// as in "<level", as compatibility levels such as 3.6); $$ is a '$'.
//
// master.cf has one service per logical line (same comment and
// continuation rules): eight fields (service, type, private,
// unprivileged, chroot, wakeup, process limit, command) where "-" means
// the default, then the command's arguments, among them -o name=value
// and -o { name = value with spaces } overrides; {...} groups other
// arguments that hold white space.
//
// # Semantics
//
// ParseMainCF and ParseMasterCF give the files' syntax with positions;
// Expand expands a value as a Postfix daemon does. The built-in defaults
// are Postfix 3.7.11's (postconf -d, kept in defaults_table.go, written
// by internal/gendefaults), those that depend on the compatibility
// level written as Postfix writes them (${{$compatibility_level} <level
// {2} ? {subnet} : {host}}), so that they follow compatibility_level as
// Postfix's do. The host-dependent ones (myhostname, mydomain,
// mynetworks) are computed from the Host, as Postfix computes them.
//
// Postconf prints parameters exactly as postconf(1) does, and Lower
// turns a configuration folder into an ir.Config.
//
// # Compatibility
//
// The parsers follow Postfix 3.7's readllines(), split_nameval(),
// mac_parse() and mac_expand(), postconf's master.cf normalisation and
// its rules for which parameters exist (built-in, per master.cf service,
// user-defined when some value refers to them, database client
// parameters). Postfix leaves some values unexpanded because its
// programs give $name a run-time meaning (luser_relay, forward_path,
// mailbox_command, command_execution_directory, default_rbl_reply,
// smtpd_reject_footer, smtpd_expansion_filter and their postscreen
// twins); so does mailcc.
//
// Postfix prints some warnings in the random order of its hash tables;
// mailcc prints them in the order of the file.
//
// Lower reads a configuration folder: main.cf's values over the
// defaults, each service's -o overrides, the tables (text sources of
// hash, btree, cdb, lmdb, dbm and texthash tables; inline:{...}
// entries) and /file lists it names, and gives an ir.Config whose
// values carry the position of the text that wrote them, through $name
// references. config_directory is the folder read, as with postconf -c.
//
// # Diagnostics
//
// Lower adds, positioned at the value that causes them: a table or
// /file list that cannot be read (a warning when only the database
// exists, or when the table is a default), a mynetworks pattern Postfix
// refuses (host bits set, a bad mask), an unknown restriction or one
// without its argument, restriction lists that let smtpd refuse every
// recipient (no reject_unauth_destination or equivalent), values that are
// not the boolean, number or time their parameter wants; and warnings
// for what it keeps opaque (regexp, pcre and cidr tables, tables in
// external services, policy services, restriction classes, content
// checks).
//
// Parse errors are "file:line:col: error: message": a line without
// '=' or without a name in main.cf, a master.cf entry with fewer than
// eight fields or an invalid field. Warnings: a parameter set twice,
// indented text with nothing to continue, unbalanced braces in master.cf
// arguments. Postconf prints Postfix's own messages instead ("postconf:
// warning: /etc/postfix/main.cf: unused parameter: x=y", "postconf:
// fatal: /etc/postfix/main.cf, line 3: missing '=' after attribute
// name: ...").
package postfix
