package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"mailcc/mapdb"
)

func newPraliasesCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "praliases [-C cffile] [-f aliasfile] [key...]",
		Short: "list a sendmail alias database like praliases",
		Long: `mailcc praliases prints the alias databases named by the AliasFile option
of sendmail.cf (-C, default /etc/mail/sendmail.cf), or the one given with
-f, as sendmail 8.17's praliases does: every "key:value" record, the @:@
marker included, or only the keys given, looked up exactly as typed (first
without, then with a trailing NUL). Linked or copied under the name
praliases, the mailcc binary behaves as this command.`,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if code := runPraliases("praliases", args, stdout(), os.Stderr); code != 0 {
				return &exitError{code: code}
			}
			return nil
		},
	}
}

func runPraliases(prog string, args []string, stdout, stderr io.Writer) int {
	opts, rest, ok := toolGetopt(prog, args, "C:f:l", true, stderr)
	if !ok {
		fmt.Fprintf(stderr, "usage: praliases [-C cffile] [-f aliasfile] [key ...]\n")
		return exUsage
	}
	cfile := "/etc/mail/sendmail.cf"
	filename := ""
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	for _, o := range opts {
		switch o.c {
		case 'C':
			cfile = o.arg
		case 'f':
			filename = o.arg
		case 'l':
			for _, t := range makemapTypes {
				fmt.Fprintln(out, t)
			}
			return exOK
		}
	}
	if filename != "" {
		praliasesOne(filename, rest, out, stderr)
		return exOK
	}
	data, err := os.ReadFile(cfile)
	if err != nil {
		fmt.Fprintf(stderr, "praliases: %s: %s\n", cfile, errText(err))
		return exNoInput
	}
	for _, v := range cfAliasFileOptions(data) {
		for _, spec := range praliasesSpecs(v) {
			praliasesOne(spec, rest, out, stderr)
		}
	}
	return exOK
}

// cfAliasFileOptions returns the values of the AliasFile option ("O
// AliasFile=" or the old "OA") of a sendmail.cf, in order.
func cfAliasFileOptions(cf []byte) []string {
	var vals []string
	for _, line := range strings.Split(string(cf), "\n") {
		if len(line) < 2 || line[0] != 'O' {
			continue
		}
		b := line[1:]
		if len(b) >= 10 && strings.EqualFold(b[:10], " AliasFile") && (len(b) == 10 || !isAlnum(b[10])) {
			eq := strings.IndexByte(b, '=')
			if eq < 0 {
				continue
			}
			vals = append(vals, strings.TrimLeft(b[eq+1:], " \t\n\v\f\r"))
		} else if b[0] == 'A' {
			vals = append(vals, b[1:])
		}
	}
	return vals
}

// praliasesSpecs splits an AliasFile value as praliases does: specs end
// at a comma outside double quotes, trailing blanks removed.
func praliasesSpecs(v string) []string {
	var specs []string
	for _, s := range splitQuotedCommas(v) {
		s = strings.TrimLeft(s, " \t\n\v\f\r")
		s = strings.TrimRight(s, " \t\n\v\f\r")
		if s != "" {
			specs = append(specs, s)
		}
	}
	return specs
}

func splitQuotedCommas(v string) []string {
	var out []string
	inQ := false
	start := 0
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '"':
			inQ = !inQ
		case ',':
			if !inQ {
				out = append(out, v[start:i])
				start = i + 1
			}
		}
	}
	return append(out, v[start:])
}

