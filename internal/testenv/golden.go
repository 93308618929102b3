package testenv

import (
	"bytes"
	"maps"
	"os"
	"slices"
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

// IRFieldDiffs names the top-level fields of two IRs (tables by name)
// that differ under opts: what a round-trip test reports.
func IRFieldDiffs(a, b *ir.Config, opts cmp.Options) []string {
	var out []string
	check := func(name string, x, y any) {
		if !cmp.Equal(x, y, opts) {
			out = append(out, name)
		}
	}
	check("Dialect", a.Dialect, b.Dialect)
	check("Identity", a.Identity, b.Identity)
	check("LocalDomains", a.LocalDomains, b.LocalDomains)
	check("Relay", a.Relay, b.Relay)
	check("Policy", a.Policy, b.Policy)
	check("Rewrite", a.Rewrite, b.Rewrite)
	check("Routing", a.Routing, b.Routing)
	check("Listeners", a.Listeners, b.Listeners)
	check("Client", a.Client, b.Client)
	check("Mailers", a.Mailers, b.Mailers)
	check("Milters", a.Milters, b.Milters)
	check("Options", a.Options, b.Options)
	check("Classes", a.Classes, b.Classes)
	check("Opaque", a.Opaque, b.Opaque)
	tables := map[string][2]*ir.Table{}
	for _, t := range a.Tables {
		tables[t.Name] = [2]*ir.Table{t, nil}
	}
	for _, t := range b.Tables {
		p := tables[t.Name]
		p[1] = t
		tables[t.Name] = p
	}
	for _, n := range slices.Sorted(maps.Keys(tables)) {
		check("Tables["+n+"]", tables[n][0], tables[n][1])
	}
	return out
}
