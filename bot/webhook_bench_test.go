package bot

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// BenchmarkWebhookAccept is the request path of one pull_request delivery:
// body limit, signature check, parse, dedupe and enqueue, up to the 202.
// Evaluation is asynchronous and not part of it.
func BenchmarkWebhookAccept(b *testing.B) {
	body, err := os.ReadFile("testdata/webhooks/pull_request/opened.payload.json")
	if err != nil {
		b.Fatal(err)
	}
	mac := hmac.New(sha256.New, []byte(testSecret))
	mac.Write(body)
	sig := "sha256=" + hex.EncodeToString(mac.Sum(nil))

	srv := newServer(testSettings(), zerolog.Nop(), NewMetrics(), &fakeEvaluator{}, queueOptions{Workers: 1, Debounce: time.Hour})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()
	for !srv.serving.Load() {
		time.Sleep(time.Millisecond)
	}
	h := srv.Handler()

	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		i++
		req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-GitHub-Event", "pull_request")
		req.Header.Set("X-GitHub-Delivery", fmt.Sprintf("bench-%d", i))
		req.Header.Set("X-Hub-Signature-256", sig)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusAccepted {
			b.Fatalf("delivery %d answered %d: %s", i, rec.Code, rec.Body)
		}
	}
}
