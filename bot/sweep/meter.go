package sweep

import (
	"errors"
	"net/http"
	"strconv"
	"sync"
)

// Reasons a meter refuses a request. The sweep stops the installation (or
// the redelivery scan) for this run when it sees either; neither is a
// failure.
var (
	errBudgetSpent  = errors.New("sweep request budget spent")
	errRateLimitLow = errors.New("rate limit nearly spent")
)

// meter counts the requests of one share of a sweep (one installation, or
// the App's own calls) and refuses more once the budget is spent or GitHub
// reports fewer than floor (a fraction of the limit) requests left.
//
// It wraps the authenticating transport, so it counts API calls as the code
// makes them: a retry of a 5xx by the retry transport and an installation
// token refresh (about once an hour) are not counted.
type meter struct {
	base   http.RoundTripper
	budget int
	floor  float64

	mu      sync.Mutex
	used    int
	low     bool
	refused error
}

// newMeter builds a meter; wrap sets its base.
func newMeter(budget int, floor float64) *meter {
	return &meter{budget: budget, floor: floor}
}

func (m *meter) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := m.take(); err != nil {
		return nil, err
	}
	resp, err := m.base.RoundTrip(r)
	if resp != nil {
		m.observe(resp.Header)
	}
	return resp, err
}

func (m *meter) take() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.stopLocked(); err != nil {
		m.refused = err
		return err
	}
	m.used++
	return nil
}

// observe notes the primary rate limit a response reports.
func (m *meter) observe(h http.Header) {
	limit, err1 := strconv.Atoi(h.Get("X-RateLimit-Limit"))
	remaining, err2 := strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	if err1 != nil || err2 != nil || limit <= 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.low = float64(remaining) < m.floor*float64(limit)
}

// stop returns why no further request may be made, or nil.
func (m *meter) stop() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stopLocked()
}

func (m *meter) stopLocked() error {
	switch {
	case m.used >= m.budget:
		return errBudgetSpent
	case m.low:
		return errRateLimitLow
	}
	return nil
}

// stopped reports whether err is, or followed, a refusal by the meter: a
// caller that wraps errors without %w still stops cleanly.
func (m *meter) stopped(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, errBudgetSpent) || errors.Is(err, errRateLimitLow) {
		return true
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.refused != nil
}

func (m *meter) requests() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.used
}

// wrap makes m the first transport in front of base (see
// ghclient.Clients.AppThrough).
func (m *meter) wrap(base http.RoundTripper) http.RoundTripper {
	m.base = base
	return m
}
