package controllers

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	configv1alpha1 "github.com/portcullis-dev/portcullis/apis/config/v1alpha1"
)

// syncRetryInterval is how soon a Config naming a kind the API server does
// not serve (yet) is tried again.
const syncRetryInterval = 30 * time.Second

// ConfigReconciler applies the Config named "config" in the manager's
// namespace: namespace exclusions and the kinds synced into the inventory.
type ConfigReconciler struct {
	Client    client.Reader
	Namespace string
	Syncer    *Syncer
	Excluder  *NamespaceExcluder
	Tracker   *ReadyTracker
}

// +kubebuilder:rbac:groups=config.gatekeeper.sh,resources=configs,verbs=get;list;watch
// +kubebuilder:rbac:groups=config.gatekeeper.sh,resources=configs/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=*,resources=*,verbs=get;list;watch

// SetupWithManager registers the reconciler; it runs in every pod.
func (r *ConfigReconciler) SetupWithManager(mgr ctrl.Manager) error {
	only := predicate.NewPredicateFuncs(func(o client.Object) bool {
		return o.GetNamespace() == r.Namespace && o.GetName() == configv1alpha1.ConfigName
	})
	return ctrl.NewControllerManagedBy(mgr).
		Named("config").
		For(&configv1alpha1.Config{}, builder.WithPredicates(only)).
		WithOptions(controller.Options{NeedLeaderElection: ptr.To(false)}).
		Complete(r)
}

// Reconcile applies the Config; a missing Config means no sync and no
// exclusions.
func (r *ConfigReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	cfg := &configv1alpha1.Config{}
	if err := r.Client.Get(ctx, req.NamespacedName, cfg); err != nil {
		if !apierrors.IsNotFound(err) {
			return ctrl.Result{}, fmt.Errorf("get config: %w", err)
		}
		cfg = &configv1alpha1.Config{}
	}
	if !cfg.DeletionTimestamp.IsZero() {
		cfg = &configv1alpha1.Config{}
	}
	// 1. Exclusions first, so newly synced objects are filtered.
	if r.Excluder.Set(cfg.Spec.Match) {
		r.Syncer.Refilter()
	}
	// 2. Start and stop informers for the synced kinds.
	err := r.Syncer.SetKinds(ctx, GVKs(cfg))
	r.Tracker.Observe(ConfigKey)
	if err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "sync incomplete, will retry")
		return ctrl.Result{RequeueAfter: syncRetryInterval}, nil
	}
	return ctrl.Result{}, nil
}
