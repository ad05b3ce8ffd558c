package evaluator

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/tiergate/tiergate/bot/ghclient"
	"github.com/tiergate/tiergate/bot/queue"
)

// OpenPullRequests lists a repository's open pull requests as jobs, for
// re-evaluating them all (config changed, App installed).
func (e *Evaluator) OpenPullRequests(ctx context.Context, installationID int64, owner, repo string) ([]queue.Job, error) {
	gh, err := e.clients.Installation(installationID)
	if err != nil {
		return nil, err
	}
	prs, err := ghclient.All(func(lo github.ListOptions) ([]*github.PullRequest, *github.Response, error) {
		return gh.PullRequests.List(ctx, owner, repo, &github.PullRequestListOptions{State: "open", ListOptions: lo})
	})
	if err != nil {
		return nil, fmt.Errorf("list open pull requests of %s/%s: %w", owner, repo, err)
	}
	var jobs []queue.Job
	for _, pr := range prs {
		jobs = append(jobs, queue.Job{
			InstallationID: installationID,
			Owner:          owner,
			Repo:           repo,
			Number:         pr.GetNumber(),
			HeadSHA:        pr.GetHead().GetSHA(),
		})
	}
	return jobs, nil
}

// InstallationRepos lists the repositories an installation can see.
func (e *Evaluator) InstallationRepos(ctx context.Context, installationID int64) ([]queue.RepoRef, error) {
	gh, err := e.clients.Installation(installationID)
	if err != nil {
		return nil, err
	}
	all, err := ghclient.All(func(lo github.ListOptions) ([]*github.Repository, *github.Response, error) {
		page, resp, err := gh.Apps.ListRepos(ctx, &lo)
		if err != nil {
			return nil, resp, err
		}
		return page.Repositories, resp, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list repositories of installation %d: %w", installationID, err)
	}
	var repos []queue.RepoRef
	for _, r := range all {
		repos = append(repos, queue.RepoRef{Owner: r.GetOwner().GetLogin(), Name: r.GetName()})
	}
	return repos, nil
}

// Bounds of the cache of pull requests by head commit: CI reports each
// commit many times (every check run and status), so a burst costs one
// lookup. The answer only chooses what to evaluate, never a verdict, and
// an evaluation reads the pull request itself: a pull request opened since
// is evaluated on its own events, and one closed or pushed since finds out.
const (
	commitPullsTTL = 10 * time.Minute
	maxCommits     = 4096
)

// PullRequestsForCommit lists the open pull requests whose head is sha (a
// check_suite or check_run re-request, another App's check run on a fork's
// commit, or a commit status names only the commit), cached for
// commitPullsTTL.
func (e *Evaluator) PullRequestsForCommit(ctx context.Context, installationID int64, owner, repo, sha string) ([]queue.Job, error) {
	key := fmt.Sprintf("%d %s/%s@%s", installationID, strings.ToLower(owner), strings.ToLower(repo), sha)
	if jobs, ok := e.commits.Get(key); ok {
		return slices.Clone(jobs), nil
	}
	jobs, err := e.pullRequestsForCommit(ctx, installationID, owner, repo, sha)
	if err != nil {
		return nil, err
	}
	e.commits.Put(key, slices.Clone(jobs))
	return jobs, nil
}

func (e *Evaluator) pullRequestsForCommit(ctx context.Context, installationID int64, owner, repo, sha string) ([]queue.Job, error) {
	gh, err := e.clients.Installation(installationID)
	if err != nil {
		return nil, err
	}
	prs, err := ghclient.All(func(lo github.ListOptions) ([]*github.PullRequest, *github.Response, error) {
		return gh.PullRequests.ListPullRequestsWithCommit(ctx, owner, repo, sha, &lo)
	})
	if err != nil {
		return nil, fmt.Errorf("list pull requests of %s/%s@%s: %w", owner, repo, sha, err)
	}
	var jobs []queue.Job
	for _, pr := range prs {
		if pr.GetState() == "open" && pr.GetHead().GetSHA() == sha {
			jobs = append(jobs, queue.Job{
				InstallationID: installationID,
				Owner:          owner,
				Repo:           repo,
				Number:         pr.GetNumber(),
				HeadSHA:        sha,
			})
		}
	}
	return jobs, nil
}
