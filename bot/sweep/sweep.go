// Package sweep heals what a lost webhook or a crash left behind: it finds
// open pull requests without a current tiergate check and queues them, and
// asks GitHub to redeliver failed webhook deliveries.
package sweep

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/rs/zerolog"

	"github.com/tiergate/tiergate/bot/ghclient"
	"github.com/tiergate/tiergate/bot/queue"
)

// Defaults of Options, applied by bot.
const (
	DefaultRequestBudget    = 500
	DefaultRedeliveryWindow = 72 * time.Hour // how long GitHub keeps deliveries
	DefaultStuckAfter       = 15 * time.Minute
	DefaultRateLimitFloor   = 0.10
)

// sweepTask is the Coordinator task name one replica at a time runs.
const sweepTask = "sweep"

// Options configure a Sweeper. Every field is required except
// CurrentFingerprint and SkipRedelivery; bot applies the defaults above.
type Options struct {
	// AppID and CheckName name tiergate's check runs.
	AppID     int64
	CheckName string
	// RequestBudget bounds the GitHub requests per installation per sweep,
	// and those the App makes itself (installations, delivery log).
	RequestBudget int
	// RedeliveryWindow is how far back failed deliveries are redelivered
	// (at most GitHub's retention).
	RedeliveryWindow time.Duration
	// StuckAfter is how long a check run may stay queued or in progress
	// before it counts as missing (the evaluation crashed).
	StuckAfter time.Duration
	// RateLimitFloor stops an installation for this sweep when a response
	// shows fewer than this fraction of its primary rate limit left.
	RateLimitFloor float64
	// CurrentFingerprint returns the fingerprint of the config a pull
	// request into baseRef is evaluated with now, in the form check runs
	// carry in external_id. Nil: fingerprints are not compared, only
	// missing and stuck check runs are found.
	CurrentFingerprint func(ctx context.Context, gh *github.Client, owner, repo, baseRef string) (string, error)
	// SkipRedelivery leaves the App's delivery log alone.
	SkipRedelivery bool
	// Now is the clock.
	Now     func() time.Time
	Metrics *Metrics
}

// Sweeper finds open pull requests whose head has no completed tiergate
// check, or one computed before the current config, and hands them to
// enqueue; and asks GitHub to redeliver webhook deliveries that failed.
// Both heal what a lost webhook or a crash left behind.
type Sweeper struct {
	clients *ghclient.Clients
	coord   Coordinator
	enqueue func(ctx context.Context, jobs []queue.Job) error
	opts    Options
}

// New builds a Sweeper that reads GitHub through clients and hands the pull
// requests it finds to enqueue. It makes no request.
func New(clients *ghclient.Clients, coord Coordinator, enqueue func(ctx context.Context, jobs []queue.Job) error, opts Options) *Sweeper {
	return &Sweeper{clients: clients, coord: coord, enqueue: enqueue, opts: opts}
}

// Report says what one Run did.
type Report struct {
	// Ran is false when another replica was running the sweep.
	Ran bool
	// Installations, Repos and PullRequests count what was looked at.
	Installations, Repos, PullRequests int
	// Queued = Missing + Stuck + Stale: pull requests handed to enqueue
	// because their head had no tiergate check run, one queued or in
	// progress for longer than StuckAfter, or one computed with another config.
	Queued, Missing, Stuck, Stale int
	// Redelivered counts redelivery requests made.
	Redelivered int
	// Requests counts the GitHub requests the sweep made.
	Requests int
	// BudgetExhausted and RateLimited say some work stopped early; the next
	// sweep resumes it. Incomplete lists the installations concerned.
	BudgetExhausted bool
	RateLimited     bool
	Incomplete      []int64
}

// Run does one sweep, on this replica only if no other runs one: redelivery
// of failed deliveries first, then every installation. An error in one
// installation does not stop the others; the errors are joined.
func (s *Sweeper) Run(ctx context.Context) (Report, error) {
	var rep Report
	ran, err := s.coord.Exclusive(ctx, sweepTask, func(ctx context.Context) error {
		rep.Ran = true
		return s.run(ctx, &rep)
	})
	outcome := "ok"
	switch {
	case !ran && err == nil:
		outcome = "skipped"
	case err != nil:
		outcome = "error"
	case rep.BudgetExhausted || rep.RateLimited:
		outcome = "partial"
	}
	s.opts.Metrics.Runs.WithLabelValues(outcome).Inc()
	zerolog.Ctx(ctx).Info().Err(err).
		Msgf("sweep %s: %d installations, %d repositories, %d pull requests, %d queued (%d missing, %d stuck, %d stale), %d redelivered, %d requests",
			outcome, rep.Installations, rep.Repos, rep.PullRequests, rep.Queued, rep.Missing, rep.Stuck, rep.Stale, rep.Redelivered, rep.Requests)
	return rep, err
}

func (s *Sweeper) run(ctx context.Context, rep *Report) error {
	var errs []error
	if !s.opts.SkipRedelivery {
		if err := s.redeliver(ctx, rep); err != nil {
			errs = append(errs, fmt.Errorf("redeliver failed deliveries: %w", err))
		}
	}
	insts, err := s.installations(ctx, rep)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, inst := range insts {
		if err := ctx.Err(); err != nil {
			return errors.Join(append(errs, err)...)
		}
		if inst.SuspendedAt != nil {
			continue
		}
		rep.Installations++
		if err := s.sweepInstallation(ctx, inst.GetID(), rep); err != nil {
			errs = append(errs, fmt.Errorf("sweep installation %d: %w", inst.GetID(), err))
		}
	}
	return errors.Join(errs...)
}

// installations lists the App's installations.
func (s *Sweeper) installations(ctx context.Context, rep *Report) ([]*github.Installation, error) {
	m := newMeter(s.opts.RequestBudget, s.opts.RateLimitFloor)
	defer func() { rep.Requests += m.requests() }()
	app, err := s.clients.AppThrough(m.wrap)
	if err != nil {
		return nil, err
	}
	var all []*github.Installation
	err = ghclient.Walk(0, func(page int) (int, error) {
		insts, resp, err := app.Apps.ListInstallations(ctx, &github.ListOptions{Page: page, PerPage: ghclient.PerPage})
		if err != nil {
			return 0, err
		}
		all = append(all, insts...)
		return resp.NextPage, nil
	})
	if m.stopped(err) {
		s.noteStop(rep, m, 0)
		return all, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list installations: %w", err)
	}
	return all, nil
}

// noteStop records in rep why m stopped work; installationID 0 is the App.
func (s *Sweeper) noteStop(rep *Report, m *meter, installationID int64) {
	switch m.stop() {
	case errBudgetSpent:
		rep.BudgetExhausted = true
	case errRateLimitLow:
		rep.RateLimited = true
	}
	if installationID != 0 {
		rep.Incomplete = append(rep.Incomplete, installationID)
	}
}
