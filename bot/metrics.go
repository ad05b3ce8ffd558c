package bot

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/tiergate/tiergate/bot/evaluator"
	"github.com/tiergate/tiergate/bot/ghclient"
	"github.com/tiergate/tiergate/bot/intake"
	"github.com/tiergate/tiergate/bot/ledger"
	"github.com/tiergate/tiergate/bot/queue"
	"github.com/tiergate/tiergate/bot/sweep"
)

// Metrics are the server's Prometheus metrics: each part's own metrics,
// registered on one registry. One value is built per server (no global
// registry) so tests can run servers side by side.
type Metrics struct {
	Registry *prometheus.Registry

	Queue     *queue.Metrics
	Intake    *intake.Metrics
	GitHub    *ghclient.Metrics
	Evaluator *evaluator.Metrics
	Sweep     *sweep.Metrics
	Ledger    *ledger.Metrics
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
	"tiergate_bypasses_total",
	"tiergate_overrides_total",
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
		Queue:     queue.NewMetrics(),
		Ledger:    ledger.NewMetrics(),
	}
	m.Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.Queue, m.Intake, m.GitHub, m.Evaluator, m.Sweep, m.Ledger,
	)
	return m
}
