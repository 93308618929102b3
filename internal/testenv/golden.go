package testenv

import (
	"bytes"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"mailcc/ir"
)

// chdirLock serialises InDir: the working directory is the process's.
var chdirLock = make(chan struct{}, 1)

// InDir runs f with dir as the working directory.
func InDir(t testing.TB, dir string, f func()) {
	t.Helper()
	chdirLock <- struct{}{}
	defer func() { <-chdirLock }()
	old, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(old)
	f()
}

// RoundTrip checks that cfg encodes to YAML and decodes to an equal IR.
func RoundTrip(t testing.TB, cfg *ir.Config) {
	t.Helper()
	data, err := ir.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ir.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decoding the encoded IR: %v", err)
	}
	if diff := cmp.Diff(cfg, back, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("IR -> YAML -> IR differs (-before +after):\n%s", diff)
	}
}

// Golden compares got with the golden file path; with update it writes
// got there instead.
func Golden(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("differs from %s (-want +got):\n%s", path, diff)
	}
}
