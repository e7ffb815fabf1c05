package audit

import (
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the audit's Prometheus metrics. Names follow Gatekeeper's
// where Gatekeeper has one.
type Metrics struct {
	duration       prometheus.Histogram
	lastStart      prometheus.Gauge
	lastEnd        prometheus.Gauge
	violations     *prometheus.GaugeVec
	reviewed       prometheus.Gauge
	resourceErrors prometheus.Gauge
}

// NewMetrics creates the audit metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "gatekeeper_audit_duration_seconds",
			Help:    "Wall time of one audit run, in seconds.",
			Buckets: []float64{1, 5, 10, 30, 60, 120, 300, 600, 1200},
		}),
		lastStart: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "gatekeeper_audit_last_run_time",
			Help: "Start of the last audit run, in seconds since the Unix epoch.",
		}),
		lastEnd: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "gatekeeper_audit_last_run_end_time",
			Help: "End of the last audit run, in seconds since the Unix epoch.",
		}),
		violations: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "gatekeeper_violations",
			Help: "Violations found by the last audit run, by enforcement action.",
		}, []string{"enforcement_action"}),
		reviewed: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "portcullis_audit_objects_reviewed",
			Help: "Objects reviewed by the last audit run.",
		}),
		resourceErrors: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "portcullis_audit_resource_errors",
			Help: "Resource types the last audit run could not discover or list.",
		}),
	}
	var errs []error
	for _, c := range []prometheus.Collector{m.duration, m.lastStart, m.lastEnd, m.violations, m.reviewed, m.resourceErrors} {
		errs = append(errs, reg.Register(c))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("register audit metrics: %w", err)
	}
	return m, nil
}

// runStarted records the start of a run.
func (m *Metrics) runStarted(start time.Time) {
	if m == nil {
		return
	}
	m.lastStart.Set(float64(start.UnixNano()) / 1e9)
}

// runEnded records what a run found.
func (m *Metrics) runEnded(s *Summary, end time.Time) {
	if m == nil {
		return
	}
	m.duration.Observe(s.Duration.Seconds())
	m.lastEnd.Set(float64(end.UnixNano()) / 1e9)
	m.reviewed.Set(float64(s.Reviewed))
	m.resourceErrors.Set(float64(s.ResourceErrors))
	// Every known action is set, so that a count that dropped to zero
	// reads zero rather than keeping its old value.
	for _, action := range []string{"deny", "warn", "dryrun"} {
		m.violations.WithLabelValues(action).Set(0)
	}
	for action, n := range s.ViolationsByAction {
		m.violations.WithLabelValues(action).Set(float64(n))
	}
}
