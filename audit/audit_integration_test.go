package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/portcullis-dev/portcullis/engine"
)

// labelTemplate requires the label named by the parameter.
const labelTemplate = `
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8sauditrequiredlabel
spec:
  crd:
    spec:
      names:
        kind: K8sAuditRequiredLabel
      validation:
        openAPIV3Schema:
          type: object
          properties:
            label:
              type: string
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package k8sauditrequiredlabel

        violation[{"msg": msg}] {
          not input.review.object.metadata.labels[input.parameters.label]
          msg := sprintf("%s %s lacks label %s", [input.review.kind.kind, input.review.object.metadata.name, input.parameters.label])
        }
`

// labelConstraint requires label on ConfigMaps in namespaces prefix*.
func labelConstraint(name, action, label, prefix string) string {
	return fmt.Sprintf(`
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sAuditRequiredLabel
metadata:
  name: %s
spec:
  enforcementAction: %s
  match:
    kinds:
      - apiGroups: [""]
        kinds: ["ConfigMap"]
    namespaces: ["%s*"]
  parameters:
    label: %s
`, name, action, prefix, label)
}

const kind = "K8sAuditRequiredLabel"

// fixture is a control plane seeded with violating objects and an auditor.
type fixture struct {
	dyn     dynamic.Interface
	engine  *engine.Engine
	clock   *clocktesting.FakeClock
	auditor *Auditor
}

// newFixture installs the template once and returns an auditor running as
// cfg's user, with the given prefix's excluded namespace skipped.
func newFixture(t *testing.T, cfg *rest.Config, prefix string) *fixture {
	admin := env.Require(t).Config
	f := &fixture{
		dyn:    dynamicFor(t, admin),
		engine: engine.New(engine.Options{}),
		clock:  clocktesting.NewFakeClock(time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)),
	}
	installTemplate(t, admin, f.engine, labelTemplate)
	f.auditor = &Auditor{
		Engine:   f.engine,
		Source:   apiSource(t, cfg),
		Dynamic:  dynamicFor(t, cfg),
		Excluded: func(ns string) bool { return ns == prefix+"excluded" },
		Clock:    f.clock,
		Options:  Options{ViolationsLimit: 3, ChunkSize: 2, Workers: 3},
	}
	return f
}

func (f *fixture) run(t *testing.T) *Summary {
	t.Helper()
	s, err := f.auditor.RunOnce(testContext(t))
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	return s
}

