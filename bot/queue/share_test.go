package queue

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestShares(t *testing.T) {
	s := newShares(2)
	for _, step := range []struct {
		admit int64
		key   string
		want  bool
	}{
		{1, "a", true}, {1, "b", true}, {1, "c", false}, {2, "x", true}, {1, "d", false},
	} {
		if got := s.admit(step.admit, step.key); got != step.want {
			t.Errorf("admit(%d, %q) = %t, want %t", step.admit, step.key, got, step.want)
		}
	}
	for _, want := range []string{"c", "d", ""} {
		got, _ := s.done(1)
		if got != want {
			t.Errorf("done(1) = %q, want %q (held keys in arrival order)", got, want)
		}
	}
	if key, ok := s.done(2); ok {
		t.Errorf("done(2) = %q, want nothing held", key)
	}
}

// stuckInstallation is an evaluation that blocks, until release is
// closed, for one installation's pull requests; any other installation's
// evaluation sends what the stuck one had finished by then on victimDone.
type stuckInstallation struct {
	id         int64
	release    chan struct{}
	victimDone chan []string

	mu                sync.Mutex
	started, finished []string
	running, peak     int
}

func newStuckInstallation(id int64) *stuckInstallation {
	return &stuckInstallation{id: id, release: make(chan struct{}), victimDone: make(chan []string, 1)}
}

func (s *stuckInstallation) evaluate(ctx context.Context, j Job) error {
	s.mu.Lock()
	if j.InstallationID != s.id {
		s.victimDone <- slices.Clone(s.finished)
		s.mu.Unlock()
		return nil
	}
	s.started = append(s.started, j.Key())
	s.running++
	s.peak = max(s.peak, s.running)
	s.mu.Unlock()
	select {
	case <-s.release:
	case <-ctx.Done():
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running--
	s.finished = append(s.finished, j.Key())
	return ctx.Err()
}

func (s *stuckInstallation) startedNow() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.started)
}

func (s *stuckInstallation) peakNow() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// waitUntil polls cond until it holds, failing the test after 10 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
