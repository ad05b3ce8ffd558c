package queue

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/rs/zerolog"

	"github.com/tiergate/tiergate/bot/internal/poll"
	"github.com/tiergate/tiergate/bot/internal/stuck"
	"github.com/tiergate/tiergate/bot/internal/testlog"
	"github.com/tiergate/tiergate/bot/pgstore"
	"github.com/tiergate/tiergate/bot/pgstore/pgtest"
)

// pgReplica is one replica's queue on a shared database.
type pgReplica struct {
	q      *Postgres
	store  *pgstore.Store
	cancel context.CancelFunc
	logs   *testlog.Buffer
}

// startPGReplicas starts n queues on one fresh database, each with its own
// connection pool, all running jobs through ev.
func startPGReplicas(t *testing.T, n int, ev *fakeExecutor, opts Options) []*pgReplica {
	t.Helper()
	if opts.Poll == 0 {
		opts.Poll = 100 * time.Millisecond
	}
	url := pgtest.URL(t)
	var out []*pgReplica
	for range n {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		store, err := pgstore.Open(ctx, url, pgstore.Options{})
		cancel()
		if err != nil {
			t.Fatalf("pgstore.Open: %v", err)
		}
		logs := &testlog.Buffer{}
		q := NewPostgres(store, 29310, testOptions(opts), ev, NewMetrics(), zerolog.New(logs))
		qctx, qcancel := context.WithCancel(context.Background())
		q.Start(qctx)
		r := &pgReplica{q: q, store: store, cancel: qcancel, logs: logs}
		t.Cleanup(func() { r.stop(); store.Close() })
		out = append(out, r)
	}
	return out
}

func (r *pgReplica) stop() {
	r.cancel()
	r.q.Wait()
}

func pgWaitIdle(t *testing.T, q *Postgres) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := q.WaitIdle(ctx); err != nil {
		t.Fatalf("waitIdle: %v", err)
	}
}

func submitJobs(t *testing.T, q *Postgres, delivery string, jobs ...Job) bool {
	t.Helper()
	dup, err := q.Submit(context.Background(), delivery, jobs)
	if err != nil {
		t.Fatalf("submit(%s): %v", delivery, err)
	}
	return dup
}

func TestPGQueueBurstOverReplicas(t *testing.T) {
	ev := &fakeExecutor{evaluate: func(ctx context.Context, j Job) error {
		time.Sleep(5 * time.Millisecond)
		return nil
	}}
	// The debounce window outlasts the burst even under the race detector.
	rs := startPGReplicas(t, 3, ev, Options{Workers: 4, Debounce: 3 * time.Second})
	// 20 events for each of 5 pull requests, spread over the replicas, as a
	// load balancer would.
	for i := range 20 {
		for pr := 1; pr <= 5; pr++ {
			r := rs[(i+pr)%len(rs)]
			if dup := submitJobs(t, r.q, fmt.Sprintf("d-%d-%d", pr, i), prJob(pr, fmt.Sprintf("sha-%02d", i))); dup {
				t.Fatalf("fresh delivery reported as duplicate")
			}
		}
	}
	// A redelivery through another replica is recognised.
	if dup := submitJobs(t, rs[2].q, "d-1-0", prJob(1, "sha-00")); !dup {
		t.Errorf("redelivered d-1-0 through another replica: duplicate = false, want true")
	}
	for _, r := range rs {
		pgWaitIdle(t, r.q)
	}
	got, _, _, _ := ev.calls()
	perPR := map[int][]string{}
	for _, j := range got {
		perPR[j.Number] = append(perPR[j.Number], j.HeadSHA)
	}
	for pr := 1; pr <= 5; pr++ {
		heads := perPR[pr]
		if len(heads) < 1 || len(heads) > 2 {
			t.Errorf("PR %d evaluated %d times (%v), want 1 or 2", pr, len(heads), heads)
		} else if heads[len(heads)-1] != "sha-19" {
			t.Errorf("PR %d last evaluated head = %s, want sha-19", pr, heads[len(heads)-1])
		}
	}
	if n := ev.Overlaps.Load(); n != 0 {
		t.Errorf("concurrent evaluations of one PR across replicas = %d, want 0", n)
	}
}

