// Package backtest answers "what would this config have done to the pull
// requests of the last month?": it lists a repository's merged, closed or
// open pull requests, gathers each with the App's own code as it stood
// when it was merged or closed, evaluates it with a config, and reports
// the verdicts with a summary, in text, Markdown, JSON or CSV.
package backtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/tiergate/tiergate/bot/evaluator"
	"github.com/tiergate/tiergate/bot/ghclient"
	"github.com/tiergate/tiergate/rules"
)

// State is which pull requests a backtest judges.
type State int

// States.
const (
	StateMerged State = iota // merged ones, as each stood when merged
	StateClosed              // every closed one, merged or not, as each stood when closed
	StateOpen                // open ones, as they stand now
)

var stateNames = [...]string{"merged", "closed", "open"}

func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", int(s))
}

// ParseState reads merged, closed or open.
func ParseState(s string) (State, bool) {
	for i, n := range stateNames {
		if n == s {
			return State(i), true
		}
	}
	return 0, false
}

// DefaultLimit is how many pull requests a backtest judges at most unless
// told otherwise; DefaultWindow is how far back it looks by default.
const (
	DefaultLimit  = 200
	MaxLimit      = 1000
	DefaultWindow = 30 * 24 * time.Hour
)

// Options say what to backtest. Owner, Repo and Reader are required.
type Options struct {
	Owner, Repo string
	State       State
	// Since keeps the pull requests merged (closed; for open ones:
	// updated) at or after it; zero keeps any age.
	Since time.Time
	// Limit is the most pull requests judged, the most recent first.
	Limit int
	// Given replaces config layers read from GitHub (--config,
	// --org-config). When either is set, each pull request is also judged
	// with the current config, to show where the two disagree.
	Given  evaluator.Layers
	Reader *evaluator.Reader
	// Freezer, optional, learns which pull requests are closed, so that a
	// cache can serve what belongs to them without asking GitHub.
	Freezer *Freezer
	// Progress, optional, hears how the run goes.
	Progress Progress
	// Sleep waits out a rate limit that go-github reports before asking
	// (nil: a real sleep). Now is the clock (nil: time.Now).
	Sleep func(ctx context.Context, d time.Duration) error
	Now   func() time.Time
}

// Progress hears how a run goes; the command shows it on stderr.
type Progress interface {
	// Listed says how many pull requests will be judged.
	Listed(n int)
	// Judged says one more was judged (done of the n listed).
	Judged(done int)
	// Waiting says the run waits for GitHub's rate limit until then.
	Waiting(until time.Time)
}

// Verdict is what became of a pull request.
type Verdict int

// Verdicts. Override means it passed only because an override label
// waived a failing gate: it would have needed one.
const (
	VerdictPass Verdict = iota
	VerdictOverride
	VerdictFail
	VerdictError // it could not be read from GitHub
	// VerdictPending: no gate failed, but a required CI check had not
	// completed by the merge or close (for open ones: has not yet), so
	// tiergate's check would not have passed then either. Never a pass.
	VerdictPending
)

var verdictNames = [...]string{"pass", "override", "fail", "error", "pending"}

func (v Verdict) String() string {
	if v >= 0 && int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return fmt.Sprintf("verdict(%d)", int(v))
}

// MarshalText makes verdicts render by name in JSON.
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// Report is a backtest's outcome.
type Report struct {
	Repo  string // owner/name
	State State
	// Since and Until bound the window looked at (Since zero: any age).
	Since, Until time.Time
	Limit        int
	// Truncated says the limit, not the window, ended the list: older
	// pull requests may match too.
	Truncated bool
	// Config names the files of the config judged with (none: built-in
	// defaults); Current those of the current config when compared, nil
	// when there is no comparison.
	Config  []string
	Current []string
	// Notes are what a reader must know to trust the figures.
	Notes []rules.Message
	Pulls []Pull
}

