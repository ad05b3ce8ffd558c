package queue

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestQueueDebounce(t *testing.T) {
	t.Run("a burst within the window is one evaluation of the newest head", func(t *testing.T) {
		ev := &fakeExecutor{}
		q, _ := startQueue(t, ev, Options{Workers: 4, Debounce: 200 * time.Millisecond})
		for i := range 20 {
			if err := q.enqueue(jobWork(context.Background(), prJob(7, fmt.Sprintf("sha-%02d", i)))); err != nil {
				t.Fatalf("enqueue %d: %v", i, err)
			}
		}
		waitIdle(t, q)
		got, _, _, _ := ev.calls()
		if len(got) != 1 || got[0].HeadSHA != "sha-19" {
			t.Fatalf("evaluations = %+v, want exactly one of sha-19", got)
		}
	})
	t.Run("different pull requests settle independently", func(t *testing.T) {
		ev := &fakeExecutor{}
		q, _ := startQueue(t, ev, Options{Workers: 2, Debounce: 50 * time.Millisecond})
		for n := 1; n <= 3; n++ {
			if err := q.enqueue(jobWork(context.Background(), prJob(n, "sha"))); err != nil {
				t.Fatal(err)
			}
		}
		waitIdle(t, q)
		if got, _, _, _ := ev.calls(); len(got) != 3 {
			t.Fatalf("evaluations = %d, want 3", len(got))
		}
	})
	t.Run("shutdown runs settling work instead of dropping it", func(t *testing.T) {
		ev := &fakeExecutor{}
		q, _ := startQueue(t, ev, Options{Workers: 1, Debounce: time.Hour})
		if err := q.enqueue(jobWork(context.Background(), prJob(9, "sha"))); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := q.Drain(ctx); err != nil {
			t.Fatalf("drain: %v", err)
		}
		if got, _, _, _ := ev.calls(); len(got) != 1 {
			t.Fatalf("evaluations after drain = %d, want the settling job run", len(got))
		}
	})
}
