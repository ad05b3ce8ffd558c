package pgstore

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Pool is the Store's connection pool, for packages that keep their own
// tables in tiergate's database (bot/ledger) so they share its connections.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Connect opens a pool to the database at url without migrating it or
// claiming it for an App: for commands that only read (tiergate ledger),
// which must not change the schema under a running server. maxConns caps
// the pool (0: pgxpool's default). Its errors never contain the URL.
func Connect(ctx context.Context, url string, maxConns int32) (*pgxpool.Pool, error) {
	return newPool(ctx, url, Options{MaxConns: maxConns})
}
