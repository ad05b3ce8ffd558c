package evaluator

import (
	"context"
	"fmt"
	"net/url"

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

// maxCommits bounds the commits whose pull request listing is kept, only
// to revalidate it (see PullRequestsForCommit): a few pull request numbers
// and heads each.
const maxCommits = 4096

// commitPull is what the listing of a commit's pull requests says of one.
type commitPull struct {
	number int
	head   string
	open   bool
}

// PullRequestsForCommit lists the open pull requests whose head is sha (a
// check_suite or check_run re-request, another App's check run on a fork's
// commit, or a commit status names only the commit). Every call asks
// GitHub: the last answer is kept only to revalidate it with its ETag, so
// an unchanged answer costs a 304 and no rate limit, and a pull request
// opened, reopened or pushed to this commit since, on any replica, is seen
// at once. An answer kept without asking, empty or not, would drop the CI
// events of such a pull request, and with them a failing check after a
// green verdict.
func (e *Evaluator) PullRequestsForCommit(ctx context.Context, installationID int64, owner, repo, sha string) ([]queue.Job, error) {
	gh, err := e.clients.Installation(installationID)
	if err != nil {
		return nil, err
	}
	u := fmt.Sprintf("repos/%s/%s/commits/%s/pulls?per_page=%d", url.PathEscape(owner), url.PathEscape(repo), url.PathEscape(sha), ghclient.PerPage)
	prs, err := ghclient.List(ctx, gh, e.commits, u, 0, ghclient.PageOf(func(pr *github.PullRequest) commitPull {
		return commitPull{number: pr.GetNumber(), head: pr.GetHead().GetSHA(), open: pr.GetState() == "open"}
	}))
	if err != nil {
		return nil, fmt.Errorf("list pull requests of %s/%s@%s: %w", owner, repo, sha, err)
	}
	var jobs []queue.Job
	for _, pr := range prs {
		if pr.open && pr.head == sha {
			jobs = append(jobs, queue.Job{
				InstallationID: installationID,
				Owner:          owner,
				Repo:           repo,
				Number:         pr.number,
				HeadSHA:        sha,
			})
		}
	}
	return jobs, nil
}
