package queue

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// TestQueueUnrecordedNeverReportsFailure: a verdict GitHub holds but the
// ledger could not record is retried until it is recorded, past the fast
// attempts, without ever being replaced by a "could not evaluate" report;
// any other error is reported once the fast attempts are spent.
func TestQueueUnrecordedNeverReportsFailure(t *testing.T) {
	tests := []struct {
		name        string
		err         error
		wantReports bool
	}{
		{"ledger could not record", fmt.Errorf("%w: database unavailable", ErrUnrecorded), false},
		{"GitHub failed", errors.New("github: 502 bad gateway"), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const failures = 7 // more than the 4 fast attempts
			var calls atomic.Int32
			ev := &fakeExecutor{evaluate: func(ctx context.Context, j Job) error {
				if calls.Add(1) <= failures {
					return tc.err
				}
				return nil
			}}
			q, _ := startQueue(t, ev, Options{Workers: 1, Backoff: []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond},
				Slow: time.Millisecond, Horizon: time.Hour})
			if err := q.enqueue(jobWork(context.Background(), prJob(5, "abc"))); err != nil {
				t.Fatal(err)
			}
			waitIdle(t, q)
			got, rep, _, _ := ev.calls()
			if len(got) != failures+1 {
				t.Errorf("attempts = %d, want %d: retried until it succeeds", len(got), failures+1)
			}
			if (len(rep) > 0) != tc.wantReports {
				t.Errorf("ReportFailure calls = %+v, want some: %t", rep, tc.wantReports)
			}
		})
	}
}
