package evaluator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/rs/zerolog"

	"github.com/tiergate/tiergate/bot/ghclient"
	"github.com/tiergate/tiergate/bot/logfield"
	"github.com/tiergate/tiergate/bot/queue"
	"github.com/tiergate/tiergate/rules"
)

// Options configure the Evaluator. Every field but DetailsURL,
// RequireOrgConfig and Ledger is required: bot applies the defaults.
type Options struct {
	Clients       *ghclient.Clients
	AppID         int64
	OrgConfigRepo string // e.g. ".github"
	ConfigPath    string // e.g. ".github/tiergate.yml"
	CheckName     string // e.g. "tiergate"
	DetailsURL    string // optional; check runs leave details_url unset when empty
	Metrics       *Metrics
	// RequireOrgConfig fails every verdict whose org config cannot be
	// found, instead of warning (TIERGATE_REQUIRE_ORG_CONFIG).
	RequireOrgConfig bool
	// Ledger, when set, records every verdict written (PostgreSQL mode).
	Ledger Ledger
}

// Bounds of the caches that keep GitHub's answers and their ETags for
// revalidation. The caches only ever save a response body, so an evicted
// entry costs one request that counts against the rate limit, never a
// wrong answer.
const (
	// listingTTL is how long a listing (a pull request, its files, reviews
	// and events, check runs, comments) is kept after GitHub last
	// confirmed it. A 304 confirms it again.
	listingTTL = 24 * time.Hour
	// maxPulls bounds the pull requests kept: about 30 KB each once
	// decoded, so at most about 60 MB.
	maxPulls = 2048
	// maxPages bounds each cache of listing pages (per_page=100): a page
	// of files is at most about 10 KB, so at most about 40 MB.
	maxPages = 4096
)

// progressDelay is how long an evaluation may run before its check run is
// marked in progress; quick evaluations write only the final verdict.
const progressDelay = 3 * time.Second

// Evaluator does everything after a webhook is queued: it reads the config
// and the pull request from GitHub, asks the engine for a verdict and
// reports it as a check run and a sticky comment. It is safe for concurrent
// use; its caches are shared by all workers.
type Evaluator struct {
	opts     Options
	clients  *ghclient.Clients
	configs  *configLoader
	people   *people
	gatherer *gatherer
	checks   *checkRuns
	ci       *ciReader
	commits  *ghclient.Cache[[]commitPull]
	comments *stickyComments
	previews *previews
	// pulls keeps the last answer for each pull request, only to revalidate
	// it with If-None-Match (its ETag changes with the labels, head and
	// base). A kept pull request is shared: never modify it.
	pulls    *ghclient.Cache[*github.PullRequest]
	metrics  *Metrics
	progress time.Duration
	now      func() time.Time
}

// New builds an Evaluator. It makes no request.
func New(opts Options) (*Evaluator, error) {
	if opts.AppID == 0 {
		return nil, errors.New("GitHub App ID is required")
	}
	if opts.Clients == nil {
		return nil, errors.New("GitHub clients are required")
	}
	cl := opts.Clients
	ppl := newPeople(time.Now)
	configs := newConfigLoader(opts.OrgConfigRepo, opts.ConfigPath)
	configs.requireOrg = opts.RequireOrgConfig
	return &Evaluator{
		opts:     opts,
		clients:  cl,
		configs:  configs,
		people:   ppl,
		gatherer: newGatherer(ppl, time.Now),
		checks:   newCheckRuns(opts.AppID, opts.CheckName, opts.DetailsURL, time.Now),
		ci:       newCIReader(opts.AppID, opts.CheckName, time.Now),
		commits:  ghclient.NewCache[[]commitPull](listingTTL, maxCommits, time.Now),
		comments: newStickyComments(time.Now),
		previews: newPreviews(time.Now),
		pulls:    ghclient.NewCache[*github.PullRequest](listingTTL, maxPulls, time.Now),
		metrics:  opts.Metrics,
		progress: progressDelay,
		now:      time.Now,
	}, nil
}

