package manager

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// A v1beta1 template whose schema predates structural schemas: no types
// below the root.
const legacyTemplate = `
apiVersion: templates.gatekeeper.sh/v1beta1
kind: ConstraintTemplate
metadata:
  name: k8sitlegacy
spec:
  crd:
    spec:
      names:
        kind: K8sITLegacy
      validation:
        openAPIV3Schema:
          properties:
            repos:
              items:
                type: string
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package k8sitlegacy

        violation[{"msg": "never"}] {
          false
        }
`

const legacyConstraint = `
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sITLegacy
metadata:
  name: legacy
spec:
  parameters:
    repos: ["registry.example.com/"]
    undeclared:
      kept: true
`

func TestLegacyTemplateKeepsUnknownParameters(t *testing.T) {
	m := startManager(t, "pod-legacy")
	c := newClient(t)
	tmpl := parse(t, legacyTemplate)
	apply(t, c, tmpl)
	deleteTemplateOnCleanup(t, c, tmpl)

	ct := templateStatus(t, c, "k8sitlegacy", metav1.ConditionTrue)
	if v := ct.Spec.CRD.Spec.Validation; v == nil || v.LegacySchema == nil || !*v.LegacySchema {
		t.Fatalf("legacySchema of a v1beta1 template = %+v, want defaulted to true", v)
	}
	apply(t, c, parse(t, legacyConstraint))
	got := &unstructured.Unstructured{}
	got.SetAPIVersion("constraints.gatekeeper.sh/v1")
	got.SetKind("K8sITLegacy")
	if err := c.Get(context.Background(), client.ObjectKey{Name: "legacy"}, got); err != nil {
		t.Fatalf("get constraint: %v", err)
	}
	if kept, _, _ := unstructured.NestedBool(got.Object, "spec", "parameters", "undeclared", "kept"); !kept {
		t.Errorf("undeclared parameter pruned: %v", got.Object["spec"])
	}
	eventually(t, "engine holds the legacy constraint", func() (bool, error) {
		return hasConstraint(m.deps.Engine, "K8sITLegacy", "legacy"), nil
	})
}
