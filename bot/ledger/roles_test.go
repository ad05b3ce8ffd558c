package ledger_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tiergate/tiergate/bot/ledger/ledgertest"
)

// TestLeastPrivilegeRole checks the README's grants: a role that may only
// insert and read the ledger, and run the prune, records and prunes but
// cannot change, delete, truncate or unprotect a row.
func TestLeastPrivilegeRole(t *testing.T) {
	l, pool, _ := open(t)
	if err := ledgertest.Seed(testCtx(t), l); err != nil {
		t.Fatal(err)
	}
	if err := l.SetMinRetention(testCtx(t), 400*24*time.Hour); err != nil { // as `tiergate migrate` does
		t.Fatal(err)
	}
	role := "tiergate_app_" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "_"))
	ctx := testCtx(t)
	grants := []string{
		"CREATE ROLE " + role,
		"GRANT SELECT ON tiergate_schema_migrations TO " + role,
		"GRANT SELECT, INSERT, UPDATE, DELETE ON tiergate_deliveries, tiergate_work, tiergate_cursors, tiergate_once, tiergate_app TO " + role,
		"GRANT SELECT, INSERT ON tiergate_ledger_verdicts, tiergate_ledger_merges TO " + role,
		"GRANT EXECUTE ON FUNCTION tiergate_ledger_prune(interval) TO " + role,
	}
	for _, g := range grants {
		if _, err := pool.Exec(ctx, g); err != nil {
			t.Fatalf("%s: %v", g, err)
		}
	}
	t.Cleanup(func() {
		// Roles belong to the cluster, not the test's database.
		if _, err := pool.Exec(testCtx(t), "DROP OWNED BY "+role); err != nil {
			t.Errorf("drop owned by %s: %v", role, err)
		}
		if _, err := pool.Exec(testCtx(t), "DROP ROLE "+role); err != nil {
			t.Errorf("drop role %s: %v", role, err)
		}
	})
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SET ROLE "+role); err != nil {
		t.Fatal(err)
	}
	defer conn.Exec(testCtx(t), "RESET ROLE")

	tests := []struct {
		sql     string
		wantErr string // "" : allowed
	}{
		{`INSERT INTO tiergate_ledger_verdicts (installation_id, owner, repo, number, head_sha, base_sha, base_ref, kind,
		    status, title, check_run_id, config, delivery_id, event, verdict)
		  VALUES (1, 'o', 'r', 1, 'h', '', 'main', 'verdict', 'completed', 't', 1, '[]', '', 'e', '{}')`, ""},
		{`SELECT count(*) FROM tiergate_ledger_merges`, ""},
		{`SELECT tiergate_ledger_prune(interval '400 days')`, ""},
		{`UPDATE tiergate_ledger_merges SET bypass = false`, "permission denied"},
		{`DELETE FROM tiergate_ledger_verdicts`, "permission denied"},
		{`TRUNCATE tiergate_ledger_merges`, "permission denied"},
		{`ALTER TABLE tiergate_ledger_verdicts DISABLE TRIGGER ALL`, "must be owner"},
		{`SET session_replication_role = replica`, "permission denied"},
		{`SELECT tiergate_ledger_prune(interval '1 hour')`, "at least 1 day"},
		{`SELECT tiergate_ledger_prune(interval '1 day')`, "under the minimum retention"},
		{`SELECT tiergate_ledger_prune(interval '399 days')`, "under the minimum retention"},
		{`UPDATE tiergate_ledger_settings SET min_retention = interval '1 day'`, "permission denied"},
	}
	for _, tc := range tests {
		_, err := conn.Exec(ctx, tc.sql)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s as the tiergate role: %v, want it allowed", tc.sql, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s as the tiergate role: %v, want %q", tc.sql, err, tc.wantErr)
		}
	}
}
