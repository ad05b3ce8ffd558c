package sweep

import (
	"context"
	"time"

	"github.com/rs/zerolog"

	"github.com/tiergate/tiergate/bot/internal/wait"
)

// sweepStartDelay lets a starting replica take its first deliveries before
// the first sweep; the sweep then runs every interval.
const sweepStartDelay = 5 * time.Second

// RunEvery runs the sweep shortly after start-up and then every interval
// until ctx ends. With the database, the coordinator lets one replica run
// each sweep. Run logs and counts each sweep itself.
func (sw *Sweeper) RunEvery(ctx context.Context, interval time.Duration, logger zerolog.Logger) {
	l := logger.With().Str("task", sweepTask).Logger()
	ctx = l.WithContext(ctx)
	if err := wait.Sleep(ctx, min(sweepStartDelay, interval)); err != nil {
		return
	}
	for {
		if _, err := sw.Run(ctx); err != nil && ctx.Err() == nil {
			l.Error().Err(err).Msg("sweep failed; it runs again at the next interval")
		}
		if err := wait.Sleep(ctx, interval); err != nil {
			return
		}
	}
}
