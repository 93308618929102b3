// Package emit holds what both directions of mailcc migrate need to
// write their files: the files themselves, comments wrapped to about 76
// columns, and source positions as file:line lists for provenance
// comments.
package emit

import (
	"iter"
	"strconv"
	"strings"

	"mailcc/ir"
)

// File is one emitted file: its name in the configuration folder and
// its contents.
type File struct {
	Name string
	Data []byte
	// Map is the database type a table is built as ("hash", "btree",
	// "cdb"), or the type of a table read as text ("regexp", "pcre",
	// "cidr"); "" for configuration and class files. Alias: an
	// aliases(5) table (built with postalias, or as newaliases does).
	Map   string
	Alias bool
	// Entries, when set, gives the key and value of every entry of a
	// table written as "key value" lines, in the order of Data: a
	// reader may take them instead of reading Data again (Data is what
	// counts).
	Entries iter.Seq2[string, string]
}

// Comment formats text as comment lines starting with prefix ("#",
// "dnl"), its words wrapped at about 76 columns; a newline in text
// starts a new comment line.
func Comment(prefix, text string) string {
	var b strings.Builder
	for _, para := range strings.Split(text, "\n") {
		line := prefix
		for _, w := range strings.Fields(para) {
			if len(line)+1+len(w) > 76 && line != prefix {
				b.WriteString(line + "\n")
				line = prefix
			}
			line += " " + w
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// Pos is file:line (the column says little in a table), "" for no
// position.
func Pos(p ir.Pos) string {
	if !p.IsValid() {
		return ""
	}
	if p.Line > 0 {
		return p.File + ":" + strconv.Itoa(p.Line)
	}
	return p.File
}

// PosList formats positions as file:line, in order, without repeats.
func PosList(ps []ir.Pos) string {
	var out []string
	seen := map[string]bool{}
	for _, p := range ps {
		s := Pos(p)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}
