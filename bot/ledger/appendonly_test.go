package ledger_test

import (
	"strings"
	"testing"

	"github.com/tiergate/tiergate/bot/ledger/ledgertest"
)

// TestAppendOnly: no statement but the prune function changes or removes a
// ledger row, whoever sends it (the test connects as a superuser).
func TestAppendOnly(t *testing.T) {
	l, pool, _ := open(t)
	if err := ledgertest.Seed(testCtx(t), l); err != nil {
		t.Fatal(err)
	}
	verdicts, merges := count(t, pool, "tiergate_ledger_verdicts"), count(t, pool, "tiergate_ledger_merges")
	if verdicts != 7 || merges != 5 {
		t.Fatalf("seeded %d verdicts and %d merges, want 7 and 5", verdicts, merges)
	}
	tests := []struct {
		name string
		sql  []string // run in one transaction
	}{
		{"update a verdict", []string{`UPDATE tiergate_ledger_verdicts SET conclusion = 'success' WHERE conclusion = 'failure'`}},
		{"update a verdict's JSON", []string{`UPDATE tiergate_ledger_verdicts SET verdict = '{}'`}},
		{"delete a verdict", []string{`DELETE FROM tiergate_ledger_verdicts WHERE number = 103`}},
		{"truncate verdicts", []string{`TRUNCATE tiergate_ledger_verdicts CASCADE`}},
		{"update a merge", []string{`UPDATE tiergate_ledger_merges SET bypass = false`}},
		{"delete a merge", []string{`DELETE FROM tiergate_ledger_merges WHERE bypass`}},
		{"truncate merges", []string{`TRUNCATE tiergate_ledger_merges`}},
		{"delete with a cutoff declared by hand, younger than a day", []string{
			`INSERT INTO tiergate_ledger_merges (recorded_at, installation_id, owner, repo, number, title, author, url,
			    pr_created_at, merged_at, merged_by, merge_commit_sha, head_sha, base_sha, base_ref, bypass, bypass_reason, delivery_id)
			 VALUES (now() - interval '2 hours', 1, 'o', 'r', 1, '', '', '', now(), now(), '', '', '', '', '', true, '', '')`,
			`SELECT set_config('tiergate.ledger_prune_before', (now() - interval '1 hour')::text, true)`,
			`DELETE FROM tiergate_ledger_merges WHERE recorded_at < now() - interval '1 hour'`}},
		{"delete with a cutoff a day old, of rows younger than it", []string{
			`SELECT set_config('tiergate.ledger_prune_before', (now() - interval '2 days')::text, true)`,
			`DELETE FROM tiergate_ledger_merges`}},
		{"prune with a retention under a day", []string{`SELECT tiergate_ledger_prune(interval '23 hours')`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testCtx(t)
			tx, err := pool.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx)
			var last error
			for _, s := range tc.sql {
				if _, last = tx.Exec(ctx, s); last != nil {
					break
				}
			}
			if last == nil {
				t.Fatalf("%v succeeded, want it refused", tc.sql)
			}
			if msg := last.Error(); !strings.Contains(msg, "append-only") && !strings.Contains(msg, "at least 1 day") {
				t.Errorf("%v failed with %q, want the ledger's refusal", tc.sql, msg)
			}
		})
	}
	if v, m := count(t, pool, "tiergate_ledger_verdicts"), count(t, pool, "tiergate_ledger_merges"); v != verdicts || m != merges {
		t.Errorf("after the refused statements: %d verdicts and %d merges, want %d and %d", v, m, verdicts, merges)
	}
}
