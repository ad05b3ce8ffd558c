package sweep

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-github/v60/github"

	"github.com/tiergate/tiergate/bot/githubtest"
	"github.com/tiergate/tiergate/bot/internal/fakeorg"
	"github.com/tiergate/tiergate/bot/queue"
)

// sweepFixture is a fake GitHub, clients and an Evaluator on it, a memory
// Coordinator and an enqueue func that records what the sweep queued.
type sweepFixture struct {
	*evFixture
	coord *memoryCoordinator

	mu     sync.Mutex
	queued []queue.Job
}

func newSweepFixture(t *testing.T) *sweepFixture {
	t.Helper()
	return &sweepFixture{evFixture: newEvFixture(t), coord: newMemoryCoordinator()}
}

// newSweepFixtureOn is a sweepFixture on a fake seeded by the caller.
func newSweepFixtureOn(t *testing.T, fake *githubtest.Server) *sweepFixture {
	t.Helper()
	return &sweepFixture{evFixture: newEvFixtureOn(t, fake), coord: newMemoryCoordinator()}
}

// newSweeper builds a Sweeper on the fixture; zero fields of opts take
// tiergate's defaults, as bot applies them.
func (f *sweepFixture) newSweeper(enqueue func(context.Context, []queue.Job) error, opts Options) *Sweeper {
	if opts.RequestBudget == 0 {
		opts.RequestBudget = DefaultRequestBudget
	}
	if opts.RedeliveryWindow == 0 {
		opts.RedeliveryWindow = DefaultRedeliveryWindow
	}
	if opts.StuckAfter == 0 {
		opts.StuckAfter = DefaultStuckAfter
	}
	if opts.RateLimitFloor == 0 {
		opts.RateLimitFloor = DefaultRateLimitFloor
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.AppID, opts.CheckName, opts.Metrics = f.fake.AppID, "tiergate", NewMetrics()
	return New(f.clients, f.coord, enqueue, opts)
}

func (f *sweepFixture) enqueue(_ context.Context, jobs []queue.Job) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queued = append(f.queued, jobs...)
	return nil
}

// takeQueued returns the keys queued since the last call, in order.
func (f *sweepFixture) takeQueued() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var keys []string
	for _, j := range f.queued {
		keys = append(keys, j.Key())
	}
	f.queued = nil
	return keys
}

func (f *sweepFixture) run(t *testing.T, opts Options) Report {
	t.Helper()
	rep, err := f.newSweeper(f.enqueue, opts).Run(context.Background())
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	return rep
}

func sha(n int) string { return fmt.Sprintf("%040d", n) }

