// Package m4 is a macro processor compatible with GNU m4 1.4.19: the
// language the sendmail cf library (cf.m4, proto.m4, the FEATURE files) and
// every sendmail.mc is written in.
//
// # Syntax
//
// Input is read as a stream of tokens:
//
//   - names: a letter or underscore followed by letters, digits and
//     underscores (`define`, `FEATURE`, `_CF_DIR_`);
//   - quoted strings, between the quote delimiters (` and ' unless
//     changequote changed them); quotes nest, and one level of quotes is
//     removed each time the text is scanned;
//   - comments, from the comment delimiter (# unless changecom changed
//     it) to the end delimiter (newline), copied through unexpanded;
//   - any other character, including the parentheses and commas that
//     delimit macro arguments.
//
// A name that is a defined macro is called: its arguments, if a '(' follows
// the name at once, are collected (leading whitespace of each argument is
// dropped, parentheses nest, quotes protect commas and parentheses), and
// its expansion is pushed back on the input to be scanned again. In a
// user-defined macro's body, $0 is the macro's name, $1..$N its arguments
// (GNU: several digits make one number), $# their count, $* all of them
// separated by commas and $@ the same with each argument quoted.
//
// # Semantics
//
// The builtins are GNU m4's: define undefine defn pushdef popdef indir
// builtin ifdef ifelse shift changequote changecom divert undivert divnum
// dnl include sinclude incr decr eval len index substr translit patsubst
// regexp format errprint m4exit m4wrap maketemp mkstemp syscmd esyscmd
// sysval dumpdef traceon traceoff debugmode debugfile __file__ __line__
// __program__ and the platform macros __gnu__ and __unix__ (unix and no
// GNU builtins with Options.Traditional). Output goes to diversion 0 (the
// output), to diversions 1..N held in memory and appended at the end in
// numeric order, or nowhere (negative diversions). Text registered with
// m4wrap is read when the input is exhausted, the last registered first
// (GNU 1.4's LIFO order).
//
// Every piece of output can be traced back to where it came from: with
// Options.TrackOrigins set, the processor records for each run of output
// bytes the position of the source text or of the macro call whose
// expansion produced it, with the chain of enclosing calls (see Origin and
// Processor.Origins).
//
// # Compatibility
//
// The reference is GNU m4 1.4.19 as Debian 12 ships it: its manual and the
// 236 examples of its checks/ folder are the tests. Messages on standard
// error have GNU's text and "m4:FILE:LINE: " prefix; exit statuses are
// GNU's. Deliberate differences:
//
//   - syscmd and esyscmd never start a shell unless Options.AllowShell is
//     set. Without it, a caller-supplied ShellHandler may answer commands
//     it recognises (mailcc's compile command answers the sendmail cf
//     library's makeinfo.sh call natively); any other command is an error
//     that names the file, the line and the flag that allows it.
//   - Resources are bounded: the nesting depth of macro calls
//     (Options.NestingLimit, GNU's -L; GNU's own default is "until the C
//     stack overflows", mailcc's is DefaultNestingLimit), the memory held
//     in diversions and pending input (Options.MaxMemory), the total work
//     of expansion (Options.MaxWork) and the total output
//     (Options.MaxOutput). Exceeding one stops processing with an error
//     that names the limit and how to raise it.
//   - changeword is not provided (Debian's GNU m4 is built without it).
//   - NUL bytes are ordinary characters; GNU m4 cuts its C strings at
//     them (a NUL in a quoted string drops the rest of the string).
//
// # Diagnostics
//
// Warnings and errors are printed to Options.Stderr exactly as GNU m4
// prints them ("m4:sendmail.mc:12: Warning: excess arguments to builtin
// `define' ignored") and are also passed, with positions, to
// Options.Report for callers that want structured diagnostics. Fatal
// errors (end of file in a string, recursion limit, a resource limit, a
// refused shell command) stop processing; Processor.Run then returns an
// *ExitError carrying GNU's exit status.
package m4
