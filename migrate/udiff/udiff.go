// Package udiff writes the differences between two texts as a unified
// diff (diff -u), line by line, with Myers' O(ND) algorithm.
package udiff

import (
	"fmt"
	"strings"
)

// Unified returns the unified diff that turns a into b, with the given
// number of context lines, or "" when they are equal. The headers name
// the two sides (aName, bName).
func Unified(aName, bName string, a, b []byte, context int) string {
	if string(a) == string(b) {
		return ""
	}
	al, bl := lines(string(a)), lines(string(b))
	ops := diff(al, bl)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", aName, bName)
	// group the edits into hunks with context
	type span struct{ i, j int } // indexes into ops
	var hunks []span
	for k := 0; k < len(ops); {
		if ops[k].kind == ' ' {
			k++
			continue
		}
		start := k - context
		if start < 0 {
			start = 0
		}
		end := k
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			// a run of equal lines: does the hunk go on after it?
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run < len(ops) && run-end <= 2*context {
				end = run
				continue
			}
			end += context
			if end > len(ops) {
				end = len(ops)
			}
			break
		}
		if len(hunks) > 0 && start <= hunks[len(hunks)-1].j {
			hunks[len(hunks)-1].j = end
		} else {
			hunks = append(hunks, span{start, end})
		}
		k = end
	}
	for _, h := range hunks {
		ai, bi := ops[h.i].ai, ops[h.i].bi
		an, bn := 0, 0
		for _, o := range ops[h.i:h.j] {
			if o.kind != '+' {
				an++
			}
			if o.kind != '-' {
				bn++
			}
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", rng(ai, an), rng(bi, bn))
		for _, o := range ops[h.i:h.j] {
			out.WriteByte(o.kind)
			out.WriteString(o.text)
			if !strings.HasSuffix(o.text, "\n") {
				out.WriteString("\n\\ No newline at end of file\n")
			}
		}
	}
	return out.String()
}

// rng formats a hunk range: the first line (1-based) and the count.
func rng(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start)
	}
	if n == 1 {
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

// lines splits text into lines, each with its newline.
func lines(s string) []string {
	var out []string
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}

// op is one line of the edit script: ' ' kept, '-' deleted, '+' added;
// ai and bi are the line's index (or where it would be) in a and b.
type op struct {
	kind   byte
	text   string
	ai, bi int
}

// maxEdits bounds the edit distance searched: beyond it the diff is one
// hunk that replaces everything (the trace costs O(D^2) memory).
const maxEdits = 4000

// diff is Myers' greedy algorithm with a trace to recover the path.
func diff(a, b []string) []op {
	n, m := len(a), len(b)
	max := n + m
	if max > 0 && (n == 0 || m == 0) {
		return replaceAll(a, b)
	}
	off := max
	v := make([]int, 2*max+2)
	// trace[d] holds v[off-d .. off+d] before step d
	var trace [][]int
	for d := 0; d <= max; d++ {
		if d > maxEdits {
			return replaceAll(a, b)
		}
		trace = append(trace, append([]int(nil), v[off-d:off+d+1]...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || k != d && v[off+k-1] < v[off+k+1] {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			v[off+k] = x
			if x >= n && y >= m {
				return backtrack(trace, a, b, d)
			}
		}
	}
	return nil
}

func replaceAll(a, b []string) []op {
	var out []op
	for i, l := range a {
		out = append(out, op{'-', l, i, 0})
	}
	for j, l := range b {
		out = append(out, op{'+', l, len(a), j})
	}
	return out
}

func backtrack(trace [][]int, a, b []string, d int) []op {
	x, y := len(a), len(b)
	var rev []op
	for ; d > 0; d-- {
		t := trace[d] // v before step d: indexes -d..d map to 0..2d
		get := func(k int) int { return t[k+d] }
		k := x - y
		var pk int
		if k == -d || k != d && get(k-1) < get(k+1) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := get(pk)
		py := px - pk
		for x > px && y > py {
			x, y = x-1, y-1
			rev = append(rev, op{' ', a[x], x, y})
		}
		if x == px {
			y--
			rev = append(rev, op{'+', b[y], x, y})
		} else {
			x--
			rev = append(rev, op{'-', a[x], x, y})
		}
	}
	for x > 0 && y > 0 {
		x, y = x-1, y-1
		rev = append(rev, op{' ', a[x], x, y})
	}
	out := make([]op, len(rev))
	for i := range rev {
		out[i] = rev[len(rev)-1-i]
	}
	return out
}
