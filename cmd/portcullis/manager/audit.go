package manager

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	configv1alpha1 "github.com/portcullis-dev/portcullis/apis/config/v1alpha1"
	"github.com/portcullis-dev/portcullis/audit"
	"github.com/portcullis-dev/portcullis/engine/match"
)

// auditEventSource is the reporting controller of audit events.
const auditEventSource = "portcullis-audit"

// errAuditFromCache is returned for --audit-from-cache when this process
// syncs no inventory to audit.
var errAuditFromCache = errors.New("--audit-from-cache: this process runs no inventory sync to audit from")

// AuditOptions configure the audit of existing objects.
type AuditOptions struct {
	audit.Options
	// FromCache audits the synced inventory instead of listing.
	FromCache bool
	// EmitEvents records a Kubernetes Event per violation.
	EmitEvents bool
	// Disabled is set by --audit-interval=0, which turns the audit off as
	// it does in Gatekeeper.
	Disabled bool
}

// AddFlags binds the audit options to fs.
func (o *AuditOptions) AddFlags(fs *pflag.FlagSet) {
	o.Interval = audit.DefaultInterval
	fs.Var((*intervalFlag)(o), "audit-interval", "pause between the end of one audit run and the start of the next: a duration (90s, 5m) or whole seconds as Gatekeeper takes it (60); 0 turns the audit off")
	fs.Int64Var(&o.ChunkSize, "audit-chunk-size", audit.DefaultChunkSize, "objects per list call; lists are paged so memory does not grow with the cluster")
	fs.IntVar(&o.Workers, "audit-workers", 0, "objects reviewed in parallel; 0 uses one per CPU")
	fs.IntVar(&o.ViolationsLimit, "constraint-violations-limit", audit.DefaultViolationsLimit, "violations kept in each constraint's status (the total is always reported)")
	fs.BoolVar(&o.MatchKindOnly, "audit-match-kind-only", false, "list only the kinds some constraint matches")
	fs.BoolVar(&o.FromCache, "audit-from-cache", false, "audit the objects synced into the inventory instead of listing from the API server")
	fs.BoolVar(&o.LogViolations, "log-violations", false, "log one line per violation found by the audit")
	fs.BoolVar(&o.EmitEvents, "emit-audit-events", false, "record a Warning Event on each object that violates a constraint")
}

// intervalFlag is --audit-interval: a Go duration, or a whole number of
// seconds, the form Gatekeeper's flag takes, so its arguments carry over.
// Zero turns the audit off.
type intervalFlag AuditOptions

func (f *intervalFlag) String() string { return f.Interval.String() }

func (f *intervalFlag) Type() string { return "duration" }

func (f *intervalFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		secs, serr := strconv.ParseUint(s, 10, 32)
		if serr != nil {
			return fmt.Errorf("%q is neither a duration (90s, 5m) nor whole seconds (60)", s)
		}
		d = time.Duration(secs) * time.Second
	}
	if d < 0 {
		return fmt.Errorf("%q is negative", s)
	}
	f.Interval, f.Disabled = d, d == 0
	return nil
}

// Setup adds the auditor to mgr when this process runs the audit operation.
// It runs only on the leader.
func (o *AuditOptions) Setup(mgr ctrl.Manager, deps *Deps) error {
	_, err := o.setup(mgr, deps, metrics.Registry)
	return err
}

// setup builds the auditor, registers its metrics with reg and adds it to
// mgr. It returns nil when this process does not audit.
func (o *AuditOptions) setup(mgr ctrl.Manager, deps *Deps, reg prometheus.Registerer) (*audit.Auditor, error) {
	if !deps.Options.Runs(OperationAudit) {
		return nil, nil
	}
	if o.Disabled {
		mgr.GetLogger().WithName("audit").Info("audit off: --audit-interval is 0")
		return nil, nil
	}
	if o.FromCache && deps.Syncer == nil {
		return nil, errAuditFromCache
	}
	exempt, err := match.ParseGlobs(deps.Options.Webhook.ExemptNamespaces)
	if err != nil {
		return nil, fmt.Errorf("--exempt-namespace: %w", err)
	}
	dyn, err := dynamic.NewForConfig(mgr.GetConfig())
	if err != nil {
		return nil, fmt.Errorf("audit dynamic client: %w", err)
	}
	disc, err := discovery.NewDiscoveryClientForConfig(mgr.GetConfig())
	if err != nil {
		return nil, fmt.Errorf("audit discovery client: %w", err)
	}
	m, err := audit.NewMetrics(reg)
	if err != nil {
		return nil, err
	}
	var source audit.Source = &audit.APISource{Discovery: disc, Dynamic: dyn}
	if o.FromCache {
		// The Config's syncOnly kinds, as the informers hold them.
		source = &audit.CacheSource{Inventory: deps.Syncer}
	}
	a := &audit.Auditor{
		Engine:  deps.Engine,
		Source:  source,
		Dynamic: dyn,
		Excluded: func(ns string) bool {
			return exempt.MatchesAny(ns) || deps.Excluder.IsExcluded(configv1alpha1.ProcessAudit, ns)
		},
		Ready:   deps.Tracker.Ready,
		Clock:   clock.RealClock{},
		Metrics: m,
		Options: o.Options,
	}
	if o.EmitEvents {
		// Core v1 Events, as Gatekeeper records them and as the manager's
		// generated role allows (events.k8s.io is not granted).
		a.Events = mgr.GetEventRecorderFor(auditEventSource) //nolint:staticcheck // see above

	}
	if err := mgr.Add(a); err != nil {
		return nil, fmt.Errorf("add audit: %w", err)
	}
	return a, nil
}
