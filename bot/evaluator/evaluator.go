package evaluator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/rs/zerolog"

	"github.com/tiergate/tiergate/bot/ghclient"
	"github.com/tiergate/tiergate/bot/logfield"
	"github.com/tiergate/tiergate/bot/queue"
	"github.com/tiergate/tiergate/rules"
)

// Options configure the Evaluator. Every field but DetailsURL and
// RequireOrgConfig is required: bot applies the defaults.
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
	comments *stickyComments
	previews *previews
	// pulls keeps the last answer for each pull request, only to revalidate
	// it with If-None-Match (its ETag changes with the labels, head and
	// base). A kept pull request is shared: never modify it.
	pulls    *ghclient.Cache[*github.PullRequest]
	metrics  *Metrics
	progress time.Duration
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
		comments: newStickyComments(time.Now),
		previews: newPreviews(time.Now),
		pulls:    ghclient.NewCache[*github.PullRequest](listingTTL, maxPulls, time.Now),
		metrics:  opts.Metrics,
		progress: progressDelay,
	}, nil
}

// Evaluate gathers the pull request, evaluates it and reports the verdict.
// It returns nil only when a completed check run was written, or when there
// is nothing to do (the pull request is closed, or a recheck was asked by
// someone without write permission). Any GitHub error is returned so the job
// is retried; nothing green is ever posted after a failure. guard is called
// just before every write (nil: always the owner); when it fails, its error
// is returned and nothing more is written.
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
	res, src, brokenConfig, files, err := e.verdict(ctx, gh, job, pr)
	var preview string
	if err == nil {
		// A pull request that changes a tiergate config also shows what
		// the change would do (see preview.go).
		preview, err = e.configPreview(ctx, gh, job, pr, files, &res)
	}
	stop()
	if err != nil {
		return err
	}
	res.HeadSHA = sha
	if err := e.report(ctx, gh, job.Owner, job.Repo, pr.GetNumber(), res, src, preview, !brokenConfig, guard); err != nil {
		return err
	}
	e.metrics.Conclusions.WithLabelValues(res.Tier.String(), res.Conclusion.String()).Inc()
	l.Info().Msgf("reported %s: %s", res.Conclusion, res.Title())
	return nil
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

// verdict loads the config and evaluates the pull request; src names the
// config files it was computed from. A broken config is a verdict
// (brokenConfig set), not an error.
// files are the pull request's changed files, nil with a broken config.
func (e *Evaluator) verdict(ctx context.Context, gh *github.Client, job queue.Job, pr *github.PullRequest) (res rules.Result, src configSource, brokenConfig bool, files []rules.ChangedFile, err error) {
	cfg, src, err := e.configs.load(ctx, gh, job.Owner, job.Repo, pr.GetBase().GetRef())
	var broken *configBrokenError
	if errors.As(err, &broken) {
		return rules.ConfigFailure(broken.err), src, true, nil, nil
	}
	if err != nil {
		return rules.Result{}, src, false, nil, err
	}
	snap, warnings, err := e.gatherer.gather(ctx, gh, cfg, job.Owner, job.Repo, pr)
	if err != nil {
		return rules.Result{}, src, false, nil, err
	}
	res = rules.Evaluate(cfg, snap)
	res.Warnings = append(res.Warnings, warnings...)
	return res, src, false, snap.Files, nil
}