// Evaluate gathers the pull request, evaluates it and reports the verdict.
// It returns nil only when a completed check run was written, or when there
// is nothing to do (the pull request is closed, or a recheck was asked by
// someone without write permission). Any GitHub error is returned so the job
// is retried; nothing green is ever posted after a failure. guard is called
// just before every write (nil: always the owner); when it fails, its error
// is returned and nothing more is written. A verdict that waits for required
// CI checks is written (the check run in progress) and a *queue.Revisit is
// returned, for the moment those checks run out of time.
func (e *Evaluator) Evaluate(ctx context.Context, job queue.Job, guard queue.Guard) (err error) {
	defer func() { e.clients.ForgetOn401(job.InstallationID, err) }()
	gh, err := e.clients.Installation(job.InstallationID)
	if err != nil {
		return err
	}
	if job.RequireWriteFrom != "" {
		perm, err := e.people.permission(ctx, gh, job.Owner, job.Repo, job.RequireWriteFrom)
		if err != nil {
			return err
		}
		if perm < rules.PermissionWrite {
			zerolog.Ctx(ctx).Info().Msgf("ignoring recheck from %s, who has %s permission; write is needed", job.RequireWriteFrom, perm)
			return nil
		}
	}
	pr, err := e.pull(ctx, gh, job.Owner, job.Repo, job.Number)
	if err != nil {
		return fmt.Errorf("read pull request %s: %w", job.Key(), err)
	}
	if pr.GetState() != "open" {
		zerolog.Ctx(ctx).Info().Msgf("pull request %s is %s; nothing to evaluate", job.Key(), pr.GetState())
		return nil
	}
	// The newest head wins: the fetched one, not the one in the job.
	sha := pr.GetHead().GetSHA()
	l := zerolog.Ctx(ctx).With().Str(logfield.HeadSHA, sha).Logger()
	ctx = l.WithContext(ctx)

	stop := e.markInProgressAfter(ctx, gh, job.Owner, job.Repo, sha, guard)
	v, err := e.verdict(ctx, gh, job, pr)
	var preview string
	if err == nil {
		// A pull request that changes a tiergate config also shows what
		// the change would do (see preview.go).
		preview, err = e.configPreview(ctx, gh, job, pr, v.files, &v.res)
	}
	if stopped := stop(); stopped {
		// The in-progress mark may have written since the checks were
		// listed: decide the write against GitHub afresh.
		v.own = nil
	}
	if err != nil {
		return err
	}
	res := v.res
	res.HeadSHA = sha
	if err := e.report(ctx, gh, job.Owner, job.Repo, pr.GetNumber(), res, v.src, preview, !v.brokenConfig, guard, v.own, written{job, pr}); err != nil {
		return err
	}
	e.metrics.Conclusions.WithLabelValues(res.Tier.String(), res.Conclusion.String()).Inc()
	l.Info().Msgf("reported %s: %s", res.Conclusion, res.Title())
	return revisitFor(res)
}

// revisitSlack is added to a deadline so the evaluation it schedules runs
// once the checks have run out of time, not a moment before.
const revisitSlack = time.Second

// revisitFor asks the queue to evaluate again when the verdict's pending
// checks run out of time; nil when none is pending.
func revisitFor(res rules.Result) error {
	deadline, ok := res.ChecksDeadline()
	if !ok {
		return nil
	}
	return &queue.Revisit{At: deadline.Add(revisitSlack), Reason: "waiting for required checks"}
}

// pull reads the pull request from GitHub, revalidating the last answer with
// its ETag: unchanged, it costs a 304 and no rate limit. The result is
// shared with the cache and must not be modified.
func (e *Evaluator) pull(ctx context.Context, gh *github.Client, owner, repo string, number int) (*github.PullRequest, error) {
	u := fmt.Sprintf("repos/%s/%s/pulls/%d", url.PathEscape(owner), url.PathEscape(repo), number)
	pr, _, err := ghclient.Get(ctx, gh, e.pulls, u, func(raw json.RawMessage) (*github.PullRequest, error) {
		pr := new(github.PullRequest)
		return pr, json.Unmarshal(raw, pr)
	})
	return pr, err
}

// evaluation is one verdict and what it was computed from.
type evaluation struct {
	res rules.Result
	src configSource // the config files it was computed from
	// brokenConfig: the verdict is a broken config's failure.
	brokenConfig bool
	// own is tiergate's run on the head as read with the required checks
	// (nil when none are required): the write decides against it.
	own *ownRun
	// files are the pull request's changed files (nil with a broken
	// config), for the config-change preview.
	files []rules.ChangedFile
}

// verdict loads the config and evaluates the pull request. A broken config
// is a verdict (brokenConfig set), not an error.
func (e *Evaluator) verdict(ctx context.Context, gh *github.Client, job queue.Job, pr *github.PullRequest) (evaluation, error) {
	cfg, src, err := e.configs.load(ctx, gh, job.Owner, job.Repo, pr.GetBase().GetRef())
	var broken *configBrokenError
	if errors.As(err, &broken) {
		return evaluation{res: rules.ConfigFailure(broken.err), src: src, brokenConfig: true}, nil
	}
	if err != nil {
		return evaluation{src: src}, err
	}
	snap, warnings, err := e.gatherer.gather(ctx, gh, cfg, job.Owner, job.Repo, pr)
	if err != nil {
		return evaluation{src: src}, err
	}
	own, err := e.fillChecks(ctx, gh, cfg, job.Owner, job.Repo, &snap)
	if err != nil {
		return evaluation{src: src}, err
	}
	res := rules.Evaluate(cfg, snap)
	res.Warnings = append(res.Warnings, warnings...)
	return evaluation{res: res, src: src, own: own, files: snap.Files}, nil
}

