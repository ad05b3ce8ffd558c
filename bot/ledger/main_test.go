package ledger_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tiergate/tiergate/bot/ledger"
	"github.com/tiergate/tiergate/bot/pgstore"
	"github.com/tiergate/tiergate/bot/pgstore/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// testCtx is a context that ends with the test or after a minute.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// open migrates a fresh database and returns a ledger on it, its pool for
// direct statements, and its metrics.
func open(t testing.TB) (*ledger.Ledger, *pgxpool.Pool, *ledger.Metrics) {
	t.Helper()
	store, err := pgstore.Open(testCtx(t), pgtest.URL(t), pgstore.Options{})
	if err != nil {
		t.Fatalf("pgstore.Open: %v", err)
	}
	t.Cleanup(store.Close)
	m := ledger.NewMetrics()
	return ledger.New(store.Pool(), m), store.Pool(), m
}

func count(t testing.TB, pool *pgxpool.Pool, table string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(testCtx(t), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}
