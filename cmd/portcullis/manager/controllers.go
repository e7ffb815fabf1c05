package manager

import (
	"context"
	"fmt"
	"sort"

	"k8s.io/client-go/dynamic"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/portcullis-dev/portcullis/controllers"
)

// setupControllers wires the template, constraint and Config controllers,
// the inventory syncer and the start-up readiness seeder.
func setupControllers(mgr ctrl.Manager, deps *Deps) error {
	dyn, err := dynamic.NewForConfig(mgr.GetConfig())
	if err != nil {
		return fmt.Errorf("dynamic client: %w", err)
	}
	watches := &controllers.ConstraintWatches{
		Cache: mgr.GetCache(),
		NewReconciler: func(kind string) reconcile.Reconciler {
			return &controllers.ConstraintReconciler{
				Kind:       kind,
				Reader:     mgr.GetCache(),
				Client:     mgr.GetClient(),
				Engine:     deps.Engine,
				Tracker:    deps.Tracker,
				PodName:    deps.Options.PodName,
				SkipStatus: !deps.Options.Runs(OperationStatus),
			}
		},
	}
	syncer := &controllers.Syncer{
		Dynamic:  dyn,
		Mapper:   mgr.GetRESTMapper(),
		Engine:   deps.Engine,
		Tracker:  deps.Tracker,
		Excluder: deps.Excluder,
	}
	deps.Syncer = syncer
	seeder := &controllers.ReadinessSeeder{
		Reader:    mgr.GetAPIReader(),
		Namespace: deps.Options.Namespace,
		Tracker:   deps.Tracker,
	}
	for _, r := range []interface {
		Start(ctx context.Context) error
	}{watches, syncer, seeder} {
		if err := mgr.Add(r); err != nil {
			return fmt.Errorf("add runnable: %w", err)
		}
	}
	templates := &controllers.TemplateReconciler{
		Client:     mgr.GetClient(),
		Engine:     deps.Engine,
		Watches:    watches,
		Tracker:    deps.Tracker,
		PodName:    deps.Options.PodName,
		SkipStatus: !deps.Options.Runs(OperationStatus),
		Operations: runningOperations(deps.Options),
	}
	if err := templates.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("set up template controller: %w", err)
	}
	config := &controllers.ConfigReconciler{
		Client:    mgr.GetClient(),
		Namespace: deps.Options.Namespace,
		Syncer:    syncer,
		Excluder:  deps.Excluder,
		Tracker:   deps.Tracker,
	}
	if err := config.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("set up config controller: %w", err)
	}
	return nil
}

// runningOperations lists the operations this process runs, sorted.
func runningOperations(o *Options) []string {
	var out []string
	for _, op := range allOperations {
		if o.Runs(op) {
			out = append(out, op)
		}
	}
	sort.Strings(out)
	return out
}
