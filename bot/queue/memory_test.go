package queue

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"

	"github.com/tiergate/tiergate/bot/internal/testlog"
)

func startQueue(t *testing.T, ev *fakeExecutor, opts Options) (*Memory, *testlog.Buffer) {
	t.Helper()
	logs := &testlog.Buffer{}
	q := NewMemory(testOptions(opts), ev, NewMetrics(), zerolog.New(logs))
	ctx, cancel := context.WithCancel(context.Background())
	q.Start(ctx)
	t.Cleanup(func() { cancel(); q.Wait() })
	return q, logs
}

func waitIdle(t *testing.T, q *Memory) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := q.WaitIdle(ctx); err != nil {
		t.Fatalf("waitIdle: %v", err)
	}
}

// jobWork wraps j as the memory queue holds it.
func jobWork(_ context.Context, j Job) *work { return &work{key: j.Key(), job: j} }

func prJob(n int, sha string) Job {
	return Job{InstallationID: 1, Owner: "o", Repo: "r", Number: n, HeadSHA: sha, DeliveryID: "d-" + sha}
}

func TestCoalesce(t *testing.T) {
	tests := []struct {
		name      string
		old, newr Job
		want      Job
	}{
		{name: "newest head wins", old: prJob(1, "a"), newr: prJob(1, "b"), want: prJob(1, "b")},
		{name: "empty head keeps the known one",
			old: prJob(1, "a"), newr: Job{InstallationID: 1, Owner: "o", Repo: "r", Number: 1, DeliveryID: "d-x"},
			want: Job{InstallationID: 1, Owner: "o", Repo: "r", Number: 1, HeadSHA: "a", DeliveryID: "d-x"}},
		{name: "recheck merged into normal event needs no permission",
			old: prJob(1, "a"), newr: Job{Owner: "o", Repo: "r", Number: 1, RequireWriteFrom: "mallory"},
			want: Job{Owner: "o", Repo: "r", Number: 1, HeadSHA: "a"}},
		{name: "normal event merged into recheck needs no permission",
			old: Job{Owner: "o", Repo: "r", Number: 1, RequireWriteFrom: "mallory"}, newr: prJob(1, "b"), want: prJob(1, "b")},
		{name: "two rechecks keep the newest commenter",
			old:  Job{Owner: "o", Repo: "r", Number: 1, RequireWriteFrom: "alice"},
			newr: Job{Owner: "o", Repo: "r", Number: 1, RequireWriteFrom: "bob"},
			want: Job{Owner: "o", Repo: "r", Number: 1, RequireWriteFrom: "bob"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			old := jobWork(context.Background(), tc.old)
			old.Attempts = 2
			got := coalesce(old, jobWork(context.Background(), tc.newr))
			if diff := gocmp.Diff(tc.want, got.job); diff != "" {
				t.Errorf("coalesce(...).job (-want +got):\n%s", diff)
			}
			if got.Attempts != 0 {
				t.Errorf("coalesce(...).Attempts = %d, want 0", got.Attempts)
			}
		})
	}
}

func TestQueueBurstForOnePRRunsAtMostTwice(t *testing.T) {
	release := make(chan struct{})
	var started atomic.Int32
	ev := &fakeExecutor{evaluate: func(ctx context.Context, j Job) error {
		if started.Add(1) == 1 {
			<-release
		}
		return nil
	}}
	q, _ := startQueue(t, ev, Options{Workers: 4})
	for i := range 20 {
		if err := q.enqueue(jobWork(context.Background(), prJob(7, fmt.Sprintf("sha-%02d", i)))); err != nil {
			t.Fatalf("enqueue %d: %v", i, err)
		}
	}
	close(release)
	waitIdle(t, q)
	got, _, _, _ := ev.calls()
	if len(got) < 1 || len(got) > 2 {
		t.Fatalf("evaluations = %d, want 1 or 2", len(got))
	}
	if last := got[len(got)-1].HeadSHA; last != "sha-19" {
		t.Errorf("last evaluated head = %q, want sha-19", last)
	}
	if n := ev.Overlaps.Load(); n != 0 {
		t.Errorf("concurrent evaluations of one PR = %d, want 0", n)
	}
}

