package bdb

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailcc/internal/testenv"
)

// pair is one put, in order.
type pair struct{ k, v []byte }

// dumpInput renders pairs in db_dump's "print" format, the input of
// db_load, with the creation parameters makemap and postmap use.
func dumpInput(kind Kind, pairs []pair, dups bool) []byte {
	var b bytes.Buffer
	b.WriteString("VERSION=3\nformat=print\n")
	if kind == Hash {
		b.WriteString("type=hash\nh_nelem=4096\n")
	} else {
		b.WriteString("type=btree\n")
	}
	if dups {
		b.WriteString("duplicates=1\n")
	}
	b.WriteString("db_pagesize=4096\nHEADER=END\n")
	esc := func(s []byte) {
		b.WriteByte(' ')
		for _, c := range s {
			switch {
			case c == '\\':
				b.WriteString(`\\`)
			case c >= 0x20 && c < 0x7f:
				b.WriteByte(c)
			default:
				fmt.Fprintf(&b, `\%02x`, c)
			}
		}
		b.WriteByte('\n')
	}
	for _, p := range pairs {
		esc(p.k)
		esc(p.v)
	}
	b.WriteString("DATA=END\n")
	return b.Bytes()
}

// dbLoad builds a database with the real Berkeley DB (db_load), putting
// the pairs in order: with DB_NOOVERWRITE for NoOverwrite (db_load -n),
// replacing for Overwrite, appending for a database with duplicates.
func dbLoad(t testing.TB, kind Kind, pairs []pair, mode PutMode) []byte {
	t.Helper()
	load := testenv.Tool(t, "db_load")
	dir := t.TempDir()
	out := filepath.Join(dir, "real.db")
	args := []string{out}
	if mode == NoOverwrite {
		args = []string{"-n", out}
	}
	cmd := exec.Command(load, args...)
	cmd.Stdin = bytes.NewReader(dumpInput(kind, pairs, mode == Append))
	if msg, err := cmd.CombinedOutput(); err != nil {
		// db_load -n exits 1 after reporting keys that were already
		// there, but still writes the other entries.
		if !bytes.Contains(msg, []byte("key already exists")) {
			t.Fatalf("db_load: %v\n%s", err, msg)
		}
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// dbDump lists a database file with the real db_dump -p.
func dbDump(t testing.TB, data []byte) string {
	t.Helper()
	dump := testenv.Tool(t, "db_dump")
	path := filepath.Join(t.TempDir(), "x.db")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(dump, "-p", path).CombinedOutput()
	if err != nil {
		t.Fatalf("db_dump: %v\n%s", err, out)
	}
	// The header's h_nelem and the like are compared separately.
	s := string(out)
	if i := strings.Index(s, "HEADER=END\n"); i >= 0 {
		s = s[i:]
	}
	return s
}

// dbVerify runs the real db_verify over a database file.
func dbVerify(t testing.TB, data []byte) {
	t.Helper()
	verify := testenv.Tool(t, "db_verify")
	path := filepath.Join(t.TempDir(), "v.db")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(verify, "-q", path).CombinedOutput(); err != nil {
		t.Errorf("db_verify: %v\n%s", err, out)
	}
}

// postmapQuery asks the real postmap (Berkeley DB's lookup) for every
// key that can be written on a line. The result maps found keys to their
// value and marks every asked key with a "\x00asked:" entry.
func postmapQuery(t testing.TB, data []byte, keys map[string][][]byte) map[string]string {
	t.Helper()
	postmap := testenv.Tool(t, "postmap")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.cf"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// Postfix waits for a main.cf modified in the last seconds to
	// settle; an old one is read at once.
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "main.cf"), old, old); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "q.db"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	var in bytes.Buffer
	res := map[string]string{}
	for k := range keys {
		if k == "" || strings.ContainsAny(k, "\x00\n\t\r #") || strings.HasPrefix(k, " ") {
			continue
		}
		in.WriteString(k + "\n")
		res["\x00asked:"+k] = ""
	}
	cmd := exec.Command(postmap, "-c", dir, "-f", "-q", "-", "hash:"+filepath.Join(dir, "q"))
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil && len(out) == 0 && in.Len() > 0 {
		t.Logf("postmap -q -: %v\n%s", err, stderr.Bytes())
	}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(line, "\t"); ok {
			res[k] = v
		}
	}
	return res
}

