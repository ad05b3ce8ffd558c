package pgtest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

func TestURLGivesFreshEmptyDatabases(t *testing.T) {
	ctx := context.Background()
	var names []string
	for i := range 2 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			conn, err := pgx.Connect(ctx, URL(t))
			if err != nil {
				t.Fatalf("connect: %v", err)
			}
			defer conn.Close(ctx)
			var name string
			var tables int
			err = conn.QueryRow(ctx, `SELECT current_database(),
    (SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public')`).Scan(&name, &tables)
			if err != nil {
				t.Fatal(err)
			}
			if tables != 0 {
				t.Errorf("database %s has %d tables, want none", name, tables)
			}
			if _, err := conn.Exec(ctx, `CREATE TABLE t (x int)`); err != nil {
				t.Fatal(err)
			}
			names = append(names, name)
		})
	}
	if len(names) != 2 || names[0] == names[1] {
		t.Fatalf("databases %v, want two distinct", names)
	}
	conn, err := pgx.Connect(ctx, AdminURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var left int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_database WHERE datname = ANY($1)`, names).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d test databases left after their tests ended, want all dropped", left)
	}
}

// recorder is a testing.TB that records Skip and Fatal instead of stopping.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                      {}
func (r *recorder) Skip(args ...any)             { r.skipped = fmt.Sprint(args...) }
func (r *recorder) Fatal(args ...any)            { r.failed = fmt.Sprint(args...) }
func (r *recorder) Fatalf(f string, args ...any) { r.failed = fmt.Sprintf(f, args...) }

func TestAvailable(t *testing.T) {
	const line = "PostgreSQL not found (initdb/pg_ctl): install postgresql or set TIERGATE_TEST_DATABASE_URL"
	tests := []struct {
		name        string
		require     string
		missing     bool
		startErr    error
		wantOK      bool
		wantSkipped string
		wantFailed  string
	}{
		{name: "found", wantOK: true},
		{name: "missing skips", missing: true, wantSkipped: line},
		{name: "missing fails when required", require: "1", missing: true, wantFailed: line},
		{name: "start error fails", startErr: errors.New("boom"), wantFailed: "pgtest: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvRequire, tt.require)
			r := &recorder{TB: t}
			ok := available(r, tt.missing, tt.startErr)
			if ok != tt.wantOK || r.skipped != tt.wantSkipped || r.failed != tt.wantFailed {
				t.Errorf("available = %v, skipped %q, failed %q; want %v, %q, %q",
					ok, r.skipped, r.failed, tt.wantOK, tt.wantSkipped, tt.wantFailed)
			}
		})
	}
}
