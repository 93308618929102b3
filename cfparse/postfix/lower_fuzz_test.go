package postfix

import (
	"os"
	"path/filepath"
	"testing"

	"mailcc/ir"
)

// FuzzLower lowers arbitrary main.cf and master.cf texts: no panic, and
// the IR always encodes.
func FuzzLower(f *testing.F) {
	project, _ := corpusDirs(&testing.T{})
	for _, dir := range project {
		m, _ := os.ReadFile(filepath.Join(dir, "main.cf"))
		s, _ := os.ReadFile(filepath.Join(dir, "master.cf"))
		f.Add(m, s)
	}
	f.Add([]byte("mynetworks = [::1]/129 10.0.0.1/8 !x\nsmtpd_milters = { inet:1:2, default_action = x\n"), []byte("smtp inet n - y - - smtpd -o {\n"))
	f.Fuzz(func(t *testing.T, mainCF, masterCF []byte) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "main.cf"), mainCF, 0o644)
		os.WriteFile(filepath.Join(dir, "master.cf"), masterCF, 0o644)
		cfg, _ := Lower(dir, Options{Host: testHost, Root: dir})
		if _, err := ir.Marshal(cfg); err != nil {
			t.Fatalf("the IR does not encode: %v", err)
		}
	})
}
