package githubtest

import (
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// fault is an injected answer for the next matching requests: respond
// answers instead of GitHub, or, when respond is nil, the request is held
// for delay and then served normally.
type fault struct {
	method, pattern string
	remaining       int
	respond         func(w http.ResponseWriter)
	delay           time.Duration
}

// FailNext makes the next n requests matching method and pathPattern
// answer status with a GitHub-like JSON error body, before authentication.
// method "" matches any method. pathPattern is either an OpenAPI path
// template exactly as GitHub documents it ("/repos/{owner}/{repo}/pulls")
// or a path.Match pattern over the request path without the /api/v3 prefix
// ("/repos/octo/*/pulls/1").
func (s *Server) FailNext(method, pathPattern string, n, status int) {
	s.addFault(method, pathPattern, n, func(w http.ResponseWriter) {
		writeError(w, status, http.StatusText(status))
	})
}

// RateLimitNext makes the next matching request hit GitHub's secondary
// rate limit: 403 with Retry-After and the documented message, which
// go-github turns into *github.AbuseRateLimitError with RetryAfter set.
// Note that go-github then refuses requests itself until retryAfter passes.
func (s *Server) RateLimitNext(method, pathPattern string, retryAfter time.Duration) {
	s.addFault(method, pathPattern, 1, func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", strconv.Itoa(int(retryAfter.Round(time.Second)/time.Second)))
		writeJSON(w, http.StatusForbidden, map[string]string{
			"message":           "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.",
			"documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
		})
	})
}

// PrimaryRateLimitNext makes the next matching request find the primary
// rate limit exhausted: 403 with X-RateLimit-Remaining 0 and a reset
// resetIn from now, which go-github turns into *github.RateLimitError.
// go-github then refuses requests itself until the reset time.
func (s *Server) PrimaryRateLimitNext(method, pathPattern string, resetIn time.Duration) {
	s.addFault(method, pathPattern, 1, func(w http.ResponseWriter) {
		h := w.Header()
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Used", strconv.Itoa(rateLimit))
		h.Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(resetIn).Unix(), 10))
		writeJSON(w, http.StatusForbidden, map[string]string{
			"message":           "API rate limit exceeded for installation. If you reach out to GitHub Support for help, please include the request ID.",
			"documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit",
		})
	})
}

// DelayNext holds each of the next n requests matching method and
// pathPattern (as in FailNext) for d, then serves it normally: a slow
// GitHub, to catch a client in the middle of an evaluation. A request whose
// client goes away meanwhile (a killed process) is dropped. DelayedRequests
// lists the requests held, as soon as they arrive.
func (s *Server) DelayNext(method, pathPattern string, n int, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{method: strings.ToUpper(method), pattern: pathPattern, remaining: n, delay: d})
}

// DelayedRequests returns the requests a DelayNext fault held, in order of
// arrival, including those still held. Their Status is 0.
func (s *Server) DelayedRequests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.delayed)
}

// SetOutage starts (true) or ends (false) an outage: while it lasts,
// every request, whatever its path or credentials, answers 502 Bad Gateway
// with a GitHub-like JSON error body, as when GitHub is down; nothing
// changes state. Requests are still recorded (Requests) with status 502.
func (s *Server) SetOutage(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outage = on
}

// inOutage reports whether SetOutage(true) is in effect.
func (s *Server) inOutage() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.outage
}

func (s *Server) addFault(method, pattern string, n int, respond func(http.ResponseWriter)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{method: strings.ToUpper(method), pattern: pattern, remaining: n, respond: respond})
}

// hold waits out a DelayNext fault; it reports false when the client went
// away first.
func (s *Server) hold(r *http.Request, req Request, d time.Duration) bool {
	s.mu.Lock()
	s.delayed = append(s.delayed, req)
	s.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// takeFault consumes one use of the first fault matching the request.
func (s *Server) takeFault(method, template, reqPath string) *fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.method != "" && f.method != method {
			continue
		}
		if ok, _ := path.Match(f.pattern, reqPath); !ok && f.pattern != template {
			continue
		}
		f.remaining--
		if f.remaining <= 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return f
	}
	return nil
}
