package bot

import (
	"github.com/tiergate/tiergate/bot/internal/wait"
	"github.com/tiergate/tiergate/bot/queue"
)

// Temporary names while the queue files move to bot/queue.
type (
	Job     = queue.Job
	Guard   = queue.Guard
	Kind    = queue.Kind
	RepoRef = queue.RepoRef
)

var (
	ErrSuperseded   = queue.ErrSuperseded
	sleepCtx        = wait.Sleep
	errQueueFull    = queue.ErrFull
	errQueueStopped = queue.ErrStopped
)

const (
	KindEvaluate   = queue.KindEvaluate
	KindCommit     = queue.KindCommit
	KindRepoConfig = queue.KindRepoConfig
	KindOrgConfig  = queue.KindOrgConfig
	KindMergeGroup = queue.KindMergeGroup
)

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
