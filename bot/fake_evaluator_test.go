package bot

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/tiergate/tiergate/bot/queue"
)

// fakeEvaluator records what the intake asks of the evaluator. Its
// behaviour is set by the optional funcs and tables before use.
type fakeEvaluator struct {
	// evaluate, when set, decides the result of Evaluate (after recording).
	evaluate func(ctx context.Context, j queue.Job) error
	// openPRs maps "owner/repo" to its open pull requests.
	openPRs map[string][]queue.Job
	// repos are the installation's repositories.
	repos []queue.RepoRef
	// forCommit maps a head SHA to its pull requests.
	forCommit map[string][]queue.Job
	// failMergeGroup, when set, is returned by CompleteMergeGroup.
	failMergeGroup error

	mu            sync.Mutex
	evaluated     []queue.Job
	reported      []reported
	configChanged []queue.RepoRef
	mergeGroups   []string
	commits       []string
	running       map[string]int
	overlaps      atomic.Int32 // evaluations of one key that ran concurrently
}

type reported struct {
	Job   queue.Job
	Cause string
}

func (f *fakeEvaluator) Evaluate(ctx context.Context, j queue.Job, guard queue.Guard) error {
	f.mu.Lock()
	f.evaluated = append(f.evaluated, j)
	if f.running == nil {
		f.running = map[string]int{}
	}
	f.running[j.Key()]++
	if f.running[j.Key()] > 1 {
		f.overlaps.Add(1)
	}
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.running[j.Key()]--
		f.mu.Unlock()
	}()
	if f.evaluate != nil {
		return f.evaluate(ctx, j)
	}
	return nil
}

func (f *fakeEvaluator) ReportFailure(ctx context.Context, j queue.Job, cause error, guard queue.Guard) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.running[j.Key()] > 0 {
		f.overlaps.Add(1) // a report must not race an evaluation
	}
	f.reported = append(f.reported, reported{Job: j, Cause: cause.Error()})
	return nil
}

func (f *fakeEvaluator) OpenPullRequests(ctx context.Context, installationID int64, owner, repo string) ([]queue.Job, error) {
	jobs, ok := f.openPRs[owner+"/"+repo]
	if !ok {
		return nil, fmt.Errorf("fake: no repository %s/%s", owner, repo)
	}
	return jobs, nil
}

func (f *fakeEvaluator) InstallationRepos(ctx context.Context, installationID int64) ([]queue.RepoRef, error) {
	return f.repos, nil
}

func (f *fakeEvaluator) PullRequestsForCommit(ctx context.Context, installationID int64, owner, repo, sha string) ([]queue.Job, error) {
	f.mu.Lock()
	f.commits = append(f.commits, fmt.Sprintf("%d %s/%s@%s", installationID, owner, repo, sha))
	f.mu.Unlock()
	return f.forCommit[sha], nil
}

func (f *fakeEvaluator) CompleteMergeGroup(ctx context.Context, installationID int64, owner, repo, headSHA string, number int, guard queue.Guard) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mergeGroups = append(f.mergeGroups, fmt.Sprintf("%d %s/%s@%s #%d", installationID, owner, repo, headSHA, number))
	return f.failMergeGroup
}

func (f *fakeEvaluator) ConfigChanged(owner, repo string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.configChanged = append(f.configChanged, queue.RepoRef{Owner: owner, Name: repo})
}

// calls returns copies of what was recorded so far.
func (f *fakeEvaluator) calls() (evaluated []queue.Job, rep []reported, cfg []queue.RepoRef, mg []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]queue.Job(nil), f.evaluated...), append([]reported(nil), f.reported...),
		append([]queue.RepoRef(nil), f.configChanged...), append([]string(nil), f.mergeGroups...)
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
