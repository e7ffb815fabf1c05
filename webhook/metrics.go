package webhook

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/portcullis-dev/portcullis/engine"
)

// Metrics counts webhook decisions. Names follow Gatekeeper's, so existing
// dashboards keep working.
type Metrics struct {
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	violations *prometheus.CounterVec
}

// NewMetrics registers the webhook's metrics with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatekeeper_validation_request_count",
			Help: "Validation requests answered, by decision (allow, warn, deny) and whether they were dry runs.",
		}, []string{"admission_status", "admission_dryrun"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gatekeeper_validation_request_duration_seconds",
			Help:    "Time to answer a validation request, by decision.",
			Buckets: []float64{0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1, 3},
		}, []string{"admission_status"}),
		violations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "portcullis_validation_violations_total",
			Help: "Violations found by the webhook, by enforcement action (deny, warn, dryrun).",
		}, []string{"enforcement_action"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.violations} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *Metrics) observe(status string, dryRun bool, d *Decision, took time.Duration) {
	m.requests.WithLabelValues(status, strconv.FormatBool(dryRun)).Inc()
	m.duration.WithLabelValues(status).Observe(took.Seconds())
	if d == nil {
		return
	}
	m.violations.WithLabelValues(string(engine.Deny)).Add(float64(len(d.Denials)))
	m.violations.WithLabelValues(string(engine.Warn)).Add(float64(len(d.Warnings)))
	m.violations.WithLabelValues(string(engine.Dryrun)).Add(float64(len(d.DryRuns)))
}
