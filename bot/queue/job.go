// Package queue holds work until a worker runs it: plain-data jobs, their
// scheduling and retries, and the in-memory and PostgreSQL queues.
package queue

import (
	"fmt"
	"github.com/tiergate/tiergate/bot/pgstore"
	"strings"
)

// Kind says what a Job does.
type Kind string

// Kinds of work. Every kind is plain data so that a job can be stored in
// the database and run by any replica.
const (
	// KindEvaluate evaluates one pull request and reports the verdict.
	KindEvaluate Kind = "evaluate"
	// KindCommit finds the open pull requests whose head is HeadSHA (a check
	// re-run GitHub did not list pull requests for) and evaluates them.
	KindCommit Kind = "commit"
	// KindRepoConfig re-evaluates the open pull requests of Owner/Repo after
	// its config file changed.
	KindRepoConfig Kind = "repo_config"
	// KindOrgConfig re-evaluates the open pull requests of every repository
	// of the installation after the org config changed.
	KindOrgConfig Kind = "org_config"
	// KindMergeGroup completes the check on a merge queue commit (HeadSHA).
	KindMergeGroup Kind = "merge_group"
)

// EventSweep marks a job the periodic sweep queued. It only makes sure the
// work is queued: when the key is already waiting, retrying or running, the
// job is dropped, so a sweep never supersedes a running attempt or restarts
// a failing one's retries.
const EventSweep = pgstore.EventSweep

// Job is one unit of work. Jobs are keyed (see Key): a newer job for the
// same key replaces a waiting one, and the newest head SHA wins.
type Job struct {
	// Kind is what to do; "" means KindEvaluate.
	Kind           Kind   `json:"kind,omitempty"`
	InstallationID int64  `json:"installation_id"`
	Owner          string `json:"owner"`
	Repo           string `json:"repo,omitempty"`
	Number         int    `json:"number,omitempty"`
	// HeadSHA is the newest head the event knew of; "" means fetch it.
	HeadSHA string `json:"head_sha,omitempty"`
	// DeliveryID of the webhook that caused the job (for logs).
	DeliveryID string `json:"delivery_id,omitempty"`
	// Event that caused the job, e.g. "pull_request.synchronize" (for logs).
	Event string `json:"event,omitempty"`
	// RequireWriteFrom, when set, names a user (a "/tiergate recheck"
	// commenter) who must have write permission for the job to run.
	RequireWriteFrom string `json:"require_write_from,omitempty"`
}

// kind is j.Kind with the default filled in.
func (j Job) kind() Kind {
	if j.Kind == "" {
		return KindEvaluate
	}
	return j.Kind
}

// Key identifies what a job is about: for an evaluation, the pull request
// (owner and repository lower-cased, as GitHub treats them).
func (j Job) Key() string {
	owner, repo := strings.ToLower(j.Owner), strings.ToLower(j.Repo)
	switch j.kind() {
	case KindCommit:
		return fmt.Sprintf("commit:%s/%s@%s", owner, repo, j.HeadSHA)
	case KindRepoConfig:
		return fmt.Sprintf("config:%s/%s", owner, repo)
	case KindOrgConfig:
		return fmt.Sprintf("org-config:%s", owner)
	case KindMergeGroup:
		return fmt.Sprintf("merge_group:%s/%s@%s", owner, repo, j.HeadSHA)
	}
	return fmt.Sprintf("%s/%s#%d", owner, repo, j.Number)
}

// IsEvaluation says whether j evaluates a pull request (rather than listing
// pull requests or completing a merge group).
func (j Job) IsEvaluation() bool { return j.kind() == KindEvaluate }

// coalesceJobs merges newer into old, a job with the same key: the newest
// delivery wins, keeping the newest known head SHA; a permission check
// (RequireWriteFrom) survives only if both asked for one, since a normal
// event needs no permission to re-evaluate.
func coalesceJobs(old, newer Job) Job {
	m := newer
	if m.HeadSHA == "" {
		m.HeadSHA = old.HeadSHA
	}
	if old.RequireWriteFrom == "" {
		m.RequireWriteFrom = ""
	}
	return m
}

// RepoRef names a repository.
type RepoRef struct {
	Owner string
	Name  string
}
