package manager

import (
	"context"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestTemplateSchemaUpdateReachesCRD changes a template's parameter schema
// and checks the constraint CRD follows.
func TestTemplateSchemaUpdateReachesCRD(t *testing.T) {
	startManager(t, "pod-schema")
	c := newClient(t)
	tmpl := parse(t, strings.NewReplacer("k8sitrequiredlabels", "k8sitschema", "K8sITRequiredLabels", "K8sITSchema").
		Replace(mustRead(t, "requiredlabels.yaml")))
	apply(t, c, tmpl)
	deleteTemplateOnCleanup(t, c, tmpl)
	templateStatus(t, c, "k8sitschema", metav1.ConditionTrue)

	updated := parse(t, strings.NewReplacer("k8sitrequiredlabels", "k8sitschema", "K8sITRequiredLabels", "K8sITSchema",
		"            labels:\n", "            message:\n              type: string\n            labels:\n").
		Replace(mustRead(t, "requiredlabels.yaml")))
	apply(t, c, updated)
	eventually(t, "CRD schema has the new parameter", func() (bool, error) {
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := c.Get(context.Background(), client.ObjectKey{Name: "k8sitschema.constraints.gatekeeper.sh"}, crd); err != nil {
			return false, err
		}
		for _, v := range crd.Spec.Versions {
			params := v.Schema.OpenAPIV3Schema.Properties["spec"].Properties["parameters"]
			if params.Properties["message"].Type != "string" {
				return false, nil
			}
		}
		return true, nil
	})
}
