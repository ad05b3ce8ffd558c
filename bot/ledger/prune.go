package ledger

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rs/zerolog"

	"github.com/tiergate/tiergate/bot/internal/wait"
)

// MinRetention is the shortest retention the database accepts: the last
// day of evidence cannot be deleted at all (see the triggers in
// bot/pgstore/migrations/00003_ledger.sql).
const MinRetention = 24 * time.Hour

// SetMinRetention sets the shortest retention tiergate_ledger_prune
// accepts (0: none, so nothing is pruned). Only the ledger's owner can:
// the minimum is what keeps a role allowed to prune, such as tiergate's
// own, from choosing a shorter retention than the owner configured. For
// any other role it returns an error that IsNotOwner reports.
func (l *Ledger) SetMinRetention(ctx context.Context, retention time.Duration) error {
	if retention != 0 && retention < MinRetention {
		return errors.New("set the ledger's minimum retention: it must be at least a day")
	}
	_, err := l.pool.Exec(ctx, `UPDATE tiergate_ledger_settings
SET min_retention = nullif($1::bigint, 0) * interval '1 microsecond', updated_at = now() WHERE singleton`,
		retention.Microseconds())
	if err != nil {
		return wrap("set the ledger's minimum retention", err)
	}
	return nil
}

// IsNotOwner reports whether err is PostgreSQL's refusal of a statement
// only the ledger's owner may make.
func IsNotOwner(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "42501" // insufficient_privilege
}

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
// deleting what another already deleted is harmless. When tiergate
// connects as the ledger's owner it first sets the minimum retention to
// retention (an owner could delete rows anyway); any other role prunes
// under the minimum the owner set with `tiergate migrate`.
func (l *Ledger) PruneEvery(ctx context.Context, retention, interval time.Duration) {
	if err := l.SetMinRetention(ctx, retention); err != nil && !IsNotOwner(err) && ctx.Err() == nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("could not set the ledger's minimum retention")
	}
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
