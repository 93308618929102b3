package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"mailcc/ir"
)

// TestIRCommand: mailcc ir detects the dialect of a folder, prints YAML
// that decodes into the IR (or the same as JSON, or counts), falls back
// to the table beside main.cf or the .mc with a note, resolves absolute
// paths under --root, and fails clearly on what it cannot read.
func TestIRCommand(t *testing.T) {
	dir := t.TempDir()
	pf := filepath.Join(dir, "postfix")
	writeFile(t, filepath.Join(pf, "main.cf"), "compatibility_level = 3.6\nmyhostname = mx.example.org\n"+
		"alias_maps = hash:/etc/postfix/no-such-aliases-file\nalias_database = $alias_maps\n"+
		"virtual_alias_maps = hash:$config_directory/virtual\n")
	writeFile(t, filepath.Join(pf, "master.cf"), "smtp inet n - y - - smtpd\n")
	writeFile(t, filepath.Join(pf, "no-such-aliases-file"), "postmaster: root\nroot: admin@example.org\n")
	writeFile(t, filepath.Join(pf, "virtual"), "info@example.org  admin\n@example.net  catchall@example.org\n")

	out, stderr, st := mailccRun(t, dir, "ir", pf)
	if st != 0 {
		t.Fatalf("mailcc ir: status %d: %s", st, stderr)
	}
	cfg, err := ir.Decode(strings.NewReader(out))
	if err != nil {
		t.Fatalf("the YAML does not decode: %v\n%s", err, out)
	}
	if cfg.Dialect != ir.Postfix || cfg.Identity.Hostname.Value != "mx.example.org" {
		t.Errorf("dialect %q, hostname %q", cfg.Dialect, cfg.Identity.Hostname.Value)
	}
	aliases := cfg.Table("hash:/etc/postfix/no-such-aliases-file")
	if aliases == nil || !aliases.Loaded || len(aliases.Entries) != 2 {
		t.Fatalf("aliases table not read beside main.cf: %+v", aliases)
	}
	note := false
	for _, s := range cfg.Sources {
		note = note || strings.Contains(s.Note, "beside main.cf")
	}
	if !note {
		t.Errorf("no note says the aliases were read beside main.cf: %+v", cfg.Sources)
	}
	if v := cfg.Table("hash:" + pf + "/virtual"); v == nil || len(v.Entries) != 2 {
		t.Errorf("virtual table ($config_directory) not read: %+v", v)
	}

	// --json: the same tree.
	js, stderr, st := mailccRun(t, dir, "ir", "--json", pf)
	if st != 0 || !json.Valid([]byte(js)) {
		t.Fatalf("--json: status %d, valid %v: %s", st, json.Valid([]byte(js)), stderr)
	}
	var fromJSON, fromYAML any
	json.Unmarshal([]byte(js), &fromJSON)
	yaml.Unmarshal([]byte(out), &fromYAML)
	if diff := cmp.Diff(normaliseTree(fromYAML), normaliseTree(fromJSON)); diff != "" {
		t.Errorf("JSON and YAML differ (-yaml +json):\n%s", diff)
	}

	// --stats.
	stats, _, st := mailccRun(t, dir, "ir", "--stats", filepath.Join(pf, "main.cf"))
	if st != 0 || !strings.Contains(stats, "dialect\tpostfix\n") || !strings.Contains(stats, "entries\t4\n") ||
		!strings.Contains(stats, "peak_memory_kb\t") {
		t.Errorf("--stats: status %d:\n%s", st, stats)
	}

	// --root: /etc/postfix under the root.
	root := filepath.Join(dir, "root")
	writeFile(t, filepath.Join(root, "etc/postfix/main.cf"), "compatibility_level = 3.6\nalias_maps = hash:/etc/postfix/aliases\n")
	writeFile(t, filepath.Join(root, "etc/postfix/aliases"), "postmaster: root\n")
	out, stderr, st = mailccRun(t, dir, "ir", "--root", root, filepath.Join(root, "etc/postfix"))
	if st != 0 {
		t.Fatalf("--root: status %d: %s", st, stderr)
	}
	cfg, _ = ir.Decode(strings.NewReader(out))
	found := false
	for _, s := range cfg.Sources {
		found = found || (s.Path == filepath.Join(root, "etc/postfix/aliases") && s.Note == "")
	}
	if !found {
		t.Errorf("--root: aliases not read under the root: %+v", cfg.Sources)
	}

	// A sendmail folder: the .mc, and its tables beside it.
	sm := filepath.Join(dir, "mail")
	writeFile(t, filepath.Join(sm, "sendmail.mc"), "include(`/usr/share/sendmail/cf/m4/cf.m4')dnl\nOSTYPE(`linux')dnl\nFEATURE(`access_db')dnl\nMAILER(`local')dnl\nMAILER(`smtp')dnl\n")
	writeFile(t, filepath.Join(sm, "access"), "Connect:192.0.2 REJECT\nFrom:spam@example.com ERROR:5.7.1:550 go away\n")
	writeFile(t, filepath.Join(sm, "aliases"), "postmaster: root\n")
	out, stderr, st = mailccRun(t, dir, "ir", "--root", filepath.Join(dir, "empty-root"), sm)
	if st != 0 {
		t.Fatalf("sendmail folder: status %d: %s", st, stderr)
	}
	cfg, _ = ir.Decode(strings.NewReader(out))
	if cfg.Dialect != ir.Sendmail {
		t.Fatalf("dialect %q", cfg.Dialect)
	}
	if a := cfg.Table("access"); a == nil || len(a.Entries) != 2 || a.Entries[0].Access == nil || a.Entries[0].Access.Tag != "Connect" {
		t.Errorf("access not read beside the .mc: %+v", a)
	}

	// Errors.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"ir", filepath.Join(dir, "nothing")}, "no such file or directory"},
		{[]string{"ir", "--from", "sendmail", pf}, "holds a Postfix configuration"},
		{[]string{"ir", "--from", "exim", pf}, "must be sendmail or postfix"},
		{[]string{"ir", dir}, "neither a sendmail.mc nor a main.cf"},
	} {
		_, stderr, st := mailccRun(t, dir, c.args...)
		if st == 0 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: status %d, stderr %q; want an error saying %q", c.args, st, stderr, c.want)
		}
	}
	// A configuration with errors: positioned messages, status 1, the IR
	// printed anyway.
	writeFile(t, filepath.Join(dir, "broken", "main.cf"), "compatibility_level = 3.6\nmynetworks = 10.0.0.1/8\n")
	out, stderr, st = mailccRun(t, dir, "ir", filepath.Join(dir, "broken"))
	if st != 1 || !strings.Contains(stderr, "main.cf:2:14: error: mynetworks: non-null host address bits") || !strings.Contains(out, "dialect: postfix") {
		t.Errorf("broken config: status %d, stderr:\n%s", st, stderr)
	}
}

// normaliseTree makes decoded YAML and JSON comparable (YAML integers
// are int, JSON numbers float64).
func normaliseTree(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normaliseTree(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normaliseTree(e)
		}
	case int:
		return float64(x)
	}
	return v
}
