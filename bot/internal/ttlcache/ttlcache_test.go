package ttlcache

import (
	"testing"
	"time"
)

// The cache holds at most max entries, evicting the least recently used,
// and forgets an entry ttl after it was last stored.
func TestTTLCacheBounds(t *testing.T) {
	now := time.Unix(0, 0)
	c := New[int, string](time.Hour, 3, func() time.Time { return now })
	for k := range 3 {
		c.Put(k, "v")
	}
	c.Get(0) // 1 is now the least recently used
	c.Put(3, "v")
	for k, want := range []bool{true, false, true, true} {
		if _, ok := c.Get(k); ok != want {
			t.Errorf("after filling past max: get(%d) found = %t, want %t", k, ok, want)
		}
	}
	if n := c.order.Len(); n != 3 || len(c.m) != 3 {
		t.Errorf("cache holds %d entries (%d in the map), want 3", n, len(c.m))
	}

	now = now.Add(59 * time.Minute)
	c.Put(0, "again") // stored again: a fresh hour
	now = now.Add(time.Minute)
	if _, ok := c.Get(2); ok {
		t.Errorf("get(2) an hour after it was stored found it, want expired")
	}
	if v, ok := c.Get(0); !ok || v != "again" {
		t.Errorf("get(0) = %q, %t; want \"again\", true", v, ok)
	}
	if n := c.order.Len(); n != 2 {
		t.Errorf("cache holds %d entries after an expired get, want 2", n)
	}
}

// However many pull requests pass through, the listing caches stay at
// their bound.
func TestTTLCacheManyKeys(t *testing.T) {
	const maxPages = 4096 // the listing caches' bound
	c := New[int, int](24*time.Hour, maxPages, time.Now)
	for k := range 10 * maxPages {
		c.Put(k, k)
	}
	if n := c.order.Len(); n != maxPages || len(c.m) != maxPages {
		t.Errorf("after %d puts the cache holds %d entries (%d in the map), want %d", 10*maxPages, n, len(c.m), maxPages)
	}
}