func TestQueueNeverRunsOnePRConcurrently(t *testing.T) {
	ev := &fakeExecutor{evaluate: func(ctx context.Context, j Job) error {
		time.Sleep(time.Millisecond)
		return nil
	}}
	q, _ := startQueue(t, ev, Options{Workers: 8})
	for i := range 200 {
		// Three PRs, events interleaved, while workers are free to run them.
		if err := q.enqueue(jobWork(context.Background(), prJob(i%3, fmt.Sprint(i)))); err != nil {
			t.Fatal(err)
		}
		if i%10 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	waitIdle(t, q)
	got, _, _, _ := ev.calls()
	if len(got) == 0 {
		t.Fatal("no evaluations ran")
	}
	if n := ev.Overlaps.Load(); n != 0 {
		t.Errorf("concurrent evaluations of one PR = %d, want 0", n)
	}
	last := map[int]string{}
	for _, j := range got {
		last[j.Number] = j.HeadSHA
	}
	if diff := gocmp.Diff(map[int]string{0: "198", 1: "199", 2: "197"}, last); diff != "" {
		t.Errorf("last evaluated head per PR (-want +got):\n%s", diff)
	}
}

func TestQueueRetriesThenReportsFailure(t *testing.T) {
	ev := &fakeExecutor{evaluate: func(ctx context.Context, j Job) error {
		return errors.New("github: 502 bad gateway")
	}}
	// A horizon shorter than one slow retry: give up after the fast attempts.
	q, logs := startQueue(t, ev, Options{Workers: 2, Backoff: []time.Duration{time.Millisecond, 2 * time.Millisecond, 3 * time.Millisecond},
		Slow: time.Hour, Horizon: time.Millisecond})
	if err := q.enqueue(jobWork(context.Background(), prJob(5, "abc"))); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, q)
	got, rep, _, _ := ev.calls()
	if len(got) != 4 {
		t.Errorf("attempts = %d, want 4", len(got))
	}
	want := []reported{{Job: prJob(5, "abc"), Cause: "github: 502 bad gateway"}}
	if diff := gocmp.Diff(want, rep); diff != "" {
		t.Errorf("ReportFailure calls (-want +got):\n%s", diff)
	}
	for _, line := range []string{"failed (attempt 1 of 4); will retry", "failed (attempt 3 of 4); will retry",
		"gave up on evaluation of o/r#5 after 4 attempts", `"repo":"o/r"`, `"pr":5`, `"delivery_id":"d-abc"`} {
		if !strings.Contains(logs.String(), line) {
			t.Errorf("logs lack %q:\n%s", line, logs)
		}
	}
	if n := testutil.ToFloat64(q.metrics.Evaluations.WithLabelValues("error")); n != 4 {
		t.Errorf("evaluations{outcome=error} = %v, want 4", n)
	}
	if n := ev.Overlaps.Load(); n != 0 {
		t.Errorf("report raced an evaluation %d times", n)
	}
}

func TestQueueRetrySucceeds(t *testing.T) {
	var calls atomic.Int32
	ev := &fakeExecutor{evaluate: func(ctx context.Context, j Job) error {
		if calls.Add(1) == 1 {
			return errors.New("timeout")
		}
		return nil
	}}
	q, _ := startQueue(t, ev, Options{Workers: 1, Backoff: []time.Duration{time.Millisecond}})
	if err := q.enqueue(jobWork(context.Background(), prJob(5, "abc"))); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, q)
	got, rep, _, _ := ev.calls()
	if len(got) != 2 || len(rep) != 0 {
		t.Errorf("attempts = %d, reports = %d; want 2, 0", len(got), len(rep))
	}
	if n := testutil.ToFloat64(q.metrics.Evaluations.WithLabelValues("ok")); n != 1 {
		t.Errorf("evaluations{outcome=ok} = %v, want 1", n)
	}
}

func TestQueueNewEventSkipsBackoff(t *testing.T) {
	var calls atomic.Int32
	ev := &fakeExecutor{evaluate: func(ctx context.Context, j Job) error {
		if calls.Add(1) == 1 {
			return errors.New("timeout")
		}
		return nil
	}}
	q, _ := startQueue(t, ev, Options{Workers: 1, Backoff: []time.Duration{time.Hour}})
	if err := q.enqueue(jobWork(context.Background(), prJob(5, "old"))); err != nil {
		t.Fatal(err)
	}
	// Wait for the failure to park the job behind its hour-long backoff.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := q.waitFor(ctx, func() bool { e := q.entries["o/r#5"]; return e != nil && e.state == stateRetry }); err != nil {
		t.Fatalf("job never waited to retry: %v", err)
	}
	if err := q.enqueue(jobWork(context.Background(), prJob(5, "new"))); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, q)
	got, _, _, _ := ev.calls()
	if len(got) != 2 || got[1].HeadSHA != "new" {
		t.Errorf("evaluations = %+v, want a second one of head new", got)
	}
}

