package queue

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/tiergate/tiergate/bot/internal/evalrecord"
)

// fakeExecutor records what the queue asks of its Executor, as bot's
// dispatcher would pass it on to the evaluator. Its behaviour is set by the
// optional fields before use.
type fakeExecutor struct {
	// evaluate, when set, decides the result of an evaluation (after recording).
	evaluate func(ctx context.Context, j Job) error
	// failMergeGroup, when set, is the error of a merge group job.
	failMergeGroup error
	// onWrite, when set, is told the guard's answer after a successful
	// evaluation, as the evaluator asks it before writing.
	onWrite func(error)

	evalrecord.Recorder[Job]

	mu          sync.Mutex
	mergeGroups []string
}

type reported = evalrecord.Report[Job]

func (f *fakeExecutor) Execute(ctx context.Context, j Job, guard Guard) error {
	if j.kind() == KindMergeGroup {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.mergeGroups = append(f.mergeGroups, fmt.Sprintf("%d %s/%s@%s", j.InstallationID, j.Owner, j.Repo, j.HeadSHA))
		if f.failMergeGroup != nil {
			return fmt.Errorf("complete merge group check on %s in %s/%s: %w", j.HeadSHA, j.Owner, j.Repo, f.failMergeGroup)
		}
		return nil
	}
	if !j.IsEvaluation() {
		return nil
	}
	defer f.Start(j)()
	if f.evaluate != nil {
		if err := f.evaluate(ctx, j); err != nil {
			return err
		}
	}
	if f.onWrite != nil {
		err := guard.Check(ctx)
		f.onWrite(err)
		return err
	}
	return nil
}

func (f *fakeExecutor) ReportFailure(ctx context.Context, j Job, cause error, guard Guard) error {
	if !j.IsEvaluation() {
		return nil
	}
	f.Report(j, cause)
	return nil
}

// calls returns copies of what was recorded so far.
func (f *fakeExecutor) calls() (evaluated []Job, rep []reported, cfg []RepoRef, mg []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.Evaluated(), f.Reported(), nil, append([]string(nil), f.mergeGroups...)
}

// testOptions fills the zero fields of o, but Debounce, with the defaults
// bot applies, for a queue of o.Workers (default 8) workers.
func testOptions(o Options) Options {
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.Share <= 0 {
		o.Share = DefaultShare(o.Workers)
	}
	if o.MaxKeys <= 0 {
		o.MaxKeys = DefaultMaxKeys
	}
	if o.JobTimeout <= 0 {
		o.JobTimeout = DefaultJobTimeout
	}
	if o.TaskTimeout <= 0 {
		o.TaskTimeout = DefaultTaskTimeout
	}
	if o.Backoff == nil {
		o.Backoff = DefaultBackoff()
	}
	if o.Slow <= 0 {
		o.Slow = DefaultSlowRetry
	}
	if o.Horizon <= 0 {
		o.Horizon = DefaultRetryHorizon
	}
	if o.Lease <= 0 {
		o.Lease = 30 * time.Second
	}
	if o.Renew <= 0 || o.Renew >= o.Lease {
		o.Renew = o.Lease / 3
	}
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	return o
}
