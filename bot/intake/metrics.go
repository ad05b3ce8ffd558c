package intake

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the intake's Prometheus metrics. Metrics is a
// prometheus.Collector: register it on the server's registry.
type Metrics struct {
	// Deliveries counts webhook deliveries by event and outcome
	// (accepted, ignored, duplicate, bad_signature, bad_request, too_large,
	// busy, queue_full, draining, store_unavailable).
	Deliveries *prometheus.CounterVec
}

// NewMetrics builds the metrics, unregistered.
func NewMetrics() *Metrics {
	return &Metrics{
		Deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tiergate_webhook_deliveries_total",
			Help: "Webhook deliveries received, by event and outcome.",
		}, []string{"event", "outcome"}),
	}
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) { m.Deliveries.Describe(ch) }

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) { m.Deliveries.Collect(ch) }