func TestPGQueueGuardRefusesAStaleWrite(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	var wrote atomic.Int32
	var calls atomic.Int32
	var mu sync.Mutex
	var guardErrs []error
	ev := &fakeExecutor{}
	ev.evaluate = func(ctx context.Context, j Job) error {
		if calls.Add(1) == 1 {
			close(started)
			<-release
		}
		return nil
	}
	// The attempt checks its guard the way the real evaluator does before
	// writing.
	ev.onWrite = func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if err == nil {
			wrote.Add(1)
		} else {
			guardErrs = append(guardErrs, err)
		}
	}
	rs := startPGReplicas(t, 2, ev, Options{Workers: 2})
	submitJobs(t, rs[0].q, "d-1", prJob(4, "old"))
	<-started
	// A newer event arrives through the other replica while the first
	// evaluation is still computing.
	submitJobs(t, rs[1].q, "d-2", prJob(4, "new"))
	close(release)
	for _, r := range rs {
		pgWaitIdle(t, r.q)
	}
	got, _, _, _ := ev.calls()
	if len(got) != 2 || got[1].HeadSHA != "new" {
		t.Fatalf("evaluations = %+v, want old then new", got)
	}
	if wrote.Load() != 1 || len(guardErrs) != 1 || !errors.Is(guardErrs[0], ErrSuperseded) {
		t.Errorf("writes = %d, refused = %v; want 1 write (new) and the stale one refused as superseded", wrote.Load(), guardErrs)
	}
}

func TestPGQueueDeadReplicaLosesItsWork(t *testing.T) {
	ev := &fakeExecutor{}
	rs := startPGReplicas(t, 1, ev, Options{Workers: 1, Lease: 2 * time.Second})
	// A replica that claimed the work and died: its lease is never renewed.
	rs[0].stop()
	ctx := context.Background()
	dead := rs[0].store
	if _, err := dead.Submit(ctx, 29310, "d-1", []pgstore.Item{toItem(prJob(9, "abc"))}, 0); err != nil {
		t.Fatal(err)
	}
	c, err := dead.Claim(ctx, "dead-replica", 2*time.Second, 0)
	if err != nil || c == nil {
		t.Fatalf("Claim = %v, %v", c, err)
	}
	// A live replica on the same database takes it once the lease expires.
	q := NewPostgres(dead, 29310, testOptions(Options{Workers: 1, Lease: 2 * time.Second, Poll: 100 * time.Millisecond}), ev, NewMetrics(), zerolog.Nop())
	qctx, cancel := context.WithCancel(ctx)
	defer func() { cancel(); q.Wait() }()
	q.Start(qctx)
	pgWaitIdle(t, q)
	got, _, _, _ := ev.calls()
	if len(got) != 1 || got[0].HeadSHA != "abc" {
		t.Fatalf("evaluations = %+v, want the dead replica's job run once", got)
	}
	// The dead replica's late write would be refused.
	if err := dead.Current(ctx, c, 0); err == nil {
		t.Errorf("dead replica's claim still current after takeover")
	}
}

func TestPGQueueRateLimitWaitsForResetWithoutSpendingAttempts(t *testing.T) {
	var reset time.Time // set by the first attempt
	var calls atomic.Int32
	ev := &fakeExecutor{evaluate: func(ctx context.Context, j Job) error {
		if calls.Add(1) == 1 {
			reset = time.Now().Add(1500 * time.Millisecond)
		}
		if time.Now().Before(reset) {
			req, _ := http.NewRequest(http.MethodGet, "https://api.github.com/repos/o/r/pulls/3", nil)
			return &github.RateLimitError{Rate: github.Rate{Limit: 5000, Remaining: 0, Reset: github.Timestamp{Time: reset}},
				Response: &http.Response{StatusCode: http.StatusForbidden, Request: req}, Message: "API rate limit exceeded"}
		}
		return nil
	}}
	// One fast attempt only: if the rate limit spent attempts, the job
	// would be given up and reported.
	rs := startPGReplicas(t, 1, ev, Options{Workers: 1, Backoff: []time.Duration{}, Slow: time.Hour, Horizon: time.Millisecond})
	submitJobs(t, rs[0].q, "d-1", prJob(3, "abc"))
	pgWaitIdle(t, rs[0].q)
	got, rep, _, _ := ev.calls()
	if len(rep) != 0 {
		t.Errorf("failure reports = %+v, want none: a rate limit is not a failure", rep)
	}
	if len(got) != 2 {
		t.Errorf("attempts = %d, want 2 (refused, then after the reset)", len(got))
	}
	if time.Now().Before(reset) {
		t.Errorf("finished before the reset")
	}
}

