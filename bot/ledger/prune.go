package ledger

import (
	"context"
	"time"

	"github.com/rs/zerolog"

	"github.com/tiergate/tiergate/bot/internal/wait"
)

// MinRetention is the shortest retention the database accepts: the last
// day of evidence cannot be deleted at all (see the triggers in
// bot/pgstore/migrations/00003_ledger.sql).
const MinRetention = 24 * time.Hour

// Prune deletes merges and verdicts recorded more than retention ago,
// through tiergate_ledger_prune, the one path the ledger's triggers let
// delete. A verdict that a kept merge stands on is kept with it. It
// returns how many of each it deleted.
func (l *Ledger) Prune(ctx context.Context, retention time.Duration) (verdicts, merges int64, err error) {
	err = l.pool.QueryRow(ctx, `SELECT verdicts, merges FROM tiergate_ledger_prune($1 * interval '1 microsecond')`,
		retention.Microseconds()).Scan(&verdicts, &merges)
	if err != nil {
		return 0, 0, wrap("prune the ledger", err)
	}
	return verdicts, merges, nil
}

// PruneEvery prunes the ledger at once and then every interval until ctx
// ends, logging what it deleted. Replicas may prune at the same time:
// deleting what another already deleted is harmless.
func (l *Ledger) PruneEvery(ctx context.Context, retention, interval time.Duration) {
	for {
		pctx, cancel := context.WithTimeout(ctx, time.Minute)
		verdicts, merges, err := l.Prune(pctx, retention)
		cancel()
		log := zerolog.Ctx(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn().Err(err).Msgf("could not prune the ledger; trying again in %s", interval)
		case err == nil && verdicts+merges > 0:
			log.Info().Int64("verdicts", verdicts).Int64("merges", merges).Dur("retention", retention).Msg("pruned the ledger")
		}
		if wait.Sleep(ctx, interval) != nil {
			return
		}
	}
}
