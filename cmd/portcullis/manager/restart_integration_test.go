package manager

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
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
