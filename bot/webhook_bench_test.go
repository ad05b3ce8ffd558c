package bot

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/rs/zerolog"

	"github.com/tiergate/tiergate/bot/pgstore"
	"github.com/tiergate/tiergate/bot/pgstore/pgtest"
	"github.com/tiergate/tiergate/bot/queue"
)

// BenchmarkWebhookAccept is the request path of one pull_request delivery up
// to its answer: bare is a handler that only checks the HMAC and the JSON
// (the floor any webhook server pays); memory is tiergate's whole intake
// (body budget, signature, parse, route, dedupe, enqueue, 202); postgres
// adds committing the delivery and the work row before the 202.
//
//	go test ./bot -run '^$' -bench BenchmarkWebhookAccept -benchtime 2000x -count 5
func BenchmarkWebhookAccept(b *testing.B) {
	body, err := os.ReadFile("testdata/webhooks/pull_request/opened.payload.json")
	if err != nil {
		b.Fatal(err)
	}
	mac := hmac.New(sha256.New, []byte(testSecret))
	mac.Write(body)
	sig := "sha256=" + hex.EncodeToString(mac.Sum(nil))

	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		payload, err := github.ValidatePayload(r, []byte(testSecret))
		if err != nil || !json.Valid(payload) {
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})
	b.Run("bare", func(b *testing.B) { benchDeliveries(b, bare, body, sig) })
	b.Run("memory", func(b *testing.B) {
		srv := newServer(testSettings(), zerolog.Nop(), NewMetrics(), &fakeEvaluator{}, testQueueOptions(testSettings(), queue.Options{Workers: 1, Debounce: time.Hour}))
		benchDeliveries(b, serveForBench(b, srv), body, sig)
	})
	b.Run("postgres", func(b *testing.B) {
		url := pgtest.URL(b)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		store, err := pgstore.Open(ctx, url, pgstore.Options{})
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		defer store.Close()
		m := NewMetrics()
		qo := testQueueOptions(testSettings(), queue.Options{Workers: 1, Debounce: time.Hour})
		srv := newServerWith(testSettings(), zerolog.Nop(), m, &fakeEvaluator{}, qo, func(exec queue.Executor) workQueue {
			return queue.NewPostgres(store, testSettings().AppID, qo, exec, m.Queue, zerolog.Nop())
		}, nil)
		benchDeliveries(b, serveForBench(b, srv), body, sig)
	})
}

// serveForBench starts srv's workers (so the queue accepts work) and
// returns its handler, called directly to leave the network out.
func serveForBench(b *testing.B, srv *Server) http.Handler {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	b.Cleanup(func() { cancel(); <-done })
	for !srv.serving.Load() {
		time.Sleep(time.Millisecond)
	}
	return srv.Handler()
}

func benchDeliveries(b *testing.B, h http.Handler, body []byte, sig string) {
	b.ReportAllocs()
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
