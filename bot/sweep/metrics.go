package sweep

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the sweep's Prometheus metrics. Metrics is a
// prometheus.Collector: register it on the server's registry.
type Metrics struct {
	// Runs counts sweeps by outcome (ok, partial, error, skipped).
	Runs *prometheus.CounterVec
	// PullRequestsWithoutCheck counts pull requests a sweep queued
	// because their head had no current completed check.
	PullRequestsWithoutCheck prometheus.Counter
	// RedeliveriesRequested counts failed deliveries GitHub was asked to redeliver.
	RedeliveriesRequested prometheus.Counter
}

// NewMetrics builds the metrics, unregistered.
func NewMetrics() *Metrics {
	return &Metrics{
		Runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tiergate_sweep_runs_total",
			Help: "Sweeps, by outcome (ok, partial: stopped by the request budget or rate limit, error, skipped: another replica ran it).",
		}, []string{"outcome"}),
		PullRequestsWithoutCheck: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tiergate_sweep_pull_requests_without_check_total",
			Help: "Open pull requests a sweep queued: no completed check on the head, one stuck in progress, or one computed with an older config.",
		}),
		RedeliveriesRequested: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tiergate_redeliveries_requested_total",
			Help: "Failed webhook deliveries GitHub was asked to redeliver.",
		}),
	}
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	m.Runs.Describe(ch)
	m.PullRequestsWithoutCheck.Describe(ch)
	m.RedeliveriesRequested.Describe(ch)
}

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	m.Runs.Collect(ch)
	m.PullRequestsWithoutCheck.Collect(ch)
	m.RedeliveriesRequested.Collect(ch)
}
