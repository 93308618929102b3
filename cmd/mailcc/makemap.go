package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/spf13/cobra"

	"mailcc/internal/getopt"
	"mailcc/mapdb"
	"mailcc/tablesrc"
)

// Exit statuses of sendmail's tools (sysexits.h).
const (
	exOK        = 0
	exUsage     = 64
	exDataErr   = 65
	exNoInput   = 66
	exSoftware  = 70
	exCantCreat = 73
	exIOErr     = 74
	exConfig    = 78
)

func newMakemapCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "makemap [-C file] [-N] [-c cachesize] [-D commentchar] [-d] [-e] [-f] [-i type] [-l] [-o] [-r] [-s] [-t delim] [-u] [-v] type mapname",
		Short: "build or list a sendmail map database (hash, btree, cdb) like sendmail's makemap",
		Long: `mailcc makemap reads "key value" lines on standard input and writes the
database mapname.db (hash, btree) or mapname.cdb (cdb) exactly as sendmail
8.17's makemap does, with its flags, messages and exit statuses; -u lists a
database. Linked or copied under the name makemap, the mailcc binary
behaves as this command.

The database is written to a temporary file that replaces the old one only
when everything was written. -c (Berkeley DB cache size) is accepted and
has no effect.`,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if code := runMakemap("makemap", args, os.Stdin, stdout(), os.Stderr); code != 0 {
				return &exitError{code: code}
			}
			return nil
		},
	}
}

// toolOpt is one option found by getopt.
type toolOpt struct {
	c   byte
	arg string
}

// toolGetopt parses args like the C library's getopt with option string
// spec. With permute (glibc's default) options may follow operands;
// without it ("+" in front of spec, Postfix's GETOPT) the first operand
// ends the options. Errors are printed in glibc's words.
func toolGetopt(prog string, args []string, spec string, permute bool, stderr io.Writer) (opts []toolOpt, rest []string, ok bool) {
	mode := getopt.Permute
	if !permute {
		mode = getopt.StopAtOperand
	}
	res, rest, err := getopt.Parse(args, getopt.Short(spec), mode)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %s\n", prog, err)
		return nil, nil, false
	}
	for _, r := range res {
		opts = append(opts, toolOpt{c: r.Name[0], arg: r.Value})
	}
	return opts, rest, true
}

// makemapTypes are the map types makemap lists with -l.
var makemapTypes = []string{"hash", "btree", "cdb", "implicit"}

func makemapUsage(prog string, stderr io.Writer) int {
	pad := strings.Repeat(" ", len(prog))
	fmt.Fprintf(stderr, "Usage: %s [-C cffile] [-N] [-c cachesize] [-D commentchar]\n", prog)
	fmt.Fprintf(stderr, "       %s [-d] [-e] [-f] [-i type] [-l] [-o] [-r] [-s] [-t delimiter]\n", pad)
	fmt.Fprintf(stderr, "       %s [-u] [-v] type mapname\n", pad)
	return exUsage
}

