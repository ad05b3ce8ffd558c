package bot

import (
	"context"
	"fmt"
	"sync"

	"github.com/tiergate/tiergate/bot/internal/evalrecord"
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

	evalrecord.Recorder[queue.Job]

	mu            sync.Mutex
	configChanged []queue.RepoRef
	mergeGroups   []string
	commits       []string
}

type reported = evalrecord.Report[queue.Job]

func (f *fakeEvaluator) Evaluate(ctx context.Context, j queue.Job, guard queue.Guard) error {
	defer f.Start(j)()
	if f.evaluate != nil {
		return f.evaluate(ctx, j)
	}
	return nil
}

func (f *fakeEvaluator) ReportFailure(ctx context.Context, j queue.Job, cause error, guard queue.Guard) error {
	f.Report(j, cause)
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
	return f.Evaluated(), f.Reported(),
		append([]queue.RepoRef(nil), f.configChanged...), append([]string(nil), f.mergeGroups...)
}
