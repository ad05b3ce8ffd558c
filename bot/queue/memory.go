package queue

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// work is one unit in the memory queue.
type work struct {
	key string
	job Job
	attemptState
}

// coalesce merges a newer request for the same key into a waiting one; a
// new event deserves fresh attempts.
func coalesce(old, newer *work) *work {
	if old == nil {
		return newer
	}
	return &work{key: newer.key, job: coalesceJobs(old.job, newer.job)}
}

type entryState int

const (
	stateReady    entryState = iota // next waits for a worker
	stateRunning                    // current runs; next, if set, runs after it
	stateRetry                      // next waits for its backoff timer
	stateSettling                   // next waits out the debounce; later events merge in
	stateStopped                    // shutdown caught next unfinished
)

type entry struct {
	state   entryState
	next    *work
	current *work
	timer   *time.Timer
	// parked: next waits in stateRetry for a revisit (see Revisit), not
	// for a failure's backoff. It is not queued work for WaitIdle, the
	// depth metric or Drain.
	parked bool
}

// Memory runs work with a pool of workers, at most one at a time per key.
// It lives and dies with the process: one replica only.
type Memory struct {
	opts    Options
	run     *runner
	metrics *Metrics
	seen    *dedupe
	shares  *shares // guarded by mu

	// ready holds one token per key in stateReady that is not held for its
	// installation's share, so its capacity (MaxKeys) means sends never
	// block.
	readyKeys chan string
	stop      chan struct{} // closed when workers must stop
	wg        sync.WaitGroup

	mu       sync.Mutex
	stopped  bool
	draining bool // Drain has begun: a failure is reported at once
	entries  map[string]*entry
	waiting  int           // entries with a next
	parkedN  int           // entries parked until a revisit
	readyN   int           // entries in stateReady
	running  int           // entries in stateRunning
	changed  chan struct{} // closed and replaced on every change
}

func NewMemory(opts Options, exec Executor, m *Metrics, logger zerolog.Logger) *Memory {
	return &Memory{
		opts: opts, run: opts.runner(exec, m, logger), metrics: m,
		seen:      newDedupe(dedupeCapacity, dedupeTTL, time.Now),
		shares:    newShares(opts.Share),
		readyKeys: make(chan string, opts.MaxKeys),
		stop:      make(chan struct{}),
		entries:   map[string]*entry{},
		changed:   make(chan struct{}),
	}
}

// start launches the workers; they stop when ctx ends, abandoning work in
// progress (see unfinished).
func (q *Memory) Start(ctx context.Context) {
	for range q.opts.Workers {
		q.wg.Add(1)
		go q.worker()
	}
	context.AfterFunc(ctx, func() {
		q.mu.Lock()
		defer q.mu.Unlock()
		if !q.stopped {
			q.stopped = true
			close(q.stop)
		}
	})
}

func (q *Memory) Ready(context.Context) error { return nil }

func (q *Memory) Submit(ctx context.Context, deliveryID string, jobs []Job) (bool, error) {
	if deliveryID != "" && !q.seen.claim(deliveryID) {
		return true, nil
	}
	for _, j := range jobs {
		if err := q.enqueue(&work{key: j.Key(), job: j}); err != nil {
			// Work queued before the failure stays; a redelivery merges
			// with it rather than doubling it.
			if deliveryID != "" {
				q.seen.forget(deliveryID)
			}
			return false, err
		}
	}
	return false, nil
}

// enqueue adds w, merging it into waiting work for the same key.
func (q *Memory) enqueue(w *work) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.stopped {
		return ErrStopped
	}
	e, ok := q.entries[w.key]
	switch {
	case ok && w.job.Event == EventSweep:
		// The sweep only makes sure the work is queued; it is.
		return nil
	case !ok:
		if len(q.entries) >= q.opts.MaxKeys {
			return ErrFull
		}
		e := &entry{next: w}
		q.entries[w.key] = e
		q.waiting++
		if q.opts.Debounce > 0 {
			e.state = stateSettling
			key := w.key
			e.timer = time.AfterFunc(q.opts.Debounce, func() { q.settle(key) })
		} else {
			q.markReady(w.key, e)
		}
	case e.state == stateRetry:
		// A new event need not wait out the backoff of a failed one, nor
		// a parked revisit.
		e.timer.Stop()
		e.timer = nil
		q.unpark(e)
		e.next = coalesce(e.next, w)
		q.markReady(w.key, e)
	default:
		if e.next == nil {
			q.waiting++
		}
		e.next = coalesce(e.next, w)
	}
	q.changedLocked()
	return nil
}

func (q *Memory) markReady(key string, e *entry) {
	e.state = stateReady
	q.readyN++
	q.readyKeys <- key
}

// unpark ends e's revisit wait.
func (q *Memory) unpark(e *entry) {
	if e.parked {
		e.parked = false
		q.parkedN--
	}
}

func (q *Memory) changedLocked() {
	q.metrics.Depth.Set(float64(q.waiting - q.parkedN))
	q.metrics.InFlight.Set(float64(q.running))
	close(q.changed)
	q.changed = make(chan struct{})
}

// settle makes a debounced key ready once its window ends.
func (q *Memory) settle(key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.settleLocked(key)
}

func (q *Memory) settleLocked(key string) {
	e := q.entries[key]
	if e == nil || e.state != stateSettling {
		return
	}
	if e.timer != nil {
		e.timer.Stop()
		e.timer = nil
	}
	q.markReady(key, e)
	q.changedLocked()
}

// waitFor blocks until cond (called with q.mu held) holds or ctx ends.
func (q *Memory) waitFor(ctx context.Context, cond func() bool) error {
	for {
		q.mu.Lock()
		ok, ch := cond(), q.changed
		q.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// WaitIdle waits until nothing is queued, waiting to retry, or running;
// work parked until a revisit does not count.
func (q *Memory) WaitIdle(ctx context.Context) error {
	return q.waitFor(ctx, func() bool { return len(q.entries) == q.parkedN })
}

// Drain runs what is settling or waiting out a retry now, and waits until
// nothing is ready or running. Nothing of a memory queue survives the
// process, so this is the last chance: an evaluation that fails again now
// marks its check failed at once rather than leave an earlier verdict
// standing for a state that changed.
func (q *Memory) Drain(ctx context.Context) error {
	q.mu.Lock()
	q.draining = true
	for key, e := range q.entries {
		switch e.state {
		case stateSettling:
			q.settleLocked(key)
		case stateRetry:
			if e.parked {
				// Not failed work: its check run is in progress, never
				// green, and the sweep finds it after a restart.
				continue
			}
			e.timer.Stop()
			e.timer = nil
			q.markReady(key, e)
			q.changedLocked()
		}
	}
	q.mu.Unlock()
	return q.waitFor(ctx, func() bool { return q.readyN == 0 && q.running == 0 })
}

// wait blocks until the workers have returned (after stop ends).
func (q *Memory) Wait() { q.wg.Wait() }

// unfinished stops pending retries and returns the work that was never
// completed. Call it after wait.
func (q *Memory) Unfinished() []Job {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []*work
	for _, e := range q.entries {
		if e.timer != nil {
			e.timer.Stop()
		}
		switch {
		case e.next != nil:
			out = append(out, e.next)
		case e.current != nil:
			out = append(out, e.current)
		}
	}
	slices.SortFunc(out, func(a, b *work) int { return strings.Compare(a.key, b.key) })
	jobs := make([]Job, len(out))
	for i, w := range out {
		jobs[i] = w.job
	}
	return jobs
}
