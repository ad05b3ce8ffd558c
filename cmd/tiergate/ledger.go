package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/tiergate/tiergate/bot/ledger"
	"github.com/tiergate/tiergate/bot/pgstore"
	"github.com/tiergate/tiergate/rules"
)

const ledgerUsage = `Usage: tiergate ledger <command> [flags]

The decision ledger: every verdict tiergate wrote to GitHub and every merge,
kept in PostgreSQL by tiergate serve (TIERGATE_DATABASE_URL).

Commands:
  export    one row per merged pull request: tier, verdict on the merged
            head, approvers, overrides, bypass, links (CSV or JSON)
  show      every verdict on one pull request, newest first (OWNER/NAME#N)
  summary   per tier: merged, median time from opening to merge, override
            rate, bypasses

Each command reads the database from --database-url or TIERGATE_DATABASE_URL
and never changes it. Run 'tiergate ledger <command> --help' for its flags.
`

// errNoDatabase is the one line a ledger command without a database prints.
var errNoDatabase = errors.New("the ledger needs a database: pass --database-url or set TIERGATE_DATABASE_URL")

// ledgerCmd runs a ledger subcommand.
func ledgerCmd(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, ledgerUsage)
		return exitStatus(2)
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, ledgerUsage)
		return nil
	case "export":
		return ledgerExportCmd(ctx, rest, env, stdout)
	case "show":
		return ledgerShowCmd(ctx, rest, env, stdout)
	case "summary":
		return ledgerSummaryCmd(ctx, rest, env, stdout)
	default:
		return usageErrorf("unknown ledger command %q (export, show or summary)", cmd)
	}
}

// ledgerDB is the --database-url flag every ledger command shares, with its
// fallback to TIERGATE_DATABASE_URL.
type ledgerDB struct {
	url string
	env func(string) string
}

// open connects to the ledger's database, read-only in effect: no
// migration, nothing written. The returned func closes it.
func (d ledgerDB) open(ctx context.Context) (*ledger.Ledger, func(), error) {
	u := d.url
	if u == "" {
		u = d.env("TIERGATE_DATABASE_URL")
	}
	if u == "" {
		return nil, nil, errNoDatabase
	}
	if p, err := url.Parse(u); err != nil || (p.Scheme != "postgres" && p.Scheme != "postgresql") {
		return nil, nil, usageErrorf("--database-url must be a postgres:// URL (value not shown: it may hold a password)")
	}
	pool, err := pgstore.Connect(ctx, u, 2)
	if err != nil {
		return nil, nil, err
	}
	return ledger.New(pool, nil), pool.Close, nil
}

// dateFlag is a --since or --until value: a date (UTC) or an RFC 3339 time.
type dateFlag struct {
	t time.Time
	// endOfDay makes a date mean the end of that day, so --until
	// 2026-11-30 includes merges on the 30th.
	endOfDay bool
}

func (d *dateFlag) String() string {
	if d.t.IsZero() {
		return ""
	}
	return d.t.Format(time.RFC3339)
}

func (d *dateFlag) Set(s string) error {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		if d.endOfDay {
			t = t.AddDate(0, 0, 1)
		}
		d.t = t
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return fmt.Errorf("want a date such as 2026-11-30 or a time such as 2026-11-30T12:00:00Z")
	}
	d.t = t
	return nil
}

// text escapes a value someone else chose (a title, a login, a reason) for
// a terminal: control and invisible characters are shown as escapes.
func text(s string) string { return rules.Messagef("%s", s).Text() }

// short is the first 7 characters of a SHA.
func short(sha string) string { return sha[:min(7, len(sha))] }
