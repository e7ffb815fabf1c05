package audit

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/portcullis-dev/portcullis/engine"
)

// Defaults of Options, as in Gatekeeper.
const (
	DefaultInterval        = 60 * time.Second
	DefaultChunkSize       = 500
	DefaultViolationsLimit = 20
)

// Options tune an Auditor.
type Options struct {
	// Interval is the pause between the end of one run and the next.
	Interval time.Duration
	// ChunkSize is the page size of list calls.
	ChunkSize int64
	// Workers review objects in parallel; 0 means GOMAXPROCS.
	Workers int
	// ViolationsLimit caps status.violations of each constraint.
	ViolationsLimit int
	// MatchKindOnly lists only kinds that some constraint matches.
	MatchKindOnly bool
	// LogViolations logs one line per violation.
	LogViolations bool
}

// Engine is the part of *engine.Engine the audit uses.
type Engine interface {
	Constraints() []*engine.Constraint
	Review(ctx context.Context, r *engine.Review, enforcementPoint string) (*engine.Response, error)
}

var _ Engine = (*engine.Engine)(nil)

// EventRecorder records a core/v1 Event about an object; client-go's
// record.EventRecorder is one.
type EventRecorder interface {
	Eventf(object k8sruntime.Object, eventtype, reason, messageFmt string, args ...any)
}

// Auditor reviews existing objects against every constraint at the audit
// enforcement point and writes the results into constraint status. Add it to
// a manager as a Runnable; only the leader runs it.
type Auditor struct {
	Engine Engine
	// Source lists the objects to review.
	Source Source
	// Dynamic reads Namespaces and writes constraint status.
	Dynamic dynamic.Interface
	// Excluded reports namespaces the audit skips (Config exclusions for
	// the audit process, exempt namespaces). Nil skips none.
	Excluded func(namespace string) bool
	// Ready reports that the engine holds every template and constraint
	// present at start-up. Nil means ready.
	Ready func() bool
	// Clock is injected so that tests control timestamps and intervals.
	Clock clock.Clock
	// Events, when set, receives a Warning event per violation.
	Events EventRecorder
	// Metrics, when set, is updated after each run.
	Metrics *Metrics
	Options Options
}

// NeedLeaderElection is true: one replica audits, so replicas never fight
// over constraint status.
func (a *Auditor) NeedLeaderElection() bool { return true }

// Start waits for readiness, then runs an audit every Options.Interval until
// ctx ends. A failed run is logged; the next one runs as planned.
func (a *Auditor) Start(ctx context.Context) error {
	log := ctrl.LoggerFrom(ctx).WithName("audit")
	ctx = ctrl.LoggerInto(ctx, log)
	if err := a.waitReady(ctx); err != nil {
		return nil
	}
	log.Info("audit starting", logKeyInterval, a.interval().String())
	for {
		if _, err := a.RunOnce(ctx); err != nil && ctx.Err() == nil {
			log.Error(err, "audit run failed")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-a.Clock.After(a.interval()):
		}
	}
}

// waitReady returns once Ready reports true, or ctx's error.
func (a *Auditor) waitReady(ctx context.Context) error {
	for a.Ready != nil && !a.Ready() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-a.Clock.After(time.Second):
		}
	}
	return nil
}

func (a *Auditor) interval() time.Duration {
	if a.Options.Interval <= 0 {
		return DefaultInterval
	}
	return a.Options.Interval
}

func (a *Auditor) chunkSize() int64 {
	if a.Options.ChunkSize <= 0 {
		return DefaultChunkSize
	}
	return a.Options.ChunkSize
}

func (a *Auditor) workers() int {
	if a.Options.Workers <= 0 {
		return runtime.GOMAXPROCS(0)
	}
	return a.Options.Workers
}

// check reports missing required fields.
func (a *Auditor) check() error {
	var errs []error
	if a.Engine == nil {
		errs = append(errs, errors.New("Engine is nil"))
	}
	if a.Source == nil {
		errs = append(errs, errors.New("Source is nil"))
	}
	if a.Dynamic == nil {
		errs = append(errs, errors.New("Dynamic is nil"))
	}
	if a.Clock == nil {
		errs = append(errs, errors.New("Clock is nil"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("auditor: %w", err)
	}
	return nil
}
