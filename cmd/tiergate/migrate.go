package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/tiergate/tiergate/bot"
	"github.com/tiergate/tiergate/bot/ledger"
	"github.com/tiergate/tiergate/bot/pgstore"
)

// migrateCmd applies pending database migrations. `tiergate serve` applies
// them at start-up too; this is for operators who migrate as a separate
// deployment step.
func migrateCmd(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tiergate migrate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dbURL := fs.String("database-url", "", "postgres:// URL (default $TIERGATE_DATABASE_URL)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "Usage: tiergate migrate [--database-url URL]\n\nApplies tiergate's pending schema migrations to the PostgreSQL database\nnamed by --database-url or TIERGATE_DATABASE_URL. Safe to run while\nreplicas start; serve applies them at start-up too. With\nTIERGATE_LEDGER_RETENTION set, also sets the ledger's minimum retention\n(run as the tables' owner).")
			return nil
		}
		return usageErrorf("%v", err)
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q", fs.Arg(0))
	}
	if *dbURL == "" {
		*dbURL = env("TIERGATE_DATABASE_URL")
	}
	if *dbURL == "" {
		return usageErrorf("a database is needed: set --database-url or TIERGATE_DATABASE_URL")
	}
	if u, err := url.Parse(*dbURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return usageErrorf("--database-url must be a postgres:// URL (value not shown: it may hold a password)")
	}
	retention, err := bot.LedgerRetention(env)
	if err != nil {
		return usageErrorf("%v", err)
	}
	applied, err := pgstore.Migrate(ctx, *dbURL)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if len(applied) == 0 {
		fmt.Fprintln(stdout, "database schema is up to date")
	}
	for _, m := range applied {
		fmt.Fprintf(stdout, "applied %s\n", m)
	}
	if env("TIERGATE_LEDGER_RETENTION") == "" {
		return nil
	}
	return setLedgerFloor(ctx, *dbURL, retention, stdout)
}

// setLedgerFloor sets the ledger's minimum retention, which only the
// tables' owner can: the shortest retention any role may prune with.
func setLedgerFloor(ctx context.Context, dbURL string, retention time.Duration, stdout io.Writer) error {
	store, err := pgstore.Open(ctx, dbURL, pgstore.Options{MaxConns: 1})
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer store.Close()
	if err := ledger.New(store.Pool(), nil).SetMinRetention(ctx, retention); err != nil {
		if ledger.IsNotOwner(err) {
			return errors.New("migrate: only the ledger tables' owner can set the ledger's minimum retention (TIERGATE_LEDGER_RETENTION): run tiergate migrate as the owner")
		}
		return fmt.Errorf("migrate: %w", err)
	}
	if retention == 0 {
		fmt.Fprintln(stdout, "ledger minimum retention cleared: nothing is pruned")
	} else {
		fmt.Fprintf(stdout, "ledger minimum retention set to %s\n", retention)
	}
	return nil
}