// structDiff compares two database files page by page, ignoring what
// Berkeley DB leaves undefined: the unique file id, and the bytes of a
// page that hold no item (free space, stale bytes of freed pages).
func structDiff(mine, real []byte) string {
	const ps = 4096
	if len(mine) != len(real) {
		return fmt.Sprintf("size %d, want %d (%d vs %d pages)", len(mine), len(real), len(mine)/ps, len(real)/ps)
	}
	le := binary.LittleEndian
	for pg := 0; pg*ps < len(real); pg++ {
		a, b := mine[pg*ps:(pg+1)*ps], real[pg*ps:(pg+1)*ps]
		if pg == 0 {
			for i := 0; i < 512; i++ {
				if i >= metaUIDOff && i < metaUIDOff+metaUIDLen {
					continue
				}
				if a[i] != b[i] {
					return fmt.Sprintf("meta page differs at byte %d: %#x, want %#x", i, a[i], b[i])
				}
			}
			continue
		}
		if !bytes.Equal(a[8:26], b[8:26]) {
			return fmt.Sprintf("page %d header differs:\n got  %x\n want %x", pg, a[:26], b[:26])
		}
		n := int(le.Uint16(b[20:]))
		hf := int(le.Uint16(b[22:]))
		switch b[25] {
		case pHash, pLBtree, pIBtree, pLDup, pIRecno, pLRecno:
			if !bytes.Equal(a[26:26+2*n], b[26:26+2*n]) {
				for i := 0; i < n; i++ {
					if x, y := le.Uint16(a[26+2*i:]), le.Uint16(b[26+2*i:]); x != y {
						return fmt.Sprintf("page %d index %d differs: offset %d, want %d\n got  %s\n want %s", pg, i, x, y, pageKeys(a), pageKeys(b))
					}
				}
			}
			aa, bb := append([]byte(nil), a[hf:]...), append([]byte(nil), b[hf:]...)
			if b[25] == pHash {
				// The three padding bytes of an HOFFPAGE item are not
				// initialised by Berkeley DB.
				for i := 0; i < n; i++ {
					off := int(le.Uint16(b[26+2*i:])) - hf
					if bb[off] == hOffpage && off+4 <= len(bb) {
						copy(bb[off+1:off+4], aa[off+1:off+4])
					}
				}
			}
			if !bytes.Equal(aa, bb) {
				for i := range aa {
					if aa[i] != bb[i] {
						return fmt.Sprintf("page %d items differ at byte %d:\n%s\n%s", pg, hf+i, dumpHashPage(a), dumpHashPage(b))
					}
				}
			}
		case pOverflow:
			if !bytes.Equal(a[26:26+hf], b[26:26+hf]) {
				return fmt.Sprintf("overflow page %d differs", pg)
			}
		case pInvalid:
			if b[8] == 0 && b[9] == 0 && b[10] == 0 && b[11] == 0 && !bytes.Equal(a, b) {
				return fmt.Sprintf("page %d should be zero", pg)
			}
		}
	}
	return ""
}

// pageKeys lists the keys of a hash page, for failure messages.
func pageKeys(p []byte) string {
	le := binary.LittleEndian
	n := int(le.Uint16(p[20:]))
	var keys []string
	for i := 0; i < n; i += 2 {
		end := len(p)
		if i > 0 {
			end = int(le.Uint16(p[26+2*(i-1):]))
		}
		off := int(le.Uint16(p[26+2*i:]))
		keys = append(keys, fmt.Sprintf("%q", p[off+1:end]))
	}
	return fmt.Sprintf("next=%d n=%d %s", le.Uint32(p[16:]), n/2, strings.Join(keys, " "))
}

// genPairs makes n key/value pairs of mixed kinds: mixed-case names,
// IPv4 and IPv6 addresses, long keys and values, binary bytes.
func genPairs(n int, seed uint64, binary bool) []pair {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]pair, 0, n)
	for i := 0; i < n; i++ {
		var k, v string
		switch i % 7 {
		case 0:
			k = fmt.Sprintf("From:User%d@Example%d.COM", i, r.IntN(1000))
			v = "REJECT"
		case 1:
			k = fmt.Sprintf("Connect:%d.%d.%d.%d", r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256))
			v = "RELAY"
		case 2:
			k = fmt.Sprintf("Connect:IPv6:2001:db8:%x:%x::%x", r.IntN(65536), i, r.IntN(65536))
			v = "ERROR:5.7.1:550 go away"
		case 3:
			k = fmt.Sprintf("to:%s@long.example.org", strings.Repeat("x", r.IntN(300)))
			v = strings.Repeat("v", r.IntN(600))
		case 4:
			k = fmt.Sprintf("key%08d", i)
			v = fmt.Sprintf("value %d %s", i, strings.Repeat("y", r.IntN(40)))
		case 5:
			k = fmt.Sprintf("MiXeD.%d.CaSe.Example", r.IntN(n+1))
			v = "OK"
		case 6:
			k = fmt.Sprintf("u%d", r.IntN(n*2+1))
			v = "smtp:[relay.example]"
		}
		kb, vb := []byte(k), []byte(v)
		if binary && i%11 == 0 {
			kb = append(kb, 0, byte(r.IntN(256)), 0xff, '\t', ' ')
			vb = append(vb, 0)
		}
		out = append(out, pair{kb, vb})
	}
	return out
}

