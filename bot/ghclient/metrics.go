package ghclient

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the GitHub client's Prometheus metrics. Metrics is a
// prometheus.Collector: register it on the server's registry.
type Metrics struct {
	// Requests counts REST calls by endpoint template and status code.
	Requests *prometheus.CounterVec
	// Retries counts retried REST calls by reason (5xx, timeout, network, rate_limit).
	Retries *prometheus.CounterVec
	// RateLimitRemaining is the last X-RateLimit-Remaining seen.
	RateLimitRemaining prometheus.Gauge
}

// NewMetrics builds the metrics, unregistered.
func NewMetrics() *Metrics {
	return &Metrics{
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tiergate_github_requests_total",
			Help: "GitHub REST requests, by endpoint template and HTTP status.",
		}, []string{"endpoint", "status"}),
		Retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tiergate_github_retries_total",
			Help: "GitHub REST requests retried, by reason.",
		}, []string{"reason"}),
		RateLimitRemaining: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tiergate_github_rate_limit_remaining",
			Help: "Requests left in the current GitHub rate-limit window, as last reported.",
		}),
	}
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	m.Requests.Describe(ch)
	m.Retries.Describe(ch)
	m.RateLimitRemaining.Describe(ch)
}

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	m.Requests.Collect(ch)
	m.Retries.Collect(ch)
	m.RateLimitRemaining.Collect(ch)
}
