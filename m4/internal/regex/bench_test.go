package regex

import "testing"

var benchSubject = []byte("define(`confDOMAIN_NAME', `$w.$m')dnl and some more text $1 and ${foo} here\n")

func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile([]byte(`\$\({[^}]*}\|[0-9][0-9]+\)`)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSearchGroups(b *testing.B) {
	re := MustCompile(`\$\({[^}]*}\|[0-9][0-9]+\)`)
	b.ReportAllocs()
	for b.Loop() {
		if re.Search(benchSubject, 0) == nil {
			b.Fatal("no match")
		}
	}
}

func BenchmarkSearchNoGroups(b *testing.B) {
	re := MustCompile(`[a-z]+} here$`)
	b.ReportAllocs()
	for b.Loop() {
		if re.Search(benchSubject, 0) == nil {
			b.Fatal("no match")
		}
	}
}

func BenchmarkPatsubstWords(b *testing.B) {
	re := MustCompile(`\w+`)
	b.ReportAllocs()
	for b.Loop() {
		for off := 0; off <= len(benchSubject); {
			m := re.Search(benchSubject, off)
			if m == nil {
				break
			}
			off = m[1]
			if m[0] == m[1] {
				off++
			}
		}
	}
}

func BenchmarkBackref(b *testing.B) {
	re := MustCompile(`\(\w+\) \1`)
	s := []byte("this is is a test")
	b.ReportAllocs()
	for b.Loop() {
		if re.Search(s, 0) == nil {
			b.Fatal("no match")
		}
	}
}
