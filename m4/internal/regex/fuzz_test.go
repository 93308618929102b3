package regex

import (
	"errors"
	"testing"
	"time"
)

// FuzzRegex compiles arbitrary patterns and searches arbitrary subjects:
// no panic, well-formed results, and quick.
func FuzzRegex(f *testing.F) {
	for _, tc := range matchTests {
		f.Add(tc.pattern, tc.subject)
	}
	for _, tc := range errorTests {
		f.Add(tc.pattern, "x")
	}
	for _, tc := range handCases {
		f.Add(tc.pattern, tc.subject)
	}
	f.Add(`\(\(a*\)*\)*\2c`, "aaaaaaaaaaaaaaaaaaaa")
	f.Add("\\`\\(a*\\|\\)\\(b*\\|\\)\\(a*\\|\\)\\(b*\\|\\)\\(a*\\|\\)", "abab")
	f.Fuzz(func(t *testing.T, pattern, subject string) {
		if len(pattern) > 512 || len(subject) > 1024 {
			return
		}
		t0 := time.Now()
		re, err := Compile([]byte(pattern))
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Error() == "" {
				t.Fatalf("Compile(%q): %v is not an *Error with a message", pattern, err)
			}
			return
		}
		re.limit = 1 << 16 // keep each input quick
		s := []byte(subject)
		n := re.NumSubexp()
		for _, start := range []int{0, len(s) / 2, len(s)} {
			m, err := re.SearchErr(s, start)
			if err != nil {
				if !errors.Is(err, ErrMatchLimit) || re.nbackref == 0 {
					t.Fatalf("%q on %q: unexpected error %v", pattern, subject, err)
				}
				continue
			}
			idx, ierr := re.Index(s, start)
			if m == nil {
				continue
			}
			if len(m) != 2*(n+1) {
				t.Fatalf("%q on %q: %d offsets for %d groups", pattern, subject, len(m), n)
			}
			if m[0] < start || m[0] > m[1] || m[1] > len(s) {
				t.Fatalf("%q on %q from %d: match %v out of bounds", pattern, subject, start, m[:2])
			}
			for g := 1; g <= n; g++ {
				a, b := m[2*g], m[2*g+1]
				if a == -1 && b == -1 {
					continue
				}
				if a < m[0] || a > b || b > m[1] {
					t.Fatalf("%q on %q from %d: group %d %v outside match %v", pattern, subject, start, g, m[2*g:2*g+2], m[:2])
				}
			}
			if ierr == nil && (idx < 0 || idx > m[0]) {
				t.Fatalf("%q on %q from %d: Index %d but Search %v", pattern, subject, start, idx, m)
			}
		}
		if d := time.Since(t0); d > 2*time.Second {
			t.Fatalf("%q on %q took %v", pattern, subject, d)
		}
	})
}
