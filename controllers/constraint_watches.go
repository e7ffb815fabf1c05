package controllers

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
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

// restartDelay is the pause before a failed constraint controller is restarted.
const restartDelay = 5 * time.Second

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
	c, err := w.newController(kind, log)
	if err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(ctrl.LoggerInto(w.life.context(), log))
	kw := &kindWatch{cancel: cancel}
	w.running[kind] = kw
	go w.run(runCtx, kind, kw, c)
	return nil
}

// newController builds an unstarted controller watching kind.
func (w *ConstraintWatches) newController(kind string, log logr.Logger) (controller.Controller, error) {
	c, err := controller.NewUnmanaged("constraint-"+strings.ToLower(kind), controller.Options{
		Reconciler:         w.NewReconciler(kind),
		SkipNameValidation: ptr.To(true),
		NeedLeaderElection: ptr.To(false),
		Logger:             log,
	})
	if err != nil {
		return nil, fmt.Errorf("new constraint controller: %w", err)
	}
	obj := &unstructured.Unstructured{}
	obj.SetGroupVersionKind(constraintcrd.GVK(kind))
	src := source.Kind(w.Cache, obj,
		&handler.TypedEnqueueRequestForObject[*unstructured.Unstructured]{},
		predicate.TypedGenerationChangedPredicate[*unstructured.Unstructured]{})
	if err := c.Watch(src); err != nil {
		return nil, fmt.Errorf("watch constraints: %w", err)
	}
	return c, nil
}

// run runs one kind's controller until Remove or the manager stops it. A
// controller that stops on its own (its cache never synced, say) is rebuilt
// and restarted after restartDelay.
func (w *ConstraintWatches) run(ctx context.Context, kind string, kw *kindWatch, c controller.Controller) {
	log := ctrl.LoggerFrom(ctx)
	for {
		err := c.Start(ctx)
		if ctx.Err() != nil {
			return
		}
		log.Error(err, "constraint controller stopped, restarting")
		select {
		case <-ctx.Done():
			return
		case <-time.After(restartDelay):
		}
		if c, err = w.newController(kind, log); err != nil {
			log.Error(err, "constraint controller not restarted")
			w.mu.Lock()
			if w.running[kind] == kw {
				delete(w.running, kind)
			}
			w.mu.Unlock()
			return
		}
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
