package evaluator

import (
	"context"
	"fmt"

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

// PullRequestsForCommit lists the open pull requests whose head is sha (a
// check_suite or check_run re-request names only the commit).
func (e *Evaluator) PullRequestsForCommit(ctx context.Context, installationID int64, owner, repo, sha string) ([]queue.Job, error) {
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