// Pull is one pull request's outcome.
type Pull struct {
	Number int
	Title  string
	Author string
	// At is when it was merged or closed (zero for open ones): the
	// moment it is judged as of.
	At      time.Time
	Result  rules.Result // zero when Err is set
	Verdict Verdict
	// Current is its outcome under the current config, when compared.
	Current *Outcome
	Err     error
}

// Outcome is a verdict in brief.
type Outcome struct {
	Tier    rules.Tier
	Verdict Verdict
	Failing []string // failing gates
}

// Differs says the current config would have decided otherwise: another
// verdict or another tier.
func (p Pull) Differs() bool {
	return p.Current != nil && p.Err == nil &&
		(p.Current.Verdict != p.Verdict || p.Current.Tier != p.Result.Tier)
}

// ErrAuth is returned when GitHub refuses the credentials (401), or
// cannot show the repository to them (404 on the listing).
var ErrAuth = errors.New("GitHub refused the credentials")

// Run lists the pull requests, judges each and returns the report. A
// broken config (given or current, when nothing is given) is an error
// wrapping rules.ConfigErrors; one pull request that cannot be read is a
// row with VerdictError, not the end of the run.
func Run(ctx context.Context, gh *github.Client, opts Options) (*Report, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	if opts.Limit <= 0 {
		opts.Limit = DefaultLimit
	}
	rep := &Report{Repo: opts.Owner + "/" + opts.Repo, State: opts.State, Since: opts.Since, Until: now(), Limit: opts.Limit}
	compare := opts.Given.Org != nil || opts.Given.Repo != nil

	var cfg *rules.Config
	err := waitingOut(ctx, opts, func() (err error) {
		cfg, err = opts.Reader.Config(ctx, gh, opts.Owner, opts.Repo, "", opts.Given)
		return err
	})
	if err != nil {
		return nil, configError(err, compare)
	}
	rep.Config = cfg.Sources
	var current *rules.Config
	if compare {
		err = waitingOut(ctx, opts, func() (err error) {
			current, err = opts.Reader.Config(ctx, gh, opts.Owner, opts.Repo, "", evaluator.Layers{})
			return err
		})
		var ce rules.ConfigErrors
		switch {
		case errors.As(err, &ce):
			rep.Notes = append(rep.Notes, rules.Messagef("The current config on GitHub is broken, so there is no comparison with it: %s", err.Error()))
			current = nil
		case err != nil:
			return nil, configError(err, false)
		default:
			rep.Current = orEmpty(current.Sources)
		}
	}

	var pulls []*github.PullRequest
	var truncated bool
	err = waitingOut(ctx, opts, func() (err error) {
		pulls, truncated, err = list(ctx, gh, opts, rep.Until)
		return err
	})
	if err != nil {
		return nil, err
	}
	rep.Truncated = truncated
	rep.Notes = append(rep.Notes, notes(opts.State, cfg, current)...)
	if opts.Freezer != nil {
		for _, pr := range pulls {
			if opts.State != StateOpen {
				opts.Freezer.closedAt(rep.Repo, pr.GetNumber(), pr.GetClosedAt().Time)
			}
		}
	}
	if opts.Progress != nil {
		opts.Progress.Listed(len(pulls))
	}
	for i, pr := range pulls {
		p, err := judge(ctx, gh, opts, cfg, current, pr)
		if err != nil {
			return nil, err
		}
		rep.Pulls = append(rep.Pulls, p)
		if opts.Progress != nil {
			opts.Progress.Judged(i + 1)
		}
	}
	return rep, nil
}

// configError words a failure to build a config. Reading it from GitHub
// may fail for want of access, which is an auth problem to the person.
func configError(err error, given bool) error {
	var ce rules.ConfigErrors
	if errors.As(err, &ce) {
		return err
	}
	if isAuth(err) {
		return fmt.Errorf("%w: reading the config: %v", ErrAuth, err)
	}
	return fmt.Errorf("reading the config from GitHub: %w", err)
}