// report writes the check run, stamped with the config fingerprint, records
// it in the ledger, then writes the comment. The comment is created for a
// failing gate or an override; a broken config is shown on the check run
// only (it would otherwise comment on every open pull request at once), but
// an existing comment still follows it.
// preview, when not empty, is a config-change preview (Markdown) shown
// after the verdict, and always worth a comment.
func (e *Evaluator) report(ctx context.Context, gh *github.Client, owner, repo string, number int, res rules.Result, src configSource, preview string, mayCreateComment bool, guard queue.Guard, own *ownRun, w written) error {
	out := checkOutput{
		Status:     "completed",
		Conclusion: res.Conclusion.String(),
		Title:      res.Title(),
		Summary:    rules.Markdown(res) + preview,
		ExternalID: src.Fingerprint(),
	}
	if res.Conclusion == rules.ConclusionPending {
		// Waiting for CI: in progress, with the deadline after which the
		// sweep may take a run still in progress for a lost evaluation.
		deadline, _ := res.ChecksDeadline()
		out.Status, out.Conclusion, out.ExternalID = "in_progress", "", pendingExternalID(src.Fingerprint(), deadline)
	}
	runID, err := e.checks.upsertAsRead(ctx, gh, owner, repo, res.HeadSHA, out, guard, own)
	if err != nil {
		return err
	}
	v, err := e.ledgerVerdict(w, runID, res, src, out)
	if err == nil {
		err = e.record(ctx, v)
	}
	// The comment follows the check run even when the ledger failed, so
	// GitHub is complete; the ledger's error then retries the job.
	create := mayCreateComment && (worthCommenting(res) || preview != "")
	if cerr := e.comments.upsert(ctx, gh, owner, repo, number, out.Summary, create, guard); cerr != nil {
		return cerr
	}
	return err
}

// worthCommenting: a failing gate or an override label the author should know about.
func worthCommenting(res rules.Result) bool {
	if res.Conclusion == rules.ConclusionFailure || len(res.Overrides) > 0 {
		return true
	}
	for _, g := range res.Gates {
		if g.Status == rules.StatusFail {
			return true // report mode: neutral, but still worth saying
		}
	}
	return false
}

// markInProgressAfter marks the check run in progress if the evaluation is
// still running after e.progress. The returned stop waits for a write that
// has begun, so it can never land after the verdict, and says whether the
// mark was attempted.
func (e *Evaluator) markInProgressAfter(ctx context.Context, gh *github.Client, owner, repo, sha string, guard queue.Guard) (stop func() bool) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	var marked atomic.Bool
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTimer(e.progress)
		defer t.Stop()
		select {
		case <-done:
			return
		case <-ctx.Done():
			return
		case <-t.C:
		}
		marked.Store(true)
		err := e.checks.markInProgress(ctx, gh, owner, repo, sha, checkOutput{
			Status:  "in_progress",
			Title:   "Evaluating",
			Summary: "tiergate is reading the pull request and its configuration.",
		}, guard)
		switch {
		case errors.Is(err, queue.ErrSuperseded):
			zerolog.Ctx(ctx).Debug().Err(err).Msg("not marking the check run in progress")
		case err != nil:
			zerolog.Ctx(ctx).Warn().Err(err).Msg("could not mark the check run in progress")
		}
	}()
	return func() bool {
		close(done)
		wg.Wait()
		return marked.Load()
	}
}

// ReportFailure is the last resort after the job's retries: it completes the
// check run on the pull request's head with a failure that says why and how
// to try again. guard is called just before the write, as in Evaluate.
func (e *Evaluator) ReportFailure(ctx context.Context, job queue.Job, cause error, guard queue.Guard) error {
	gh, err := e.clients.Installation(job.InstallationID)
	if err != nil {
		return err
	}
	sha := job.HeadSHA
	w := written{job: job}
	if pr, err := e.pull(ctx, gh, job.Owner, job.Repo, job.Number); err == nil {
		if pr.GetState() != "open" {
			return nil
		}
		sha, w.pr = pr.GetHead().GetSHA(), pr
	} else if sha == "" {
		return fmt.Errorf("report failure on %s: read pull request: %w", job.Key(), err)
	}
	reason := "an unknown error"
	if cause != nil {
		reason = cause.Error()
	}
	out := checkOutput{
		Status:     "completed",
		Conclusion: rules.ConclusionFailure.String(),
		Title:      "tiergate could not evaluate",
		Summary: fmt.Sprintf("tiergate could not evaluate this pull request, so it is not passing.\n\n"+
			"**Why:** %s\n\n"+
			"This is usually temporary (GitHub unavailable or rate limits). "+
			"Push a commit or comment `/tiergate recheck` on the pull request to try again.", rules.Messagef("%s", reason).Markdown()),
	}
	runID, err := e.checks.upsert(ctx, gh, job.Owner, job.Repo, sha, out, guard)
	if err != nil {
		return fmt.Errorf("report failure on %s: %w", job.Key(), err)
	}
	return e.record(ctx, w.failure(runID, sha, out, reason))
}

// ConfigChanged drops cached config for owner/repo; when repo is the org
// config repository the org file goes too.
func (e *Evaluator) ConfigChanged(owner, repo string) {
	e.configs.invalidate(owner, repo)
}
