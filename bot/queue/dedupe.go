package queue

import (
	"container/list"
	"sync"
	"time"
)

// Delivery de-duplication bounds: GitHub redelivers with the same
// X-GitHub-Delivery ID, and a proxy may retry a request, so an ID is
// remembered for an hour, up to 10,000 IDs (oldest forgotten first).
const (
	dedupeCapacity = 10_000
	dedupeTTL      = time.Hour
)

// dedupe remembers recently processed delivery IDs.
type dedupe struct {
	mu       sync.Mutex
	capacity int
	ttl      time.Duration
	now      func() time.Time
	order    *list.List // of seenID, oldest at the front
	byID     map[string]*list.Element
}

type seenID struct {
	id string
	at time.Time
}

func newDedupe(capacity int, ttl time.Duration, now func() time.Time) *dedupe {
	return &dedupe{capacity: capacity, ttl: ttl, now: now, order: list.New(), byID: map[string]*list.Element{}}
}

// claim reports whether id is new, and remembers it if so. Checking and
// remembering happen at once so two concurrent copies of one delivery cannot
// both be processed.
func (d *dedupe) claim(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	for e := d.order.Front(); e != nil && now.Sub(e.Value.(seenID).at) >= d.ttl; e = d.order.Front() {
		d.remove(e)
	}
	if _, ok := d.byID[id]; ok {
		return false
	}
	if d.order.Len() >= d.capacity {
		d.remove(d.order.Front())
	}
	d.byID[id] = d.order.PushBack(seenID{id: id, at: now})
	return true
}

// forget drops id, so a redelivery after a failed attempt (for example a 503
// while the queue was full) is processed.
func (d *dedupe) forget(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e, ok := d.byID[id]; ok {
		d.remove(e)
	}
}

func (d *dedupe) remove(e *list.Element) {
	delete(d.byID, e.Value.(seenID).id)
	d.order.Remove(e)
}
