package controllers

import (
	"context"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/portcullis-dev/portcullis/controllers/constraintcrd"
)

// ConstraintWatches runs one controller per constraint kind, started when
// the kind's CRD is established and stopped when its template goes away,
// without restarting the manager. Add it to the manager as a Runnable.
type ConstraintWatches struct {
	// Cache supplies the informers; the manager's cache.
	Cache cache.Cache
	// NewReconciler builds the reconciler for one kind.
	NewReconciler func(kind string) reconcile.Reconciler

	life    lifetime
	mu      sync.Mutex
	running map[string]*kindWatch
}

type kindWatch struct {
	cancel context.CancelFunc
}

// Start blocks until the manager stops, then stops every kind's controller.
func (w *ConstraintWatches) Start(ctx context.Context) error {
	return w.life.run(ctx)
}

// NeedLeaderElection is false: every pod's engine needs every constraint.
func (w *ConstraintWatches) NeedLeaderElection() bool { return false }

// Running reports whether a controller runs for kind.
func (w *ConstraintWatches) Running(kind string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, ok := w.running[kind]
	return ok
}

// Ensure starts the controller for kind if it is not running.
func (w *ConstraintWatches) Ensure(ctx context.Context, kind string) error {
	log := ctrl.LoggerFrom(ctx).WithValues(logKeyKind, kind)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.running == nil {
		w.running = map[string]*kindWatch{}
	}
	if _, ok := w.running[kind]; ok {
		return nil
	}
	c, err := controller.NewUnmanaged("constraint-"+strings.ToLower(kind), controller.Options{
		Reconciler:         w.NewReconciler(kind),
		SkipNameValidation: ptr.To(true),
		NeedLeaderElection: ptr.To(false),
		Logger:             log,
	})
	if err != nil {
		return err
	}
	obj := &unstructured.Unstructured{}
	obj.SetGroupVersionKind(constraintcrd.GVK(kind))
	src := source.Kind(w.Cache, obj,
		&handler.TypedEnqueueRequestForObject[*unstructured.Unstructured]{},
		predicate.TypedGenerationChangedPredicate[*unstructured.Unstructured]{})
	if err := c.Watch(src); err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(ctrl.LoggerInto(w.life.context(), log))
	kw := &kindWatch{cancel: cancel}
	w.running[kind] = kw
	go w.run(runCtx, kind, kw, c)
	return nil
}

// run runs one kind's controller and forgets it if it stops on its own, so
// a later Ensure can start it again.
func (w *ConstraintWatches) run(ctx context.Context, kind string, kw *kindWatch, c controller.Controller) {
	if err := c.Start(ctx); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "constraint controller stopped")
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.running[kind] == kw {
		delete(w.running, kind)
	}
}

// Remove stops the controller for kind and drops its informer.
func (w *ConstraintWatches) Remove(ctx context.Context, kind string) {
	w.mu.Lock()
	kw, ok := w.running[kind]
	delete(w.running, kind)
	w.mu.Unlock()
	if !ok {
		return
	}
	kw.cancel()
	obj := &unstructured.Unstructured{}
	obj.SetGroupVersionKind(constraintcrd.GVK(kind))
	if err := w.Cache.RemoveInformer(ctx, obj); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "remove constraint informer", logKeyKind, kind)
	}
}
