package bot

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tiergate/tiergate/bot/queue"
)

// TestFairShareVictimRunsWhileAnInstallationIsStuck is the hostile-glob
// scenario of issue 8 with the slowness simulated: eight pull requests of
// installation 1 whose evaluations block, then one pull request of
// installation 2 in another repository. With four workers, installation 1
// runs on two; the victim is evaluated while installation 1's work is
// still blocked, and every pull request is evaluated exactly once after.
func TestFairShareVictimRunsWhileAnInstallationIsStuck(t *testing.T) {
	st := newStuckInstallation(1)
	ev := &fakeEvaluator{evaluate: st.evaluate}
	ts := startServer(t, ev, queue.Options{Workers: 4}, nil)
	const stuck = 8
	for n := 1; n <= stuck; n++ {
		body := payload(t, "pull_request", "synchronize.payload.json", map[string]any{"number": n, "pull_request.number": n})
		if status, _ := ts.post(t, "pull_request", fmt.Sprintf("d-%d", n), body); status != http.StatusAccepted {
			t.Fatalf("delivery %d = %d, want 202", n, status)
		}
	}
	startedNow := st.startedNow
	waitUntil(t, "installation 1 to take its share of the workers", func() bool { return len(startedNow()) >= 2 })

	// A new event for a held pull request merges into it: still one run.
	var held int
	for n := 1; n <= stuck; n++ {
		if !slices.Contains(startedNow(), fmt.Sprintf("codertocat/hello-world#%d", n)) {
			held = n
			break
		}
	}
	body := payload(t, "pull_request", "synchronize.payload.json", map[string]any{"number": held, "pull_request.number": held})
	if status, _ := ts.post(t, "pull_request", "d-again", body); status != http.StatusAccepted {
		t.Fatalf("second delivery for #%d = %d, want 202", held, status)
	}

	victim := payload(t, "pull_request", "synchronize.payload.json", map[string]any{
		"installation.id": 2, "repository.name": "victim", "repository.full_name": "other/victim",
		"repository.owner.login": "other",
	})
	if status, _ := ts.post(t, "pull_request", "d-victim", victim); status != http.StatusAccepted {
		t.Fatalf("victim delivery = %d, want 202", status)
	}
	select {
	case fin := <-st.victimDone:
		if len(fin) != 0 {
			t.Errorf("installation 1 finished %v before the victim ran, want nothing: the victim should not wait for it", fin)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("the victim was never evaluated while installation 1 was stuck (started: %v)", startedNow())
	}
	if got := startedNow(); len(got) != 2 {
		t.Errorf("installation 1 started %d evaluations before release, want its share of 2: %v", len(got), got)
	}

	close(st.release)
	ts.waitIdle(t)
	evaluated, _, _, _ := ev.calls()
	count := map[string]int{}
	for _, j := range evaluated {
		count[j.Key()]++
	}
	for n := 1; n <= stuck; n++ {
		if key := fmt.Sprintf("codertocat/hello-world#%d", n); count[key] != 1 {
			t.Errorf("%s evaluated %d times, want 1", key, count[key])
		}
	}
	if count["other/victim#2"] != 1 {
		t.Errorf("victim evaluated %d times, want 1 (counts: %v)", count["other/victim#2"], count)
	}
	if peak := st.peakNow(); peak != 2 {
		t.Errorf("installation 1 ran %d evaluations at once, want its share of 2", peak)
	}
	if n := ev.overlaps.Load(); n != 0 {
		t.Errorf("%d evaluations of one pull request overlapped, want none", n)
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

func (s *stuckInstallation) evaluate(ctx context.Context, j queue.Job) error {
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
