package ghclient

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-github/v60/github"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// scripted answers the n-th request with the n-th step, then 200 "{}".
type scripted struct {
	mu     sync.Mutex
	steps  []func(w http.ResponseWriter, r *http.Request)
	bodies []string
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	n := len(s.bodies)
	s.bodies = append(s.bodies, string(body))
	s.mu.Unlock()
	if n < len(s.steps) {
		s.steps[n](w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"id": 7}`)
}

func (s *scripted) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.bodies...)
}

func status(code int, headers ...string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(code)
		_, _ = io.WriteString(w, `{"message": "scripted"}`)
	}
}

func secondaryLimit(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusForbidden)
	_, _ = io.WriteString(w, `{"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
		"documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`)
}

// hang answers only after the client gave up on the attempt.
func hang(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(5 * time.Second):
	}
}

func TestRetryTransport(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	reset := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }
	tests := []struct {
		name       string
		method     string
		path       string
		steps      []func(http.ResponseWriter, *http.Request)
		wantStatus int // 0: a transport error
		wantCalls  int
		wantSleeps []time.Duration // rate-limit sleeps exactly; backoffs as -1
		wantRetry  map[string]float64
	}{
		{
			name: "502 then 200", method: "GET", path: "/repos/o/r/pulls/1",
			steps:      []func(http.ResponseWriter, *http.Request){status(502)},
			wantStatus: 200, wantCalls: 2, wantSleeps: []time.Duration{-1},
			wantRetry: map[string]float64{retry5xx: 1},
		},
		{
			name: "timeout then 200", method: "GET", path: "/repos/o/r/pulls/1/files",
			steps:      []func(http.ResponseWriter, *http.Request){hang},
			wantStatus: 200, wantCalls: 2, wantSleeps: []time.Duration{-1},
			wantRetry: map[string]float64{retryTimeout: 1},
		},
		{
			name: "secondary limit with Retry-After is waited out", method: "GET", path: "/repos/o/r/pulls/1/reviews",
			steps:      []func(http.ResponseWriter, *http.Request){status(403, "Retry-After", "7")},
			wantStatus: 200, wantCalls: 2, wantSleeps: []time.Duration{7 * time.Second},
			wantRetry: map[string]float64{retryRateLimit: 1},
		},
		{
			name: "secondary limit without Retry-After waits a minute", method: "GET", path: "/repos/o/r/pulls/1/reviews",
			steps:      []func(http.ResponseWriter, *http.Request){secondaryLimit},
			wantStatus: 200, wantCalls: 2, wantSleeps: []time.Duration{time.Minute},
			wantRetry: map[string]float64{retryRateLimit: 1},
		},
		{
			name: "primary limit waits until reset", method: "GET", path: "/repos/o/r/pulls/1",
			steps: []func(http.ResponseWriter, *http.Request){
				status(403, "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", reset(30*time.Second)),
			},
			wantStatus: 200, wantCalls: 2, wantSleeps: []time.Duration{31 * time.Second},
			wantRetry: map[string]float64{retryRateLimit: 1},
		},
		{
			name: "primary limit past MaxWait is returned", method: "GET", path: "/repos/o/r/pulls/1",
			steps: []func(http.ResponseWriter, *http.Request){
				status(403, "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", reset(time.Hour)),
			},
			wantStatus: 403, wantCalls: 1,
		},
		{
			name: "POST comment is not resent after 502", method: "POST", path: "/repos/o/r/issues/1/comments",
			steps:      []func(http.ResponseWriter, *http.Request){status(502)},
			wantStatus: 502, wantCalls: 1,
		},
		{
			name: "POST check run is not resent after a timeout", method: "POST", path: "/repos/o/r/check-runs",
			steps:     []func(http.ResponseWriter, *http.Request){hang},
			wantCalls: 1,
		},
		{
			name: "POST is resent after a rate limit, which GitHub did not process", method: "POST", path: "/repos/o/r/check-runs",
			steps:      []func(http.ResponseWriter, *http.Request){status(429, "Retry-After", "1")},
			wantStatus: 200, wantCalls: 2, wantSleeps: []time.Duration{time.Second},
			wantRetry: map[string]float64{retryRateLimit: 1},
		},
		{
			name: "token POST is resent after 502", method: "POST", path: "/app/installations/1/access_tokens",
			steps:      []func(http.ResponseWriter, *http.Request){status(502)},
			wantStatus: 200, wantCalls: 2, wantSleeps: []time.Duration{-1},
			wantRetry: map[string]float64{retry5xx: 1},
		},
		{
			name: "gives up after MaxAttempts", method: "PATCH", path: "/repos/o/r/check-runs/5",
			steps:      []func(http.ResponseWriter, *http.Request){status(500), status(502), status(503), status(504), status(500)},
			wantStatus: 504, wantCalls: 4, wantSleeps: []time.Duration{-1, -1, -1},
			wantRetry: map[string]float64{retry5xx: 3},
		},
		{
			// A revalidated listing that did not change: free, and final.
			name: "304 is an answer, not a failure", method: "GET", path: "/repos/o/r/issues/1/comments",
			steps:      []func(http.ResponseWriter, *http.Request){status(304, "ETag", `W/"abc"`)},
			wantStatus: 304, wantCalls: 1,
		},
		{
			name: "404 is an answer, not a failure", method: "GET", path: "/repos/o/r/pulls/1",
			steps:      []func(http.ResponseWriter, *http.Request){status(404)},
			wantStatus: 404, wantCalls: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := &scripted{steps: tt.steps}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			m := NewMetrics()
			rt := newRetryTransport(http.DefaultTransport, RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxWait: time.Minute}, m, "/")
			rt.timeout = 100 * time.Millisecond
			rt.now = func() time.Time { return now }
			var sleeps []time.Duration
			rt.sleep = func(ctx context.Context, d time.Duration) error {
				sleeps = append(sleeps, d)
				return nil
			}

			req, _ := http.NewRequest(tt.method, ts.URL+tt.path, strings.NewReader(`{"body":"hello"}`))
			resp, err := rt.RoundTrip(req)
			gotStatus := 0
			if err == nil {
				gotStatus = resp.StatusCode
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			if gotStatus != tt.wantStatus {
				t.Errorf("RoundTrip(%s %s) status = %d (err %v), want %d", tt.method, tt.path, gotStatus, err, tt.wantStatus)
			}
			calls := srv.requests()
			if len(calls) != tt.wantCalls {
				t.Errorf("server saw %d requests, want %d", len(calls), tt.wantCalls)
			}
			for i, b := range calls {
				if b != `{"body":"hello"}` {
					t.Errorf("request %d body = %q, want the original body resent", i, b)
				}
			}
			for i := range sleeps {
				if i < len(tt.wantSleeps) && tt.wantSleeps[i] == -1 {
					sleeps[i] = -1 // jittered backoff: checked for bounds below
				}
			}
			if diff := cmp.Diff(tt.wantSleeps, sleeps); diff != "" {
				t.Errorf("sleeps (-want +got):\n%s", diff)
			}
			for _, reason := range []string{retry5xx, retryTimeout, retryNetwork, retryRateLimit} {
				got := testutil.ToFloat64(m.Retries.WithLabelValues(reason))
				if got != tt.wantRetry[reason] {
					t.Errorf("GitHubRetries{reason=%q} = %v, want %v", reason, got, tt.wantRetry[reason])
				}
			}
		})
	}
}

