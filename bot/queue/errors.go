package queue

import "errors"

var (
	// ErrFull means the queue holds its maximum number of keys; the
	// webhook answers 503 so GitHub records a failed delivery that can be
	// redelivered.
	ErrFull = errors.New("evaluation queue is full")
	// ErrStopped means the workers have stopped (shutdown).
	ErrStopped = errors.New("evaluation queue is stopped")
)
