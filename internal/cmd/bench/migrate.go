package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// migrateCase migrates a sendmail configuration with a 1,000,000-entry
// access map and a 100,000-entry aliases file to Postfix and builds its
// tables (mailcc migrate sendmail-to-postfix --makemaps, whole process:
// m4, parsing, lowering, the migration, writing the sources, building
// the databases), side by side with the real postmap and postalias
// building the same emitted tables from the sources, one after the
// other in one shell, as an admin would after a migration without
// --makemaps. mailcc's run is checked first: every table the real
// tools build has its database.
func migrateCase(name string) benchCase {
	const accessN, aliasesN = 1000000, 100000
	var out string
	var dbs []string
	return benchCase{name: name, target: 1.0, memory: true, setup: func(dir string) ([]string, []string, error) {
		for _, tool := range []string{"postmap", "postalias"} {
			if _, err := exec.LookPath(tool); err != nil {
				return nil, nil, fmt.Errorf("Postfix's %s is needed (make deps): %w", tool, err)
			}
		}
		src := filepath.Join(dir, "src")
		if err := os.MkdirAll(src, 0o755); err != nil {
			return nil, nil, err
		}
		mc := "divert(-1)\n# mailcc bench: a mail hub with large tables, migrated to Postfix\ndivert(0)dnl\n" +
			"OSTYPE(`linux')dnl\nDOMAIN(`generic')dnl\ndefine(`confDOMAIN_NAME', `mail.example.com')dnl\n" +
			"define(`ALIAS_FILE', `/etc/mail/aliases')dnl\nFEATURE(`access_db')dnl\n" +
			"MAILER(`local')dnl\nMAILER(`smtp')dnl\n"
		hosts := "# this host's names\nmail.example.com\nexample.com\nexample.org\n"
		for name, text := range map[string]string{"sendmail.mc": mc, "local-host-names": hosts} {
			if err := os.WriteFile(filepath.Join(src, name), []byte(text), 0o644); err != nil {
				return nil, nil, err
			}
		}
		if err := writeLines(filepath.Join(src, "access"), accessN, mixedAccessLine); err != nil {
			return nil, nil, err
		}
		if err := writeLines(filepath.Join(src, "aliases"), aliasesN, aliasLine); err != nil {
			return nil, nil, err
		}
		// The sources the real tools build: one run without --makemaps.
		// --root src: the /etc/mail paths are looked for under src (not
		// on this host), then found beside the .mc.
		migrate := []string{*mailcc, "migrate", "sendmail-to-postfix", "--from", "src", "--root", "src"}
		cmd := exec.Command(migrate[0], append(migrate[1:], "--to", "real", "--json")...)
		cmd.Dir = dir
		var stderr strings.Builder
		cmd.Stderr = &stderr
		js, err := cmd.Output()
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 3 {
			err = nil // approximate constructs in the report
		}
		if err != nil {
			return nil, nil, fmt.Errorf("mailcc migrate: %v\n%s", err, stderr.String())
		}
		var res struct {
			Files []struct {
				Name, Map string
				Alias     bool
			}
		}
		if err := json.Unmarshal(js, &res); err != nil {
			return nil, nil, fmt.Errorf("mailcc migrate --json: %v", err)
		}
		var script []string
		dbs = nil
		for _, f := range res.Files {
			if f.Map != "hash" {
				continue
			}
			tool := "postmap"
			if f.Alias {
				tool = "postalias"
			}
			script = append(script, fmt.Sprintf("%s -c real hash:real/%s", tool, f.Name))
			dbs = append(dbs, f.Name+".db")
		}
		if len(script) == 0 {
			return nil, nil, fmt.Errorf("mailcc migrate wrote no hash table")
		}
		out = filepath.Join(dir, "out")
		// Exit status 3 says the report holds approximations: success here.
		ours := "\"$0\" \"$@\"; s=$?; [ $s -eq 0 ] || [ $s -eq 3 ]"
		return []string{"sh", "-c", strings.Join(script, " && ")},
			append([]string{"sh", "-c", ours}, append(migrate, "--to", "out", "--makemaps", "--force")...), nil
	}, check: func(string) error {
		for _, db := range dbs {
			st, err := os.Stat(filepath.Join(out, db))
			if err != nil {
				return fmt.Errorf("mailcc migrate --makemaps did not build %s: %w", db, err)
			}
			if st.Size() == 0 {
				return fmt.Errorf("mailcc migrate --makemaps built an empty %s", db)
			}
		}
		return nil
	}}
}
