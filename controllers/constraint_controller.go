package controllers

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/portcullis-dev/portcullis/controllers/constraintcrd"
	"github.com/portcullis-dev/portcullis/engine"
)

// ConstraintReconciler loads the constraints of one kind into the engine
// and reports, in status.byPod, whether this pod enforces each one.
type ConstraintReconciler struct {
	Kind string
	// Reader reads constraints, normally from the informer cache.
	Reader client.Reader
	// Client writes status; its reads go to the API server.
	Client  client.Client
	Engine  ConstraintEngine
	Tracker *ReadyTracker
	PodName string
	// SkipStatus leaves constraint status alone, for pods that do not run
	// the status operation.
	SkipStatus bool
}

// +kubebuilder:rbac:groups=constraints.gatekeeper.sh,resources=*,verbs=get;list;watch
// +kubebuilder:rbac:groups=constraints.gatekeeper.sh,resources=*/status,verbs=get;update;patch

// Reconcile adds, replaces or removes one constraint in the engine.
func (r *ConstraintReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	log := ctrl.LoggerFrom(ctx).WithValues(logKeyKind, r.Kind, logKeyConstraint, req.Name)
	key := ConstraintKey(r.Kind, req.Name)
	obj := &unstructured.Unstructured{}
	obj.SetGroupVersionKind(constraintcrd.GVK(r.Kind))
	if err := r.Reader.Get(ctx, req.NamespacedName, obj); err != nil {
		if apierrors.IsNotFound(err) {
			r.Engine.RemoveConstraint(r.Kind, req.Name)
			r.Tracker.Observe(key)
			log.V(1).Info("removed constraint")
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, fmt.Errorf("get constraint: %w", err)
	}
	if !obj.GetDeletionTimestamp().IsZero() {
		r.Engine.RemoveConstraint(r.Kind, req.Name)
		return ctrl.Result{}, nil
	}

	loadErr := r.load(obj)
	// A constraint that cannot load must not hold readiness back forever.
	r.Tracker.Observe(key)
	entry := constraintPodStatus{
		ID:                 r.PodName,
		ObservedGeneration: obj.GetGeneration(),
		Enforced:           loadErr == nil,
	}
	if loadErr != nil {
		entry.Errors = []constraintError{{Message: loadErr.Error()}}
	}
	if err := r.patchByPod(ctx, req.Name, entry); err != nil {
		return ctrl.Result{}, err
	}
	if loadErr != nil {
		// controller-runtime logs the terminal error; it is not retried.
		return ctrl.Result{}, reconcile.TerminalError(loadErr)
	}
	log.V(1).Info("loaded constraint")
	return ctrl.Result{}, nil
}

// load parses the constraint and adds it to the engine.
func (r *ConstraintReconciler) load(obj *unstructured.Unstructured) error {
	c, err := engine.ParseConstraint(obj.Object)
	if err != nil {
		return fmt.Errorf("parse constraint: %w", err)
	}
	if err := r.Engine.AddConstraint(c); err != nil {
		return fmt.Errorf("add constraint: %w", err)
	}
	return nil
}
