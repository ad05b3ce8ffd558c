package queue

import (
	"time"

	"github.com/rs/zerolog"
)

// Defaults of Options, applied by bot. DefaultBackoff, DefaultSlowRetry
// and DefaultRetryHorizon are the retry schedule (see retrySchedule.next).
const (
	DefaultMaxKeys      = 10_000
	DefaultJobTimeout   = 2 * time.Minute
	DefaultTaskTimeout  = 10 * time.Minute
	DefaultPoll         = time.Second // longest sleep between claims when no NOTIFY arrives
	DefaultSlowRetry    = 5 * time.Minute
	DefaultRetryHorizon = 72 * time.Hour
)

// DefaultBackoff is the wait before each fast retry: 5 s, 20 s, 80 s.
func DefaultBackoff() []time.Duration {
	return []time.Duration{5 * time.Second, 20 * time.Second, 80 * time.Second}
}

// DefaultShare leaves at least half the workers to other installations.
func DefaultShare(workers int) int { return max(1, workers/2) }

// Options tune the queues. Every field is required but Debounce (0: no
// debounce); bot applies the defaults below.
type Options struct {
	Workers     int
	MaxKeys     int           // memory only: pull requests or tasks held at most
	JobTimeout  time.Duration // one evaluation attempt
	TaskTimeout time.Duration // one fan-out or merge-group attempt
	// Backoff, Slow and Horizon make the retry schedule (see retrySchedule).
	Backoff []time.Duration
	Slow    time.Duration
	Horizon time.Duration
	// Share is how many keys of one installation may run at once in one
	// process (see DefaultShare).
	Share int
	// Debounce holds a new key this long before it becomes ready, so the
	// burst of events GitHub sends for one change (opened, labeled,
	// synchronize...) costs one evaluation. 0: ready at once.
	Debounce time.Duration
	// Lease and Renew are the PostgreSQL queue's lease on a claimed row:
	// a replica that dies loses its work to another after Lease. Renew
	// must be shorter than Lease.
	Lease time.Duration
	Renew time.Duration
	// Poll is the PostgreSQL queue's longest wait between claims when no
	// notification arrives (work that comes due after a backoff).
	Poll time.Duration
}

func (o Options) schedule() retrySchedule {
	return retrySchedule{Backoff: o.Backoff, Slow: o.Slow, Horizon: o.Horizon}
}

func (o Options) runner(exec Executor, m *Metrics, logger zerolog.Logger) *runner {
	return &runner{exec: exec, metrics: m, logger: logger, schedule: o.schedule(),
		jobTimeout: o.JobTimeout, taskTimeout: o.TaskTimeout, now: time.Now}
}
