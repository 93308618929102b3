package m4

import (
	"io"
	"os"
	"strings"
	"testing"
)

func benchFile(b *testing.B, files ...string) {
	for i := 0; i < b.N; i++ {
		p := New(Options{Stderr: io.Discard, ShellHandler: func(string, ShellContext) (string, int, bool, error) { return "", 0, true, nil }})
		p.SetOutput(io.Discard)
		for _, f := range files {
			if err := p.ProcessFile(f); err != nil {
				b.Fatal(err)
			}
		}
		p.Finish()
	}
}

// BenchmarkGenericLinux compiles the cf library's generic-linux.mc.
func BenchmarkGenericLinux(b *testing.B) {
	if _, err := os.Stat("/usr/share/sendmail/cf/m4/cf.m4"); err != nil {
		b.Skip("sendmail-cf is not installed")
	}
	benchFile(b, "/usr/share/sendmail/cf/m4/cf.m4", "/usr/share/sendmail/cf/cf/generic-linux.mc")
}

// BenchmarkLoop runs a tight macro-call loop of 100,000 calls.
func BenchmarkLoop(b *testing.B) {
	src := "define(`loop', `ifelse($1, 0, , `loop(decr($1))')')loop(100000)"
	for i := 0; i < b.N; i++ {
		p := New(Options{Stderr: io.Discard})
		p.SetOutput(io.Discard)
		p.ProcessString("loop", src)
		p.Finish()
	}
}

// BenchmarkExtraLines compiles generic-linux.mc with 32,000 extra lines
// (the mix make bench uses).
func BenchmarkExtraLines(b *testing.B) {
	if _, err := os.Stat("/usr/share/sendmail/cf/m4/cf.m4"); err != nil {
		b.Skip("sendmail-cf is not installed")
	}
	base, _ := os.ReadFile("/usr/share/sendmail/cf/cf/generic-linux.mc")
	var text strings.Builder
	text.Write(base)
	text.WriteString("LOCAL_CONFIG\n")
	for i := 0; i < 32000; i++ {
		switch i % 4 {
		case 0:
			text.WriteString("dnl # extra line: a comment an admin left\n")
		case 1:
			text.WriteString("LOCAL_DOMAIN(`host" + itoa(i) + ".example.com')dnl\n")
		case 2:
			text.WriteString("define(`confX_" + itoa(i) + "', `value')dnl\n")
		default:
			text.WriteString("Cwvirtual" + itoa(i) + ".example.org\n")
		}
	}
	f := b.TempDir() + "/x.mc"
	os.WriteFile(f, []byte(text.String()), 0o644)
	b.ResetTimer()
	benchFile(b, "/usr/share/sendmail/cf/m4/cf.m4", f)
}