// praliasesOne prints one alias database: [class:][-flags ]file.
func praliasesOne(spec string, keys []string, out *bufio.Writer, stderr io.Writer) {
	dbType, dbName := "", spec
	if i := strings.IndexByte(spec, ':'); i >= 0 {
		dbType, dbName = spec[:i], spec[i+1:]
	}
	for {
		dbName = strings.TrimLeft(dbName, " \t\n\v\f\r")
		if !strings.HasPrefix(dbName, "-") {
			break
		}
		i := strings.IndexAny(dbName, " \t\n\v\f\r")
		if i < 0 {
			dbName = ""
			break
		}
		dbName = dbName[i:]
	}
	var t mapdb.Type
	if dbType != "" {
		var ok bool
		if t, ok = mapdb.ParseType(dbType); !ok {
			out.Flush()
			fmt.Fprintf(stderr, "praliases: Skipping non-file based alias type %s\n", dbType)
			return
		}
	}
	if dbName == "" || (strings.Contains(spec, ":") && dbType == "") {
		out.Flush()
		fmt.Fprintf(stderr, "praliases: illegal alias specification: %s\n", spec)
		return
	}
	var m mapdb.Map
	var err error
	if t == "" {
		// The default type tries each format in turn.
		m, err = openAnyDB(dbName)
	} else {
		m, err = mapdb.Open(t, t.FileName(dbName))
	}
	if err != nil {
		out.Flush()
		fmt.Fprintf(stderr, "praliases: %s: open: %s\n", dbName, praliasesOpenErr(err))
		return
	}
	defer m.Close()
	if len(keys) == 0 {
		err := m.Walk(func(k, v []byte) error {
			out.Write(mapdb.CString(k))
			out.WriteByte(':')
			out.Write(mapdb.CString(v))
			return out.WriteByte('\n')
		})
		if err != nil {
			out.Flush()
			fmt.Fprintf(stderr, "praliases: %s: get value at cursor: %s\n", dbName, errText(err))
		}
		return
	}
	for _, k := range keys {
		key := []byte(k)
		v, err := m.Get(key)
		if errors.Is(err, mapdb.ErrNotFound) {
			key = append(key, 0)
			v, err = m.Get(key)
		}
		if err == nil {
			out.Write(mapdb.CString(key))
			out.WriteByte(':')
			out.Write(mapdb.CString(v))
			out.WriteByte('\n')
		} else {
			fmt.Fprintf(out, "%s: No such key\n", k)
		}
	}
}

// openAnyDB opens name.db as whichever Berkeley DB format it is, or
// name.cdb.
func openAnyDB(name string) (mapdb.Map, error) {
	path := mapdb.Hash.FileName(name)
	if _, err := os.Stat(path); err == nil {
		m, err := mapdb.Open(mapdb.Hash, path)
		if err == nil {
			return m, nil
		}
		if m, err2 := mapdb.Open(mapdb.Btree, path); err2 == nil {
			return m, nil
		}
		return nil, err
	}
	if m, err := mapdb.Open(mapdb.CDB, mapdb.CDB.FileName(name)); err == nil {
		return m, nil
	}
	return nil, errUnknownDBType
}

var errUnknownDBType = errors.New("Unknown database type")

func praliasesOpenErr(err error) string {
	if errors.Is(err, errUnknownDBType) {
		return err.Error()
	}
	return errText(err)
}

// cfLines is a tiny reader of the sendmail.cf lines newaliases needs.
type cfInfo struct {
	aliasFiles []string // AliasFile option values, in order
	localNames []string // $j, $w, class w
}

func readCFInfo(data []byte) cfInfo {
	var c cfInfo
	c.aliasFiles = cfAliasFileOptions(data)
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, "\r")
		switch {
		case strings.HasPrefix(line, "Dj"), strings.HasPrefix(line, "Dw"), strings.HasPrefix(line, "Dm"):
			if v := strings.TrimSpace(line[2:]); v != "" && !strings.Contains(v, "$") {
				c.localNames = append(c.localNames, v)
			}
		case strings.HasPrefix(line, "Cw"):
			c.localNames = append(c.localNames, strings.Fields(line[2:])...)
		case strings.HasPrefix(line, "C{w}"):
			c.localNames = append(c.localNames, strings.Fields(line[4:])...)
		case strings.HasPrefix(line, "Fw"), strings.HasPrefix(line, "F{w}"):
			f := strings.TrimPrefix(strings.TrimPrefix(line, "F{w}"), "Fw")
			f = strings.TrimSpace(f)
			f = strings.TrimPrefix(f, "-o")
			f = strings.TrimSpace(f)
			if i := strings.IndexAny(f, " \t"); i >= 0 {
				f = f[:i]
			}
			if data, err := os.ReadFile(f); err == nil {
				for _, l := range bytes.Split(data, []byte("\n")) {
					l = bytes.TrimSpace(l)
					if len(l) > 0 && l[0] != '#' {
						c.localNames = append(c.localNames, string(bytes.Fields(l)[0]))
					}
				}
			}
		}
	}
	return c
}