func TestPGQueueRetriesThenReports(t *testing.T) {
	ev := &fakeExecutor{evaluate: func(ctx context.Context, j Job) error { return errors.New("github: 502 bad gateway") }}
	rs := startPGReplicas(t, 2, ev, Options{Workers: 1, Backoff: []time.Duration{10 * time.Millisecond, 10 * time.Millisecond},
		Slow: 20 * time.Millisecond, Horizon: 50 * time.Millisecond})
	submitJobs(t, rs[0].q, "d-1", prJob(5, "abc"))
	for _, r := range rs {
		pgWaitIdle(t, r.q)
	}
	got, rep, _, _ := ev.calls()
	// 3 fast attempts, then 2 slow ones (50ms / 20ms), each slow attempt
	// preceded by a report; and a report when the fast ones ran out and
	// at the end.
	if len(got) != 5 {
		t.Errorf("attempts = %d, want 5", len(got))
	}
	if len(rep) < 3 {
		t.Errorf("failure reports = %d, want at least 3 (after the fast attempts, before each slow one)", len(rep))
	}
	if n := ev.Overlaps.Load(); n != 0 {
		t.Errorf("report raced an evaluation %d times", n)
	}
}

// TestPGQueueFairShare: the fair-share scenario against the PostgreSQL
// queue: eight blocked pull requests of installation 1 hold two of a
// replica's four workers; a victim of installation 2 submitted after them
// is evaluated while they are still blocked.
func TestPGQueueFairShare(t *testing.T) {
	st := stuck.New(1)
	ev := &fakeExecutor{evaluate: func(ctx context.Context, j Job) error { return st.Evaluate(ctx, j.InstallationID, j.Key()) }}
	rs := startPGReplicas(t, 1, ev, Options{Workers: 4, Poll: 20 * time.Millisecond})
	q := rs[0].q
	ctx := context.Background()
	var jobs []Job
	for n := 1; n <= 8; n++ {
		jobs = append(jobs, prJob(n, fmt.Sprintf("sha%d", n)))
	}
	if _, err := q.Submit(ctx, "d-stuck", jobs); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, 10*time.Second, "installation 1 to take its share of the workers", func() bool { return len(st.Started()) >= 2 })
	victim := Job{InstallationID: 2, Owner: "other", Repo: "victim", Number: 1, HeadSHA: "v", DeliveryID: "d-victim"}
	if _, err := q.Submit(ctx, "d-victim", []Job{victim}); err != nil {
		t.Fatal(err)
	}
	select {
	case fin := <-st.VictimDone():
		if len(fin) != 0 {
			t.Errorf("installation 1 finished %v before the victim ran, want nothing", fin)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("the victim was never evaluated while installation 1 was stuck (started: %v)", st.Started())
	}
	if got := st.Started(); len(got) != 2 {
		t.Errorf("installation 1 started %d evaluations before release, want its share of 2: %v", len(got), got)
	}
	st.Release()
	pgWaitIdle(t, q)
	if evaluated, _, _, _ := ev.calls(); len(evaluated) != 9 {
		t.Errorf("%d evaluations, want 9 (each pull request once)", len(evaluated))
	}
	if peak := st.Peak(); peak != 2 {
		t.Errorf("installation 1 ran %d evaluations at once, want its share of 2", peak)
	}
}