func TestRetryBackoffGrowsWithinJitter(t *testing.T) {
	rt := newRetryTransport(http.DefaultTransport, RetryPolicy{MaxAttempts: 4, BaseDelay: 100 * time.Millisecond, MaxWait: time.Minute}, nil, "/")
	for attempt, full := range []time.Duration{100, 200, 400, 800} {
		full *= time.Millisecond
		for range 50 {
			if d := rt.backoff(attempt + 1); d < full/2 || d > full {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", attempt+1, d, full/2, full)
			}
		}
	}
}

func TestRetryStopsWhenContextEnds(t *testing.T) {
	srv := &scripted{steps: []func(http.ResponseWriter, *http.Request){status(503)}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	rt := newRetryTransport(http.DefaultTransport, RetryPolicy{MaxAttempts: 4, BaseDelay: time.Hour, MaxWait: time.Minute}, nil, "/")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/repos/o/r", nil)
	_, err := rt.RoundTrip(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("RoundTrip during a one-hour backoff with a 50ms context = %v, want context.DeadlineExceeded", err)
	}
	if n := len(srv.requests()); n != 1 {
		t.Errorf("server saw %d requests, want 1", n)
	}
}

// A limit longer than MaxWait reaches go-github, which reports it as a typed
// error the caller can schedule a retry from.
func TestRateLimitPastMaxWaitIsTypedError(t *testing.T) {
	reset := time.Now().Add(time.Hour).Unix()
	srv := &scripted{steps: []func(http.ResponseWriter, *http.Request){
		status(403, "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", strconv.FormatInt(reset, 10), "X-RateLimit-Limit", "5000"),
	}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	rt := newRetryTransport(http.DefaultTransport, RetryPolicy{MaxAttempts: 4, BaseDelay: 500 * time.Millisecond, MaxWait: time.Second}, nil, "/api/v3/")
	gh, err := newGitHubClient(&http.Client{Transport: rt}, ts.URL+"/api/v3/")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = gh.PullRequests.Get(context.Background(), "o", "r", 1)
	var rl *github.RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("PullRequests.Get under an hour-long rate limit = %v, want *github.RateLimitError", err)
	}
	if n := len(srv.requests()); n != 1 {
		t.Errorf("server saw %d requests, want 1", n)
	}
}
