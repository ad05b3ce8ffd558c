package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/tiergate/tiergate/bot/internal/wait"
	"github.com/tiergate/tiergate/bot/queue"
)

// Fan-out bounds: a config change re-evaluates open pull requests, at most
// this many per push, listing one repository after another with a pause so
// the listing itself does not spend the rate limit in a burst.
const (
	defaultFanOutLimit = 2000
	defaultFanOutPause = 50 * time.Millisecond
)

// evaluations is what the dispatcher needs from *evaluator.Evaluator. It
// exists so the server and webhook tests can run against a fake.
type evaluations interface {
	Evaluate(ctx context.Context, job queue.Job, guard queue.Guard) error
	ReportFailure(ctx context.Context, job queue.Job, cause error, guard queue.Guard) error
	OpenPullRequests(ctx context.Context, installationID int64, owner, repo string) ([]queue.Job, error)
	InstallationRepos(ctx context.Context, installationID int64) ([]queue.RepoRef, error)
	PullRequestsForCommit(ctx context.Context, installationID int64, owner, repo, sha string) ([]queue.Job, error)
	CompleteMergeGroup(ctx context.Context, installationID int64, owner, repo, headSHA string, number int, guard queue.Guard) error
	ConfigChanged(owner, repo string)
}

// dispatcher runs one job by its kind. Jobs that list pull requests submit
// what they find back to the queue, so with PostgreSQL the fan-out is as
// durable as the event that caused it.
type dispatcher struct {
	ev            evaluations
	queue         workQueue
	orgConfigRepo string
	fanOutLimit   int
	fanOutPause   time.Duration
}

// Execute runs one attempt of j (queue.Executor).
func (d *dispatcher) Execute(ctx context.Context, j queue.Job, guard queue.Guard) error {
	switch cmp.Or(j.Kind, queue.KindEvaluate) {
	case queue.KindEvaluate:
		return d.ev.Evaluate(ctx, j, guard)
	case queue.KindCommit:
		return d.commit(ctx, j)
	case queue.KindRepoConfig:
		return d.repoConfig(ctx, j)
	case queue.KindOrgConfig:
		return d.orgConfig(ctx, j)
	case queue.KindMergeGroup:
		if err := d.ev.CompleteMergeGroup(ctx, j.InstallationID, j.Owner, j.Repo, j.HeadSHA, j.Number, guard); err != nil {
			return fmt.Errorf("complete merge group check on %s in %s/%s: %w", j.HeadSHA, j.Owner, j.Repo, err)
		}
		return nil
	}
	return fmt.Errorf("unknown kind of work %q", j.Kind)
}

// ReportFailure reports on the check run that j could not be evaluated
// (queue.Executor).
func (d *dispatcher) ReportFailure(ctx context.Context, j queue.Job, cause error, guard queue.Guard) error {
	if !j.IsEvaluation() {
		return nil
	}
	return d.ev.ReportFailure(ctx, j, cause, guard)
}

// commit evaluates the open pull requests whose head is j.HeadSHA.
func (d *dispatcher) commit(ctx context.Context, j queue.Job) error {
	jobs, err := d.ev.PullRequestsForCommit(ctx, j.InstallationID, j.Owner, j.Repo, j.HeadSHA)
	if err != nil {
		return fmt.Errorf("list pull requests with head %s in %s/%s: %w", j.HeadSHA, j.Owner, j.Repo, err)
	}
	if len(jobs) == 0 {
		// Common for CI on branches without a pull request: not worth a
		// line at info unless someone asked for a re-run.
		ev := zerolog.Ctx(ctx).Debug()
		if strings.HasSuffix(j.Event, ".rerequested") {
			ev = zerolog.Ctx(ctx).Info()
		}
		ev.Msg("no open pull request has this head commit; nothing to re-evaluate")
	}
	_, err = d.submitListed(ctx, jobs, j, d.fanOutLimit)
	return err
}

// repoConfig re-evaluates the open pull requests of one repository.
func (d *dispatcher) repoConfig(ctx context.Context, j queue.Job) error {
	// Dropped again here: an evaluation that was running when the push
	// arrived may have cached the old file meanwhile.
	d.ev.ConfigChanged(j.Owner, j.Repo)
	jobs, err := d.ev.OpenPullRequests(ctx, j.InstallationID, j.Owner, j.Repo)
	if err != nil {
		return fmt.Errorf("list open pull requests of %s/%s: %w", j.Owner, j.Repo, err)
	}
	n, err := d.submitListed(ctx, jobs, j, d.fanOutLimit)
	zerolog.Ctx(ctx).Info().Int("pull_requests", n).Msg("config changed; re-evaluating open pull requests")
	return err
}

// orgConfig re-evaluates the open pull requests of every repository of the
// installation, after the org config changed.
func (d *dispatcher) orgConfig(ctx context.Context, j queue.Job) error {
	d.ev.ConfigChanged(j.Owner, d.orgConfigRepo)
	l := zerolog.Ctx(ctx)
	repos, err := d.ev.InstallationRepos(ctx, j.InstallationID)
	if err != nil {
		return fmt.Errorf("list repositories of installation %d: %w", j.InstallationID, err)
	}
	var errs []error
	total := 0
	for i, r := range repos {
		if total >= d.fanOutLimit {
			l.Warn().Int("pull_requests", total).Int("repositories_skipped", len(repos)-i).
				Msgf("org config changed: stopped after %d pull requests; the sweep and each pull request's next event re-evaluate the rest", d.fanOutLimit)
			break
		}
		if i > 0 {
			if err := wait.Sleep(ctx, d.fanOutPause); err != nil {
				return err
			}
		}
		jobs, err := d.ev.OpenPullRequests(ctx, j.InstallationID, r.Owner, r.Name)
		if err != nil {
			errs = append(errs, fmt.Errorf("list open pull requests of %s/%s: %w", r.Owner, r.Name, err))
			continue
		}
		n, err := d.submitListed(ctx, jobs, j, d.fanOutLimit-total)
		total += n
		if err != nil {
			return err
		}
	}
	l.Info().Int("pull_requests", total).Int("repositories", len(repos)).Msg("org config changed; re-evaluating open pull requests")
	return errors.Join(errs...)
}

// submitListed queues up to limit listed pull requests, stamped with the
// delivery of the job that listed them. It returns how many it queued.
func (d *dispatcher) submitListed(ctx context.Context, jobs []queue.Job, cause queue.Job, limit int) (int, error) {
	if len(jobs) > limit {
		zerolog.Ctx(ctx).Warn().Int("listed", len(jobs)).Int("limit", limit).
			Msg("too many open pull requests to re-evaluate at once; the sweep and each pull request's next event re-evaluate the rest")
		jobs = jobs[:limit]
	}
	out := make([]queue.Job, len(jobs))
	for i, j := range jobs {
		if j.InstallationID == 0 {
			j.InstallationID = cause.InstallationID
		}
		j.DeliveryID, j.Event, j.RequireWriteFrom = cause.DeliveryID, cause.Event, ""
		out[i] = j
	}
	if len(out) == 0 {
		return 0, nil
	}
	if _, err := d.queue.Submit(ctx, "", out); err != nil {
		return 0, fmt.Errorf("queue %d pull requests: %w", len(out), err)
	}
	return len(out), nil
}
