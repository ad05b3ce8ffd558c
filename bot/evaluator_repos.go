package bot

import (
	"context"
	"fmt"

	"github.com/google/go-github/v60/github"
)

// OpenPullRequests lists a repository's open pull requests as jobs, for
// re-evaluating them all (config changed, App installed).
func (e *Evaluator) OpenPullRequests(ctx context.Context, installationID int64, owner, repo string) ([]Job, error) {
	gh, err := e.clients.forInstallation(installationID)
	if err != nil {
		return nil, err
	}
	var jobs []Job
	opts := &github.PullRequestListOptions{State: "open", ListOptions: github.ListOptions{PerPage: perPage}}
	for {
		page, resp, err := gh.PullRequests.List(ctx, owner, repo, opts)
		if err != nil {
			return nil, fmt.Errorf("list open pull requests of %s/%s: %w", owner, repo, err)
		}
		for _, pr := range page {
			jobs = append(jobs, Job{
				InstallationID: installationID,
				Owner:          owner,
				Repo:           repo,
				Number:         pr.GetNumber(),
				HeadSHA:        pr.GetHead().GetSHA(),
			})
		}
		if resp.NextPage == 0 {
			return jobs, nil
		}
		opts.Page = resp.NextPage
	}
}

// InstallationRepos lists the repositories an installation can see.
func (e *Evaluator) InstallationRepos(ctx context.Context, installationID int64) ([]RepoRef, error) {
	gh, err := e.clients.forInstallation(installationID)
	if err != nil {
		return nil, err
	}
	var repos []RepoRef
	opts := &github.ListOptions{PerPage: perPage}
	for {
		page, resp, err := gh.Apps.ListRepos(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("list repositories of installation %d: %w", installationID, err)
		}
		for _, r := range page.Repositories {
			repos = append(repos, RepoRef{Owner: r.GetOwner().GetLogin(), Name: r.GetName()})
		}
		if resp.NextPage == 0 {
			return repos, nil
		}
		opts.Page = resp.NextPage
	}
}

// PullRequestsForCommit lists the open pull requests whose head is sha (a
// check_suite or check_run re-request names only the commit).
func (e *Evaluator) PullRequestsForCommit(ctx context.Context, installationID int64, owner, repo, sha string) ([]Job, error) {
	gh, err := e.clients.forInstallation(installationID)
	if err != nil {
		return nil, err
	}
	var jobs []Job
	opts := &github.ListOptions{PerPage: perPage}
	for {
		page, resp, err := gh.PullRequests.ListPullRequestsWithCommit(ctx, owner, repo, sha, opts)
		if err != nil {
			return nil, fmt.Errorf("list pull requests of %s/%s@%s: %w", owner, repo, sha, err)
		}
		for _, pr := range page {
			if pr.GetState() == "open" && pr.GetHead().GetSHA() == sha {
				jobs = append(jobs, Job{
					InstallationID: installationID,
					Owner:          owner,
					Repo:           repo,
					Number:         pr.GetNumber(),
					HeadSHA:        sha,
				})
			}
		}
		if resp.NextPage == 0 {
			return jobs, nil
		}
		opts.Page = resp.NextPage
	}
}
