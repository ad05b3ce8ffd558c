package pgstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// notifyChannel is the LISTEN/NOTIFY channel Submit signals on.
const notifyChannel = "tiergate_work"

// Item is one unit of work. Key identifies the work row: two items with the
// same key coalesce into one row.
type Item struct {
	Key              string `json:"key"` // e.g. "octo/repo#12"
	Kind             string `json:"kind"`
	InstallationID   int64  `json:"installation_id"`
	Owner            string `json:"owner"`
	Repo             string `json:"repo"`
	Number           int    `json:"number,omitempty"`
	HeadSHA          string `json:"head_sha,omitempty"`
	DeliveryID       string `json:"delivery_id,omitempty"`
	Event            string `json:"event,omitempty"`
	RequireWriteFrom string `json:"require_write_from,omitempty"`
}

// Claim is a work row leased to one owner. Pass it back to Renew, Current,
// Finish, Retry or Release.
type Claim struct {
	Item       Item
	Generation int64     // the row's generation when claimed
	Attempts   int       // failed attempts counted so far
	LastError  string    // the error of the last counted or uncounted retry
	Owner      string    // the lease owner given to Claim
	LeaseUntil time.Time // when the lease ends (database clock), as of the claim or last Renew

	seq int64 // lease_seq: identifies this lease, bumped by every Claim of the row
}

// upsertWork inserts an item or coalesces it into the existing row with the
// same key (rules in Submit's doc).
const upsertWork = `
INSERT INTO tiergate_work AS w
    (key, kind, installation_id, owner, repo, number, head_sha, delivery_id, event, require_write_from, due_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now() + $11 * interval '1 microsecond')
ON CONFLICT (key) DO UPDATE SET
    kind = excluded.kind,
    installation_id = excluded.installation_id,
    owner = excluded.owner,
    repo = excluded.repo,
    number = excluded.number,
    head_sha = CASE WHEN excluded.head_sha <> '' THEN excluded.head_sha ELSE w.head_sha END,
    delivery_id = excluded.delivery_id,
    event = excluded.event,
    require_write_from = CASE
        WHEN w.require_write_from <> '' AND excluded.require_write_from <> '' THEN excluded.require_write_from
        ELSE '' END,
    generation = w.generation + 1,
    attempts = 0,
    due_at = least(w.due_at, excluded.due_at),
    updated_at = now()
WHERE excluded.event <> '` + EventSweep + `'`

// EventRevisit marks a row parked by Park: due only at its revisit time,
// and not counted by Stats until then. A newer event replaces the event
// and so unparks the row.
const EventRevisit = "revisit"

// EventSweep is the event of work the periodic sweep found: it only makes
// sure the work is queued. When the key already has a row (waiting out a
// retry, or running), the row is left as it is: a sweep neither supersedes
// a running attempt nor restarts a failing one's retries.
const EventSweep = "sweep"