// report writes the check run, stamped with the config fingerprint, then
// the comment. The comment is created for a failing gate or an override; a
// broken config is shown on the check run only (it would otherwise comment
// on every open pull request at once), but an existing comment still
// follows it.
// preview, when not empty, is a config-change preview (Markdown) shown
// after the verdict, and always worth a comment.
func (e *Evaluator) report(ctx context.Context, gh *github.Client, owner, repo string, number int, res rules.Result, src configSource, preview string, mayCreateComment bool, guard queue.Guard) error {
	out := checkOutput{
		Status:     "completed",
		Conclusion: res.Conclusion.String(),
		Title:      res.Title(),
		Summary:    rules.Markdown(res) + preview,
		ExternalID: src.Fingerprint(),
	}
	if err := e.checks.upsert(ctx, gh, owner, repo, res.HeadSHA, out, guard); err != nil {
		return err
	}
	create := mayCreateComment && (worthCommenting(res) || preview != "")
	return e.comments.upsert(ctx, gh, owner, repo, number, out.Summary, create, guard)
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
// has begun, so it can never land after the verdict.
func (e *Evaluator) markInProgressAfter(ctx context.Context, gh *github.Client, owner, repo, sha string, guard queue.Guard) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
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
		err := e.checks.upsert(ctx, gh, owner, repo, sha, checkOutput{
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
	return func() {
		close(done)
		wg.Wait()
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
	if pr, err := e.pull(ctx, gh, job.Owner, job.Repo, job.Number); err == nil {
		if pr.GetState() != "open" {
			return nil
		}
		sha = pr.GetHead().GetSHA()
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
	if err := e.checks.upsert(ctx, gh, job.Owner, job.Repo, sha, out, guard); err != nil {
		return fmt.Errorf("report failure on %s: %w", job.Key(), err)
	}
	return nil
}

// CompleteMergeGroup writes the check on a merge queue's commit. The queue
// entry adds pull request number (from the queue's branch name); the
// entry passes only while that pull request's own tiergate check, on its
// current head, is completed and passing: a pull request queued while
// green may have turned red since (an override label removed, an approval
// dismissed, a stricter config), and the merge group's commit is where a
// required check is enforced. Anything unknown fails closed.
func (e *Evaluator) CompleteMergeGroup(ctx context.Context, installationID int64, owner, repo, headSHA string, number int, guard queue.Guard) error {
	gh, err := e.clients.Installation(installationID)
	if err != nil {
		return err
	}
	out, err := e.mergeGroupVerdict(ctx, gh, owner, repo, number)
	if err != nil {
		return err
	}
	// A merge group's commit is no pull request's head: nothing newer can supersede it.
	if err := e.checks.upsert(ctx, gh, owner, repo, headSHA, out, guard); err != nil {
		return fmt.Errorf("complete merge group %s/%s@%s: %w", owner, repo, headSHA, err)
	}
	return nil
}

func (e *Evaluator) mergeGroupVerdict(ctx context.Context, gh *github.Client, owner, repo string, number int) (checkOutput, error) {
	fail := func(title, why string) (checkOutput, error) {
		return checkOutput{Status: "completed", Conclusion: rules.ConclusionFailure.String(), Title: title,
			Summary: "This commit was made by the merge queue. " + why}, nil
	}
	if number <= 0 {
		return fail("Merge group: pull request unknown",
			"tiergate cannot tell which pull request it adds (the queue branch name does not say), so it does not pass.")
	}
	pr, _, err := gh.PullRequests.Get(ctx, owner, repo, number)
	if err != nil {
		return checkOutput{}, fmt.Errorf("read pull request %s/%s#%d for its merge group: %w", owner, repo, number, err)
	}
	head := pr.GetHead().GetSHA()
	cur, err := e.checks.current(ctx, gh, owner, repo, head)
	if err != nil {
		return checkOutput{}, err
	}
	short := head[:min(7, len(head))]
	passing := cur != nil && cur.status == "completed" &&
		(cur.conclusion == rules.ConclusionSuccess.String() || cur.conclusion == rules.ConclusionNeutral.String())
	if !passing {
		state := "no tiergate check"
		if cur != nil {
			state = rules.Messagef("tiergate's check is %s %s (%q)", cur.status, cur.conclusion, cur.title).Markdown()
		}
		return fail(fmt.Sprintf("Merge group: #%d is not passing", number),
			fmt.Sprintf("It adds #%d, whose head %s has %s, so the merge group does not pass. Fix the pull request (or re-run its check) and queue it again.", number, short, state))
	}
	return checkOutput{Status: "completed", Conclusion: rules.ConclusionSuccess.String(),
		Title: fmt.Sprintf("Merge group: #%d passes", number),
		Summary: fmt.Sprintf("This commit was made by the merge queue. It adds #%d, whose head %s passes tiergate now (%s).",
			number, short, rules.Messagef("%q", cur.title).Markdown())}, nil
}

// ConfigChanged drops cached config for owner/repo; when repo is the org
// config repository the org file goes too.
func (e *Evaluator) ConfigChanged(owner, repo string) {
	e.configs.invalidate(owner, repo)
}
