package bot

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/tiergate/tiergate/bot/internal/poll"
	"github.com/tiergate/tiergate/bot/internal/stuck"
	"github.com/tiergate/tiergate/bot/queue"
)

// TestFairShareVictimRunsWhileAnInstallationIsStuck is the hostile-glob
// scenario of issue 8 with the slowness simulated: eight pull requests of
// installation 1 whose evaluations block, then one pull request of
// installation 2 in another repository. With four workers, installation 1
// runs on two; the victim is evaluated while installation 1's work is
// still blocked, and every pull request is evaluated exactly once after.
func TestFairShareVictimRunsWhileAnInstallationIsStuck(t *testing.T) {
	st := stuck.New(1)
	ev := &fakeEvaluator{evaluate: func(ctx context.Context, j queue.Job) error { return st.Evaluate(ctx, j.InstallationID, j.Key()) }}
	ts := startServer(t, ev, queue.Options{Workers: 4}, nil)
	const stuck = 8
	for n := 1; n <= stuck; n++ {
		body := payload(t, "pull_request", "synchronize.payload.json", map[string]any{"number": n, "pull_request.number": n})
		if status, _ := ts.post(t, "pull_request", fmt.Sprintf("d-%d", n), body); status != http.StatusAccepted {
			t.Fatalf("delivery %d = %d, want 202", n, status)
		}
	}
	poll.Until(t, 10*time.Second, "installation 1 to take its share of the workers", func() bool { return len(st.Started()) >= 2 })

	// A new event for a held pull request merges into it: still one run.
	var held int
	for n := 1; n <= stuck; n++ {
		if !slices.Contains(st.Started(), fmt.Sprintf("codertocat/hello-world#%d", n)) {
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
	case fin := <-st.VictimDone():
		if len(fin) != 0 {
			t.Errorf("installation 1 finished %v before the victim ran, want nothing: the victim should not wait for it", fin)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("the victim was never evaluated while installation 1 was stuck (started: %v)", st.Started())
	}
	if got := st.Started(); len(got) != 2 {
		t.Errorf("installation 1 started %d evaluations before release, want its share of 2: %v", len(got), got)
	}

	st.Release()
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
	if peak := st.Peak(); peak != 2 {
		t.Errorf("installation 1 ran %d evaluations at once, want its share of 2", peak)
	}
	if n := ev.Overlaps.Load(); n != 0 {
		t.Errorf("%d evaluations of one pull request overlapped, want none", n)
	}
}
