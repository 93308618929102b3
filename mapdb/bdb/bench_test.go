package bdb

import (
	"fmt"
	"io"
	"testing"
)

// accessPairs makes n access-map entries like the ones a large site has.
func accessPairs(n int) []pair {
	out := make([]pair, n)
	for i := range out {
		var k string
		switch i % 4 {
		case 0:
			k = fmt.Sprintf("connect:%d.%d.%d.%d", i>>24&255, i>>16&255, i>>8&255, i&255)
		case 1:
			k = fmt.Sprintf("from:user%d@example%d.com", i, i%997)
		case 2:
			k = fmt.Sprintf("to:list%d@lists.example.org", i)
		case 3:
			k = fmt.Sprintf("connect:ipv6:2001:db8:%x:%x::1", i>>16, i&0xffff)
		}
		out[i] = pair{[]byte(k), []byte("REJECT")}
	}
	return out
}

func BenchmarkHashBuild1M(b *testing.B) {
	pairs := accessPairs(1000000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		hb := NewHashBuilder(HashOptions{SizeHint: len(pairs)})
		for _, p := range pairs {
			hb.Put(p.k, p.v, NoOverwrite)
		}
		hb.WriteTo(io.Discard)
	}
}

func BenchmarkBtreeBuild1M(b *testing.B) {
	pairs := accessPairs(1000000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bb := NewBtreeBuilder(BtreeOptions{SizeHint: len(pairs)})
		for _, p := range pairs {
			bb.Put(p.k, p.v, NoOverwrite)
		}
		bb.WriteTo(io.Discard)
	}
}
