// Package ledger keeps tiergate's decision ledger in PostgreSQL: every
// verdict tiergate wrote to GitHub, with its check run, and every merge,
// with the verdict that stood on the merged head. Rows are append-only
// (database triggers refuse UPDATE, DELETE and TRUNCATE); Prune is the one
// path that deletes. The tables are created by bot/pgstore's migrations.
//
// A verdict is stored as the documented JSON (rules.JSON, schema_version 1),
// so what an auditor reads back is the same contract `tiergate check
// --format json` prints; the scalar columns beside it are copies for
// queries. The package does not log; its errors never contain the
// connection URL.
package ledger

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Ledger reads and writes the ledger tables. It is safe for concurrent use.
type Ledger struct {
	pool    *pgxpool.Pool
	metrics *Metrics
}

// New returns a Ledger on pool. m counts bypasses and overrides as merges
// are recorded; nil for commands that only read.
func New(pool *pgxpool.Pool, m *Metrics) *Ledger {
	return &Ledger{pool: pool, metrics: m}
}

// ConfigLayer is one config file a verdict was computed from, on top of
// the built-in defaults.
type ConfigLayer struct {
	Layer      string `json:"layer"`      // "org" or "repo"
	Repository string `json:"repository"` // owner/name
	Ref        string `json:"ref"`        // "" for the repository's default branch
	Path       string `json:"path"`
	BlobSHA    string `json:"blob_sha"` // "" when the file does not exist
}

// errNoLedger explains the error PostgreSQL gives for a missing table.
var errNoLedger = errors.New("the database has no ledger tables: run `tiergate migrate` (or start `tiergate serve` of this version) first")

// wrap adds what was being done to err, and a hint when the ledger's
// tables do not exist yet.
func wrap(what string, err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42P01" { // undefined_table
		return fmt.Errorf("%s: %w", what, errNoLedger)
	}
	return fmt.Errorf("%s: %w", what, err)
}
