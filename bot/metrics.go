package bot

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the server's Prometheus metrics. One value is built per
// server (no global registry) so tests can run servers side by side.
type Metrics struct {
	Registry *prometheus.Registry

	// Deliveries counts webhook deliveries by event and outcome
	// (accepted, ignored, duplicate, bad_signature, bad_request, too_large,
	// queue_full, draining, store_unavailable).
	Deliveries *prometheus.CounterVec
	// QueueDepth is the number of pull requests waiting for evaluation.
	QueueDepth prometheus.Gauge
	// OldestDueSeconds is how long the longest-waiting due work has waited
	// (PostgreSQL mode, from the database).
	OldestDueSeconds prometheus.Gauge
	// InFlight is the number of evaluations running now.
	InFlight prometheus.Gauge
	// Evaluations counts finished evaluations by outcome (ok, error, skipped).
	Evaluations *prometheus.CounterVec
	// EvaluationSeconds is the latency of one evaluation, gather to report.
	EvaluationSeconds prometheus.Histogram
	// GitHubRequests counts REST calls by endpoint template and status code.
	GitHubRequests *prometheus.CounterVec
	// GitHubRetries counts retried REST calls by reason (5xx, timeout, rate_limit).
	GitHubRetries *prometheus.CounterVec
	// RateLimitRemaining is the last X-RateLimit-Remaining seen.
	RateLimitRemaining prometheus.Gauge
	// Conclusions counts reported verdicts by tier and conclusion.
	Conclusions *prometheus.CounterVec
	// SweepRuns counts sweeps by outcome (ok, partial, error, skipped).
	SweepRuns *prometheus.CounterVec
	// SweepPullRequestsWithoutCheck counts pull requests a sweep queued
	// because their head had no current completed check.
	SweepPullRequestsWithoutCheck prometheus.Counter
	// RedeliveriesRequested counts failed deliveries GitHub was asked to redeliver.
	RedeliveriesRequested prometheus.Counter
}

// MetricNames lists every metric the server exports (docs and dashboard
// tests read it).
var MetricNames = []string{
	"tiergate_webhook_deliveries_total",
	"tiergate_queue_depth",
	"tiergate_queue_oldest_due_seconds",
	"tiergate_evaluations_in_flight",
	"tiergate_evaluations_total",
	"tiergate_evaluation_duration_seconds",
	"tiergate_github_requests_total",
	"tiergate_github_retries_total",
	"tiergate_github_rate_limit_remaining",
	"tiergate_conclusions_total",
	"tiergate_sweep_runs_total",
	"tiergate_sweep_pull_requests_without_check_total",
	"tiergate_redeliveries_requested_total",
}

// NewMetrics builds the metrics on a fresh registry that also carries the Go
// runtime and process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		Deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tiergate_webhook_deliveries_total",
			Help: "Webhook deliveries received, by event and outcome.",
		}, []string{"event", "outcome"}),
		QueueDepth: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tiergate_queue_depth",
			Help: "Pull requests waiting for evaluation.",
		}),
		OldestDueSeconds: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tiergate_queue_oldest_due_seconds",
			Help: "How long the longest-waiting due work has waited (PostgreSQL mode; 0 in memory mode).",
		}),
		InFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tiergate_evaluations_in_flight",
			Help: "Evaluations running now.",
		}),
		Evaluations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tiergate_evaluations_total",
			Help: "Finished evaluations, by outcome.",
		}, []string{"outcome"}),
		EvaluationSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "tiergate_evaluation_duration_seconds",
			Help:    "Time to evaluate one pull request, from gathering to reporting.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60},
		}),
		GitHubRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tiergate_github_requests_total",
			Help: "GitHub REST requests, by endpoint template and HTTP status.",
		}, []string{"endpoint", "status"}),
		GitHubRetries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tiergate_github_retries_total",
			Help: "GitHub REST requests retried, by reason.",
		}, []string{"reason"}),
		RateLimitRemaining: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tiergate_github_rate_limit_remaining",
			Help: "Requests left in the current GitHub rate-limit window, as last reported.",
		}),
		Conclusions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tiergate_conclusions_total",
			Help: "Verdicts reported, by tier and conclusion.",
		}, []string{"tier", "conclusion"}),
		SweepRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tiergate_sweep_runs_total",
			Help: "Sweeps, by outcome (ok, partial: stopped by the request budget or rate limit, error, skipped: another replica ran it).",
		}, []string{"outcome"}),
		SweepPullRequestsWithoutCheck: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tiergate_sweep_pull_requests_without_check_total",
			Help: "Open pull requests a sweep queued: no completed check on the head, one stuck in progress, or one computed with an older config.",
		}),
		RedeliveriesRequested: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tiergate_redeliveries_requested_total",
			Help: "Failed webhook deliveries GitHub was asked to redeliver.",
		}),
	}
	m.Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.Deliveries, m.QueueDepth, m.OldestDueSeconds, m.InFlight, m.Evaluations, m.EvaluationSeconds,
		m.GitHubRequests, m.GitHubRetries, m.RateLimitRemaining, m.Conclusions,
		m.SweepRuns, m.SweepPullRequestsWithoutCheck, m.RedeliveriesRequested,
	)
	return m
}
