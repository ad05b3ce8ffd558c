package ledger

import "github.com/prometheus/client_golang/prometheus"

// Metrics count what merges reveal. Metrics is a prometheus.Collector:
// register it on the server's registry. They are counted once per merge,
// when it is first recorded, so a redelivered event adds nothing.
type Metrics struct {
	// Bypasses counts merges whose head had no completed, non-failing
	// tiergate verdict, by repository (owner/name).
	Bypasses *prometheus.CounterVec
	// Overrides counts gates that an accepted override label turned from
	// failing into overridden on a merged head, by repository and gate.
	Overrides *prometheus.CounterVec
}

// NewMetrics builds the metrics, unregistered.
func NewMetrics() *Metrics {
	return &Metrics{
		Bypasses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tiergate_bypasses_total",
			Help: "Merged pull requests whose head had no completed, non-failing tiergate verdict, by repository.",
		}, []string{"repo"}),
		Overrides: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tiergate_overrides_total",
			Help: "Gates overridden by an accepted override label on a merged head, by repository and gate.",
		}, []string{"repo", "gate"}),
	}
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	m.Bypasses.Describe(ch)
	m.Overrides.Describe(ch)
}

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	m.Bypasses.Collect(ch)
	m.Overrides.Collect(ch)
}