// runMakemap is sendmail's makemap.
func runMakemap(prog string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	opts, rest, ok := toolGetopt(prog, args, "C:D:Nc:defi:Llorst:uvx", true, stderr)
	if !ok {
		return makemapUsage(prog, stderr)
	}
	cfile := "/etc/mail/sendmail.cf"
	var (
		ropt                                    tablesrc.MakemapOptions
		dups, replace, unmake, verbose, notrunc bool
		fallback                                string
	)
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	for _, o := range opts {
		switch o.c {
		case 'C':
			cfile = o.arg
		case 'N':
			ropt.InclNull = true
		case 'c':
			// Berkeley DB cache size: nothing to tune here.
		case 'd':
			dups = true
		case 'e':
			ropt.AllowEmpty = true
		case 'f':
			ropt.NoFold = true
		case 'i':
			fallback = o.arg
		case 'D':
			if o.arg != "" {
				ropt.Comment = o.arg[0]
			}
		case 'L':
			for _, t := range makemapTypes {
				fmt.Fprintln(out, t)
			}
			fmt.Fprint(out, "cf\nCF\n")
			return exOK
		case 'l':
			for _, t := range makemapTypes {
				fmt.Fprintln(out, t)
			}
			return exOK
		case 'x':
			fmt.Fprint(out, "hash:db\nbtree:db\ncdb:cdb\nimplicit:\n")
			return exOK
		case 'o':
			notrunc = true
		case 'r':
			replace = true
		case 's':
			// Skip the file-safety checks: mailcc writes through a
			// temporary file and a rename, and does not make them.
		case 't':
			if o.arg == "" {
				fmt.Fprintln(stderr, "Invalid separator")
				break
			}
			ropt.Sep = o.arg[0]
		case 'u':
			unmake = true
		case 'v':
			verbose = true
		}
	}
	if len(rest) != 2 {
		return makemapUsage(prog, stderr)
	}
	typename, mapname := rest[0], rest[1]

	// As root, makemap always reads the configuration file: for the
	// TrustedUser that gets the new map, and for the cf/CF type.
	fromCF := strings.EqualFold(typename, "cf")
	trustedUID := -1
	didReadCF := false
	if os.Geteuid() == 0 || fromCF {
		cls, uid, code := makemapReadCF(prog, cfile, mapname, typename == "cf", fromCF, stderr)
		if code != exOK {
			return code
		}
		trustedUID = uid
		didReadCF = true
		if fromCF {
			typename = cls
		}
	}
	if didReadCF && fromCF && typename == "" {
		if fallback != "" {
			typename = fallback
			if verbose {
				fmt.Fprintf(stderr, "%s: mapfile %s: not found in %s, using fallback %s\n", prog, mapname, cfile, fallback)
			}
		} else {
			fmt.Fprintf(stderr, "%s: mapfile %s: not found in %s\n", prog, mapname, cfile)
			return exDataErr
		}
	}

	t, ok := makemapType(typename)
	if !ok {
		if typename == "dbm" {
			fmt.Fprintf(stderr, "%s: Need to recompile with -DNDBM for %s support\n", prog, typename)
		} else {
			fmt.Fprintf(stderr, "%s: error opening type %s map %s: Unknown database type\n", prog, typename, mapname)
		}
		return exCantCreat
	}
	path := t.FileName(mapname)
	openErr := func(err error) int {
		fmt.Fprintf(stderr, "%s: error opening type %s map %s: %s\n", prog, typename, mapname, errText(err))
		return exCantCreat
	}

	if unmake {
		m, err := mapdb.Open(t, path)
		if err != nil {
			return openErr(err)
		}
		defer m.Close()
		sep := byte('\t')
		if ropt.Sep != 0 {
			sep = ropt.Sep
		}
		err = m.Walk(func(k, v []byte) error {
			out.Write(mapdb.CString(k))
			out.WriteByte(sep)
			out.Write(mapdb.CString(v))
			return out.WriteByte('\n')
		})
		if err != nil {
			fmt.Fprintf(stderr, "%s: %s: %s\n", prog, mapname, errText(err))
			return exSoftware
		}
		if err := out.Flush(); err != nil {
			fmt.Fprintf(stderr, "%s: %s\n", prog, errText(err))
			return exIOErr
		}
		return exOK
	}

	var b mapdb.Builder
	var err error
	if notrunc {
		b, err = mapdb.LoadBuilder(t, path, mapdb.BuildOptions{Duplicates: dups})
	} else {
		b, err = mapdb.NewBuilder(t, mapdb.BuildOptions{Duplicates: dups})
	}
	if err != nil {
		return openErr(err)
	}
	mode := mapdb.Insert
	switch {
	case dups:
		mode = mapdb.Append
	case replace:
		mode = mapdb.Replace
	}
	exit := exOK
	ropt.Report = func(e *tablesrc.LineError) {
		out.Flush()
		fmt.Fprintf(stderr, "%s: %s: line %d: %s\n", prog, mapname, e.Line, e.Msg)
		exit = exDataErr
	}
	r := tablesrc.NewMakemapReader(stdin, ropt)
	for {
		e, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s: %s: %s\n", prog, mapname, errText(err))
			return exIOErr
		}
		if verbose {
			fmt.Fprintf(out, "key=`%s', val=`%s'\n", mapdb.CString(e.Key), mapdb.CString(e.Value))
		}
		err = b.Put(e.Key, e.Value, mode)
		switch {
		case errors.Is(err, mapdb.ErrKeyExists):
			out.Flush()
			fmt.Fprintf(stderr, "%s: %s: line %d: key %s: duplicate key\n", prog, mapname, e.Line, mapdb.CString(e.Key))
			exit = exDataErr
		case err != nil:
			out.Flush()
			fmt.Fprintf(stderr, "%s: %s: line %d: key %s: put error: %s\n", prog, mapname, e.Line, mapdb.CString(e.Key), errText(err))
			exit = exIOErr
		}
	}
	if exit != exOK && !commitOnDataError {
		// Unlike sendmail's makemap, which writes the lines it could
		// use, a run with errors leaves the previous database as it
		// was: the messages above say which lines to fix.
		return exit
	}
	prepare := func(f *os.File) error {
		if os.Geteuid() == 0 && trustedUID > 0 {
			if err := f.Chown(trustedUID, -1); err != nil {
				fmt.Fprintf(stderr, "WARNING: ownership change on %s failed %s", mapname, errText(err))
			}
		}
		return nil
	}
	if err := commitDB(path, 0o640, b, prepare); err != nil {
		fmt.Fprintf(stderr, "%s: close(%s): %s\n", prog, mapname, errText(err))
		return exIOErr
	}
	return exit
}

// commitOnDataError makes makemap and newaliases write the database
// even after errors in the source, as sendmail's tools do. Only the
// tests set it, to compare such databases with the real ones.
var commitOnDataError = false

// commitDB writes a database through a temporary file that is removed
// if the process is interrupted meanwhile; the previous database stays
// as it was in every case but success. Several may run at once (migrate
// --makemaps): one signal handler removes every temporary file.
func commitDB(path string, perm fs.FileMode, b mapdb.Builder, prepare func(*os.File) error) error {
	var tmp string
	defer func() {
		if tmp != "" {
			pendingTmp.forget(tmp)
		}
	}()
	return mapdb.Commit(path, perm, b, &mapdb.CommitHooks{
		Created: func(n string) { tmp = n; pendingTmp.add(n) },
		Prepare: prepare,
	})
}

