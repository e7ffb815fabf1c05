package constraintcrd

import (
	"fmt"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/portcullis-dev/portcullis/engine"
)

// Group is the API group of every constraint kind.
const Group = "constraints.gatekeeper.sh"

// StorageVersion is the version constraints are stored in.
const StorageVersion = "v1beta1"

// Versions are the served versions, storage version first.
var Versions = []string{"v1beta1", "v1alpha1", "v1"}

// Categories let `kubectl get constraints` list every constraint kind.
var Categories = []string{"constraint", "constraints"}

// Name returns the CRD name for a constraint kind.
func Name(kind string) string {
	return Plural(kind) + "." + Group
}

// Plural returns the resource name of a constraint kind.
func Plural(kind string) string {
	return strings.ToLower(kind)
}

// GVK returns the storage-version GroupVersionKind of a constraint kind.
func GVK(kind string) schema.GroupVersionKind {
	return schema.GroupVersionKind{Group: Group, Version: StorageVersion, Kind: kind}
}

// Build returns the constraint CRD for t. The caller sets owner references.
func Build(t *engine.Template) (*apiextensionsv1.CustomResourceDefinition, error) {
	if t.Kind == "" {
		return nil, fmt.Errorf("constraint kind is empty")
	}
	params, err := parametersSchema(t.ParametersSchema, t.LegacySchema)
	if err != nil {
		return nil, fmt.Errorf("parameters schema: %w", err)
	}
	root := constraintSchema(params)
	crd := &apiextensionsv1.CustomResourceDefinition{
		TypeMeta: metav1.TypeMeta{
			APIVersion: apiextensionsv1.SchemeGroupVersion.String(),
			Kind:       "CustomResourceDefinition",
		},
		ObjectMeta: metav1.ObjectMeta{
			Name:   Name(t.Kind),
			Labels: map[string]string{"gatekeeper.sh/constraint": "yes"},
		},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: Group,
			Names: apiextensionsv1.CustomResourceDefinitionNames{
				Kind:       t.Kind,
				ListKind:   t.Kind + "List",
				Plural:     Plural(t.Kind),
				Singular:   Plural(t.Kind),
				ShortNames: append([]string(nil), t.ShortNames...),
				Categories: append([]string(nil), Categories...),
			},
			Scope: apiextensionsv1.ClusterScoped,
		},
	}
	for _, v := range Versions {
		crd.Spec.Versions = append(crd.Spec.Versions, version(v, root))
	}
	return crd, nil
}

func version(name string, root *apiextensionsv1.JSONSchemaProps) apiextensionsv1.CustomResourceDefinitionVersion {
	return apiextensionsv1.CustomResourceDefinitionVersion{
		Name:    name,
		Served:  true,
		Storage: name == StorageVersion,
		Schema: &apiextensionsv1.CustomResourceValidation{
			OpenAPIV3Schema: root.DeepCopy(),
		},
		Subresources: &apiextensionsv1.CustomResourceSubresources{
			Status: &apiextensionsv1.CustomResourceSubresourceStatus{},
		},
		AdditionalPrinterColumns: []apiextensionsv1.CustomResourceColumnDefinition{
			{Name: "enforcement-action", Type: "string", JSONPath: ".spec.enforcementAction"},
			{Name: "total-violations", Type: "integer", JSONPath: ".status.totalViolations"},
			{Name: "age", Type: "date", JSONPath: ".metadata.creationTimestamp"},
		},
	}
}

// constraintSchema is the whole object's schema around params.
func constraintSchema(params *apiextensionsv1.JSONSchemaProps) *apiextensionsv1.JSONSchemaProps {
	return &apiextensionsv1.JSONSchemaProps{
		Type: "object",
		Properties: map[string]apiextensionsv1.JSONSchemaProps{
			"apiVersion": {Type: "string"},
			"kind":       {Type: "string"},
			"metadata": {
				Type: "object",
				Properties: map[string]apiextensionsv1.JSONSchemaProps{
					// The name becomes a label value in audit results.
					"name": {Type: "string", MaxLength: ptr(int64(63))},
				},
			},
			"spec": {
				Type: "object",
				Properties: map[string]apiextensionsv1.JSONSchemaProps{
					"match":                    matchSchema(),
					"parameters":               *params,
					"enforcementAction":        {Type: "string"},
					"scopedEnforcementActions": scopedActionsSchema(),
				},
			},
			"status": {Type: "object", XPreserveUnknownFields: ptr(true)},
		},
	}
}

func scopedActionsSchema() apiextensionsv1.JSONSchemaProps {
	point := apiextensionsv1.JSONSchemaProps{
		Type:       "object",
		Properties: map[string]apiextensionsv1.JSONSchemaProps{"name": {Type: "string"}},
	}
	return apiextensionsv1.JSONSchemaProps{
		Type: "array",
		Items: &apiextensionsv1.JSONSchemaPropsOrArray{Schema: &apiextensionsv1.JSONSchemaProps{
			Type: "object",
			Properties: map[string]apiextensionsv1.JSONSchemaProps{
				"action": {Type: "string"},
				"enforcementPoints": {
					Type:  "array",
					Items: &apiextensionsv1.JSONSchemaPropsOrArray{Schema: &point},
				},
			},
		}},
	}
}

func ptr[T any](v T) *T { return &v }
