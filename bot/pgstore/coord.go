package pgstore

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Exclusive runs fn only if no other caller, in this process or another
// replica, is running the task called name right now; ran reports whether fn
// ran, err is fn's error or a database error. The guarantee is a session
// advisory lock held on a dedicated connection while fn runs: if that
// connection breaks, the lock is gone and another replica may start the same
// task, so fn must be safe to run twice.
func (s *Store) Exclusive(ctx context.Context, name string, fn func(ctx context.Context) error) (ran bool, err error) {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return false, fmt.Errorf("exclusive %s: connect: %w", name, redact(err))
	}
	// Closing the session releases its advisory locks.
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeTimeout)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	var locked bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", lockKey(name)).Scan(&locked); err != nil {
		return false, fmt.Errorf("exclusive %s: %w", name, err)
	}
	if !locked {
		return false, nil
	}
	return true, fn(ctx)
}

// lockKey maps a task name to an advisory lock key.
func lockKey(name string) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte("tiergate/exclusive/" + name))
	return int64(h.Sum64())
}

// Cursor returns the value stored under name, "" if none.
func (s *Store) Cursor(ctx context.Context, name string) (string, error) {
	var v string
	err := s.pool.QueryRow(ctx, `SELECT value FROM tiergate_cursors WHERE name = $1`, name).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read cursor %s: %w", name, err)
	}
	return v, nil
}

// SetCursor stores value under name.
func (s *Store) SetCursor(ctx context.Context, name, value string) error {
	_, err := s.pool.Exec(ctx, `
INSERT INTO tiergate_cursors (name, value) VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = now()`, name, value)
	if err != nil {
		return fmt.Errorf("set cursor %s: %w", name, err)
	}
	return nil
}

// Once returns true the first time it is called with key, across all
// replicas, and false afterwards (until PruneOnce forgets the key).
func (s *Store) Once(ctx context.Context, key string) (bool, error) {
	tag, err := s.pool.Exec(ctx, `INSERT INTO tiergate_once (key) VALUES ($1) ON CONFLICT DO NOTHING`, key)
	if err != nil {
		return false, fmt.Errorf("once %s: %w", key, err)
	}
	return tag.RowsAffected() == 1, nil
}

// PruneDeliveries forgets delivery IDs recorded more than retention ago
// (GitHub keeps deliveries for 3 days, so 7 days is ample) and returns how
// many it deleted.
func (s *Store) PruneDeliveries(ctx context.Context, retention time.Duration) (int64, error) {
	tag, err := s.pool.Exec(ctx, `
DELETE FROM tiergate_deliveries WHERE received_at < now() - $1 * interval '1 microsecond'`, retention.Microseconds())
	if err != nil {
		return 0, fmt.Errorf("prune deliveries: %w", err)
	}
	return tag.RowsAffected(), nil
}

// PruneOnce forgets Once keys recorded more than retention ago and returns how
// many it deleted.
func (s *Store) PruneOnce(ctx context.Context, retention time.Duration) (int64, error) {
	tag, err := s.pool.Exec(ctx, `
DELETE FROM tiergate_once WHERE created_at < now() - $1 * interval '1 microsecond'`, retention.Microseconds())
	if err != nil {
		return 0, fmt.Errorf("prune once keys: %w", err)
	}
	return tag.RowsAffected(), nil
}
