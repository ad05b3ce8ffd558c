package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/rs/zerolog"
)

// Fan-out bounds: a config change re-evaluates open pull requests, at most
// this many per push, listing one repository after another with a pause so
// the listing itself does not spend the rate limit in a burst.
const (
	defaultFanOutLimit = 2000
	defaultFanOutPause = 50 * time.Millisecond
)

// push plans a re-evaluation when the config file changes on the default
// branch: of the repository's open pull requests, or of every repository's
// when the org config repository changed.
func (rt router) push(e *github.PushEvent) (plan, error) {
	r := e.GetRepo()
	if e.GetDeleted() || r.GetDefaultBranch() == "" || e.GetRef() != "refs/heads/"+r.GetDefaultBranch() {
		return ignore("push is not to the default branch")
	}
	path := rt.s.settings.ConfigPath
	touched := len(e.Commits) >= truncatedCommits
	for _, c := range e.Commits {
		if slices.Contains(c.Added, path) || slices.Contains(c.Modified, path) || slices.Contains(c.Removed, path) {
			touched = true
		}
	}
	if !touched {
		return ignore("push does not change %s", path)
	}
	id, err := installationID(e.GetInstallation())
	if err != nil {
		return plan{}, err
	}
	owner, name := r.GetOwner().GetLogin(), r.GetName()
	if owner == "" {
		owner = r.GetOwner().GetName()
	}
	if owner == "" || name == "" {
		return plan{}, errors.New("payload has no repository owner or name")
	}
	tmpl := rt.template(id, "config")
	if name == rt.s.settings.OrgConfigRepo {
		return plan{
			configChanged: []RepoRef{{Owner: owner, Name: name}},
			works:         []*work{rt.s.orgTask(rt.ctx, owner, tmpl)},
		}, nil
	}
	return plan{
		configChanged: []RepoRef{{Owner: owner, Name: name}},
		works:         []*work{rt.s.repoTask(rt.ctx, owner, name, tmpl)},
	}, nil
}

// commitTask finds the open pull requests whose head is sha and queues them.
func (s *Server) commitTask(ctx context.Context, installationID int64, owner, repo, sha string, tmpl Job) *work {
	return &work{
		key: fmt.Sprintf("commit:%s/%s@%s", owner, repo, sha), ctx: ctx, deliveryID: tmpl.DeliveryID,
		task: func(tctx context.Context) error {
			jobs, err := s.ev.PullRequestsForCommit(tctx, installationID, owner, repo, sha)
			if err != nil {
				return fmt.Errorf("list pull requests with head %s in %s/%s: %w", sha, owner, repo, err)
			}
			if len(jobs) == 0 {
				zerolog.Ctx(tctx).Info().Msg("no open pull request has this head commit; nothing to re-run")
			}
			_, err = s.enqueueListed(ctx, jobs, tmpl, s.fanOutLimit)
			return err
		},
	}
}

// mergeGroupTask completes the check on a merge group's head commit. Every
// pull request in a merge group already passed tiergate, and a required
// check that never reports would stall the merge queue.
func (s *Server) mergeGroupTask(ctx context.Context, installationID int64, owner, repo, sha, deliveryID string) *work {
	return &work{
		key: fmt.Sprintf("merge_group:%s/%s@%s", owner, repo, sha), ctx: ctx, deliveryID: deliveryID,
		task: func(tctx context.Context) error {
			if err := s.ev.CompleteMergeGroup(tctx, installationID, owner, repo, sha); err != nil {
				return fmt.Errorf("complete merge group check on %s in %s/%s: %w", sha, owner, repo, err)
			}
			return nil
		},
	}
}

// repoTask re-evaluates the open pull requests of one repository.
func (s *Server) repoTask(ctx context.Context, owner, repo string, tmpl Job) *work {
	return &work{
		key: fmt.Sprintf("config:%s/%s", owner, repo), ctx: ctx, deliveryID: tmpl.DeliveryID,
		task: func(tctx context.Context) error {
			// Dropped again here: an evaluation that was running when the
			// push arrived may have cached the old file meanwhile.
			s.ev.ConfigChanged(owner, repo)
			jobs, err := s.ev.OpenPullRequests(tctx, tmpl.InstallationID, owner, repo)
			if err != nil {
				return fmt.Errorf("list open pull requests of %s/%s: %w", owner, repo, err)
			}
			n, err := s.enqueueListed(ctx, jobs, tmpl, s.fanOutLimit)
			zerolog.Ctx(tctx).Info().Int("pull_requests", n).Msg("config changed; re-evaluating open pull requests")
			return err
		},
	}
}

// orgTask re-evaluates the open pull requests of every repository of the
// installation, after the org config changed.
func (s *Server) orgTask(ctx context.Context, owner string, tmpl Job) *work {
	return &work{
		key: fmt.Sprintf("org-config:%s", owner), ctx: ctx, deliveryID: tmpl.DeliveryID,
		task: func(tctx context.Context) error {
			s.ev.ConfigChanged(owner, s.settings.OrgConfigRepo)
			l := zerolog.Ctx(tctx)
			repos, err := s.ev.InstallationRepos(tctx, tmpl.InstallationID)
			if err != nil {
				return fmt.Errorf("list repositories of installation %d: %w", tmpl.InstallationID, err)
			}
			var errs []error
			total := 0
			for i, r := range repos {
				if total >= s.fanOutLimit {
					l.Warn().Int("pull_requests", total).Int("repositories_skipped", len(repos)-i).
						Msgf("org config changed: stopped after %d pull requests; the rest are re-evaluated on their next event or /tiergate recheck", s.fanOutLimit)
					break
				}
				if i > 0 {
					if err := sleep(tctx, s.fanOutPause); err != nil {
						return err
					}
				}
				jobs, err := s.ev.OpenPullRequests(tctx, tmpl.InstallationID, r.Owner, r.Name)
				if err != nil {
					errs = append(errs, fmt.Errorf("list open pull requests of %s/%s: %w", r.Owner, r.Name, err))
					continue
				}
				n, err := s.enqueueListed(ctx, jobs, tmpl, s.fanOutLimit-total)
				total += n
				if err != nil {
					return err
				}
			}
			l.Info().Int("pull_requests", total).Int("repositories", len(repos)).Msg("org config changed; re-evaluating open pull requests")
			return errors.Join(errs...)
		},
	}
}

// enqueueListed queues up to limit listed pull requests, stamped with the
// delivery that caused the listing. It returns how many it queued. ctx is
// the delivery's detached context, so each job gets its own logger fields.
func (s *Server) enqueueListed(ctx context.Context, jobs []Job, tmpl Job, limit int) (int, error) {
	if len(jobs) > limit {
		zerolog.Ctx(ctx).Warn().Int("listed", len(jobs)).Int("limit", limit).
			Msg("too many open pull requests to re-evaluate at once; the rest are re-evaluated on their next event or /tiergate recheck")
		jobs = jobs[:limit]
	}
	for i, j := range jobs {
		if j.InstallationID == 0 {
			j.InstallationID = tmpl.InstallationID
		}
		j.DeliveryID, j.Event, j.RequireWriteFrom = tmpl.DeliveryID, tmpl.Event, ""
		if err := s.queue.enqueue(jobWork(ctx, j)); err != nil {
			return i, fmt.Errorf("queue %s: %w", j.Key(), err)
		}
	}
	return len(jobs), nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