// pendingTmp holds the temporary database files being written, and the
// signal handler that removes them, installed while there are some.
var pendingTmp tmpFiles

type tmpFiles struct {
	mu    sync.Mutex
	names map[string]bool
	stop  func()
}

func (t *tmpFiles) add(name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.names == nil {
		t.names = map[string]bool{}
	}
	if len(t.names) == 0 {
		t.stop = onInterrupt(t.removeAll)
	}
	t.names[name] = true
}

func (t *tmpFiles) forget(name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.names[name] {
		return
	}
	delete(t.names, name)
	if len(t.names) == 0 {
		t.stop()
		t.stop = nil
	}
}

func (t *tmpFiles) removeAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for n := range t.names {
		os.Remove(n)
	}
}

// onInterrupt runs cleanup when SIGINT, SIGTERM or SIGHUP arrives, then
// lets the signal end the process as it would have. The returned
// function uninstalls the handler.
func onInterrupt(cleanup func()) (stop func()) {
	ch := make(chan os.Signal, 1)
	done := make(chan struct{})
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		select {
		case sig := <-ch:
			cleanup()
			signal.Reset(sig)
			if s, ok := sig.(syscall.Signal); ok {
				syscall.Kill(os.Getpid(), s)
			}
		case <-done:
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}

// makemapType maps makemap's type names to formats; implicit is the
// first one compiled in, hash.
func makemapType(name string) (mapdb.Type, bool) {
	if name == "implicit" {
		return mapdb.Hash, true
	}
	return mapdb.ParseType(name)
}

// makemapReadCF reads what makemap wants from sendmail.cf: the
// TrustedUser option and, for the cf/CF types, the class of the K line
// whose file is mapname (the whole path for cf, the base name without
// extension for CF).
func makemapReadCF(prog, cfile, mapname string, fullpath, wantClass bool, stderr io.Writer) (class string, trusted int, code int) {
	data, err := os.ReadFile(cfile)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %s: %s\n", "makemap", cfile, errText(err))
		return "", 0, exNoInput
	}
	want := mapname
	if !fullpath {
		want = filepath.Base(mapname)
		if i := strings.IndexByte(want, '.'); i >= 0 {
			want = want[:i]
		}
	}
	trusted = 0
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" {
			continue
		}
		switch line[0] {
		case 'O':
			b := line[1:]
			if len(b) >= 12 && strings.EqualFold(b[:12], " TrustedUser") && (len(b) == 12 || !isAlnum(b[12])) {
				eq := strings.IndexByte(b, '=')
				if eq < 0 {
					continue
				}
				v := strings.TrimLeft(b[eq+1:], " \t")
				if v != "" && v[0] >= '0' && v[0] <= '9' {
					n, _ := strconv.Atoi(leadingDigits(v))
					trusted = n
				} else if u, err := user.Lookup(v); err == nil {
					trusted, _ = strconv.Atoi(u.Uid)
				} else {
					trusted = 0
					fmt.Fprintf(stderr, "TrustedUser: unknown user %s\n", v)
				}
			}
		case 'K':
			if !wantClass || class != "" || want == "" {
				continue
			}
			class = kLineClass(line, want, fullpath)
		}
	}
	return class, trusted, exOK
}

// kLineClass returns the class of a K line whose last argument names
// the map file want, or "".
func kLineClass(line, want string, fullpath bool) string {
	l := strings.TrimRight(line, " \t\r")
	sp := strings.LastIndexByte(l, ' ')
	if sp < 0 {
		return ""
	}
	last := l[sp+1:]
	b := strings.Index(last, want)
	if b < 0 {
		return ""
	}
	file := last[b:]
	if !fullpath {
		if i := strings.LastIndexByte(file, '.'); i >= 0 {
			file = file[:i]
		}
	}
	if file != want {
		return ""
	}
	before := l[:sp+1+b]
	prev := before[len(before)-1]
	if fullpath && prev != ' ' && prev != '\t' {
		return ""
	}
	if !fullpath && prev != '/' && prev != ' ' && prev != '\t' {
		return ""
	}
	f := strings.Fields(l[1:])
	if len(f) < 2 || !isAlnum(f[0][0]) || !isAlnum(f[1][0]) {
		return ""
	}
	cls := f[1]
	for i := 0; i < len(cls); i++ {
		if !isAlnum(cls[i]) {
			return cls[:i]
		}
	}
	return cls
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func leadingDigits(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}

// errText is the strerror-like text of an error, without Go's
// "open path:" decorations.
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "No such file or directory"
	case errors.Is(err, fs.ErrPermission):
		return "Permission denied"
	}
	s := err.Error()
	var errno syscall.Errno
	if errors.As(err, &errno) && s != "" && s == errno.Error() {
		// strerror() text starts with a capital letter.
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return s
}
