package m4
import ("testing";"io";"strings")
func BenchmarkPlainText(b *testing.B) {
	line := "# Copyright (c) 1998, 1999, 2001 Proofpoint, Inc. and its suppliers.\n"
	text := "changecom()divert(-1)\n" + strings.Repeat(line, 10000)
	b.SetBytes(int64(len(text)))
	for i := 0; i < b.N; i++ {
		p := New(Options{Stderr: io.Discard})
		p.SetOutput(io.Discard)
		p.ProcessString("x", text)
	}
}
