package evaluator

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the evaluator's Prometheus metrics. Metrics is a
// prometheus.Collector: register it on the server's registry.
type Metrics struct {
	// Conclusions counts reported verdicts by tier and conclusion.
	Conclusions *prometheus.CounterVec
}

// NewMetrics builds the metrics, unregistered.
func NewMetrics() *Metrics {
	return &Metrics{
		Conclusions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tiergate_conclusions_total",
			Help: "Verdicts reported, by tier and conclusion.",
		}, []string{"tier", "conclusion"}),
	}
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) { m.Conclusions.Describe(ch) }

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) { m.Conclusions.Collect(ch) }
