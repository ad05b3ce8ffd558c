package queue

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// revisitOnce is an evaluation that is not finished the first time (it
// waits for CI checks) and asks to be looked at again after delay.
func revisitOnce(delay time.Duration) (*fakeExecutor, *atomic.Int32) {
	var calls atomic.Int32
	return &fakeExecutor{evaluate: func(ctx context.Context, j Job) error {
		if calls.Add(1) == 1 {
			return &Revisit{At: time.Now().Add(delay), Reason: "waiting for 1 required check"}
		}
		return nil
	}}, &calls
}

// TestQueueRevisit: pending work runs again at its time without an event,
// counts neither as failed nor as queued, and a newer event does not wait.
func TestQueueRevisit(t *testing.T) {
	t.Run("runs again at its time", func(t *testing.T) {
		ev, calls := revisitOnce(300 * time.Millisecond)
		// One fast attempt: had the revisit spent one, the job would be
		// given up and reported.
		q, _ := startQueue(t, ev, Options{Workers: 1, Backoff: []time.Duration{}, Slow: time.Hour, Horizon: time.Millisecond})
		start := time.Now()
		if err := q.enqueue(jobWork(context.Background(), prJob(5, "abc"))); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := q.waitFor(ctx, func() bool { return len(q.entries) == 0 }); err != nil {
			t.Fatalf("the revisit never ran: %v", err)
		}
		got, rep, _, _ := ev.calls()
		if calls.Load() != 2 || len(rep) != 0 || got[1].Event != EventRevisit {
			t.Errorf("attempts = %+v, reports = %v; want 2 attempts, the second a revisit, and no report", got, rep)
		}
		if waited := time.Since(start); waited < 300*time.Millisecond {
			t.Errorf("revisited after %v, want at least 300ms", waited)
		}
		if n := testutil.ToFloat64(q.metrics.Evaluations.WithLabelValues("pending")); n != 1 {
			t.Errorf("evaluations{outcome=pending} = %v, want 1", n)
		}
	})
	t.Run("parked work is idle, and an event skips the wait", func(t *testing.T) {
		ev, calls := revisitOnce(time.Hour)
		q, _ := startQueue(t, ev, Options{Workers: 1})
		if err := q.enqueue(jobWork(context.Background(), prJob(5, "abc"))); err != nil {
			t.Fatal(err)
		}
		waitIdle(t, q) // returns although the key waits an hour
		q.mu.Lock()
		parked, depth := len(q.entries), testutil.ToFloat64(q.metrics.Depth)
		q.mu.Unlock()
		if parked != 1 || depth != 0 || calls.Load() != 1 {
			t.Fatalf("after the first attempt: %d entries, depth %v, %d attempts; want 1 parked, depth 0, 1 attempt", parked, depth, calls.Load())
		}
		if err := q.enqueue(jobWork(context.Background(), prJob(5, "abc"))); err != nil {
			t.Fatal(err)
		}
		waitIdle(t, q)
		if calls.Load() != 2 || len(q.entries) != 0 {
			t.Errorf("after an event: %d attempts, %d entries; want 2, 0", calls.Load(), len(q.entries))
		}
	})
}

func TestPGQueueRevisit(t *testing.T) {
	ev, calls := revisitOnce(1500 * time.Millisecond)
	rs := startPGReplicas(t, 2, ev, Options{Workers: 1, Backoff: []time.Duration{}, Slow: time.Hour, Horizon: time.Millisecond, Poll: 50 * time.Millisecond})
	start := time.Now()
	submitJobs(t, rs[0].q, "d-1", prJob(3, "abc"))
	pgWaitIdle(t, rs[0].q) // parked rows do not count
	if calls.Load() != 1 {
		t.Fatalf("%d attempts before the revisit, want 1", calls.Load())
	}
	deadline := time.Now().Add(20 * time.Second)
	for calls.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	pgWaitIdle(t, rs[1].q)
	got, rep, _, _ := ev.calls()
	if len(got) != 2 || len(rep) != 0 || got[1].Event != EventRevisit {
		t.Fatalf("attempts = %+v, reports = %v; want 2, the second a revisit, no report", got, rep)
	}
	if waited := time.Since(start); waited < 1500*time.Millisecond {
		t.Errorf("revisited after %v, want at least 1.5s", waited)
	}
	depth, _, err := rs[0].store.Stats(context.Background())
	if err != nil || depth != 0 {
		t.Errorf("Stats() depth = %d, %v; want 0 (the work finished)", depth, err)
	}
}
