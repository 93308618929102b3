package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"mailcc/mapdb"
	"mailcc/tablesrc"
)

func newNewaliasesCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "newaliases [-C cffile] [-f aliasfile] [-v]",
		Short: "rebuild sendmail's alias databases like newaliases (sendmail -bi)",
		Long: `mailcc newaliases rebuilds every alias database named by the AliasFile
option of sendmail.cf (-C, default /etc/mail/sendmail.cf) from its text
file, or only the one given with -f (stored as sendmail's default class
does: NUL-terminated keys and values), as sendmail 8.17's newaliases does:
same parsing, keys, @:@ marker, messages (on standard output) and exit
status (70 after an error in the file). Linked or copied under the name
newaliases, the mailcc binary behaves as this command.

Alias names of the form user@domain are local when the domain is $j, $w,
$m, in class w (Cw lines and Fw files) or localhost; sendmail decides with
its rewriting rules, which mailcc does not run.`,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if code := runNewaliases("newaliases", args, stdout(), os.Stderr); code != 0 {
				return &exitError{code: code}
			}
			return nil
		},
	}
}

func runNewaliases(prog string, args []string, stdout, stderr io.Writer) int {
	opts, rest, ok := toolGetopt(prog, args, "C:f:vO:o:", true, stderr)
	if !ok || len(rest) > 0 {
		fmt.Fprintf(stderr, "usage: %s [-C cffile] [-f aliasfile] [-v]\n", prog)
		return exUsage
	}
	cfile := "/etc/mail/sendmail.cf"
	var override []string
	for _, o := range opts {
		switch o.c {
		case 'C':
			cfile = o.arg
		case 'f':
			override = append(override, o.arg)
		case 'O':
			if name, val, ok := strings.Cut(o.arg, "="); ok && strings.EqualFold(strings.TrimSpace(name), "AliasFile") {
				override = append(override, val)
			}
		case 'o':
			if strings.HasPrefix(o.arg, "A") {
				override = append(override, o.arg[1:])
			}
		}
	}
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	var info cfInfo
	if data, err := os.ReadFile(cfile); err == nil {
		info = readCFInfo(data)
	} else if len(override) == 0 {
		fmt.Fprintf(out, "%s: %s\n", cfile, errText(err))
		return exNoInput
	}
	values := info.aliasFiles
	if len(override) > 0 {
		values = override
	}
	local := map[string]bool{"localhost": true, "localhost.localdomain": true}
	if h, err := os.Hostname(); err == nil {
		local[strings.ToLower(h)] = true
	}
	for _, n := range info.localNames {
		local[strings.ToLower(strings.TrimSuffix(n, "."))] = true
	}
	isLocal := func(d string) bool {
		d = strings.ToLower(d)
		return local[d] || strings.HasPrefix(d, "[") && (d == "[127.0.0.1]" || d == "[ipv6:::1]")
	}
	exit := exOK
	for _, v := range values {
		for _, spec := range tablesrc.ParseAliasFileOption(v) {
			if code := newaliasesOne(spec, isLocal, out); code != exOK {
				exit = code
			}
		}
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintf(stderr, "%s: %s\n", prog, errText(err))
		return exIOErr
	}
	return exit
}

// newaliasesOne rebuilds one alias database.
func newaliasesOne(spec tablesrc.AliasSpec, isLocal func(string) bool, out *bufio.Writer) int {
	var t mapdb.Type
	switch spec.Class {
	case "implicit", "hash":
		t = mapdb.Hash
	case "btree":
		t = mapdb.Btree
	case "cdb":
		t = mapdb.CDB
	default:
		// Not a database that newaliases builds (text, nis, ldap...).
		return exOK
	}
	f, err := os.Open(spec.Path)
	if err != nil {
		fmt.Fprintf(out, "Can't open %s: %s\n", spec.Path, errText(err))
		return exSoftware
	}
	defer f.Close()
	b, err := mapdb.NewBuilder(t, mapdb.BuildOptions{HashNelemUnset: true})
	if err != nil {
		fmt.Fprintf(out, "%s: %s\n", spec.Path, errText(err))
		return exSoftware
	}
	exit := exOK
	r := tablesrc.NewAliasReader(f, spec.Path, tablesrc.AliasOptions{
		IsLocal: isLocal,
		Report: func(e *tablesrc.LineError) {
			fmt.Fprintf(out, "%s: line %d: %s\n", e.File, e.Line, e.Msg)
			if !e.Warning {
				exit = exSoftware
			}
		},
	})
	store := func(name string, line int, user, val []byte) error {
		// The local mailer has no 'u' flag: sendmail's parser already
		// folded the name, whatever the map's -f says.
		user = tablesrc.FoldASCII(user)
		k := append([]byte(nil), user...)
		v := append([]byte(nil), val...)
		if spec.InclNull {
			k = append(k, 0)
			v = append(v, 0)
		}
		err := b.Put(k, v, mapdb.Insert)
		if !errors.Is(err, mapdb.ErrKeyExists) {
			return err
		}
		if line > 0 {
			fmt.Fprintf(out, "%s: line %d: %s... Warning: duplicate alias name %s\n", spec.Path, line, name, user)
		} else {
			fmt.Fprintf(out, "Warning: duplicate alias name %s\n", user)
		}
		return b.Put(k, v, mapdb.Replace)
	}
	if spec.Append {
		// -A: a duplicate name gets "new,old".
		store = appendStore(b, spec, store)
	}
	for {
		e, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Fprintf(out, "%s: %s\n", spec.Path, errText(err))
			return exSoftware
		}
		if err := store(e.Name, e.Line, e.Key, e.Value); err != nil {
			fmt.Fprintf(out, "%s: line %d: readaliases: db put (%s)\n", spec.Path, e.Line, e.Key)
			exit = exSoftware
		}
	}
	fmt.Fprintf(out, "%s: %d aliases, longest %d bytes, %d bytes total\n", spec.Path, r.Count, r.Longest, r.Bytes)
	// The distinguished entry that tells sendmail the database is
	// complete.
	if err := store("@", 0, []byte("@"), []byte("@")); err != nil {
		fmt.Fprintf(out, "%s: readaliases: db put (@)\n", spec.Path)
		exit = exSoftware
	}
	if exit != exOK && !commitOnDataError {
		// sendmail writes what it could use; mailcc keeps the previous
		// database when the file has errors.
		return exit
	}
	if err := commitDB(t.FileName(spec.Path), 0o640, b, nil); err != nil {
		fmt.Fprintf(out, "%s: %s\n", spec.Path, errText(err))
		return exSoftware
	}
	return exit
}

// appendStore wraps a store for -A alias maps: the value of a name seen
// before becomes "new,old". Keeping the values needs a side table since
// builders cannot be read back.
func appendStore(b mapdb.Builder, spec tablesrc.AliasSpec, plain func(string, int, []byte, []byte) error) func(string, int, []byte, []byte) error {
	seen := map[string][]byte{}
	return func(name string, line int, user, val []byte) error {
		key := string(tablesrc.FoldASCII(user))
		if old, ok := seen[key]; ok {
			merged := append(append(append([]byte(nil), val...), ','), old...)
			seen[key] = merged
			k := []byte(key)
			v := merged
			if spec.InclNull {
				k = append(k, 0)
				v = append(append([]byte(nil), v...), 0)
			}
			return b.Put(k, v, mapdb.Replace)
		}
		seen[key] = append([]byte(nil), val...)
		return plain(name, line, user, val)
	}
}
