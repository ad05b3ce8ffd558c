package bot

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tiergate/tiergate/bot/queue"
)

func TestWebhookRejects(t *testing.T) {
	good := payload(t, "pull_request", "opened.payload.json", nil)
	sha1Sig := func(b []byte) string {
		m := hmac.New(sha1.New, []byte(testSecret))
		m.Write(b)
		return "sha1=" + hex.EncodeToString(m.Sum(nil))
	}
	huge := bytes.Repeat([]byte(" "), 25<<20+1)
	tests := []struct {
		name        string
		body        []byte
		headers     map[string]string
		delivery    string
		wantStatus  int
		wantOutcome string
	}{
		{name: "missing signature", body: good, headers: map[string]string{}, wantStatus: http.StatusUnauthorized, wantOutcome: "bad_signature"},
		{name: "wrong secret", body: good, headers: map[string]string{"X-Hub-Signature-256": sign(good, "other")},
			wantStatus: http.StatusUnauthorized, wantOutcome: "bad_signature"},
		{name: "signature of another body", body: good, headers: map[string]string{"X-Hub-Signature-256": sign([]byte("{}"), testSecret)},
			wantStatus: http.StatusUnauthorized, wantOutcome: "bad_signature"},
		{name: "SHA-1 signature only", body: good, headers: map[string]string{"X-Hub-Signature": sha1Sig(good)},
			wantStatus: http.StatusUnauthorized, wantOutcome: "bad_signature"},
		{name: "SHA-1 value in the SHA-256 header", body: good, headers: map[string]string{"X-Hub-Signature-256": sha1Sig(good)},
			wantStatus: http.StatusUnauthorized, wantOutcome: "bad_signature"},
		{name: "over 25 MiB", body: huge, headers: map[string]string{"X-Hub-Signature-256": sign(huge, testSecret)},
			wantStatus: http.StatusRequestEntityTooLarge, wantOutcome: "too_large"},
		{name: "malformed JSON", body: []byte(`{"action":`), wantStatus: http.StatusBadRequest, wantOutcome: "bad_request"},
		{name: "no delivery ID", body: good, delivery: "-", wantStatus: http.StatusBadRequest, wantOutcome: "bad_request"},
		{name: "not JSON content", body: good, headers: map[string]string{"X-Hub-Signature-256": sign(good, testSecret), "Content-Type": "text/plain"},
			wantStatus: http.StatusUnsupportedMediaType, wantOutcome: "bad_request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev := &fakeEvaluator{}
			ts := startServer(t, ev, queue.Options{}, nil)
			headers := tc.headers
			if headers == nil {
				headers = map[string]string{"X-Hub-Signature-256": sign(tc.body, testSecret)}
			}
			delivery := "d-1"
			if tc.delivery == "-" {
				delivery = ""
			}
			status, msg := ts.do(t, "pull_request", delivery, tc.body, headers)
			if status != tc.wantStatus {
				t.Errorf("POST /webhook = %d %q, want %d", status, msg, tc.wantStatus)
			}
			ts.waitIdle(t)
			if got, _, _, _ := ev.calls(); len(got) != 0 {
				t.Errorf("evaluated %v, want nothing", got)
			}
			event := "unverified"
			if tc.wantOutcome == "bad_request" && tc.wantStatus == http.StatusBadRequest {
				event = "pull_request"
				if delivery == "" {
					event = "unknown"
				}
			}
			if n := testutil.ToFloat64(ts.metrics.Intake.Deliveries.WithLabelValues(event, tc.wantOutcome)); n != 1 {
				t.Errorf("deliveries{event=%q,outcome=%q} = %v, want 1", event, tc.wantOutcome, n)
			}
			if strings.Contains(ts.logs.String(), testSecret) {
				t.Errorf("logs contain the webhook secret")
			}
		})
	}
}

