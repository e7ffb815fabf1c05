package manager

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/portcullis-dev/portcullis/audit"
	"github.com/portcullis-dev/portcullis/controllers"
	"github.com/portcullis-dev/portcullis/engine"
)

func TestAuditFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want AuditOptions
	}{
		{
			name: "defaults match Gatekeeper's",
			want: AuditOptions{Options: audit.Options{Interval: time.Minute, ChunkSize: 500, ViolationsLimit: 20}},
		},
		{
			name: "every flag",
			args: []string{"--audit-interval=5m", "--audit-chunk-size=100", "--audit-workers=4",
				"--constraint-violations-limit=3", "--audit-match-kind-only", "--audit-from-cache",
				"--log-violations", "--emit-audit-events"},
			want: AuditOptions{
				Options: audit.Options{Interval: 5 * time.Minute, ChunkSize: 100, Workers: 4, ViolationsLimit: 3,
					MatchKindOnly: true, LogViolations: true},
				FromCache: true, EmitEvents: true,
			},
		},
		{
			name: "whole seconds, as Gatekeeper's flag takes them",
			args: []string{"--audit-interval=30"},
			want: AuditOptions{Options: audit.Options{Interval: 30 * time.Second, ChunkSize: 500, ViolationsLimit: 20}},
		},
		{
			name: "zero turns the audit off, as in Gatekeeper",
			args: []string{"--audit-interval=0"},
			want: AuditOptions{Options: audit.Options{ChunkSize: 500, ViolationsLimit: 20}, Disabled: true},
		},
		{
			name: "a zero duration too",
			args: []string{"--audit-interval=0s"},
			want: AuditOptions{Options: audit.Options{ChunkSize: 500, ViolationsLimit: 20}, Disabled: true},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var o AuditOptions
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			o.AddFlags(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, o); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestAuditIntervalRefusesBadValues(t *testing.T) {
	for _, arg := range []string{"ten", "-5s", "-1", "1.5"} {
		var o AuditOptions
		fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
		o.AddFlags(fs)
		err := fs.Parse([]string{"--audit-interval=" + arg})
		if err == nil {
			t.Errorf("--audit-interval=%s accepted: %+v", arg, o)
			continue
		}
		if !strings.Contains(err.Error(), arg) {
			t.Errorf("--audit-interval=%s: error %q does not name the value", arg, err)
		}
	}
}

func TestAuditSetupSkippedOrRefused(t *testing.T) {
	cfg := env.Require(t).Config
	tests := []struct {
		name       string
		operations []string
		audit      AuditOptions
		syncer     *controllers.Syncer // the inventory sync, nil when the process has none
		wantErr    error
		wantAdded  bool
	}{
		{name: "not this process's operation", operations: []string{OperationWebhook}},
		{name: "from cache is refused without an inventory sync", operations: []string{OperationAudit},
			audit: AuditOptions{FromCache: true}, wantErr: errAuditFromCache},
		{name: "from cache audits the inventory sync", operations: []string{OperationAudit},
			audit: AuditOptions{FromCache: true}, syncer: &controllers.Syncer{}, wantAdded: true},
		{name: "audit operation adds the auditor", operations: []string{OperationAudit}, wantAdded: true},
		{name: "--audit-interval=0 turns the audit off", operations: []string{OperationAudit},
			audit: AuditOptions{Disabled: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := &Options{Namespace: "gatekeeper-system", MetricsAddr: "0", HealthAddr: "0",
				OperationOptions: OperationOptions{Operations: tc.operations}}
			mgr, err := newManager(cfg, opts)
			if err != nil {
				t.Fatal(err)
			}
			deps := &Deps{Options: opts, Engine: engine.New(engine.Options{}), Tracker: controllers.NewReadyTracker(),
				Excluder: &controllers.NamespaceExcluder{}, Syncer: tc.syncer}
			a, err := tc.audit.setup(mgr, deps, prometheus.NewRegistry())
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("setup error = %v, want %v", err, tc.wantErr)
			}
			if (a != nil) != tc.wantAdded {
				t.Fatalf("auditor added = %v, want %v", a != nil, tc.wantAdded)
			}
			if a != nil && !a.NeedLeaderElection() {
				t.Error("auditor must run on the leader only")
			}
		})
	}
}

const auditConstraint = `
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sITRequiredLabels
metadata:
  name: audit-owner
spec:
  match:
    kinds:
      - apiGroups: [""]
        kinds: ["ConfigMap"]
    namespaces: ["mgr-audit*"]
  parameters:
    labels: ["owner"]
`

// TestAuditWiredIntoManager runs the whole manager with the audit: the
// template and constraint reach the engine through the controllers, the
// auditor waits for readiness, and its runs land in constraint status.
func TestAuditWiredIntoManager(t *testing.T) {
	cfg := env.Require(t).Config
	c := newClient(t)
	ctx := context.Background()
	ensureNamespace(t, c, "mgr-audit", nil)
	ensureNamespace(t, c, "mgr-audit-exempt", nil)
	for _, ns := range []string{"mgr-audit", "mgr-audit-exempt"} {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "unowned"}}
		if err := c.Create(ctx, cm); client.IgnoreAlreadyExists(err) != nil {
			t.Fatal(err)
		}
	}
	// A first manager turns the template into its CRD; the constraint then
	// exists before the auditing manager starts, so readiness waits for it.
	first := startManager(t, "pod-audit-setup")
	apply(t, c, readYAML(t, "requiredlabels.yaml"))
	eventually(t, "constraint CRD served", func() (bool, error) {
		err := c.Create(ctx, parse(t, auditConstraint))
		return client.IgnoreAlreadyExists(err) == nil, err
	})
	first.stop()
	// Leave the shared control plane as other tests expect it.
	t.Cleanup(func() {
		if err := c.Delete(context.Background(), parse(t, auditConstraint)); client.IgnoreNotFound(err) != nil {
			t.Errorf("delete constraint: %v", err)
		}
	})

	opts := &Options{Namespace: "gatekeeper-system", PodName: "pod-audit", MetricsAddr: "0", HealthAddr: "0",
		OperationOptions: OperationOptions{Operations: []string{OperationStatus, OperationAudit}},
		Webhook:          WebhookOptions{ExemptNamespaces: []string{"mgr-audit-exempt"}}}
	mgr, err := newManager(cfg, opts, func(o *ctrl.Options) { o.Controller.SkipNameValidation = ptr.To(true) })
	if err != nil {
		t.Fatal(err)
	}
	deps := &Deps{Options: opts, Engine: engine.New(engine.Options{}), Tracker: controllers.NewReadyTracker(),
		Excluder: &controllers.NamespaceExcluder{}}
	ao := AuditOptions{Options: audit.Options{Interval: time.Hour, ViolationsLimit: 20}}
	auditor, err := ao.setup(mgr, deps, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctrl.LoggerInto(ctx, testr.New(t)))
	done := make(chan error, 1)
	go func() { done <- runManager(runCtx, mgr, deps) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	})

	// The first run starts by itself once the engine is ready.
	owner := &unstructured.Unstructured{}
	owner.SetAPIVersion("constraints.gatekeeper.sh/v1beta1")
	owner.SetKind("K8sITRequiredLabels")
	eventually(t, "first audit run in status", func() (bool, error) {
		if err := c.Get(ctx, client.ObjectKey{Name: "audit-owner"}, owner); err != nil {
			return false, err
		}
		_, found, err := unstructured.NestedFieldNoCopy(owner.Object, "status", "totalViolations")
		return found, err
	})
	if got, _, _ := unstructured.NestedInt64(owner.Object, "status", "totalViolations"); got != 1 {
		t.Errorf("totalViolations = %d, want 1 (the exempt namespace is skipped)", got)
	}

	// Fixing the object brings the count down on the next run.
	cm := &corev1.ConfigMap{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: "mgr-audit", Name: "unowned"}, cm); err != nil {
		t.Fatal(err)
	}
	cm.Labels = map[string]string{"owner": "team-a"}
	if err := c.Update(ctx, cm); err != nil {
		t.Fatal(err)
	}
	if _, err := auditor.RunOnce(ctrl.LoggerInto(ctx, testr.New(t))); err != nil {
		t.Fatal(err)
	}
	if err := c.Get(ctx, client.ObjectKey{Name: "audit-owner"}, owner); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := unstructured.NestedInt64(owner.Object, "status", "totalViolations"); got != 0 {
		t.Errorf("after fix totalViolations = %d, want 0", got)
	}
	if byPod, _, _ := unstructured.NestedSlice(owner.Object, "status", "byPod"); len(byPod) == 0 {
		t.Error("status.byPod missing: the audit must not erase the constraint controller's entries")
	}
}
