package audit

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	ctrl "sigs.k8s.io/controller-runtime"
)

// Summary is what one run did.
type Summary struct {
	Start    time.Time
	Duration time.Duration
	// Constraints is the number of constraints reported on.
	Constraints int
	// Resources is the number of resource types listed.
	Resources int
	// Reviewed counts objects reviewed (excluded namespaces not counted).
	Reviewed int64
	// ViolationsByAction counts violations by enforcement action.
	ViolationsByAction map[string]int64
	// ResourceErrors counts resource types (or API groups) that could not
	// be discovered or listed.
	ResourceErrors int
	// EvaluationErrors counts constraints that failed to evaluate.
	EvaluationErrors int64
	// StatusWrites and StatusErrors count constraint status writes.
	StatusWrites int
	StatusErrors int
}

// RunOnce audits every object once and writes each constraint's status. It
// fails only when the run as a whole cannot proceed (ctx done, Namespaces
// not listable, discovery found nothing), and then writes no status; a
// resource type that cannot be listed is logged, counted
// in the Summary and skipped.
func (a *Auditor) RunOnce(ctx context.Context) (*Summary, error) {
	if err := a.check(); err != nil {
		return nil, err
	}
	log := ctrl.LoggerFrom(ctx)
	start := a.Clock.Now()
	a.Metrics.runStarted(start)
	constraints := a.Engine.Constraints()
	refs := make([]constraintRef, 0, len(constraints))
	for _, c := range constraints {
		refs = append(refs, constraintRef{Kind: c.Kind, Name: c.Name})
	}
	namespaces, err := listNamespaces(ctx, a.Dynamic, a.chunkSize())
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	wanted := AllKinds()
	if a.Options.MatchKindOnly {
		wanted = MatchedKinds(constraints)
	}
	s := &Summary{Start: start, Constraints: len(refs)}
	resources, err := a.Source.Resources(ctx, wanted)
	switch {
	case err != nil && len(resources) == 0:
		// Writing status now would report every constraint as clean.
		return nil, fmt.Errorf("audit: %w", err)
	case err != nil:
		log.Error(err, "audit discovery incomplete")
		s.ResourceErrors++
	}
	s.Resources = len(resources)
	t := newTally(a.Options.ViolationsLimit, refs)
	r := &reviewer{auditor: a, namespaces: namespaces, tally: t, log: log}
	s.ResourceErrors += r.reviewAll(ctx, resources)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	a.writeStatus(ctx, t.results(), start, s)
	s.Reviewed, s.EvaluationErrors, s.ViolationsByAction = t.reviewed, t.evalErrors, maps.Clone(t.byAction)
	end := a.Clock.Now()
	s.Duration = end.Sub(start)
	a.Metrics.runEnded(s, end)
	logSummary(log, s)
	return s, nil
}

// reviewAll lists every resource type and reviews its objects with a pool
// of workers. Only a few pages are held at once. It returns the number of
// resource types that could not be listed.
func (r *reviewer) reviewAll(ctx context.Context, resources []Resource) int {
	a := r.auditor
	chunk := a.chunkSize()
	jobs := make(chan *unstructured.Unstructured, chunk)
	var wg sync.WaitGroup
	for range a.workers() {
		wg.Go(func() {
			for obj := range jobs {
				r.review(ctx, obj)
			}
		})
	}
	failed := 0
	for _, res := range resources {
		err := a.Source.List(ctx, res, chunk, func(items []unstructured.Unstructured) error {
			for i := range items {
				select {
				case jobs <- &items[i]:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return nil
		})
		if err != nil && ctx.Err() == nil {
			failed++
			r.log.Error(err, "audit could not list resource", logKeyResource, res.GVR.String())
		}
	}
	close(jobs)
	wg.Wait()
	return failed
}

// writeStatus writes every constraint's result.
func (a *Auditor) writeStatus(ctx context.Context, results []constraintResult, start time.Time, s *Summary) {
	writer := &StatusWriter{Dynamic: a.Dynamic}
	for _, res := range results {
		wrote, err := writer.Write(ctx, res, start)
		if err != nil {
			s.StatusErrors++
			ctrl.LoggerFrom(ctx).Error(err, "audit could not write constraint status",
				logKeyConstraintKind, res.Ref.Kind, logKeyConstraint, res.Ref.Name)
			continue
		}
		if wrote {
			s.StatusWrites++
		}
	}
}

// logSummary logs the one line per run.
func logSummary(log logr.Logger, s *Summary) {
	var total int64
	for _, n := range s.ViolationsByAction {
		total += n
	}
	log.Info("audit run finished",
		logKeyDuration, s.Duration.String(),
		logKeyReviewed, s.Reviewed,
		logKeyViolations, total,
		logKeyConstraints, s.Constraints,
		logKeyResources, s.Resources,
		logKeyResourceErrors, s.ResourceErrors,
		logKeyEvalErrors, s.EvaluationErrors,
		logKeyStatusWrites, s.StatusWrites,
		logKeyStatusErrors, s.StatusErrors,
	)
}
