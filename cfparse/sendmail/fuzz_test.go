package sendmail

import (
	"os"
	"path/filepath"
	"testing"

	"mailcc/internal/testenv"
)

// FuzzLoad: any .mc text is read and lowered without a panic (tables are
// not read: the fuzzer exercises the m4 text, the cf macros and the
// lowering).
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join(testenv.Root(), "corpus", "mc", "*", "*.mc"))
	bad, _ := filepath.Glob(filepath.Join(testenv.Root(), "corpus", "bad", "*", "*.mc"))
	for _, s := range append(seeds, bad...) {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("OSTYPE(`linux')FEATURE(`access_db', `LDAP')MAILER(`smtp')LOCAL_CONFIG\nKfoo hash /x\nCw a b\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		Load(filepath.Join(t.TempDir(), "fuzz.mc"), data, Options{SkipTables: true, MaxMemory: 16 << 20, MaxWork: 1 << 20})
	})
}

// FuzzParseCF: any sendmail.cf text is split into lines without a panic.
func FuzzParseCF(f *testing.F) {
	f.Add([]byte("Kaccess hash -T<TMPF> /etc/mail/access\nC{w}a b\n\tc\nO Foo=bar\nMlocal, P=/bin/x, A=x\n"))
	f.Add([]byte("D{\nF\nK\nO\nXa\nS1\nR$* $@ $1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lines, _ := ParseCF("fuzz.cf", data)
		for _, l := range lines {
			Fields(l.Value)
			parseMapSpec(l.Value)
			parseClassFile(l.Value)
		}
	})
}
