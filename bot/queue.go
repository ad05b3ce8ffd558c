package bot

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// evaluator is what the intake needs from *Evaluator. It exists so the
// queue and webhook tests can run against a fake.
type evaluator interface {
	Evaluate(ctx context.Context, job Job, guard Guard) error
	ReportFailure(ctx context.Context, job Job, cause error, guard Guard) error
	OpenPullRequests(ctx context.Context, installationID int64, owner, repo string) ([]Job, error)
	InstallationRepos(ctx context.Context, installationID int64) ([]RepoRef, error)
	PullRequestsForCommit(ctx context.Context, installationID int64, owner, repo, sha string) ([]Job, error)
	CompleteMergeGroup(ctx context.Context, installationID int64, owner, repo, headSHA string) error
	ConfigChanged(owner, repo string)
}

var (
	// errQueueFull means the queue holds its maximum number of keys; the
	// webhook answers 503 so GitHub records a failed delivery that can be
	// redelivered.
	errQueueFull = errors.New("evaluation queue is full")
	// errQueueStopped means the workers have stopped (shutdown).
	errQueueStopped = errors.New("evaluation queue is stopped")
)

// queueOptions tune the queue; zero fields take the defaults below.
type queueOptions struct {
	Workers     int
	MaxKeys     int             // default 10,000 pull requests or tasks
	JobTimeout  time.Duration   // one evaluation attempt; default 2m
	TaskTimeout time.Duration   // one fan-out or merge-group attempt; default 10m
	Backoff     []time.Duration // wait before attempts 2, 3, ...; default 5s, 20s, 80s
	// Debounce holds a new key this long before it becomes ready, so the
	// burst of events GitHub sends for one change (opened, labeled,
	// synchronize...) costs one evaluation. 0: ready at once.
	Debounce time.Duration
}

func (o queueOptions) withDefaults() queueOptions {
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
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
	if o.Backoff == nil {
		o.Backoff = []time.Duration{5 * time.Second, 20 * time.Second, 80 * time.Second}
	}
	return o
}

// work is one unit in the queue: an evaluation of a pull request (job), or a
// task that lists pull requests or completes a merge group.
type work struct {
	key string
	// ctx is detached from the request (context.WithoutCancel) and carries
	// the delivery's logger.
	ctx        context.Context
	job        Job                             // set when task is nil
	task       func(ctx context.Context) error // fan-out or merge group
	deliveryID string
	failures   int // failed attempts so far
}

func jobWork(ctx context.Context, j Job) *work {
	return &work{key: j.Key(), ctx: ctx, job: j, deliveryID: j.DeliveryID}
}

// coalesce merges a newer request for the same key into a waiting one. The
// newest delivery wins, keeping the newest known head SHA; a permission
// check (RequireWriteFrom) survives only if every merged job asked for one,
// since a normal event needs no permission to re-evaluate.
func coalesce(old, newer *work) *work {
	if old == nil {
		return newer
	}
	m := *newer
	m.failures = 0 // a new event deserves fresh attempts
	if m.task == nil {
		if m.job.HeadSHA == "" {
			m.job.HeadSHA = old.job.HeadSHA
		}
		if old.job.RequireWriteFrom == "" {
			m.job.RequireWriteFrom = ""
		}
	}
	return &m
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

// queue runs work with a pool of workers, at most one at a time per key.
type queue struct {
	opts    queueOptions
	ev      evaluator
	metrics *Metrics
	logger  zerolog.Logger // for work whose context carries no logger

	// ready holds one token per key in stateReady, so its capacity
	// (MaxKeys) means sends never block.
	ready chan string
	stop  context.Context // cancelled when workers must stop
	wg    sync.WaitGroup

	mu      sync.Mutex
	entries map[string]*entry
	waiting int           // entries with a next
	readyN  int           // entries in stateReady
	running int           // entries in stateRunning
	changed chan struct{} // closed and replaced on every change
}

func newQueue(opts queueOptions, ev evaluator, m *Metrics, logger zerolog.Logger) *queue {
	opts = opts.withDefaults()
	return &queue{
		opts: opts, ev: ev, metrics: m, logger: logger,
		ready:   make(chan string, opts.MaxKeys),
		entries: map[string]*entry{},
		changed: make(chan struct{}),
	}
}

// start launches the workers; they stop when ctx ends, abandoning work in
// progress (see unfinished).
func (q *queue) start(ctx context.Context) {
	q.mu.Lock()
	q.stop = ctx
	q.mu.Unlock()
	for range q.opts.Workers {
		q.wg.Add(1)
		go q.worker()
	}
}

// enqueue adds w, merging it into waiting work for the same key.
func (q *queue) enqueue(w *work) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.stop != nil && q.stop.Err() != nil {
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

func (q *queue) markReady(key string, e *entry) {
	e.state = stateReady
	q.readyN++
	q.ready <- key
}

func (q *queue) changedLocked() {
	q.metrics.QueueDepth.Set(float64(q.waiting))
	q.metrics.InFlight.Set(float64(q.running))
	close(q.changed)
	q.changed = make(chan struct{})
}

// settle makes a debounced key ready once its window ends.
func (q *queue) settle(key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.settleLocked(key)
}

func (q *queue) settleLocked(key string) {
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
func (q *queue) waitFor(ctx context.Context, cond func() bool) error {
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
func (q *queue) waitIdle(ctx context.Context) error {
	return q.waitFor(ctx, func() bool { return len(q.entries) == 0 })
}

// drain waits until nothing is ready or running. Work waiting out a retry
// backoff does not hold up a shutdown: it is reported as unfinished.
func (q *queue) drain(ctx context.Context) error {
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
func (q *queue) wait() { q.wg.Wait() }

// unfinished stops pending retries and returns the work that was never
// completed, by key. Call it after wait.
func (q *queue) unfinished() []*work {
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
	return out
}
