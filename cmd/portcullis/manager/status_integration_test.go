package manager

import (
	"context"
	"sort"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	templatesv1 "github.com/portcullis-dev/portcullis/apis/templates/v1"
)

const statusConstraint = `
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sITRequiredLabels
metadata:
  name: shared-status
spec:
  enforcementAction: dryrun
  parameters:
    labels: ["team"]
`

// constraintPods returns the byPod entries of the shared-status constraint by id.
func constraintPods(c client.Client) (map[string]map[string]any, *unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("constraints.gatekeeper.sh/v1beta1")
	u.SetKind("K8sITRequiredLabels")
	if err := c.Get(context.Background(), client.ObjectKey{Name: "shared-status"}, u); err != nil {
		return nil, nil, err
	}
	pods, _, _ := unstructured.NestedSlice(u.Object, "status", "byPod")
	out := map[string]map[string]any{}
	for _, p := range pods {
		m := p.(map[string]any)
		out[m["id"].(string)] = m
	}
	return out, u, nil
}

// TestStatusSharedByPodsAndAudit runs two managers against one cluster and
// checks both keep an entry in template and constraint status, and that
// their writes leave the audit's status.totalViolations alone.
func TestStatusSharedByPodsAndAudit(t *testing.T) {
	startManager(t, "pod-one")
	startManager(t, "pod-two")
	c := newClient(t)
	tmpl := readYAML(t, "requiredlabels.yaml")
	apply(t, c, tmpl)
	deleteTemplateOnCleanup(t, c, tmpl)

	eventually(t, "both pods in template status", func() (bool, error) {
		ct := &templatesv1.ConstraintTemplate{}
		if err := c.Get(context.Background(), client.ObjectKey{Name: "k8sitrequiredlabels"}, ct); err != nil {
			return false, err
		}
		var ids []string
		for _, p := range ct.Status.ByPod {
			if p.ObservedGeneration == ct.Generation {
				ids = append(ids, p.ID)
			}
		}
		sort.Strings(ids)
		return strings.Join(ids, ",") == "pod-one,pod-two", nil
	})
	templateStatus(t, c, "k8sitrequiredlabels", metav1.ConditionTrue)
	apply(t, c, parse(t, statusConstraint))
	eventually(t, "both pods in constraint status", func() (bool, error) {
		pods, _, err := constraintPods(c)
		return err == nil && pods["pod-one"]["enforced"] == true && pods["pod-two"]["enforced"] == true, err
	})

	// The audit's write, as the audit makes it: a merge patch of its own fields.
	_, u, err := constraintPods(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Status().Patch(context.Background(), u, client.RawPatch(types.MergePatchType, []byte(`{"status":{"totalViolations":3}}`))); err != nil {
		t.Fatalf("patch totalViolations: %v", err)
	}
	// A spec change makes both pods rewrite their entries.
	changed := parse(t, strings.Replace(statusConstraint, "dryrun", "warn", 1))
	apply(t, c, changed)
	eventually(t, "both pods observe the new generation", func() (bool, error) {
		pods, u, err := constraintPods(c)
		if err != nil {
			return false, err
		}
		gen := u.GetGeneration()
		return pods["pod-one"]["observedGeneration"] == gen && pods["pod-two"]["observedGeneration"] == gen, nil
	})
	_, u, err = constraintPods(c)
	if err != nil {
		t.Fatal(err)
	}
	if n, _, _ := unstructured.NestedInt64(u.Object, "status", "totalViolations"); n != 3 {
		t.Errorf("status.totalViolations = %d after byPod writes, want the audit's 3", n)
	}
}
