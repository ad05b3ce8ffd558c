package bot

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tiergate/tiergate/bot/queue"
)

func get(t *testing.T, method, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestEndpoints(t *testing.T) {
	ts := startServer(t, &fakeEvaluator{}, queue.Options{}, nil)
	tests := []struct {
		method, path string
		want         int
		wantBody     string
	}{
		{http.MethodGet, "/healthz", http.StatusOK, "ok"},
		{http.MethodGet, "/readyz", http.StatusOK, "ready"},
		{http.MethodGet, "/metrics", http.StatusOK, "tiergate_queue_depth"},
		{http.MethodGet, "/webhook", http.StatusMethodNotAllowed, ""},
		{http.MethodPost, "/healthz", http.StatusMethodNotAllowed, ""},
		{http.MethodGet, "/nope", http.StatusNotFound, ""},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			status, body := get(t, tc.method, ts.url+tc.path)
			if status != tc.want || !strings.Contains(body, tc.wantBody) {
				t.Errorf("%s %s = %d %q, want %d containing %q", tc.method, tc.path, status, body, tc.want, tc.wantBody)
			}
		})
	}
}

func TestShutdownDrainsQueuedWork(t *testing.T) {
	release := make(chan struct{})
	var evaluating atomic.Int32
	ev := &fakeEvaluator{evaluate: func(ctx context.Context, j queue.Job) error {
		evaluating.Add(1)
		<-release
		time.Sleep(20 * time.Millisecond)
		return nil
	}}
	ts := startServer(t, ev, queue.Options{Workers: 2}, func(s *Settings) { s.ShutdownTimeout = 5 * time.Second })
	for n := 1; n <= 5; n++ {
		body := payload(t, "pull_request", "synchronize.payload.json", map[string]any{"number": n, "pull_request.number": n})
		if status, _ := ts.post(t, "pull_request", "d-"+string(rune('0'+n)), body); status != http.StatusAccepted {
			t.Fatalf("delivery %d = %d, want 202", n, status)
		}
	}
	for evaluating.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	ts.cancel()
	// While draining: not ready, and new webhooks are refused.
	deadline := time.Now().Add(5 * time.Second)
	for !ts.draining.Load() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if status, _ := get(t, http.MethodGet, ts.url+"/readyz"); status != http.StatusServiceUnavailable {
		t.Errorf("readyz while draining = %d, want 503", status)
	}
	if status, _ := ts.post(t, "pull_request", "late", payload(t, "pull_request", "opened.payload.json", nil)); status != http.StatusServiceUnavailable {
		t.Errorf("webhook while draining = %d, want 503", status)
	}
	close(release)
	start := time.Now()
	if err := <-ts.done; err != nil {
		t.Errorf("Serve = %v, want nil", err)
	}
	ts.done <- nil
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("shutdown took %v, want under the 5s timeout", d)
	}
	if got, _, _, _ := ev.calls(); len(got) != 5 {
		t.Errorf("evaluations = %d, want all 5", len(got))
	}
	if strings.Contains(ts.logs.String(), "not evaluated") {
		t.Errorf("logs report unfinished work after a full drain:\n%s", ts.logs)
	}
}

func TestShutdownDeadlineLogsUnfinished(t *testing.T) {
	ev := &fakeEvaluator{evaluate: func(ctx context.Context, j queue.Job) error {
		<-ctx.Done() // stuck until cancelled
		return ctx.Err()
	}}
	ts := startServer(t, ev, queue.Options{Workers: 1}, func(s *Settings) { s.ShutdownTimeout = 300 * time.Millisecond })
	for n := 1; n <= 2; n++ {
		body := payload(t, "pull_request", "synchronize.payload.json", map[string]any{"number": n, "pull_request.number": n})
		if status, _ := ts.post(t, "pull_request", "d-"+string(rune('0'+n)), body); status != http.StatusAccepted {
			t.Fatalf("delivery %d = %d, want 202", n, status)
		}
	}
	start := time.Now()
	if err := ts.stop(t); err != nil {
		t.Errorf("Serve = %v, want nil", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("shutdown took %v, want about the 300ms timeout", d)
	}
	logs := ts.logs.String()
	for _, key := range []string{"codertocat/hello-world#1", "codertocat/hello-world#2"} {
		if !strings.Contains(logs, `"job":"`+key+`","delivery_id":"d-`) || !strings.Contains(logs, "not evaluated before shutdown: the sweep after the next start finds it, or comment /tiergate recheck") {
			t.Errorf("logs lack the unfinished %s with its delivery:\n%s", key, logs)
		}
	}
	if _, rep, _, _ := ev.calls(); len(rep) != 0 {
		t.Errorf("ReportFailure calls at shutdown = %v, want none", rep)
	}
	if n := testutil.ToFloat64(ts.metrics.Queue.Evaluations.WithLabelValues("skipped")); n != 2 {
		t.Errorf("evaluations{outcome=skipped} = %v, want 2", n)
	}
}
