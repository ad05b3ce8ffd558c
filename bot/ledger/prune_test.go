package ledger_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgxpool"
)

// insertVerdict adds a verdict recorded age ago (an INSERT may set
// recorded_at; only changing a row is refused) and returns its id.
func insertVerdict(t *testing.T, pool *pgxpool.Pool, number int, age time.Duration) int64 {
	t.Helper()
	var id int64
	err := pool.QueryRow(testCtx(t), `
INSERT INTO tiergate_ledger_verdicts (recorded_at, installation_id, owner, repo, number, head_sha, base_sha, base_ref,
    kind, status, title, check_run_id, config, delivery_id, event, verdict)
VALUES (now() - $1 * interval '1 microsecond', 1, 'o', 'r', $2, 'h', '', 'main', 'verdict', 'completed', 't', 1, '[]', '', 'e', '{}')
RETURNING id`, age.Microseconds(), number).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func insertMerge(t *testing.T, pool *pgxpool.Pool, number int, age time.Duration, verdict int64) {
	t.Helper()
	_, err := pool.Exec(testCtx(t), `
INSERT INTO tiergate_ledger_merges (recorded_at, installation_id, owner, repo, number, title, author, url, pr_created_at,
    merged_at, merged_by, merge_commit_sha, head_sha, base_sha, base_ref, verdict_id, bypass, bypass_reason, delivery_id)
VALUES (now() - $1 * interval '1 microsecond', 1, 'o', 'r', $2, '', '', '', now(), now(), '', '', 'h', '', 'main', $3, false, '', '')`,
		age.Microseconds(), number, verdict)
	if err != nil {
		t.Fatal(err)
	}
}

func numbers(t *testing.T, pool *pgxpool.Pool, table string) []int {
	t.Helper()
	rows, err := pool.Query(testCtx(t), "SELECT number FROM "+table+" ORDER BY number")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func TestPrune(t *testing.T) {
	l, pool, _ := open(t)
	const day = 24 * time.Hour
	if err := l.SetMinRetention(testCtx(t), day); err != nil {
		t.Fatal(err)
	}
	stood := insertVerdict(t, pool, 1, 10*day) // old, but a kept merge stands on it
	old := insertVerdict(t, pool, 2, 10*day)   // old; its merge is old too
	insertVerdict(t, pool, 3, 3*day)
	insertVerdict(t, pool, 4, time.Minute)
	insertMerge(t, pool, 1, time.Hour, stood)
	insertMerge(t, pool, 2, 10*day, old)

	steps := []struct {
		retention    time.Duration
		wantVerdicts int64
		wantMerges   int64
		leftVerdicts []int
		leftMerges   []int
	}{
		{5 * day, 1, 1, []int{1, 3, 4}, []int{1}},
		{5 * day, 0, 0, []int{1, 3, 4}, []int{1}}, // nothing more: pruning twice is harmless
		{2 * day, 1, 0, []int{1, 4}, []int{1}},
		{day, 0, 0, []int{1, 4}, []int{1}},
	}
	for _, s := range steps {
		v, m, err := l.Prune(testCtx(t), s.retention)
		if err != nil {
			t.Fatalf("Prune(%v): %v", s.retention, err)
		}
		if v != s.wantVerdicts || m != s.wantMerges {
			t.Errorf("Prune(%v) deleted %d verdicts and %d merges, want %d and %d", s.retention, v, m, s.wantVerdicts, s.wantMerges)
		}
		if diff := cmp.Diff(s.leftVerdicts, numbers(t, pool, "tiergate_ledger_verdicts")); diff != "" {
			t.Errorf("verdicts left after Prune(%v) (-want +got):\n%s", s.retention, diff)
		}
		if diff := cmp.Diff(s.leftMerges, numbers(t, pool, "tiergate_ledger_merges")); diff != "" {
			t.Errorf("merges left after Prune(%v) (-want +got):\n%s", s.retention, diff)
		}
	}
	if _, _, err := l.Prune(testCtx(t), 12*time.Hour); err == nil || !strings.Contains(err.Error(), "at least 1 day") {
		t.Errorf("Prune(12h) = %v, want the database to refuse a retention under a day", err)
	}
	// The prune's cutoff does not outlive it: deleting an old row by hand
	// afterwards, in the same session, is refused again.
	conn, err := pool.Acquire(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(testCtx(t), `SELECT tiergate_ledger_prune(interval '1 day')`); err != nil {
		t.Fatal(err)
	}
	insertVerdict(t, pool, 5, 10*day)
	if _, err := conn.Exec(testCtx(t), `DELETE FROM tiergate_ledger_verdicts WHERE number = 5`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("DELETE after a prune in the same session = %v, want it refused", err)
	}
}

// TestPruneMinRetention: the prune refuses a retention shorter than the
// minimum the owner set, and prunes nothing before the owner sets one.
func TestPruneMinRetention(t *testing.T) {
	l, pool, _ := open(t)
	const day = 24 * time.Hour
	v := insertVerdict(t, pool, 1, 30*day)
	insertMerge(t, pool, 1, 30*day, v)
	if _, _, err := l.Prune(testCtx(t), 400*day); err == nil || !strings.Contains(err.Error(), "no minimum retention") {
		t.Errorf("Prune(400d) with no minimum set = %v, want it refused", err)
	}
	if err := l.SetMinRetention(testCtx(t), 400*day); err != nil {
		t.Fatal(err)
	}
	for _, r := range []time.Duration{day, 30 * day, 399 * day} {
		if _, _, err := l.Prune(testCtx(t), r); err == nil || !strings.Contains(err.Error(), "under the minimum retention") {
			t.Errorf("Prune(%v) under a 400d minimum = %v, want it refused", r, err)
		}
	}
	if _, _, err := l.Prune(testCtx(t), 400*day); err != nil {
		t.Errorf("Prune(400d) at the minimum: %v", err)
	}
	if n := count(t, pool, "tiergate_ledger_merges"); n != 1 {
		t.Errorf("%d merges left, want the 30-day-old one kept", n)
	}
	if err := l.SetMinRetention(testCtx(t), 12*time.Hour); err == nil {
		t.Errorf("SetMinRetention(12h) = nil, want an error: at least a day")
	}
}
