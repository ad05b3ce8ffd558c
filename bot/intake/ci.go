package intake

import (
	"errors"
	"strings"

	"github.com/tiergate/tiergate/bot/queue"
)

// mergeQueuePrefix starts the branches GitHub's merge queue makes.
const mergeQueuePrefix = "gh-readonly-queue/"

// status plans re-evaluations after a commit status changed. A status
// names only its commit, never pull requests: a task finds those whose head
// it is. Its branches are every branch that CONTAINS the commit, not only
// those whose head it is: a merge queue branch for another pull request,
// built on top of this commit, is listed too. Only a branch whose head is
// the status's commit says what the commit is.
func (rt router) status(e eventPayload) (plan, error) {
	var heads []string
	for _, b := range e.Branches {
		if b.Commit.SHA == e.SHA {
			heads = append(heads, b.Name)
		}
	}
	return rt.ciChanged(e, nil, e.SHA, heads)
}

// ciChanged plans what CI reporting on sha changes: the check of a merge
// queue commit, when sha is the head of a merge queue branch (heads are
// branches whose head is sha), and always the verdicts of the pull
// requests whose head it is (those GitHub listed, or, when it listed none,
// as it does for statuses and for pull requests from forks, a task that
// looks them up by commit). Nothing here may skip that lookup: a commit
// taken for a merge queue's may still be a pull request's head, and
// CompleteMergeGroup refuses to write on one. The queue coalesces a burst
// for one head into one or two evaluations.
func (rt router) ciChanged(e eventPayload, prs []prRef, sha string, heads []string) (plan, error) {
	id, err := installationID(e.Installation)
	if err != nil {
		return plan{}, err
	}
	owner, name, err := repoOf(e.Repository)
	if err != nil {
		return plan{}, err
	}
	if sha == "" {
		return plan{}, errors.New("payload names no commit")
	}
	action := e.Action
	if rt.event == "status" {
		action = "changed"
	}
	var p plan
	for _, b := range heads {
		if !strings.HasPrefix(strings.TrimPrefix(b, "refs/heads/"), mergeQueuePrefix) {
			continue
		}
		j := rt.template(id, action)
		j.Kind, j.Owner, j.Repo, j.HeadSHA, j.Number = queue.KindMergeGroup, owner, name, sha, mergeQueuePR(b)
		p.jobs = append(p.jobs, j)
		break
	}
	listed := false
	for _, pr := range prs {
		if pr.Number <= 0 || (pr.Head.SHA != "" && pr.Head.SHA != sha) {
			continue
		}
		j := rt.template(id, action)
		j.Owner, j.Repo, j.Number, j.HeadSHA = owner, name, pr.Number, sha
		p.jobs = append(p.jobs, j)
		listed = true
	}
	if !listed {
		j := rt.template(id, action)
		j.Kind, j.Owner, j.Repo, j.HeadSHA = queue.KindCommit, owner, name, sha
		p.jobs = append(p.jobs, j)
	}
	return p, nil
}
