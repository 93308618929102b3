package regex

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestDbg(t *testing.T) {
	args := strings.Split(os.Getenv("DBG"), "\x1f")
	for i := 0; i+1 < len(args); i += 2 {
		s, p := []byte(args[i]), args[i+1]
		re, err := Compile([]byte(p))
		if err != nil {
			fmt.Printf("%q %q => err %v\n", s, p, err)
			continue
		}
		idx, _ := re.Index(s, 0)
		var out bytes.Buffer
		repl := replacement(countGroups(p))
		if m := re.Search(s, 0); m != nil {
			substitute(&out, s, repl, m)
		}
		fmt.Printf("%q %q => [%d %q %q] %v\n", s, p, idx, out.String(), patsubst(re, s, "["+repl+"]"), re.Search(s, 0))
		if os.Getenv("DUMP") != "" {
			for i, n := range re.nodes {
				fmt.Printf("  %d: kind=%d con=%x dup=%v opt=%v idx=%d next=%d edest=%v/%d orig=%d\n", i, n.kind, n.constraint, n.dup, n.opt, n.idx, n.next, n.edest, n.nedest, n.orig)
			}
		}
	}
}
