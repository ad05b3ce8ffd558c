package pgstore

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkSubmit measures one webhook's intake: one delivery recorded with
// one item (new keys and coalesced keys mixed).
func BenchmarkSubmit(b *testing.B) {
	s := newStore(b)
	ctx := testCtx(b)
	i := 0
	for b.Loop() {
		if _, err := s.Submit(ctx, 1, fmt.Sprintf("d%d", i), []Item{item(fmt.Sprintf("octo/repo#%d", i%100))}, time.Second); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkClaimFinish measures a worker's round trip per unit of work: claim
// a due row and finish it.
func BenchmarkClaimFinish(b *testing.B) {
	s := newStore(b)
	ctx := testCtx(b)
	const chunk = 1000
	for i := 0; i < b.N; i += chunk {
		var items []Item
		for j := i; j < min(i+chunk, b.N); j++ {
			items = append(items, item(fmt.Sprintf("octo/repo#%d", j)))
		}
		if _, err := s.Submit(ctx, 1, "", items, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		c, err := s.Claim(ctx, "bench", time.Minute, 0)
		if err != nil || c == nil {
			b.Fatalf("Claim = %v, %v", c, err)
		}
		if _, err := s.Finish(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
}