func buildHash(t testing.TB, pairs []pair, mode PutMode, dups bool) []byte {
	t.Helper()
	b := NewHashBuilder(HashOptions{Duplicates: dups})
	for _, p := range pairs {
		if err := b.Put(p.k, p.v, mode); err != nil && err != ErrKeyExists {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if _, err := b.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// genBig makes pairs with keys and values past the off-page threshold
// (1024 bytes for hash, 1007 for btree), some repeated with other
// values.
func genBig(n int, seed uint64) []pair {
	r := rand.New(rand.NewPCG(seed, 9))
	var out []pair
	for i := 0; i < n; i++ {
		k := fmt.Sprintf("k%d", r.IntN(n/2+1))
		if i%5 == 0 {
			k += strings.Repeat("K", 1000+r.IntN(3000))
		}
		v := strings.Repeat(string(rune('a'+i%26)), r.IntN(30))
		if i%3 == 0 {
			v = strings.Repeat("V", 900+r.IntN(9000))
		}
		out = append(out, pair{[]byte(k), []byte(v)})
	}
	return out
}

// genDups makes pairs where keys repeat often, some many times.
func genDups(n int, seed uint64) []pair {
	r := rand.New(rand.NewPCG(seed, 11))
	var out []pair
	for i := 0; i < n; i++ {
		k := fmt.Sprintf("d%d", r.IntN(n/4+1))
		if i%50 == 0 {
			k = "hot"
		}
		v := fmt.Sprintf("value-%d-%s", i, strings.Repeat("z", r.IntN(80)))
		if i%97 == 0 {
			v = strings.Repeat("B", 1100)
		}
		out = append(out, pair{[]byte(k), []byte(v)})
	}
	return out
}

type layoutCase struct {
	name  string
	pairs []pair
	mode  PutMode
	// exact: the page layout itself must match, not only the listing.
	exact bool
}

func layoutCases() []layoutCase {
	return []layoutCase{
		{"empty", nil, NoOverwrite, true},
		{"10", genPairs(10, 10, false), NoOverwrite, true},
		{"1000-binary", genPairs(1000, 1000, true), NoOverwrite, true},
		{"10000-binary", genPairs(10000, 10000, true), NoOverwrite, true},
		{"30000", genPairs(30000, 30000, false), NoOverwrite, true},
		{"10000-replace", genPairs(10000, 3, true), Overwrite, true},
		{"big", genBig(600, 1), NoOverwrite, true},
		{"big-replace", genBig(600, 2), Overwrite, true},
		{"dups", genDups(3000, 4), Append, false},
	}
}

func TestHashLayoutMatchesBerkeleyDB(t *testing.T) {
	for _, tc := range layoutCases() {
		t.Run(tc.name, func(t *testing.T) {
			real := dbLoad(t, Hash, tc.pairs, tc.mode)
			mine := buildHash(t, tc.pairs, tc.mode, tc.mode == Append)
			if tc.exact {
				if d := structDiff(mine, real); d != "" {
					t.Errorf("layout differs from Berkeley DB: %s", d)
				}
			}
			if a, b := dbDump(t, mine), dbDump(t, real); a != b {
				t.Errorf("db_dump listings differ:\n%s", firstDiff(a, b))
			}
			dbVerify(t, mine)
			checkReader(t, mine, real)
		})
	}
}

func buildBtree(t testing.TB, pairs []pair, mode PutMode) []byte {
	t.Helper()
	b := NewBtreeBuilder(BtreeOptions{Duplicates: mode == Append})
	for _, p := range pairs {
		if err := b.Put(p.k, p.v, mode); err != nil && err != ErrKeyExists {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if _, err := b.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestBtreeListsLikeBerkeleyDB(t *testing.T) {
	for _, tc := range layoutCases() {
		t.Run(tc.name, func(t *testing.T) {
			real := dbLoad(t, Btree, tc.pairs, tc.mode)
			mine := buildBtree(t, tc.pairs, tc.mode)
			if a, b := dbDump(t, mine), dbDump(t, real); a != b {
				t.Errorf("db_dump listings differ:\n%s", firstDiff(a, b))
			}
			dbVerify(t, mine)
			checkReader(t, mine, real)
		})
	}
}

// firstDiff shows where two listings part.
func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) && i < len(lb); i++ {
		if la[i] != lb[i] {
			lo := max(0, i-2)
			return fmt.Sprintf("line %d:\n mine %q\n real %q\n (context mine %q)", i+1, la[i], lb[i], la[lo:i])
		}
	}
	return fmt.Sprintf("lengths %d and %d lines", len(la), len(lb))
}

// checkReader reads the real file with this package: the walk must give
// the pairs in db_dump's order and every key must be found.
func checkReader(t *testing.T, mine, real []byte) {
	t.Helper()
	for _, file := range []struct {
		name string
		data []byte
	}{{"mine", mine}, {"real", real}} {
		db, err := NewReader(bytes.NewReader(file.data), int64(len(file.data)))
		if err != nil {
			t.Fatalf("%s: %v", file.name, err)
		}
		var walk []pair
		if err := db.Walk(func(k, v []byte) error {
			walk = append(walk, pair{append([]byte(nil), k...), append([]byte(nil), v...)})
			return nil
		}); err != nil {
			t.Fatalf("%s: walk: %v", file.name, err)
		}
		var listing bytes.Buffer
		listing.Write(dumpInput(db.Kind(), walk, false))
		want := dbDump(t, file.data)
		got := string(listing.Bytes()[bytes.Index(listing.Bytes(), []byte("HEADER=END\n")):])
		if got != want {
			t.Errorf("%s: walk differs from db_dump:\n%s", file.name, firstDiff(got, want))
		}
		// Every key is found, with one of the values the walk gave
		// for it (Berkeley DB itself can store a key twice when big and
		// small keys share a page, and then finds only one of them).
		listed := map[string][][]byte{}
		for _, p := range walk {
			listed[string(p.k)] = append(listed[string(p.k)], p.v)
		}
		var oracle map[string]string
		if db.Kind() == Hash {
			oracle = postmapQuery(t, file.data, listed)
		}
		for k, want := range listed {
			vals, err := db.GetAll([]byte(k))
			if oracle != nil {
				// Berkeley DB's own lookup, through Postfix, decides.
				if v, ok := oracle[k]; ok {
					if err != nil || string(vals[0]) != v {
						t.Fatalf("%s: get %q = %q, %v; postmap -q finds %q", file.name, k, vals, err, v)
					}
					continue
				} else if _, asked := oracle["\x00asked:"+k]; asked {
					if err != ErrNotFound {
						t.Fatalf("%s: get %q = %q, %v; postmap -q does not find it", file.name, k, vals, err)
					}
					continue
				}
			}
			if err != nil {
				t.Fatalf("%s: get %q: %v", file.name, k, err)
			}
			for _, v := range vals {
				found := false
				for _, w := range want {
					if bytes.Equal(v, w) {
						found = true
					}
				}
				if !found {
					t.Fatalf("%s: get %q: value %q is not listed for it", file.name, k, v)
				}
			}
		}
		if _, err := db.Get([]byte("no such key\x01")); err != ErrNotFound {
			t.Errorf("%s: missing key: %v", file.name, err)
		}
	}
}

// dumpHashPage describes a hash page, for failure messages.
func dumpHashPage(p []byte) string {
	le := binary.LittleEndian
	n := int(le.Uint16(p[20:]))
	s := fmt.Sprintf("pg=%d prev=%d next=%d n=%d hf=%d type=%d\n", le.Uint32(p[8:]), le.Uint32(p[12:]), le.Uint32(p[16:]), n, le.Uint16(p[22:]), p[25])
	for i := 0; i < n && p[25] == pHash; i++ {
		end := len(p)
		if i > 0 {
			end = int(le.Uint16(p[26+2*(i-1):]))
		}
		off := int(le.Uint16(p[26+2*i:]))
		if off >= end || end > len(p) {
			s += fmt.Sprintf("  [%d] bad offset %d\n", i, off)
			continue
		}
		it := p[off:end]
		if it[0] == hOffpage && len(it) >= 12 {
			s += fmt.Sprintf("  [%d] off=%d OFFPAGE pg=%d len=%d\n", i, off, le.Uint32(it[4:]), le.Uint32(it[8:]))
		} else {
			s += fmt.Sprintf("  [%d] off=%d type=%d len=%d %q\n", i, off, it[0], len(it)-1, it[1:min(len(it), 21)])
		}
	}
	return s
}
