package cfcompile
import ("testing";"io";"os";"strings";"fmt";"time")
func TestKinds(t *testing.T) {
	base, _ := os.ReadFile("/usr/share/sendmail/cf/cf/generic-linux.mc")
	head, tail, _ := strings.Cut(string(base), "MAILER(local)dnl")
	kinds := []func(i int) string{
		func(i int) string { return fmt.Sprintf("dnl # extra line %d: a comment an admin left\n", i) },
		func(i int) string { return fmt.Sprintf("define(`confX_%d', `value %d')dnl\n", i, i) },
		func(i int) string { return fmt.Sprintf("LOCAL_DOMAIN(`host%d.example.com')dnl\n", i) },
		func(i int) string { return fmt.Sprintf("EXPOSED_USER(`user%d')dnl\n", i) },
		func(i int) string { return fmt.Sprintf("MASQUERADE_DOMAIN(`dept%d.example.com')dnl\n", i) },
		func(i int) string { return fmt.Sprintf("RELAY_DOMAIN(`partner%d.example.net')dnl\n", i) },
		func(i int) string { return "FEATURE(`use_cw_file')dnl\n" },
		func(i int) string { return fmt.Sprintf("Cwvirtual%d.example.org\n", i) },
	}
	for k, f := range kinds {
		var b strings.Builder
		b.WriteString("LOCAL_CONFIG\n")
		for i := 0; i < 4000; i++ { b.WriteString(f(i)) }
		os.WriteFile("/tmp/kind.mc", []byte(head+b.String()+"MAILER(local)dnl"+tail), 0o644)
		best := time.Hour
		for r := 0; r < 5; r++ {
			st := time.Now()
			Compile("/tmp/kind.mc", io.Discard, Options{BuildInfo: &BuildInfo{}})
			if d := time.Since(st); d < best { best = d }
		}
		t.Logf("kind %d: %v per 4000 lines", k, best)
	}
}
func BenchmarkMix(b *testing.B) {
	for i := 0; i < b.N; i++ {
		Compile("/tmp/mix32k.mc", io.Discard, Options{BuildInfo: &BuildInfo{}})
	}
}
