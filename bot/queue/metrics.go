package queue

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the queues' Prometheus metrics. Metrics is a
// prometheus.Collector: register it on the server's registry.
type Metrics struct {
	// Depth is the number of pull requests waiting for evaluation, not
	// counting those parked until a revisit (see Revisit).
	Depth prometheus.Gauge
	// OldestDueSeconds is how long the longest-waiting due work has waited
	// (PostgreSQL mode, from the database).
	OldestDueSeconds prometheus.Gauge
	// InFlight is the number of evaluations running now.
	InFlight prometheus.Gauge
	// Evaluations counts finished evaluations by outcome (ok, error,
	// superseded, skipped, pending: waiting for required CI checks).
	Evaluations *prometheus.CounterVec
	// EvaluationSeconds is the latency of one evaluation, gather to report.
	EvaluationSeconds prometheus.Histogram
}

// NewMetrics builds the metrics, unregistered.
func NewMetrics() *Metrics {
	return &Metrics{
		Depth: prometheus.NewGauge(prometheus.GaugeOpts{
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
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	m.Depth.Describe(ch)
	m.OldestDueSeconds.Describe(ch)
	m.InFlight.Describe(ch)
	m.Evaluations.Describe(ch)
	m.EvaluationSeconds.Describe(ch)
}

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	m.Depth.Collect(ch)
	m.OldestDueSeconds.Collect(ch)
	m.InFlight.Collect(ch)
	m.Evaluations.Collect(ch)
	m.EvaluationSeconds.Collect(ch)
}