func TestAuditWritesConstraintStatus(t *testing.T) {
	cfg := env.Require(t).Config
	f := newFixture(t, cfg, "aud-")
	reg := prometheus.NewRegistry()
	metrics, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	recorder := record.NewFakeRecorder(100)
	f.auditor.Metrics, f.auditor.Events = metrics, recorder

	// Objects exist before any constraint: five without labels, one with
	// all of them, one in the excluded namespace.
	for _, ns := range []string{"aud-main", "aud-excluded"} {
		create(t, f.dyn, namespacesGVR, namespace(ns))
	}
	for i := range 5 {
		create(t, f.dyn, configMapsGVR, configMap("aud-main", fmt.Sprintf("cm-%d", i), nil))
	}
	all := map[string]string{"owner": "x", "team": "y", "tier": "z"}
	create(t, f.dyn, configMapsGVR, configMap("aud-main", "cm-ok", all))
	create(t, f.dyn, configMapsGVR, configMap("aud-excluded", "cm-hidden", nil))

	installConstraint(t, f.dyn, f.engine, labelConstraint("aud-owner", "deny", "owner", "aud-"))
	installConstraint(t, f.dyn, f.engine, labelConstraint("aud-team", "warn", "team", "aud-"))
	installConstraint(t, f.dyn, f.engine, labelConstraint("aud-tier", "dryrun", "tier", "aud-"))
	// The constraint controller's byPod must survive audit writes.
	setByPod(t, f.dyn, "aud-owner")

	first := f.run(t)
	wantKept := []string{"aud-main/cm-0", "aud-main/cm-1", "aud-main/cm-2"}
	for _, name := range []string{"aud-owner", "aud-team", "aud-tier"} {
		st := constraintStatus(t, f.dyn, kind, name)
		if got := st["totalViolations"]; got != int64(5) {
			t.Errorf("%s totalViolations = %v, want 5 (excluded namespace not counted)", name, got)
		}
		if diff := cmp.Diff(wantKept, violationNames(st)); diff != "" {
			t.Errorf("%s violations (-want +got):\n%s", name, diff)
		}
		if got := st["auditTimestamp"]; got != "2026-11-22T06:00:00Z" {
			t.Errorf("%s auditTimestamp = %v", name, got)
		}
	}
	st := constraintStatus(t, f.dyn, kind, "aud-team")
	v := st["violations"].([]any)[0].(map[string]any)
	wantEntry := map[string]any{"enforcementAction": "warn", "group": "", "version": "v1", "kind": "ConfigMap",
		"namespace": "aud-main", "name": "cm-0", "message": "ConfigMap cm-0 lacks label team"}
	if diff := cmp.Diff(wantEntry, v); diff != "" {
		t.Errorf("violation entry (-want +got):\n%s", diff)
	}
	if byPod := constraintStatus(t, f.dyn, kind, "aud-owner")["byPod"]; byPod == nil {
		t.Error("status.byPod was erased by the audit write")
	}
	wantActions := map[string]int64{"deny": 5, "warn": 5, "dryrun": 5}
	if diff := cmp.Diff(wantActions, first.ViolationsByAction); diff != "" {
		t.Errorf("summary violations (-want +got):\n%s", diff)
	}
	if got := testutil.ToFloat64(metrics.violations.WithLabelValues("dryrun")); got != 5 {
		t.Errorf("gatekeeper_violations{dryrun} = %v, want 5", got)
	}
	if got := len(recorder.Events); got != 15 {
		t.Errorf("events = %d, want one per violation (15)", got)
	}
	if first.ResourceErrors != 0 {
		t.Errorf("ResourceErrors = %d, want 0 as admin", first.ResourceErrors)
	}

	t.Run("same set kept on the next run, timestamp advances", func(t *testing.T) {
		f.clock.Step(time.Minute)
		f.auditor.Events = nil
		f.run(t)
		st := constraintStatus(t, f.dyn, kind, "aud-owner")
		if diff := cmp.Diff(wantKept, violationNames(st)); diff != "" {
			t.Errorf("violations churned (-first +second):\n%s", diff)
		}
		if got := st["auditTimestamp"]; got != "2026-11-22T06:01:00Z" {
			t.Errorf("auditTimestamp = %v, want it advanced", got)
		}
	})

	t.Run("fixed and deleted objects bring the count down", func(t *testing.T) {
		f.clock.Step(time.Minute)
		labelled := configMap("aud-main", "cm-0", map[string]string{"owner": "me"})
		if _, err := f.dyn.Resource(configMapsGVR).Namespace("aud-main").Update(context.Background(), withRV(t, f.dyn, labelled), metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := f.dyn.Resource(configMapsGVR).Namespace("aud-main").Delete(context.Background(), "cm-1", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		f.run(t)
		st := constraintStatus(t, f.dyn, kind, "aud-owner")
		if got := st["totalViolations"]; got != int64(3) {
			t.Errorf("totalViolations = %v, want 3", got)
		}
		if diff := cmp.Diff([]string{"aud-main/cm-2", "aud-main/cm-3", "aud-main/cm-4"}, violationNames(st)); diff != "" {
			t.Errorf("violations (-want +got):\n%s", diff)
		}
		if got := constraintStatus(t, f.dyn, kind, "aud-team")["totalViolations"]; got != int64(4) {
			t.Errorf("team totalViolations = %v, want 4 (cm-1 deleted)", got)
		}
	})
}

// withRV returns obj with the resourceVersion of the stored object.
func withRV(t *testing.T, dyn dynamic.Interface, obj *unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	cur, err := dyn.Resource(configMapsGVR).Namespace(obj.GetNamespace()).Get(context.Background(), obj.GetName(), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	obj.SetResourceVersion(cur.GetResourceVersion())
	return obj
}

// setByPod writes a status.byPod entry as the constraint controller would.
func setByPod(t *testing.T, dyn dynamic.Interface, name string) {
	t.Helper()
	patch, _ := json.Marshal(map[string]any{"status": map[string]any{"byPod": []any{map[string]any{"id": "pod-0", "enforced": true}}}})
	_, err := dyn.Resource(constraintResource(kind)).Patch(context.Background(), name, types.MergePatchType, patch, metav1.PatchOptions{}, "status")
	if err != nil {
		t.Fatalf("set byPod: %v", err)
	}
}

func TestAuditSurvivesForbiddenResources(t *testing.T) {
	admin := env.Require(t).Config
	grantAuditor(t, admin, "restricted-auditor")
	restricted := rest.CopyConfig(admin)
	restricted.Impersonate = rest.ImpersonationConfig{UserName: "restricted-auditor"}

	f := newFixture(t, restricted, "rbac-")
	create(t, f.dyn, namespacesGVR, namespace("rbac-main"))
	create(t, f.dyn, configMapsGVR, configMap("rbac-main", "bare", nil))
	installConstraint(t, f.dyn, f.engine, labelConstraint("rbac-owner", "deny", "owner", "rbac-"))

	s := f.run(t)
	if s.ResourceErrors == 0 {
		t.Error("ResourceErrors = 0, want the resource types the user may not list counted")
	}
	if s.Resources <= s.ResourceErrors {
		t.Errorf("resources=%d errors=%d: nothing was listed", s.Resources, s.ResourceErrors)
	}
	st := constraintStatus(t, f.dyn, kind, "rbac-owner")
	if got := st["totalViolations"]; got != int64(1) {
		t.Errorf("totalViolations = %v, want 1 despite forbidden resource types", got)
	}
	if diff := cmp.Diff([]string{"rbac-main/bare"}, violationNames(st)); diff != "" {
		t.Errorf("violations (-want +got):\n%s", diff)
	}
	if strings.Contains(fmt.Sprint(st), "secrets") {
		t.Error("status mentions secrets")
	}
}

// grantAuditor lets user read Namespaces and ConfigMaps and write constraint
// status, and nothing else: every other resource type is forbidden.
func grantAuditor(t *testing.T, admin *rest.Config, user string) {
	t.Helper()
	cs, err := kubernetes.NewForConfig(admin)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	role := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: user},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"namespaces", "configmaps"}, Verbs: []string{"get", "list"}},
			{APIGroups: []string{"constraints.gatekeeper.sh"}, Resources: []string{"*", "*/status"}, Verbs: []string{"get", "list", "patch"}},
		},
	}
	if _, err := cs.RbacV1().ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: user},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: user},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: user}},
	}
	if _, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}
