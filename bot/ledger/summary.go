package ledger

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tiergate/tiergate/rules"
)

// NoTier names the merges whose head had no verdict with a tier (none
// recorded, a failure, a broken config) in a summary.
const NoTier = "none"

// TierSummary is the speed-versus-quality picture of one tier's merges.
type TierSummary struct {
	Tier   string // a tier, NoTier, or "all"
	Merged int
	// MedianOpen is the median time from opening to merging.
	MedianOpen time.Duration
	// Overridden counts merges whose head had at least one gate
	// overridden; OverrideRate is Overridden / Merged.
	Overridden   int
	OverrideRate float64
	Bypasses     int
}

// mergeFigure is what the summary needs of one merge.
type mergeFigure struct {
	tier       string
	open       time.Duration
	overridden bool
	bypass     bool
}

// Summary summarises the merges since since (zero: all), per tier.
func (l *Ledger) Summary(ctx context.Context, since time.Time) ([]TierSummary, error) {
	rows, err := l.pool.Query(ctx, `
SELECT coalesce(tier, ''), extract(epoch FROM merged_at - pr_created_at)::float8, cardinality(overridden_gates) > 0, bypass
FROM tiergate_ledger_merges WHERE merged_at >= $1`, since)
	if err != nil {
		return nil, wrap("read merges from the ledger", err)
	}
	figures, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (mergeFigure, error) {
		var f mergeFigure
		var seconds float64
		err := r.Scan(&f.tier, &seconds, &f.overridden, &f.bypass)
		f.open = time.Duration(seconds * float64(time.Second))
		return f, err
	})
	if err != nil {
		return nil, wrap("read merges from the ledger", err)
	}
	return summarize(figures), nil
}

// summarize groups merges by tier, tiers from least to most strict, then
// merges without a tier, then all merges together. A tier without merges
// is left out.
func summarize(figures []mergeFigure) []TierSummary {
	order := []string{}
	for _, t := range rules.AllTiers() {
		order = append(order, t.String())
	}
	order = append(order, NoTier, "all")
	groups := map[string][]mergeFigure{}
	for _, f := range figures {
		t := cmp.Or(f.tier, NoTier)
		groups[t] = append(groups[t], f)
		groups["all"] = append(groups["all"], f)
	}
	var out []TierSummary
	for _, t := range order {
		g := groups[t]
		if len(g) == 0 {
			continue
		}
		s := TierSummary{Tier: t, Merged: len(g)}
		open := make([]time.Duration, len(g))
		for i, f := range g {
			open[i] = f.open
			if f.overridden {
				s.Overridden++
			}
			if f.bypass {
				s.Bypasses++
			}
		}
		s.MedianOpen = median(open)
		s.OverrideRate = float64(s.Overridden) / float64(s.Merged)
		out = append(out, s)
	}
	return out
}

// median of a non-empty list: the middle value, or the mean of the two
// middle values.
func median(d []time.Duration) time.Duration {
	d = slices.Clone(d)
	slices.Sort(d)
	n := len(d)
	if n%2 == 1 {
		return d[n/2]
	}
	return (d[n/2-1] + d[n/2]) / 2
}
