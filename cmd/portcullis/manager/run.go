package manager

import (
	"context"
	"fmt"

	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	configv1alpha1 "github.com/portcullis-dev/portcullis/apis/config/v1alpha1"
	"github.com/portcullis-dev/portcullis/controllers"
	"github.com/portcullis-dev/portcullis/engine"
)

// LeaderElectionID names the lease for leader-only work.
const LeaderElectionID = "portcullis-manager-leader"

// Deps are the pieces shared by the manager's parts.
type Deps struct {
	Options  *Options
	Engine   *engine.Engine
	Tracker  *controllers.ReadyTracker
	Excluder *controllers.NamespaceExcluder
	// Syncer mirrors the Config's syncOnly kinds; set by setupControllers.
	Syncer *controllers.Syncer
}

// setupFunc wires one concern into the manager.
type setupFunc func(mgr ctrl.Manager, deps *Deps) error

// setups lists the concerns, in order; webhook and audit add theirs here.
var setups = []setupFunc{
	setupControllers,
	setupHealth,
	setupWebhook,
	setupAudit,
}

// Run builds the manager against cfg and runs it until ctx ends.
func Run(ctx context.Context, cfg *rest.Config, opts *Options) error {
	mgr, err := newManager(cfg, opts)
	if err != nil {
		return err
	}
	deps := &Deps{
		Options:  opts,
		Engine:   opts.Engine.New(),
		Tracker:  controllers.NewReadyTracker(),
		Excluder: &controllers.NamespaceExcluder{},
	}
	// Once per process: the registry is global, and tests run several
	// managers in one process through runManager.
	if err := registerEngineMetrics(metrics.Registry, deps.Engine); err != nil {
		return err
	}
	return runManager(ctx, mgr, deps)
}

// setupAudit adds the leader-only audit of existing objects.
func setupAudit(mgr ctrl.Manager, deps *Deps) error { return deps.Options.Audit.Setup(mgr, deps) }

// runManager wires deps into mgr and runs it until ctx ends.
func runManager(ctx context.Context, mgr ctrl.Manager, deps *Deps) error {
	for _, setup := range setups {
		if err := setup(mgr, deps); err != nil {
			return err
		}
	}
	ctrl.LoggerFrom(ctx).Info("starting manager", "namespace", deps.Options.Namespace, "pod", deps.Options.PodName)
	if err := mgr.Start(ctx); err != nil {
		return fmt.Errorf("run manager: %w", err)
	}
	return nil
}

// newManager creates the manager; tune lets tests adjust its options.
func newManager(cfg *rest.Config, opts *Options, tune ...func(*ctrl.Options)) (ctrl.Manager, error) {
	pprof, err := opts.pprofAddr()
	if err != nil {
		return nil, err
	}
	mo := ctrl.Options{
		Scheme:                  NewScheme(),
		Metrics:                 metricsserver.Options{BindAddress: opts.MetricsAddr},
		HealthProbeBindAddress:  opts.HealthAddr,
		PprofBindAddress:        pprof,
		LeaderElection:          opts.LeaderElect,
		LeaderElectionID:        LeaderElectionID,
		LeaderElectionNamespace: opts.Namespace,
		Cache: cache.Options{ByObject: map[client.Object]cache.ByObject{
			&configv1alpha1.Config{}: {Namespaces: map[string]cache.Config{opts.Namespace: {}}},
		}},
	}
	for _, f := range tune {
		f(&mo)
	}
	mgr, err := ctrl.NewManager(cfg, mo)
	if err != nil {
		return nil, fmt.Errorf("create manager: %w", err)
	}
	return mgr, nil
}

// setupHealth serves /healthz (live from the start) and /readyz (ready once
// everything present at start-up is in the engine).
func setupHealth(mgr ctrl.Manager, deps *Deps) error {
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return fmt.Errorf("add healthz check: %w", err)
	}
	if err := mgr.AddReadyzCheck("engine-loaded", deps.Tracker.Check); err != nil {
		return fmt.Errorf("add readyz check: %w", err)
	}
	return nil
}
