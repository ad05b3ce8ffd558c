package queue

import (
	"context"
	"errors"
)

// Guard is called just before every write to GitHub (creating or updating a
// check run, creating or editing the comment). It returns nil when the
// caller still owns the newest state of the pull request, and otherwise an
// error wrapping ErrSuperseded: the evaluator then returns that error
// without writing, and the queue runs the key again. A nil Guard means
// "always the owner".
type Guard func(ctx context.Context) error

// ErrSuperseded says a newer event for the pull request has been taken in
// (or this worker's claim on it has lapsed) since the evaluation began, so
// its verdict must not be written.
var ErrSuperseded = errors.New("superseded by a newer event for this pull request")

// Check calls g, if any.
func (g Guard) Check(ctx context.Context) error {
	if g == nil {
		return nil
	}
	return g(ctx)
}
