package queue

import "errors"

var (
	// ErrFull means the queue holds its maximum number of keys; the
	// webhook answers 503 so GitHub records a failed delivery that can be
	// redelivered.
	ErrFull = errors.New("evaluation queue is full")
	// ErrStopped means the workers have stopped (shutdown).
	ErrStopped = errors.New("evaluation queue is stopped")
	// ErrUnrecorded means the verdict was written to GitHub but could not
	// be recorded in the decision ledger. The job is retried without
	// spending an attempt, so the verdict on GitHub is never replaced by a
	// "could not evaluate" report for it (see retrySchedule.next).
	ErrUnrecorded = errors.New("verdict written to GitHub but not recorded in the ledger")
)
