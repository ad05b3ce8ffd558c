package bot

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// evaluations is what the queue's dispatcher needs from *evaluator.Evaluator. It exists
// so the queue and webhook tests can run against a fake.
type evaluations interface {
	Evaluate(ctx context.Context, job Job, guard Guard) error
	ReportFailure(ctx context.Context, job Job, cause error, guard Guard) error
	OpenPullRequests(ctx context.Context, installationID int64, owner, repo string) ([]Job, error)
	InstallationRepos(ctx context.Context, installationID int64) ([]RepoRef, error)
	PullRequestsForCommit(ctx context.Context, installationID int64, owner, repo, sha string) ([]Job, error)
	CompleteMergeGroup(ctx context.Context, installationID int64, owner, repo, headSHA string, guard Guard) error
	ConfigChanged(owner, repo string)
}

// workQueue holds work until a worker runs it. The in-memory queue serves
// one process; the PostgreSQL queue (TIERGATE_DATABASE_URL) is shared by
// every replica and survives crashes.
type workQueue interface {
	// submit records jobs for deliveryID ("" for work that no delivery
	// caused, such as a fan-out). It reports duplicate when the delivery
	// was already recorded, and then records nothing. When it returns nil,
	// the work will run even if this process dies (PostgreSQL) or as long
	// as it lives (memory).
	submit(ctx context.Context, deliveryID string, jobs []Job) (duplicate bool, err error)
	// start launches the workers; they stop when ctx ends.
	start(ctx context.Context)
	// drain runs what is due and waits for running work, until ctx ends;
	// it is called at shutdown, before the workers are stopped.
	drain(ctx context.Context) error
	// wait returns once the workers have stopped.
	wait()
	// unfinished lists work that will not run because this process stops
	// (memory); durable queues return nothing.
	unfinished() []Job
	// waitIdle blocks until no work is queued or running, or ctx ends.
	waitIdle(ctx context.Context) error
	// ready reports whether the queue can accept work (database reachable).
	ready(ctx context.Context) error
}

// queueOptions tune the queues; zero fields take the defaults below.
type queueOptions struct {
	Workers     int
	MaxKeys     int           // memory only; default 10,000 pull requests or tasks
	JobTimeout  time.Duration // one evaluation attempt; default 2m
	TaskTimeout time.Duration // one fan-out or merge-group attempt; default 10m
	// Backoff, Slow and Horizon make the retry schedule (see retrySchedule).
	Backoff []time.Duration
	Slow    time.Duration
	Horizon time.Duration
	// Share is how many keys of one installation may run at once in one
	// process; default max(1, Workers/2), so one installation's slow work
	// leaves the other half of the workers to the rest.
	Share int
	// Debounce holds a new key this long before it becomes ready, so the
	// burst of events GitHub sends for one change (opened, labeled,
	// synchronize...) costs one evaluation. 0: ready at once.
	Debounce time.Duration
	// Lease and Renew are the PostgreSQL queue's lease on a claimed row:
	// a replica that dies loses its work to another after Lease.
	Lease time.Duration
	Renew time.Duration
	// Poll is the PostgreSQL queue's longest wait between claims when no
	// notification arrives (work that comes due after a backoff).
	Poll time.Duration
}

func (o queueOptions) withDefaults() queueOptions {
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	if o.Share <= 0 {
		o.Share = defaultShare(o.Workers)
	}
	if o.MaxKeys <= 0 {
		o.MaxKeys = 10_000
	}
	if o.JobTimeout <= 0 {
		o.JobTimeout = 2 * time.Minute
	}
	if o.TaskTimeout <= 0 {
		o.TaskTimeout = 10 * time.Minute
	}
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.Renew <= 0 || o.Renew >= o.Lease {
		o.Renew = o.Lease / 3
	}
	if o.Poll <= 0 {
		o.Poll = defaultPoll
	}
	return o
}

func (o queueOptions) schedule() retrySchedule {
	return retrySchedule{Backoff: o.Backoff, Slow: o.Slow, Horizon: o.Horizon}.withDefaults()
}

func (o queueOptions) runner(exec executor, m *Metrics, logger zerolog.Logger) *runner {
	return &runner{exec: exec, metrics: m, logger: logger, schedule: o.schedule(),
		jobTimeout: o.JobTimeout, taskTimeout: o.TaskTimeout, now: time.Now}
}

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
}

// memQueue runs work with a pool of workers, at most one at a time per key.
// It lives and dies with the process: one replica only.
type memQueue struct {
	opts    queueOptions
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

	mu      sync.Mutex
	stopped bool
	entries map[string]*entry
	waiting int           // entries with a next
	readyN  int           // entries in stateReady
	running int           // entries in stateRunning
	changed chan struct{} // closed and replaced on every change
}

func newMemQueue(opts queueOptions, exec executor, m *Metrics, logger zerolog.Logger) *memQueue {
	opts = opts.withDefaults()
	return &memQueue{
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
func (q *memQueue) start(ctx context.Context) {
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

func (q *memQueue) ready(context.Context) error { return nil }

func (q *memQueue) submit(ctx context.Context, deliveryID string, jobs []Job) (bool, error) {
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
func (q *memQueue) enqueue(w *work) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.stopped {
		return errQueueStopped
	}
	e, ok := q.entries[w.key]
	switch {
	case !ok:
		if len(q.entries) >= q.opts.MaxKeys {
			return errQueueFull
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
		// A new event need not wait out the backoff of a failed one.
		e.timer.Stop()
		e.timer = nil
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

func (q *memQueue) markReady(key string, e *entry) {
	e.state = stateReady
	q.readyN++
	q.readyKeys <- key
}

func (q *memQueue) changedLocked() {
	q.metrics.QueueDepth.Set(float64(q.waiting))
	q.metrics.InFlight.Set(float64(q.running))
	close(q.changed)
	q.changed = make(chan struct{})
}

// settle makes a debounced key ready once its window ends.
func (q *memQueue) settle(key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.settleLocked(key)
}

func (q *memQueue) settleLocked(key string) {
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
func (q *memQueue) waitFor(ctx context.Context, cond func() bool) error {
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

// waitIdle waits until nothing is queued, waiting to retry, or running.
func (q *memQueue) waitIdle(ctx context.Context) error {
	return q.waitFor(ctx, func() bool { return len(q.entries) == 0 })
}

// drain waits until nothing is ready or running. Work waiting out a retry
// backoff does not hold up a shutdown: it is reported as unfinished.
func (q *memQueue) drain(ctx context.Context) error {
	// Work still settling is run now rather than left unfinished.
	q.mu.Lock()
	for key, e := range q.entries {
		if e.state == stateSettling {
			q.settleLocked(key)
		}
	}
	q.mu.Unlock()
	return q.waitFor(ctx, func() bool { return q.readyN == 0 && q.running == 0 })
}

// wait blocks until the workers have returned (after stop ends).
func (q *memQueue) wait() { q.wg.Wait() }

// unfinished stops pending retries and returns the work that was never
// completed. Call it after wait.
func (q *memQueue) unfinished() []Job {
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
