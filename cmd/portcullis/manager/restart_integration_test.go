package manager

import (
	"context"
	"strings"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

const restartConstraint = `
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sITRequiredLabels
metadata:
  name: restart-owner
spec:
  parameters:
    labels: ["owner"]
`

// TestRestartReadyOnlyAfterLoad restarts the manager over existing objects
// and checks /readyz's tracker turns ready only once the engine holds them.
func TestRestartReadyOnlyAfterLoad(t *testing.T) {
	c := newClient(t)
	ensureNamespace(t, c, "gatekeeper-system", nil)
	first := startManager(t, "pod-before")
	tmpl := readYAML(t, "requiredlabels.yaml")
	apply(t, c, tmpl)
	templateStatus(t, c, "k8sitrequiredlabels", metav1.ConditionTrue)
	apply(t, c, parse(t, restartConstraint))
	eventually(t, "first manager loads the constraint", func() (bool, error) {
		return hasConstraint(first.deps.Engine, "K8sITRequiredLabels", "restart-owner"), nil
	})
	first.stop()

	second := startManager(t, "pod-after")
	deleteTemplateOnCleanup(t, c, tmpl)
	if second.deps.Tracker.Ready() {
		t.Fatal("ready before anything was listed")
	}
	// Sample as fast as possible: the first time the tracker says ready,
	// the engine must already hold what existed before the restart.
	err := wait.PollUntilContextTimeout(context.Background(), time.Millisecond, waitTimeout, true, func(context.Context) (bool, error) {
		if !second.deps.Tracker.Ready() {
			return false, nil
		}
		if !hasTemplate(second.deps.Engine, "k8sitrequiredlabels") || !hasConstraint(second.deps.Engine, "K8sITRequiredLabels", "restart-owner") {
			t.Errorf("ready while the engine lacks start-up objects: templates=%v", second.deps.Engine.Templates())
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("never ready; pending %v", second.deps.Tracker.Pending())
	}
	if err := second.deps.Tracker.Check(nil); err != nil {
		t.Errorf("readyz check = %v once ready", err)
	}
}

// TestTemplateDeletedWhileDown deletes a template while no manager runs; the
// next manager removes the orphaned constraint CRD (envtest has no garbage
// collector, so the owner reference alone would not).
func TestTemplateDeletedWhileDown(t *testing.T) {
	c := newClient(t)
	ensureNamespace(t, c, "gatekeeper-system", nil)
	first := startManager(t, "pod-down-before")
	tmpl := parse(t, strings.NewReplacer("k8sitbroken", "k8sitorphan", "K8sITBroken", "K8sITOrphan",
		"undefined_helper(input.review.object)", `"never"`).Replace(brokenTemplate))
	apply(t, c, tmpl)
	templateStatus(t, c, "k8sitorphan", metav1.ConditionTrue)
	first.stop()

	if err := c.Delete(context.Background(), tmpl); err != nil {
		t.Fatalf("delete template: %v", err)
	}
	startManager(t, "pod-down-after")
	eventually(t, "orphaned constraint CRD removed", func() (bool, error) {
		err := c.Get(context.Background(), client.ObjectKey{Name: "k8sitorphan.constraints.gatekeeper.sh"}, &apiextensionsv1.CustomResourceDefinition{})
		return apierrors.IsNotFound(err), client.IgnoreNotFound(err)
	})
}
