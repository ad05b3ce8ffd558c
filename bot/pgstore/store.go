// Package pgstore keeps tiergate's shared, durable state in PostgreSQL: the
// deliveries already accepted, the work rows that replicas claim with a lease,
// and the small records that coordinate periodic sweeps across replicas.
//
// All time comparisons use the database clock (now()), so replicas whose clocks
// disagree still agree on which work is due and whose lease is live. The
// package does not log; its errors never contain the connection URL.
package pgstore

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrSuperseded reports that a newer event for the same key arrived after the
// work was claimed: the claimed generation is no longer the newest.
var ErrSuperseded = errors.New("work superseded by a newer event")

// ErrLeaseLost reports that the lease on a work row is no longer held by the
// caller (it expired and another owner claimed the row, or it is about to
// expire).
var ErrLeaseLost = errors.New("work lease lost")

// Options tune a Store. The zero value is usable.
type Options struct {
	// MaxConns caps the connection pool (0: pgxpool's default, the larger of 4
	// and the number of CPUs). Wait and Exclusive each hold one extra
	// connection outside the pool.
	MaxConns int32
	// AppID, when set, claims the database for this GitHub App: Open fails
	// when another App's replicas already use it (work is not scoped to an
	// App, so two Apps must not share a database).
	AppID int64
}

// Store is a connection pool to tiergate's database. It is safe for
// concurrent use.
type Store struct {
	pool *pgxpool.Pool

	// listener state (see notify.go).
	stopListen context.CancelFunc
	listenDone chan struct{}
	mu         sync.Mutex
	wake       chan struct{} // closed and replaced on every notification
	listening  chan struct{} // closed when LISTEN first succeeds
	onceListen sync.Once
}

// Open connects to the database at url, checks that it answers and applies
// pending migrations (safe when several replicas start at once).
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	pool, err := newPool(ctx, url, opts)
	if err != nil {
		return nil, err
	}
	if _, err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	if opts.AppID != 0 {
		if err := claimForApp(ctx, pool, opts.AppID); err != nil {
			pool.Close()
			return nil, err
		}
	}
	s := &Store{pool: pool, wake: make(chan struct{}), listening: make(chan struct{})}
	s.startListener()
	return s, nil
}

// Migrate applies pending migrations to the database at url and returns the
// names of the migration files it applied (empty when up to date).
func Migrate(ctx context.Context, url string) (applied []string, err error) {
	pool, err := newPool(ctx, url, Options{MaxConns: 2})
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	return migrate(ctx, pool)
}

func newPool(ctx context.Context, url string, opts Options) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx redacts passwords in parse errors only on a best-effort basis,
		// and wrapped url.Errors quote the URL: say nothing about it.
		return nil, errors.New("parse database URL: not a valid PostgreSQL connection string")
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "tiergate"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", redact(err))
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database: %w", redact(err))
	}
	return pool, nil
}

// redact drops a ParseConfigError, whose text may quote the connection string.
// Connect errors name host, user and database but never the password.
func redact(err error) error {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		return errors.New("not a valid PostgreSQL connection string")
	}
	return err
}

// Close stops the notification listener and closes the pool.
func (s *Store) Close() {
	s.stopListen()
	<-s.listenDone
	s.pool.Close()
}

// Ping reports whether the database answers (for /readyz).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// ErrOtherApp means the database belongs to another GitHub App's replicas.
var ErrOtherApp = errors.New("the database is used by another GitHub App")

// claimForApp records appID as the database's App on first use and fails
// with ErrOtherApp when another App recorded itself first.
func claimForApp(ctx context.Context, pool *pgxpool.Pool, appID int64) error {
	// Two statements, so the read sees a row another replica of the same
	// App inserted concurrently.
	if _, err := pool.Exec(ctx, `INSERT INTO tiergate_app (app_id) VALUES ($1) ON CONFLICT (singleton) DO NOTHING`, appID); err != nil {
		return fmt.Errorf("record the App that uses the database: %w", redact(err))
	}
	var owner int64
	if err := pool.QueryRow(ctx, `SELECT app_id FROM tiergate_app`).Scan(&owner); err != nil {
		return fmt.Errorf("read the App that uses the database: %w", redact(err))
	}
	if owner != appID {
		return fmt.Errorf("%w (App %d); give each App a database of its own: work and delivery state are shared by every replica of one App", ErrOtherApp, owner)
	}
	return nil
}
