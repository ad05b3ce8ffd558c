package bot_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/tiergate/tiergate/bot"
	"github.com/tiergate/tiergate/bot/ghclient"
	"github.com/tiergate/tiergate/bot/queue"
	"github.com/tiergate/tiergate/bot/sweep"
)

// TestE2ERedeliveryOfFailedDelivery: GitHub recorded the pull_request
// delivery as failed (tiergate answered 503), so no evaluation happened. The
// sweep asks GitHub to redeliver it; the fake sends it, signed, to the real
// server, which evaluates the pull request.
func TestE2ERedeliveryOfFailedDelivery(t *testing.T) {
	h := newHarness(t, "")
	h.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go", "app/a_test.go"))
	h.gh.AddReview(owner, repo, prNumber, approval("alice", headSHA))
	h.gh.SetWebhook(h.url+"/webhook", []byte(secret))
	failed := h.gh.RecordDelivery("", "pull_request", http.StatusServiceUnavailable, prEvent(t, "opened", headSHA))

	clients, err := ghclient.New(ghclient.Options{AppID: h.gh.AppID, PrivateKey: h.gh.PrivateKeyPEM, APIURL: h.gh.URL(),
		Retry: ghclient.RetryPolicy{MaxAttempts: 4, BaseDelay: 500 * time.Millisecond, MaxWait: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	ignore := func(context.Context, []queue.Job) error { return nil } // only the redelivery may evaluate
	opts := sweep.Options{AppID: h.gh.AppID, CheckName: bot.DefaultCheckName,
		RequestBudget: sweep.DefaultRequestBudget, RedeliveryWindow: sweep.DefaultRedeliveryWindow,
		StuckAfter: sweep.DefaultStuckAfter, RateLimitFloor: sweep.DefaultRateLimitFloor,
		Now: time.Now, Metrics: sweep.NewMetrics()}
	rep, err := sweep.New(clients, sweep.NewMemoryCoordinator(), ignore, opts).Run(context.Background())
	if err != nil || rep.Redelivered != 1 {
		t.Fatalf("Run() = %+v, %v; want 1 redelivery", rep, err)
	}
	if got := h.gh.RedeliveryRequests(); len(got) != 1 || got[0] != failed {
		t.Fatalf("RedeliveryRequests() = %v, want [%d]", got, failed)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(h.gh.Deliveries()) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the redelivery never reached the server")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if d := h.gh.Deliveries()[1]; !d.Redelivery || d.StatusCode != http.StatusAccepted {
		t.Fatalf("redelivery = %+v, want accepted (202)", d)
	}
	h.settle()
	h.wantCheck(headSHA, "success", "feature · 2 of 2 gates passing")
}