// Submit records a delivery and upserts its items in one transaction, then
// wakes idle workers (NOTIFY).
//
// The delivery is scoped to appID. If it was recorded before, Submit changes
// nothing and returns duplicate=true. deliveryID "" means there is no delivery
// to dedupe (internal fan-out, sweeps).
//
// An item whose key already has a row coalesces into it: the generation is
// bumped, the newest delivery and event win, HeadSHA is the new one unless
// empty, RequireWriteFrom survives only if both had one, attempts restart at
// 0. A new row is due after debounce; an existing row becomes due at the
// earlier of its due time and now+debounce, so a settling burst is not
// extended, and a new event does not wait out a failure's backoff. A leased
// row keeps its lease: Finish sees the new generation and runs it again.
func (s *Store) Submit(ctx context.Context, appID int64, deliveryID string, items []Item, debounce time.Duration) (duplicate bool, err error) {
	for _, it := range items {
		if it.Key == "" {
			return false, errors.New("submit work: item without a key")
		}
	}
	// Same lock order in every transaction: no deadlock between two
	// submissions touching the same keys.
	items = slices.Clone(items)
	slices.SortStableFunc(items, func(a, b Item) int { return cmp.Compare(a.Key, b.Key) })

	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("submit work: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()

	b := &pgx.Batch{}
	if deliveryID != "" {
		b.Queue(`INSERT INTO tiergate_deliveries (app_id, delivery_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, appID, deliveryID)
	}
	for _, it := range items {
		b.Queue(upsertWork, it.Key, it.Kind, it.InstallationID, it.Owner, it.Repo, it.Number,
			it.HeadSHA, it.DeliveryID, it.Event, it.RequireWriteFrom, debounce.Microseconds())
	}
	if len(items) > 0 {
		b.Queue(`SELECT pg_notify($1, '')`, notifyChannel)
	}
	if b.Len() == 0 {
		return false, nil
	}
	br := tx.SendBatch(ctx, b)
	for i := 0; i < b.Len(); i++ {
		tag, err := br.Exec()
		if err != nil {
			_ = br.Close()
			return false, fmt.Errorf("submit work: %w", err)
		}
		if i == 0 && deliveryID != "" && tag.RowsAffected() == 0 {
			_ = br.Close()
			return true, nil // rolled back by the deferred Rollback
		}
	}
	if err := br.Close(); err != nil {
		return false, fmt.Errorf("submit work: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("submit work: commit: %w", err)
	}
	return false, nil
}

const claimWork = `
UPDATE tiergate_work w SET
    lease_owner = $1,
    lease_seq = w.lease_seq + 1,
    lease_until = now() + $2 * interval '1 microsecond'
FROM (
    SELECT key FROM tiergate_work
    WHERE due_at <= now() AND (lease_until IS NULL OR lease_until <= now())
      AND ($3::int <= 0 OR installation_id NOT IN (
          SELECT installation_id FROM tiergate_work
          WHERE lease_owner = $1 AND lease_until > now()
          GROUP BY installation_id HAVING count(*) >= $3::int))
    ORDER BY due_at
    LIMIT 1
    FOR UPDATE SKIP LOCKED
) due
WHERE w.key = due.key
RETURNING w.key, w.kind, w.installation_id, w.owner, w.repo, w.number, w.head_sha, w.delivery_id,
    w.event, w.require_write_from, w.generation, w.attempts, w.last_error, w.lease_seq, w.lease_until`

// Claim leases the work row that has been due longest and is not leased (or
// whose lease expired) to owner for lease. It returns nil, nil when nothing is
// due. Rows locked by a concurrent Claim are skipped, never waited for.
//
// With share > 0 it is a fair share: rows of an installation for which owner
// already holds share live leases are skipped, so one installation's slow
// work cannot take every worker of a replica. The count is per owner (one
// replica), so it needs no knowledge of the other replicas; it is exact only
// if owner's claims do not run concurrently (the caller serializes them).
func (s *Store) Claim(ctx context.Context, owner string, lease time.Duration, share int) (*Claim, error) {
	c := &Claim{Owner: owner}
	it := &c.Item
	err := s.pool.QueryRow(ctx, claimWork, owner, lease.Microseconds(), share).Scan(
		&it.Key, &it.Kind, &it.InstallationID, &it.Owner, &it.Repo, &it.Number, &it.HeadSHA, &it.DeliveryID,
		&it.Event, &it.RequireWriteFrom, &c.Generation, &c.Attempts, &c.LastError, &c.seq, &c.LeaseUntil)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("claim work: %w", err)
	}
	return c, nil
}

// Renew extends the lease to now+lease. It returns ErrLeaseLost when the row
// was claimed by someone else since (or is gone).
func (s *Store) Renew(ctx context.Context, c *Claim, lease time.Duration) error {
	err := s.pool.QueryRow(ctx, `
UPDATE tiergate_work SET lease_until = now() + $4 * interval '1 microsecond'
WHERE key = $1 AND lease_owner = $2 AND lease_seq = $3
RETURNING lease_until`, c.Item.Key, c.Owner, c.seq, lease.Microseconds()).Scan(&c.LeaseUntil)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("renew lease on %s: %w", c.Item.Key, ErrLeaseLost)
	}
	if err != nil {
		return fmt.Errorf("renew lease on %s: %w", c.Item.Key, err)
	}
	return nil
}

// Current is the write guard: it returns nil only if the lease is still the
// caller's and lasts longer than margin from now, and no newer event arrived
// since the claim. Otherwise it returns an error wrapping ErrLeaseLost or
// ErrSuperseded.
func (s *Store) Current(ctx context.Context, c *Claim, margin time.Duration) error {
	var live bool
	var generation int64
	err := s.pool.QueryRow(ctx, `
SELECT coalesce(lease_until > now() + $4 * interval '1 microsecond', false), generation
FROM tiergate_work WHERE key = $1 AND lease_owner = $2 AND lease_seq = $3`,
		c.Item.Key, c.Owner, c.seq, margin.Microseconds()).Scan(&live, &generation)
	switch {
	case errors.Is(err, pgx.ErrNoRows), err == nil && !live:
		return fmt.Errorf("check lease on %s: %w", c.Item.Key, ErrLeaseLost)
	case err != nil:
		return fmt.Errorf("check lease on %s: %w", c.Item.Key, err)
	case generation != c.Generation:
		return fmt.Errorf("check lease on %s: %w", c.Item.Key, ErrSuperseded)
	}
	return nil
}

// Finish completes claimed work: the row is deleted if its generation is the
// one claimed. If a newer event arrived meanwhile, the lease is released and
// the row is due now, and rerun is true. It returns ErrLeaseLost if the row
// was claimed by someone else since.
func (s *Store) Finish(ctx context.Context, c *Claim) (rerun bool, err error) {
	tag, err := s.pool.Exec(ctx, `
DELETE FROM tiergate_work WHERE key = $1 AND lease_owner = $2 AND lease_seq = $3 AND generation = $4`,
		c.Item.Key, c.Owner, c.seq, c.Generation)
	if err != nil {
		return false, fmt.Errorf("finish work on %s: %w", c.Item.Key, err)
	}
	if tag.RowsAffected() == 1 {
		return false, nil
	}
	tag, err = s.pool.Exec(ctx, `
UPDATE tiergate_work SET lease_owner = '', lease_until = NULL, due_at = now(), updated_at = now()
WHERE key = $1 AND lease_owner = $2 AND lease_seq = $3`, c.Item.Key, c.Owner, c.seq)
	if err != nil {
		return false, fmt.Errorf("finish work on %s: %w", c.Item.Key, err)
	}
	if tag.RowsAffected() == 0 {
		return false, fmt.Errorf("finish work on %s: %w", c.Item.Key, ErrLeaseLost)
	}
	return true, nil
}

// Retry releases the lease and makes the row due after the given delay (the
// caller's backoff, or the time to a rate limit's reset), counting a failed
// attempt if countAttempt. The due time is computed on the database's
// clock, like every other due and lease time, so replicas with skewed
// clocks agree.
// If a newer event arrived meanwhile, the row is due now with attempts reset:
// the new event need not wait out the old one's failure. It returns
// ErrLeaseLost if the row was claimed by someone else since.
func (s *Store) Retry(ctx context.Context, c *Claim, after time.Duration, countAttempt bool, lastError string) error {
	tag, err := s.pool.Exec(ctx, `
UPDATE tiergate_work SET
    lease_owner = '', lease_until = NULL, last_error = $6, updated_at = now(),
    due_at   = CASE WHEN generation = $4 THEN now() + $5 * interval '1 microsecond' ELSE now() END,
    attempts = CASE WHEN generation = $4 THEN attempts + CASE WHEN $7 THEN 1 ELSE 0 END ELSE 0 END
WHERE key = $1 AND lease_owner = $2 AND lease_seq = $3`,
		c.Item.Key, c.Owner, c.seq, c.Generation, max(after, 0).Microseconds(), lastError, countAttempt)
	if err != nil {
		return fmt.Errorf("schedule retry of %s: %w", c.Item.Key, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("schedule retry of %s: %w", c.Item.Key, ErrLeaseLost)
	}
	return nil
}

// Park releases the lease on work that ran without failing but must run
// again after the given delay (a verdict waiting for CI checks, looked at
// again when they run out of time): the row is due then, with its event
// EventRevisit and attempts and last error cleared. If a newer event arrived
// meanwhile, the row is due now instead, for that event. It returns
// ErrLeaseLost if the row was claimed by someone else since.
func (s *Store) Park(ctx context.Context, c *Claim, after time.Duration) error {
	tag, err := s.pool.Exec(ctx, `
UPDATE tiergate_work SET
    lease_owner = '', lease_until = NULL, updated_at = now(), attempts = 0, last_error = '',
    event  = CASE WHEN generation = $4 THEN $6 ELSE event END,
    due_at = CASE WHEN generation = $4 THEN now() + $5 * interval '1 microsecond' ELSE now() END
WHERE key = $1 AND lease_owner = $2 AND lease_seq = $3`,
		c.Item.Key, c.Owner, c.seq, c.Generation, max(after, 0).Microseconds(), EventRevisit)
	if err != nil {
		return fmt.Errorf("park %s: %w", c.Item.Key, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("park %s: %w", c.Item.Key, ErrLeaseLost)
	}
	return nil
}

// Release gives the row back without counting an attempt (at shutdown); it
// stays due as before. It returns ErrLeaseLost if the row was claimed by
// someone else since.
func (s *Store) Release(ctx context.Context, c *Claim) error {
	tag, err := s.pool.Exec(ctx, `
UPDATE tiergate_work SET lease_owner = '', lease_until = NULL, updated_at = now()
WHERE key = $1 AND lease_owner = $2 AND lease_seq = $3`, c.Item.Key, c.Owner, c.seq)
	if err != nil {
		return fmt.Errorf("release work on %s: %w", c.Item.Key, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("release work on %s: %w", c.Item.Key, ErrLeaseLost)
	}
	return nil
}

// Stats returns the number of work rows, not counting rows parked until a
// later revisit (see Park), and how long the longest-waiting row that is
// due and not leased has been due (0 if none).
func (s *Store) Stats(ctx context.Context) (depth int, oldestDue time.Duration, err error) {
	var micros int64
	err = s.pool.QueryRow(ctx, `
SELECT count(*) FILTER (WHERE NOT (event = '`+EventRevisit+`' AND due_at > now() AND lease_until IS NULL)),
    coalesce((extract(epoch FROM now() - min(due_at) FILTER (
        WHERE due_at <= now() AND (lease_until IS NULL OR lease_until <= now()))) * 1e6)::bigint, 0)
FROM tiergate_work`).Scan(&depth, &micros)
	if err != nil {
		return 0, 0, fmt.Errorf("work queue stats: %w", err)
	}
	return depth, time.Duration(micros) * time.Microsecond, nil
}