func TestQueuePanicIsAFailure(t *testing.T) {
	ev := &fakeExecutor{evaluate: func(ctx context.Context, j Job) error { panic("nil map") }}
	q, logs := startQueue(t, ev, Options{Workers: 1, Backoff: []time.Duration{}, Slow: time.Hour, Horizon: time.Millisecond})
	if err := q.enqueue(jobWork(context.Background(), prJob(1, "a"))); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, q)
	_, rep, _, _ := ev.calls()
	if len(rep) != 1 || !strings.Contains(rep[0].Cause, "panic") {
		t.Errorf("ReportFailure calls = %+v, want one naming the panic", rep)
	}
	if !strings.Contains(logs.String(), "panic: nil map") {
		t.Errorf("logs lack the panic:\n%s", logs)
	}
}

func TestQueueFull(t *testing.T) {
	release := make(chan struct{})
	ev := &fakeExecutor{evaluate: func(ctx context.Context, j Job) error { <-release; return nil }}
	q, _ := startQueue(t, ev, Options{Workers: 1, MaxKeys: 2})
	defer close(release)
	for _, j := range []Job{prJob(1, "a"), prJob(2, "a"), prJob(1, "b")} {
		if err := q.enqueue(jobWork(context.Background(), j)); err != nil {
			t.Fatalf("enqueue(%s) = %v, want nil (room, or merges into a waiting key)", j.Key(), err)
		}
	}
	if err := q.enqueue(jobWork(context.Background(), prJob(3, "a"))); !errors.Is(err, ErrFull) {
		t.Errorf("enqueue of a third key = %v, want ErrFull", err)
	}
}

// A task retries like an evaluation (fast, then slow up to the horizon),
// without a failure report: it has no check run of its own.
func TestQueueTaskRetriesToTheHorizon(t *testing.T) {
	ev := &fakeExecutor{failMergeGroup: errors.New("github: 500")}
	// 2 fast attempts, then 20ms apart for 50ms: 2 slow ones.
	q, logs := startQueue(t, ev, Options{Workers: 1, Backoff: []time.Duration{time.Millisecond},
		Slow: 20 * time.Millisecond, Horizon: 50 * time.Millisecond})
	mg := Job{Kind: KindMergeGroup, InstallationID: 7, Owner: "o", Repo: "r", HeadSHA: "abc", DeliveryID: "d-9"}
	if err := q.enqueue(jobWork(context.Background(), mg)); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, q)
	_, rep, _, groups := ev.calls()
	if len(groups) != 4 || len(rep) != 0 {
		t.Errorf("CompleteMergeGroup calls = %d, reports = %d; want 4, 0", len(groups), len(rep))
	}
	if !strings.Contains(logs.String(), "gave up on task merge_group:o/r@abc after 4 attempts") {
		t.Errorf("logs lack the give-up line:\n%s", logs)
	}
}

// A sweep only makes sure work is queued: it neither skips a failing
// job's backoff nor restarts its attempts.
func TestQueueSweepLeavesRetryingWorkAlone(t *testing.T) {
	ev := &fakeExecutor{evaluate: func(ctx context.Context, j Job) error { return errors.New("timeout") }}
	q, _ := startQueue(t, ev, Options{Workers: 1, Backoff: []time.Duration{time.Hour}})
	if err := q.enqueue(jobWork(context.Background(), prJob(5, "a"))); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := q.waitFor(ctx, func() bool { e := q.entries["o/r#5"]; return e != nil && e.state == stateRetry }); err != nil {
		t.Fatalf("job never waited to retry: %v", err)
	}
	swept := prJob(5, "a")
	swept.Event = EventSweep
	if err := q.enqueue(jobWork(context.Background(), swept)); err != nil {
		t.Fatal(err)
	}
	q.mu.Lock()
	e := q.entries["o/r#5"]
	state, attempts := e.state, e.next.Attempts
	q.mu.Unlock()
	if state != stateRetry || attempts != 1 {
		t.Errorf("after a sweep: state %v with %d attempts, want still waiting to retry with 1", state, attempts)
	}
	if got, _, _, _ := ev.calls(); len(got) != 1 {
		t.Errorf("evaluations = %d, want 1 (the sweep did not run it again)", len(got))
	}
}
