package bot

import (
	"container/list"
	"sync"
	"time"
)

// Bounds of the caches that keep GitHub's answers and their ETags for
// revalidation. The caches only ever save a response body, so an evicted
// entry costs one request that counts against the rate limit, never a
// wrong answer.
const (
	// listingTTL is how long a listing (a pull request, its files, reviews
	// and events, check runs, comments) is kept after GitHub last
	// confirmed it. A 304 confirms it again.
	listingTTL = 24 * time.Hour
	// maxPulls bounds the pull requests kept: about 30 KB each once
	// decoded, so at most about 60 MB.
	maxPulls = 2048
	// maxPages bounds each cache of listing pages (per_page=100): a page
	// of files is at most about 10 KB, so at most about 40 MB.
	maxPages = 4096
)

// ttlCache is a map whose entries expire ttl after they were last stored,
// holding at most max entries: when full, storing a new key evicts the
// least recently used one. It is safe for concurrent use.
type ttlCache[K comparable, V any] struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu    sync.Mutex
	m     map[K]*list.Element // of *ttlEntry[K, V]
	order *list.List          // most recently used first
}

type ttlEntry[K comparable, V any] struct {
	k  K
	v  V
	at time.Time
}

func newTTLCache[K comparable, V any](ttl time.Duration, max int, now func() time.Time) *ttlCache[K, V] {
	return &ttlCache[K, V]{ttl: ttl, max: max, now: now, m: map[K]*list.Element{}, order: list.New()}
}

func (c *ttlCache[K, V]) get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.m[k]
	if !ok {
		var zero V
		return zero, false
	}
	e := el.Value.(*ttlEntry[K, V])
	if c.now().Sub(e.at) >= c.ttl {
		c.remove(el)
		var zero V
		return zero, false
	}
	c.order.MoveToFront(el)
	return e.v, true
}

func (c *ttlCache[K, V]) put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if el, ok := c.m[k]; ok {
		e := el.Value.(*ttlEntry[K, V])
		e.v, e.at = v, now
		c.order.MoveToFront(el)
		return
	}
	for c.order.Len() >= c.max {
		c.remove(c.order.Back())
	}
	c.m[k] = c.order.PushFront(&ttlEntry[K, V]{k: k, v: v, at: now})
}

// remove drops el; c.mu must be held.
func (c *ttlCache[K, V]) remove(el *list.Element) {
	delete(c.m, el.Value.(*ttlEntry[K, V]).k)
	c.order.Remove(el)
}
