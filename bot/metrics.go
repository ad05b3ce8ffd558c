package bot

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/tiergate/tiergate/bot/evaluator"
	"github.com/tiergate/tiergate/bot/ghclient"
	"github.com/tiergate/tiergate/bot/intake"
	"github.com/tiergate/tiergate/bot/sweep"
)

// Metrics are the server's Prometheus metrics: each part's own metrics,
// registered on one registry. One value is built per server (no global
// registry) so tests can run servers side by side.
type Metrics struct {
	Registry *prometheus.Registry

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

	Intake    *intake.Metrics
	GitHub    *ghclient.Metrics
	Evaluator *evaluator.Metrics
	Sweep     *sweep.Metrics
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
		Registry:  prometheus.NewRegistry(),
		Intake:    intake.NewMetrics(),
		GitHub:    ghclient.NewMetrics(),
		Evaluator: evaluator.NewMetrics(),
		Sweep:     sweep.NewMetrics(),
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
	}
	m.Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.QueueDepth, m.OldestDueSeconds, m.InFlight, m.Evaluations, m.EvaluationSeconds,
		m.Intake, m.GitHub, m.Evaluator, m.Sweep,
	)
	return m
}