// judge evaluates one pull request, waiting out rate limits. Only an auth
// failure or the end of ctx ends the run; anything else is the row's error.
func judge(ctx context.Context, gh *github.Client, opts Options, cfg, current *rules.Config, pr *github.PullRequest) (Pull, error) {
	p := Pull{Number: pr.GetNumber(), Title: pr.GetTitle(), Author: pr.GetUser().GetLogin()}
	var cutoff time.Time
	switch opts.State {
	case StateMerged:
		cutoff = pr.GetMergedAt().Time
	case StateClosed:
		cutoff = pr.GetClosedAt().Time
	}
	p.At = cutoff
	err := waitingOut(ctx, opts, func() error {
		res, err := evaluate(ctx, gh, opts, cfg, pr, cutoff)
		if err != nil {
			return err
		}
		if current != nil {
			cur, err := evaluate(ctx, gh, opts, current, pr, cutoff)
			if err != nil {
				return err
			}
			p.Current = &Outcome{Tier: cur.Tier, Verdict: verdictOf(cur), Failing: failing(cur)}
		}
		p.Result, p.Verdict = res, verdictOf(res)
		return nil
	})
	switch {
	case err == nil:
		return p, nil
	case ctx.Err() != nil:
		return p, ctx.Err()
	case isAuth(err):
		return p, fmt.Errorf("%w: %v", ErrAuth, err)
	}
	p.Verdict, p.Err, p.Current = VerdictError, err, nil
	return p, nil
}

// waitingOut runs f, and again after each rate limit it reports, up to a
// few times. The transport waits out the limits GitHub answers with; this
// handles go-github refusing to ask at all while it knows the limit is
// spent (the answer before said 0 remaining).
func waitingOut(ctx context.Context, opts Options, f func() error) error {
	for attempt := 0; ; attempt++ {
		err := f()
		at, limited := ghclient.RetryAt(err, time.Now())
		if err == nil || !limited || attempt >= 5 || ctx.Err() != nil {
			return err
		}
		if opts.Progress != nil {
			opts.Progress.Waiting(at)
		}
		if err := sleep(ctx, opts, time.Until(at)); err != nil {
			return err
		}
	}
}

func sleep(ctx context.Context, opts Options, d time.Duration) error {
	if opts.Sleep != nil {
		return opts.Sleep(ctx, d)
	}
	t := time.NewTimer(max(d, 0))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// evaluate gathers pr under cfg as of cutoff and evaluates it. A listed
// pull request lacks GitHub's file total; when its file list is cut at
// GitHub's limit, the pull request itself is read for the exact totals.
func evaluate(ctx context.Context, gh *github.Client, opts Options, cfg *rules.Config, pr *github.PullRequest, cutoff time.Time) (rules.Result, error) {
	snap, warnings, err := opts.Reader.Gather(ctx, gh, cfg, opts.Owner, opts.Repo, pr, cutoff)
	if err == nil && snap.FilesTruncated && pr.ChangedFiles == nil {
		full, _, gerr := gh.PullRequests.Get(ctx, opts.Owner, opts.Repo, pr.GetNumber())
		if gerr != nil {
			return rules.Result{}, fmt.Errorf("read pull request #%d: %w", pr.GetNumber(), gerr)
		}
		*pr = *full
		snap, warnings, err = opts.Reader.Gather(ctx, gh, cfg, opts.Owner, opts.Repo, pr, cutoff)
	}
	if err != nil {
		return rules.Result{}, err
	}
	res := rules.Evaluate(cfg, snap)
	res.HeadSHA = pr.GetHead().GetSHA()
	res.Warnings = append(res.Warnings, warnings...)
	return res, nil
}

// isAuth says GitHub refused the credentials.
func isAuth(err error) bool {
	var er *github.ErrorResponse
	return errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusUnauthorized
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
