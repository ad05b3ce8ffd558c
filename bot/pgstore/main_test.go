package pgstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tiergate/tiergate/bot/pgstore/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// openStore opens a Store on a fresh database, closed when t ends.
func openStore(t testing.TB, url string) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func newStore(t testing.TB) *Store {
	t.Helper()
	return openStore(t, pgtest.URL(t))
}

// testCtx is a context that ends with the test or after a minute.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// row is a work row as stored, for assertions.
type row struct {
	Item
	Generation int64
	Attempts   int
	LastError  string
	LeaseOwner string
	DueIn      time.Duration // due_at - now(), rounded to a second
}

func readRow(t testing.TB, s *Store, key string) (row, bool) {
	t.Helper()
	var r row
	var dueMicros int64
	err := s.pool.QueryRow(testCtx(t), `
SELECT key, kind, installation_id, owner, repo, number, head_sha, delivery_id, event, require_write_from,
    generation, attempts, last_error, lease_owner, (extract(epoch FROM due_at - now()) * 1e6)::bigint
FROM tiergate_work WHERE key = $1`, key).Scan(
		&r.Key, &r.Kind, &r.InstallationID, &r.Owner, &r.Repo, &r.Number, &r.HeadSHA, &r.DeliveryID, &r.Event,
		&r.RequireWriteFrom, &r.Generation, &r.Attempts, &r.LastError, &r.LeaseOwner, &dueMicros)
	if err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return row{}, false
		}
		t.Fatalf("read row %s: %v", key, err)
	}
	r.DueIn = (time.Duration(dueMicros) * time.Microsecond).Round(time.Second)
	return r, true
}

func countRows(t testing.TB, s *Store) int {
	t.Helper()
	var n int
	if err := s.pool.QueryRow(testCtx(t), `SELECT count(*) FROM tiergate_work`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func item(key string) Item {
	return Item{Key: key, Kind: "evaluate", InstallationID: 7, Owner: "octo", Repo: "repo", Number: 12,
		HeadSHA: "aaa", DeliveryID: "d1", Event: "pull_request"}
}

func submit(t testing.TB, s *Store, appID int64, delivery string, debounce time.Duration, items ...Item) bool {
	t.Helper()
	dup, err := s.Submit(testCtx(t), appID, delivery, items, debounce)
	if err != nil {
		t.Fatalf("Submit(%d, %q): %v", appID, delivery, err)
	}
	return dup
}

func claim(t testing.TB, s *Store, owner string, lease time.Duration) *Claim {
	t.Helper()
	c, err := s.Claim(testCtx(t), owner, lease, 0)
	if err != nil {
		t.Fatalf("Claim(%s): %v", owner, err)
	}
	return c
}
