package ledger_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tiergate/tiergate/bot/ledger"
	"github.com/tiergate/tiergate/bot/pgstore"
	"github.com/tiergate/tiergate/bot/pgstore/pgtest"
	"github.com/tiergate/tiergate/rules"
)

// readmeGrants are the README's grants for the role `tiergate serve`
// connects as (ROLE_ is the role).
var readmeGrants = []string{
	"GRANT SELECT ON tiergate_schema_migrations TO ROLE_",
	"GRANT SELECT, INSERT, UPDATE, DELETE ON tiergate_deliveries, tiergate_work, tiergate_cursors, tiergate_once, tiergate_app TO ROLE_",
	"GRANT SELECT, INSERT ON tiergate_ledger_verdicts, tiergate_ledger_merges TO ROLE_",
	"GRANT EXECUTE ON FUNCTION tiergate_ledger_prune(interval) TO ROLE_",
}

// asRole creates role with grants (ROLE_ is the role) and returns a
// connection that has SET ROLE to it.
func asRole(t *testing.T, pool *pgxpool.Pool, role string, grants ...string) *pgxpool.Conn {
	t.Helper()
	ctx := testCtx(t)
	for _, g := range append([]string{"CREATE ROLE " + role}, grants...) {
		if _, err := pool.Exec(ctx, strings.ReplaceAll(g, "ROLE_", role)); err != nil {
			t.Fatalf("%s: %v", g, err)
		}
	}
	t.Cleanup(func() {
		// Roles belong to the cluster, not the test's database.
		pool.Exec(context.Background(), "DROP OWNED BY "+role)
		pool.Exec(context.Background(), "DROP ROLE "+role)
	})
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Exec(context.Background(), "RESET ROLE"); conn.Release() })
	if _, err := conn.Exec(ctx, "SET ROLE "+role); err != nil {
		t.Fatal(err)
	}
	return conn
}

// TestPruneReadOnlyRoleDenied: a role granted only SELECT on the ledger
// (`tiergate ledger`'s) cannot run the prune, which runs as the owner.
func TestPruneReadOnlyRoleDenied(t *testing.T) {
	l, pool, _ := open(t)
	if err := l.SetMinRetention(testCtx(t), 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	v := insertVerdict(t, pool, 1, 30*24*time.Hour)
	insertMerge(t, pool, 1, 30*24*time.Hour, v)
	conn := asRole(t, pool, "tiergate_ledger_ro",
		"GRANT SELECT ON tiergate_ledger_verdicts, tiergate_ledger_merges TO ROLE_")
	_, err := conn.Exec(testCtx(t), `SELECT tiergate_ledger_prune(interval '1 day')`)
	if err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("tiergate_ledger_prune as a read-only role = %v, want permission denied", err)
	}
	if n := count(t, pool, "tiergate_ledger_merges"); n != 1 {
		t.Errorf("%d merges left, want 1", n)
	}
}

// TestPruneAppRoleHeldToMinRetention: with the owner's minimum at 400
// days, tiergate's own role (the README's grants) cannot delete 30-day-old
// evidence by asking for a shorter retention, however it spells it.
func TestPruneAppRoleHeldToMinRetention(t *testing.T) {
	l, pool, _ := open(t)
	if err := l.SetMinRetention(testCtx(t), 400*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	v := insertVerdict(t, pool, 1, 30*24*time.Hour)
	insertMerge(t, pool, 1, 30*24*time.Hour, v)
	conn := asRole(t, pool, "tiergate_app_min", readmeGrants...)
	for _, sql := range []string{
		`SELECT tiergate_ledger_prune(interval '1 day')`,
		`SELECT tiergate_ledger_prune(interval '1 year')`,
		`SELECT tiergate_ledger_prune(interval '13 mons -30 days')`,
		`UPDATE tiergate_ledger_settings SET min_retention = interval '1 day'`,
		`DELETE FROM tiergate_ledger_settings`,
	} {
		if _, err := conn.Exec(testCtx(t), sql); err == nil {
			t.Errorf("%s as tiergate's role succeeded, want it refused", sql)
		}
	}
	if n := count(t, pool, "tiergate_ledger_merges"); n != 1 {
		t.Errorf("tiergate's role deleted a 30-day-old merge under a 400-day minimum: %d merges left, want 1", n)
	}
}

// TestPruneIgnoresCallersTempTables: a temporary table named like a
// ledger table does not stand in for it in the prune.
func TestPruneIgnoresCallersTempTables(t *testing.T) {
	l, pool, _ := open(t)
	if err := l.SetMinRetention(testCtx(t), 400*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	v := insertVerdict(t, pool, 1, 500*24*time.Hour)
	insertMerge(t, pool, 1, 500*24*time.Hour, v)
	keep := insertVerdict(t, pool, 2, 30*24*time.Hour)
	insertMerge(t, pool, 2, 30*24*time.Hour, keep)
	conn := asRole(t, pool, "tiergate_app_temp", append([]string{"GRANT TEMPORARY ON DATABASE " + dbName(t, pool) + " TO ROLE_"}, readmeGrants...)...)
	ctx := testCtx(t)
	if _, err := conn.Exec(ctx, `CREATE TEMP TABLE tiergate_ledger_merges (recorded_at timestamptz, verdict_id bigint)`); err != nil {
		t.Fatal(err)
	}
	var verdicts, merges int64
	if err := conn.QueryRow(ctx, `SELECT verdicts, merges FROM tiergate_ledger_prune(interval '400 days')`).Scan(&verdicts, &merges); err != nil {
		t.Fatal(err)
	}
	if verdicts != 1 || merges != 1 {
		t.Errorf("prune with a temporary tiergate_ledger_merges deleted %d verdicts and %d merges, want 1 and 1 from the ledger's tables", verdicts, merges)
	}
	if got := numbers(t, pool, "public.tiergate_ledger_merges"); len(got) != 1 || got[0] != 2 {
		t.Errorf("merges left %v, want [2]", got)
	}
}

func dbName(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	var name string
	if err := pool.QueryRow(testCtx(t), `SELECT quote_ident(current_database())`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	return name
}

// TestServeAsReadmeRole: tiergate serve's store, opened as a role with
// exactly the README's grants on a database the owner migrated and set a
// minimum retention on, records verdicts and merges and prunes.
func TestServeAsReadmeRole(t *testing.T) {
	dsn := pgtest.URL(t)
	admin, err := pgstore.Open(testCtx(t), dsn, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(admin.Close)
	if err := ledger.New(admin.Pool(), nil).SetMinRetention(testCtx(t), 400*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	role := "tiergate_serve_role"
	asRole(t, admin.Pool(), role, append([]string{"ALTER ROLE ROLE_ LOGIN"}, readmeGrants...)...)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	store, err := pgstore.Open(testCtx(t), u.String(), pgstore.Options{AppID: 42})
	if err != nil {
		t.Fatalf("open as the README's role: %v", err)
	}
	defer store.Close()
	l := ledger.New(store.Pool(), nil)
	v := row{head: headA, conclusion: rules.ConclusionSuccess, checkRun: 1}.verdict(1)
	if err := l.RecordVerdict(testCtx(t), v); err != nil {
		t.Fatal(err)
	}
	if _, err := l.RecordMerge(testCtx(t), mergeOf(1, headA, "main", time.Now())); err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.Prune(testCtx(t), 400*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := l.SetMinRetention(testCtx(t), 24*time.Hour); !ledger.IsNotOwner(err) {
		t.Errorf("SetMinRetention as the README's role = %v, want the owner-only refusal", err)
	}
}
