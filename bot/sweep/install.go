package sweep

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/google/go-github/v60/github"
	"github.com/rs/zerolog"

	"github.com/tiergate/tiergate/bot/evaluator"
	"github.com/tiergate/tiergate/bot/ghclient"
	"github.com/tiergate/tiergate/bot/queue"
)

// Why the sweep queues a pull request.
const (
	sweepMissing = "missing" // no tiergate check run on the head
	sweepStuck   = "stuck"   // queued or in progress for longer than StuckAfter (past its checks' deadline)
	sweepStale   = "stale"   // completed with another config's fingerprint
)

// sweepCursor is where a sweep of one installation stopped: the repository
// (lower-case "owner/name", repositories are walked in that order), the page
// of its open pull requests (oldest first, so new ones do not shift it) and
// the index on that page. The zero value is the start.
type sweepCursor struct {
	repo        string
	page, index int
}

func (c sweepCursor) String() string {
	if c.repo == "" {
		return ""
	}
	return fmt.Sprintf("%s %d %d", c.repo, c.page, c.index)
}

// parseSweepCursor reads a cursor; anything unreadable means the start.
func parseSweepCursor(s string) sweepCursor {
	f := strings.Fields(s)
	if len(f) != 3 {
		return sweepCursor{}
	}
	page, err1 := strconv.Atoi(f[1])
	index, err2 := strconv.Atoi(f[2])
	if err1 != nil || err2 != nil || page < 1 || index < 0 {
		return sweepCursor{}
	}
	return sweepCursor{repo: f[0], page: page, index: index}
}

func sweepCursorName(installationID int64) string {
	return "sweep:" + strconv.FormatInt(installationID, 10)
}

// installationSweep is one installation's share of one sweep.
type installationSweep struct {
	*Sweeper
	id  int64
	gh  *github.Client // metered by m
	m   *meter
	rep *Report
}

// sweepInstallation walks the installation's repositories from its cursor
// and queues the pull requests that need an evaluation. When the budget or
// the rate limit stops it, the cursor keeps the place for the next sweep; a
// completed walk resets it.
func (s *Sweeper) sweepInstallation(ctx context.Context, id int64, rep *Report) (err error) {
	defer func() { s.clients.ForgetOn401(id, err) }()
	m := newMeter(s.opts.RequestBudget, s.opts.RateLimitFloor)
	defer func() { rep.Requests += m.requests() }()
	gh, err := s.clients.InstallationThrough(id, m.wrap)
	if err != nil {
		return err
	}
	is := &installationSweep{Sweeper: s, id: id, gh: gh, m: m, rep: rep}
	raw, err := s.coord.Cursor(ctx, sweepCursorName(id))
	if err != nil {
		return fmt.Errorf("read sweep cursor: %w", err)
	}
	cur := parseSweepCursor(raw)
	repos, err := is.repos(ctx)
	if m.stopped(err) {
		s.noteStop(rep, m, id)
		return nil
	}
	if err != nil {
		return err
	}
	var errs []error
	for _, r := range repos {
		k := strings.ToLower(r.GetFullName())
		if k < cur.repo || r.GetArchived() {
			continue
		}
		start := sweepCursor{repo: k, page: 1}
		if k == cur.repo {
			start = cur
		}
		rep.Repos++
		at, err := is.sweepRepo(ctx, r.GetOwner().GetLogin(), r.GetName(), start)
		if m.stopped(err) {
			s.noteStop(rep, m, id)
			return s.coord.SetCursor(ctx, sweepCursorName(id), at.String())
		}
		if err != nil {
			// The next full walk retries this repository.
			errs = append(errs, err)
		}
	}
	errs = append(errs, s.coord.SetCursor(ctx, sweepCursorName(id), ""))
	return errors.Join(errs...)
}

