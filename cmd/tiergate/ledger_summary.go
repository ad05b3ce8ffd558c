package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

const summarySynopsis = `tiergate ledger summary [--database-url URL] [--since DATE]

Prints, per tier of the verdict that stood on each merged head: how many
pull requests merged, the median time from opening to merging, how many
merged with a gate overridden (and their share), and how many bypassed
tiergate. "none" counts merges whose head had no verdict with a tier.`

// summaryOptions are tiergate ledger summary's inputs.
type summaryOptions struct {
	DB    ledgerDB
	Since dateFlag

	Stdout io.Writer
}

func ledgerSummaryCmd(ctx context.Context, args []string, env func(string) string, stdout io.Writer) error {
	opts := summaryOptions{DB: ledgerDB{env: env}, Stdout: stdout}
	fs := newFlagSet("ledger summary")
	fs.StringVar(&opts.DB.url, "database-url", "", "postgres:// URL of tiergate's database (default $TIERGATE_DATABASE_URL)")
	fs.Var(&opts.Since, "since", "only merges at or after this date (2026-11-01) or time (RFC 3339)")
	pos, err := parseFlags(fs, summarySynopsis, args, stdout)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("unexpected argument %q", pos[0])
	}
	return runSummary(ctx, opts)
}

func runSummary(ctx context.Context, opts summaryOptions) error {
	l, closeDB, err := opts.DB.open(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	rows, err := l.Summary(ctx, opts.Since.t)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		fmt.Fprintln(opts.Stdout, "no merges recorded")
		return nil
	}
	tw := tabwriter.NewWriter(opts.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "tier\tmerged\tmedian time to merge\toverridden\toverride rate\tbypasses")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%.0f%%\t%d\n", r.Tier, r.Merged, humanDuration(r.MedianOpen), r.Overridden,
			100*r.OverrideRate, r.Bypasses)
	}
	return tw.Flush()
}

// humanDuration rounds d to minutes and writes it in days, hours and
// minutes: 45m, 16h 15m, 3d 0h.
func humanDuration(d time.Duration) string {
	d = d.Round(time.Minute)
	days, hours, minutes := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh", days, hours)
	case hours > 0:
		return fmt.Sprintf("%dh %dm", hours, minutes)
	default:
		return fmt.Sprintf("%dm", minutes)
	}
}