func TestWebhookDuplicateDeliveryProcessedOnce(t *testing.T) {
	ev := &fakeEvaluator{}
	ts := startServer(t, ev, queue.Options{}, nil)
	body := payload(t, "pull_request", "synchronize.payload.json", nil)
	for i, want := range []int{http.StatusAccepted, http.StatusOK, http.StatusOK} {
		if status, msg := ts.post(t, "pull_request", "same-id", body); status != want {
			t.Errorf("delivery %d = %d %q, want %d", i+1, status, msg, want)
		}
		ts.waitIdle(t)
	}
	if got, _, _, _ := ev.calls(); len(got) != 1 {
		t.Errorf("evaluations = %d, want 1", len(got))
	}
	if status, _ := ts.post(t, "pull_request", "other-id", body); status != http.StatusAccepted {
		t.Errorf("new delivery ID = %d, want 202", status)
	}
}

func TestWebhookQueueFullIs503AndRedeliverable(t *testing.T) {
	release := make(chan struct{})
	ev := &fakeEvaluator{evaluate: func(ctx context.Context, j queue.Job) error { <-release; return nil }}
	ts := startServer(t, ev, queue.Options{Workers: 1, MaxKeys: 1}, nil)
	first := payload(t, "pull_request", "synchronize.payload.json", nil)
	other := payload(t, "pull_request", "synchronize.payload.json", map[string]any{"number": 3, "pull_request.number": 3})
	if status, _ := ts.post(t, "pull_request", "d-1", first); status != http.StatusAccepted {
		t.Fatalf("first delivery = %d, want 202", status)
	}
	if status, msg := ts.post(t, "pull_request", "d-2", other); status != http.StatusServiceUnavailable {
		t.Errorf("delivery into a full queue = %d %q, want 503", status, msg)
	}
	close(release)
	ts.waitIdle(t)
	// The refused delivery was not remembered, so its redelivery counts.
	if status, msg := ts.post(t, "pull_request", "d-2", other); status != http.StatusAccepted {
		t.Errorf("redelivery = %d %q, want 202", status, msg)
	}
	ts.waitIdle(t)
	if got, _, _, _ := ev.calls(); len(got) != 2 {
		t.Errorf("evaluations = %d, want 2", len(got))
	}
	if n := testutil.ToFloat64(ts.metrics.Intake.Deliveries.WithLabelValues("pull_request", "queue_full")); n != 1 {
		t.Errorf("deliveries{outcome=queue_full} = %v, want 1", n)
	}
}

func TestWebhookBurstWhileEvaluatorBlocks(t *testing.T) {
	release := make(chan struct{})
	ev := &fakeEvaluator{evaluate: func(ctx context.Context, j queue.Job) error { <-release; return nil }}
	ts := startServer(t, ev, queue.Options{Workers: 4}, nil)
	for i := range 20 {
		body := payload(t, "pull_request", "synchronize.payload.json", map[string]any{"pull_request.head.sha": strings.Repeat("a", 39) + string(rune('a'+i))})
		if status, msg := ts.post(t, "pull_request", "burst-"+string(rune('a'+i)), body); status != http.StatusAccepted {
			t.Fatalf("delivery %d = %d %q, want 202", i, status, msg)
		}
	}
	close(release)
	ts.waitIdle(t)
	got, _, _, _ := ev.calls()
	if len(got) < 1 || len(got) > 2 {
		t.Fatalf("evaluations = %d, want 1 or 2", len(got))
	}
	if want := strings.Repeat("a", 39) + "t"; got[len(got)-1].HeadSHA != want {
		t.Errorf("last evaluated head = %q, want %q", got[len(got)-1].HeadSHA, want)
	}
	if n := ev.Overlaps.Load(); n != 0 {
		t.Errorf("concurrent evaluations of one PR = %d, want 0", n)
	}
	if !strings.Contains(ts.logs.String(), `"delivery_id":"burst-t"`) {
		t.Errorf("logs lack the last delivery ID")
	}
}