// repos lists the installation's repositories, sorted by full name.
func (is *installationSweep) repos(ctx context.Context) ([]*github.Repository, error) {
	all, err := ghclient.All(func(lo github.ListOptions) ([]*github.Repository, *github.Response, error) {
		page, resp, err := is.gh.Apps.ListRepos(ctx, &lo)
		if err != nil {
			return nil, resp, err
		}
		return page.Repositories, resp, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list repositories: %w", err)
	}
	slices.SortFunc(all, func(a, b *github.Repository) int {
		return cmp.Compare(strings.ToLower(a.GetFullName()), strings.ToLower(b.GetFullName()))
	})
	return all, nil
}

// sweepRepo checks the open pull requests of one repository from start and
// queues those that need an evaluation, a page at a time. On an error it
// returns where to resume.
func (is *installationSweep) sweepRepo(ctx context.Context, owner, repo string, start sweepCursor) (sweepCursor, error) {
	fingerprints := map[string]string{} // base ref → current fingerprint; "" = do not compare
	at := start
	err := ghclient.Walk(start.page, func(page int) (int, error) {
		at = sweepCursor{repo: start.repo, page: page}
		if page == start.page {
			at.index = start.index
		}
		opts := &github.PullRequestListOptions{
			State: "open", Sort: "created", Direction: "asc",
			ListOptions: github.ListOptions{Page: page, PerPage: ghclient.PerPage},
		}
		prs, resp, err := is.gh.PullRequests.List(ctx, owner, repo, opts)
		if err != nil {
			return 0, fmt.Errorf("list open pull requests of %s/%s: %w", owner, repo, err)
		}
		var jobs []queue.Job
		var checkErr error
		i := at.index
		for ; i < len(prs); i++ {
			var reason string
			if reason, checkErr = is.reason(ctx, owner, repo, prs[i], fingerprints); checkErr != nil {
				break
			}
			is.rep.PullRequests++
			if reason != "" {
				jobs = append(jobs, is.queue(owner, repo, prs[i], reason))
			}
		}
		if len(jobs) > 0 {
			if err := is.enqueue(ctx, jobs); err != nil {
				return 0, fmt.Errorf("queue %d pull requests of %s/%s: %w", len(jobs), owner, repo, err)
			}
		}
		if checkErr != nil {
			at.index = i
			return 0, checkErr
		}
		return resp.NextPage, nil
	})
	if err != nil {
		return at, err
	}
	return sweepCursor{}, nil
}

// queue counts a pull request found wanting and returns its job.
func (is *installationSweep) queue(owner, repo string, pr *github.PullRequest, reason string) queue.Job {
	is.rep.Queued++
	switch reason {
	case sweepMissing:
		is.rep.Missing++
	case sweepStuck:
		is.rep.Stuck++
	case sweepStale:
		is.rep.Stale++
	}
	is.opts.Metrics.PullRequestsWithoutCheck.Inc()
	return queue.Job{
		InstallationID: is.id,
		Owner:          owner,
		Repo:           repo,
		Number:         pr.GetNumber(),
		HeadSHA:        pr.GetHead().GetSHA(),
		Event:          queue.EventSweep,
	}
}

// reason says why pr needs an evaluation ("" if it does not), judging by
// tiergate's newest check run on its head.
func (is *installationSweep) reason(ctx context.Context, owner, repo string, pr *github.PullRequest, fingerprints map[string]string) (string, error) {
	sha := pr.GetHead().GetSHA()
	name := is.opts.CheckName
	opts := &github.ListCheckRunsOptions{
		CheckName:   github.String(name),
		AppID:       github.Int64(is.opts.AppID),
		ListOptions: github.ListOptions{PerPage: 10},
	}
	res, _, err := is.gh.Checks.ListCheckRunsForRef(ctx, owner, repo, sha, opts)
	if err != nil {
		return "", fmt.Errorf("list check runs on %s/%s@%s: %w", owner, repo, sha, err)
	}
	var run *github.CheckRun
	for _, r := range res.CheckRuns {
		if r.GetName() == name && r.GetHeadSHA() == sha {
			run = r
			break
		}
	}
	switch {
	case run == nil:
		return sweepMissing, nil
	case run.GetStatus() != "completed":
		if deadline, ok := evaluator.PendingDeadline(run.GetExternalID()); ok {
			// A verdict waiting for required CI checks: tiergate evaluates
			// again by itself at their deadline, so the run is stuck only
			// when that is long past (the evaluation was lost).
			if is.opts.Now().Sub(deadline) >= is.opts.StuckAfter {
				return sweepStuck, nil
			}
			return "", nil
		}
		started := run.GetStartedAt().Time
		if started.IsZero() || is.opts.Now().Sub(started) >= is.opts.StuckAfter {
			return sweepStuck, nil
		}
		return "", nil // being evaluated now
	case is.opts.CurrentFingerprint == nil:
		return "", nil
	}
	base := pr.GetBase().GetRef()
	want, ok := fingerprints[base]
	if !ok {
		want, err = is.opts.CurrentFingerprint(ctx, is.gh, owner, repo, base)
		if is.m.stopped(err) {
			return "", err
		}
		if err != nil {
			zerolog.Ctx(ctx).Warn().Err(err).Msgf("sweep: no config fingerprint for %s/%s@%s; not comparing", owner, repo, base)
			want = ""
		}
		fingerprints[base] = want
	}
	if want != "" && run.GetExternalID() != want {
		return sweepStale, nil
	}
	return "", nil
}