func TestSweepQueuesPullRequestsWithoutACurrentCheck(t *testing.T) {
	const current = "cfg1:org:repo"
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	seed := func(f *sweepFixture) {
		fake := f.fake
		add := func(n int) {
			fake.AddPullRequest(fakeorg.Owner, fakeorg.Repo, githubtest.PullRequest{Number: n, HeadSHA: sha(n)})
		}
		check := func(n int, run githubtest.CheckRun) {
			run.HeadSHA = sha(n)
			if run.Name == "" {
				run.Name = "tiergate"
			}
			fake.AddCheckRun(fakeorg.Owner, fakeorg.Repo, run)
		}
		done := githubtest.CheckRun{Status: "completed", Conclusion: "success", ExternalID: current}
		fake.SetTime(now.Add(-time.Hour))
		add(1) // no check run at all
		add(2)
		check(2, done) // current
		add(3)
		check(3, githubtest.CheckRun{Status: "completed", Conclusion: "success", ExternalID: "cfg1:org:old"})
		add(4)
		check(4, githubtest.CheckRun{Status: "in_progress"}) // started an hour ago: crashed
		add(5)
		fake.SetTime(now.Add(-time.Minute))
		check(5, githubtest.CheckRun{Status: "in_progress"}) // being evaluated now
		add(6)
		check(6, githubtest.CheckRun{AppID: 99, Status: "completed", Conclusion: "success", ExternalID: current}) // another App's
		add(7)
		check(7, githubtest.CheckRun{Name: "ci", Status: "completed", Conclusion: "success"})
		add(8)
		check(8, done)
		fake.SetHead(fakeorg.Owner, fakeorg.Repo, 8, sha(80)) // pushed since: the new head has nothing
		add(9)
		fake.SetState(fakeorg.Owner, fakeorg.Repo, 9, "closed", false)
		add(10)
		check(10, githubtest.CheckRun{Status: "completed", Conclusion: "failure"}) // before fingerprints existed
		// Verdicts waiting for required checks, started an hour ago.
		fake.SetTime(now.Add(-time.Hour))
		add(11)
		check(11, githubtest.CheckRun{Status: "in_progress", ExternalID: fmt.Sprintf("%s@%d", current, now.Add(time.Hour).Unix())}) // until later
		add(12)
		check(12, githubtest.CheckRun{Status: "in_progress", ExternalID: fmt.Sprintf("%s@%d", current, now.Add(-20*time.Minute).Unix())}) // lost
	}
	fingerprint := func(context.Context, *github.Client, string, string, string) (string, error) { return current, nil }
	tests := []struct {
		name        string
		fingerprint func(context.Context, *github.Client, string, string, string) (string, error)
		want        []int
		wantReport  Report
	}{
		{
			name:        "with fingerprints",
			fingerprint: fingerprint,
			want:        []int{1, 3, 4, 6, 7, 8, 10, 12},
			wantReport:  Report{Missing: 4, Stuck: 2, Stale: 2},
		},
		{
			name:       "without fingerprints",
			want:       []int{1, 4, 6, 7, 8, 12},
			wantReport: Report{Missing: 4, Stuck: 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newSweepFixture(t)
			seed(f)
			rep := f.run(t, Options{SkipRedelivery: true, CurrentFingerprint: tt.fingerprint, Now: func() time.Time { return now }})
			var want []string
			for _, n := range tt.want {
				want = append(want, fakeorg.Job(n).Key())
			}
			if diff := cmp.Diff(want, f.takeQueued()); diff != "" {
				t.Errorf("queued (-want +got):\n%s", diff)
			}
			tt.wantReport.Ran, tt.wantReport.Installations, tt.wantReport.Repos = true, 1, 2
			tt.wantReport.PullRequests = 11
			tt.wantReport.Queued = len(tt.want)
			rep.Requests = 0
			if diff := cmp.Diff(tt.wantReport, rep); diff != "" {
				t.Errorf("Run() report (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSweepJob(t *testing.T) {
	f := newSweepFixture(t)
	f.fake.AddPullRequest(fakeorg.Owner, fakeorg.Repo, githubtest.PullRequest{Number: 4, HeadSHA: fakeorg.Head})
	f.run(t, Options{SkipRedelivery: true})
	want := []queue.Job{{InstallationID: fakeorg.Installation, Owner: fakeorg.Owner, Repo: fakeorg.Repo, Number: 4, HeadSHA: fakeorg.Head, Event: "sweep"}}
	if diff := cmp.Diff(want, f.queued); diff != "" {
		t.Errorf("queued jobs (-want +got):\n%s", diff)
	}
}

// seedRepos gives installation 8 (account "big") repos a, b and c with
// prs open pull requests each and no check runs.
func seedRepos(fake *githubtest.Server, prs int) {
	for _, r := range []string{"c", "a", "b"} {
		fake.AddRepo("big", r, "main")
		for n := 1; n <= prs; n++ {
			fake.AddPullRequest("big", r, githubtest.PullRequest{Number: n, HeadSHA: sha(n)})
		}
	}
	fake.AddInstallation(8, "big", "c", "a", "b")
}

func TestSweepBudgetStopsAndNextSweepResumes(t *testing.T) {
	f := newSweepFixture(t)
	seedRepos(f.fake, 10)
	// Per installation: 1 request lists the repositories, 1 a repository's
	// pull requests, 1 each pull request's check runs. 7 reach 5 pull
	// requests; installation 7 (acme) has none and needs 3.
	opts := Options{SkipRedelivery: true, RequestBudget: 7}
	var all []string
	var reports []Report
	for i := 0; i < 10; i++ {
		rep := f.run(t, opts)
		reports = append(reports, rep)
		all = append(all, f.takeQueued()...)
		if !rep.BudgetExhausted {
			break
		}
		if diff := cmp.Diff([]int64{8}, rep.Incomplete); diff != "" {
			t.Fatalf("sweep %d: Incomplete (-want +got):\n%s", i+1, diff)
		}
	}
	if len(reports) != 6 {
		t.Errorf("took %d sweeps, want 6 (5 pull requests each)", len(reports))
	}
	var want []string
	for _, r := range []string{"a", "b", "c"} {
		for n := 1; n <= 10; n++ { // oldest first
			want = append(want, fmt.Sprintf("big/%s#%d", r, n))
		}
	}
	if diff := cmp.Diff(want, all); diff != "" {
		t.Errorf("queued over all sweeps (-want +got):\n%s", diff)
	}
	for i, rep := range reports {
		if rep.Queued != 5 || rep.Requests > 3*opts.RequestBudget {
			t.Errorf("sweep %d: queued %d with %d requests, want 5 within the budget", i+1, rep.Queued, rep.Requests)
		}
	}
	if c, _ := f.coord.Cursor(context.Background(), sweepCursorName(8)); c != "" {
		t.Errorf("cursor after a full walk = %q, want reset", c)
	}
	// A new walk starts from the top.
	f.run(t, opts)
	if got := f.takeQueued(); len(got) != 5 || got[0] != "big/a#1" {
		t.Errorf("next walk queued %v, want big/a#1..5", got)
	}
}

func TestSweepStopsWhenRateLimitIsLow(t *testing.T) {
	f := newSweepFixture(t)
	seedRepos(f.fake, 2)
	// The fake starts at 5000 of 5000 and counts down: any floor above
	// 4999/5000 is crossed by the first response.
	rep := f.run(t, Options{SkipRedelivery: true, RateLimitFloor: 0.9999})
	if !rep.RateLimited || rep.Queued != 0 || !slices.Equal(rep.Incomplete, []int64{7, 8}) {
		t.Errorf("Run() = %+v, want rate limited, nothing queued, installations 7 and 8 incomplete", rep)
	}
	if got := fakeorg.RequestsMatching(f.fake, "GET /repos/{owner}/{repo}/pulls"); got != 0 {
		t.Errorf("listed pull requests %d times after the floor was crossed, want 0", got)
	}
}

func TestSweepRunsOnOneReplicaAtATime(t *testing.T) {
	f := newSweepFixture(t)
	f.fake.AddPullRequest(fakeorg.Owner, fakeorg.Repo, githubtest.PullRequest{Number: 1, HeadSHA: fakeorg.Head})
	entered, release := make(chan struct{}), make(chan struct{})
	blocking := func(ctx context.Context, jobs []queue.Job) error {
		close(entered)
		<-release
		return nil
	}
	opts := Options{SkipRedelivery: true}
	first := make(chan Report)
	go func() {
		rep, _ := f.newSweeper(blocking, opts).Run(context.Background())
		first <- rep
	}()
	<-entered
	rep, err := f.newSweeper(f.enqueue, opts).Run(context.Background())
	close(release)
	if err != nil || rep.Ran {
		t.Errorf("second Run() = %+v, %v; want not ran", rep, err)
	}
	if rep := <-first; !rep.Ran || rep.Queued != 1 {
		t.Errorf("first Run() = %+v, want ran and 1 queued", rep)
	}
	if got := f.takeQueued(); len(got) != 0 {
		t.Errorf("second Run() queued %v, want nothing", got)
	}
}

func TestSweepCursorParse(t *testing.T) {
	tests := []struct {
		in   string
		want sweepCursor
	}{
		{"", sweepCursor{}},
		{"acme/widgets 3 17", sweepCursor{repo: "acme/widgets", page: 3, index: 17}},
		{"acme/widgets 0 1", sweepCursor{}},
		{"acme/widgets x 1", sweepCursor{}},
		{"garbage", sweepCursor{}},
	}
	for _, tt := range tests {
		got := parseSweepCursor(tt.in)
		if got != tt.want {
			t.Errorf("parseSweepCursor(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if tt.want.repo != "" && got.String() != tt.in {
			t.Errorf("parseSweepCursor(%q).String() = %q", tt.in, got.String())
		}
	}
}
