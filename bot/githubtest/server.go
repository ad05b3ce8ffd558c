package githubtest

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v4"
)

// apiPrefix is where the fake serves the REST API, as GitHub Enterprise
// Server does; a client that builds absolute api.github.com-style URLs
// misses it and fails loudly.
const apiPrefix = "/api/v3"

// rateLimit is the primary rate limit the fake advertises per hour.
const rateLimit = 5000

// Server is an in-memory fake of the GitHub REST API for the operations
// tiergate uses. It is safe for concurrent use. Build it with New.
type Server struct {
	// AppID is the fake GitHub App's ID; JWTs must carry it as "iss".
	AppID int64
	// AppSlug is the App's slug; its comments are by AppSlug+"[bot]".
	AppSlug string
	// PrivateKeyPEM is the App's TEST-ONLY private key (PKCS#1 PEM).
	PrivateKeyPEM []byte

	t      testing.TB
	http   *httptest.Server
	public *rsa.PublicKey
	spec   *validator
	mux    *http.ServeMux

	mu            sync.Mutex
	installations map[int64]*installation
	tokens        map[string]token
	repos         map[string]*repo
	teams         map[string]map[string]string // "org/slug" -> lower login -> login
	requests      []Request
	violations    []string
	faults        []*fault
	outage        bool
	nextID        int64
	clock         time.Time
	used          int
	resetAt       time.Time

	checkStarted       map[int64]time.Time // check run ID -> started_at
	checkCompleted     map[int64]time.Time // check run ID -> completed_at
	webhook            webhookTarget
	deliveries         []*Delivery
	redeliveryRequests []int64
	delayed            []Request
}

// New starts a fake on 127.0.0.1, stops it when the test ends, and then
// fails the test if any request did not match GitHub's API description or
// hit an operation the fake does not implement (see Violations).
func New(t testing.TB) *Server {
	t.Helper()
	pemBytes, err := os.ReadFile(filepath.Join(packageDir(), "testdata", "test-app-key.pem"))
	if err != nil {
		t.Fatalf("githubtest: %v", err)
	}
	key, err := jwt.ParseRSAPrivateKeyFromPEM(pemBytes)
	if err != nil {
		t.Fatalf("githubtest: parse test key: %v", err)
	}
	spec, err := loadValidator()
	if err != nil {
		t.Fatalf("githubtest: %v", err)
	}
	s := &Server{
		AppID:         29310, // the App ID in GitHub's example webhook payloads
		AppSlug:       "tiergate-test",
		PrivateKeyPEM: pemBytes,
		t:             t,
		public:        &key.PublicKey,
		spec:          spec,
		installations: map[int64]*installation{},
		tokens:        map[string]token{},
		repos:         map[string]*repo{},
		teams:         map[string]map[string]string{},
		resetAt:       time.Now().Add(time.Hour).Truncate(time.Second),
	}
	s.mux = s.routes()
	s.http = httptest.NewServer(http.HandlerFunc(s.serve))
	// Cleanups run last-in first-out: stop serving, then judge.
	t.Cleanup(func() {
		for _, v := range s.Violations() {
			t.Errorf("githubtest: %s", v)
		}
	})
	t.Cleanup(s.Close)
	return s
}

// URL is the API base URL to configure the client with, e.g.
// "http://127.0.0.1:PORT/api/v3/" (with a trailing slash, as go-github's
// WithEnterpriseURLs wants).
func (s *Server) URL() string { return s.http.URL + apiPrefix + "/" }

// Close stops the server. It is safe to call more than once.
func (s *Server) Close() { s.http.Close() }

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// Violations returns one message per request that GitHub would not accept
// as documented (unknown path or method, bad parameter, bad body) or that
// the fake does not implement. New fails the test on any of them.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.violations)
}

// serve runs every request through the same steps GitHub would: match the
// API description, injected faults, authentication, then the handler.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{ResponseWriter: w}
	req := Request{Method: r.Method, Path: strings.TrimPrefix(r.URL.Path, apiPrefix), Query: r.URL.RawQuery, At: time.Now()}
	defer func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		req.Status = rec.status
		s.requests = append(s.requests, req)
	}()
	s.rateHeaders(rec)

	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(rec, http.StatusBadRequest, "could not read body")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if len(body) > 0 {
		req.Body = body
	}
	if !strings.HasPrefix(r.URL.Path, apiPrefix+"/") {
		s.violation(r, fmt.Errorf("path is outside the API prefix %s/", apiPrefix))
		writeError(rec, http.StatusNotFound, "Not Found")
		return
	}
	template, status, err := s.spec.check(r.Context(), r, body)
	req.Template = template
	if err != nil {
		s.violation(r, err)
		writeError(rec, status, err.Error())
		return
	}
	if s.inOutage() {
		writeError(rec, http.StatusBadGateway, "Server Error")
		return
	}
	if f := s.takeFault(r.Method, template, req.Path); f != nil {
		if f.respond != nil {
			f.respond(rec)
			return
		}
		if !s.hold(r, req, f.delay) {
			return
		}
	}
	ident, ok := s.authenticate(rec, r, template)
	if !ok {
		return
	}
	if _, pattern := s.mux.Handler(r); pattern == "" {
		s.violation(r, fmt.Errorf("operation %s %s is documented but the fake does not implement it", r.Method, template))
		writeError(rec, http.StatusNotImplemented, "not implemented by githubtest")
		return
	}
	r = r.WithContext(context.WithValue(r.Context(), callKey{}, call{identity: ident, template: template}))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mux.ServeHTTP(rec, r)
}

// call is what serve learned about a request before its handler runs.
type call struct {
	identity
	template string
}

type callKey struct{}

func callOf(r *http.Request) call {
	c, _ := r.Context().Value(callKey{}).(call)
	return c
}

func (s *Server) violation(r *http.Request, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violations = append(s.violations, fmt.Sprintf("%s %s: %v", r.Method, r.URL.RequestURI(), err))
}

// rateHeaders adds GitHub's rate-limit headers, counting this request
// (notModified takes a 304 off the count again).
func (s *Server) rateHeaders(w http.ResponseWriter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.used < rateLimit {
		s.used++
	}
	s.setRateHeaders(w)
}

// setRateHeaders writes the rate-limit headers for the current count; s.mu
// must be held.
func (s *Server) setRateHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(rateLimit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(rateLimit-s.used))
	h.Set("X-RateLimit-Used", strconv.Itoa(s.used))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(s.resetAt.Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// writeJSON answers with v as GitHub does (application/json; UTF-8).
func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "githubtest: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

// writeError answers with GitHub's error body shape.
func writeError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]string{
		"message":           message,
		"documentation_url": "https://docs.github.com/rest",
		"status":            strconv.Itoa(status),
	})
}

// packageDir is this package's source directory, so testdata resolves from
// any test's working directory.
func packageDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}
