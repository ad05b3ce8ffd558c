// Package ttlcache is a size-capped map whose entries expire.
package ttlcache

import (
	"container/list"
	"sync"
	"time"
)

// Cache is a map whose entries expire ttl after they were last stored,
// holding at most max entries: when full, storing a new key evicts the
// least recently used one. It is safe for concurrent use.
type Cache[K comparable, V any] struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu    sync.Mutex
	m     map[K]*list.Element // of *entry[K, V]
	order *list.List          // most recently used first
}

type entry[K comparable, V any] struct {
	k  K
	v  V
	at time.Time
}

// New builds a cache of at most max entries that expire ttl after they
// were last stored.
func New[K comparable, V any](ttl time.Duration, max int, now func() time.Time) *Cache[K, V] {
	return &Cache[K, V]{ttl: ttl, max: max, now: now, m: map[K]*list.Element{}, order: list.New()}
}

// Get returns the value stored for k, if it has not expired.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.m[k]
	if !ok {
		var zero V
		return zero, false
	}
	e := el.Value.(*entry[K, V])
	if c.now().Sub(e.at) >= c.ttl {
		c.remove(el)
		var zero V
		return zero, false
	}
	c.order.MoveToFront(el)
	return e.v, true
}

// Put stores v for k.
func (c *Cache[K, V]) Put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if el, ok := c.m[k]; ok {
		e := el.Value.(*entry[K, V])
		e.v, e.at = v, now
		c.order.MoveToFront(el)
		return
	}
	for c.order.Len() >= c.max {
		c.remove(c.order.Back())
	}
	c.m[k] = c.order.PushFront(&entry[K, V]{k: k, v: v, at: now})
}

// remove drops el; c.mu must be held.
func (c *Cache[K, V]) remove(el *list.Element) {
	delete(c.m, el.Value.(*entry[K, V]).k)
	c.order.Remove(el)
}
