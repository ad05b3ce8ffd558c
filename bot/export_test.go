package bot

import (
	"context"

	"github.com/rs/zerolog"
)

// RetrySchedule exposes the queue's retry schedule to package bot_test.
type RetrySchedule = retrySchedule

// NewWithRetrySchedule is New with a shortened retry schedule, so an
// end-to-end test can outlast the fast retries without waiting minutes.
func NewWithRetrySchedule(ctx context.Context, s Settings, logger zerolog.Logger, sched RetrySchedule) (*Server, error) {
	return newWithSchedule(ctx, s, logger, sched)
}
