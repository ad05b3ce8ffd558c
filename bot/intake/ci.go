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
// it is.
func (rt router) status(e eventPayload) (plan, error) {
	var branches []string
	for _, b := range e.Branches {
		branches = append(branches, b.Name)
	}
	return rt.ciChanged(e, nil, e.SHA, branches)
}

// ciChanged plans what CI reporting on sha changes: the verdicts of the
// pull requests whose head it is (those GitHub listed, or, when it listed
// none, as it does for statuses and for pull requests from forks, a task
// that looks them up by commit), and the check of a merge queue commit.
// The queue coalesces a burst for one head into one or two evaluations.
func (rt router) ciChanged(e eventPayload, prs []prRef, sha string, branches []string) (plan, error) {
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
	for _, b := range branches {
		if !strings.HasPrefix(strings.TrimPrefix(b, "refs/heads/"), mergeQueuePrefix) {
			continue
		}
		j := rt.template(id, action)
		j.Kind, j.Owner, j.Repo, j.HeadSHA, j.Number = queue.KindMergeGroup, owner, name, sha, mergeQueuePR(b)
		p.jobs = append(p.jobs, j)
		// A merge queue commit is no pull request's head.
		return p, nil
	}
	for _, pr := range prs {
		if pr.Number <= 0 || (pr.Head.SHA != "" && pr.Head.SHA != sha) {
			continue
		}
		j := rt.template(id, action)
		j.Owner, j.Repo, j.Number, j.HeadSHA = owner, name, pr.Number, sha
		p.jobs = append(p.jobs, j)
	}
	if len(p.jobs) > 0 {
		return p, nil
	}
	j := rt.template(id, action)
	j.Kind, j.Owner, j.Repo, j.HeadSHA = queue.KindCommit, owner, name, sha
	return plan{jobs: []queue.Job{j}}, nil
}
