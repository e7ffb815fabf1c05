package constraintcrd

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// matchSchema is the structural schema of a constraint's spec.match.
func matchSchema() apiextensionsv1.JSONSchemaProps {
	kinds := apiextensionsv1.JSONSchemaProps{
		Type: "object",
		Properties: map[string]apiextensionsv1.JSONSchemaProps{
			"apiGroups": stringArray(),
			"kinds":     stringArray(),
		},
	}
	return apiextensionsv1.JSONSchemaProps{
		Type: "object",
		Properties: map[string]apiextensionsv1.JSONSchemaProps{
			"kinds": {
				Type:  "array",
				Items: &apiextensionsv1.JSONSchemaPropsOrArray{Schema: &kinds},
			},
			"scope":              enumString("*", "Cluster", "Namespaced"),
			"namespaces":         stringArray(),
			"excludedNamespaces": stringArray(),
			"labelSelector":      labelSelectorSchema(),
			"namespaceSelector":  labelSelectorSchema(),
			"name":               {Type: "string"},
			"source":             enumString("All", "Generated", "Original"),
		},
	}
}

func labelSelectorSchema() apiextensionsv1.JSONSchemaProps {
	requirement := apiextensionsv1.JSONSchemaProps{
		Type:     "object",
		Required: []string{"key", "operator"},
		Properties: map[string]apiextensionsv1.JSONSchemaProps{
			"key":      {Type: "string"},
			"operator": enumString("In", "NotIn", "Exists", "DoesNotExist"),
			"values":   stringArray(),
		},
	}
	return apiextensionsv1.JSONSchemaProps{
		Type: "object",
		Properties: map[string]apiextensionsv1.JSONSchemaProps{
			"matchLabels": {
				Type: "object",
				AdditionalProperties: &apiextensionsv1.JSONSchemaPropsOrBool{
					Allows: true,
					Schema: &apiextensionsv1.JSONSchemaProps{Type: "string"},
				},
			},
			"matchExpressions": {
				Type:  "array",
				Items: &apiextensionsv1.JSONSchemaPropsOrArray{Schema: &requirement},
			},
		},
	}
}

func stringArray() apiextensionsv1.JSONSchemaProps {
	return apiextensionsv1.JSONSchemaProps{
		Type:  "array",
		Items: &apiextensionsv1.JSONSchemaPropsOrArray{Schema: &apiextensionsv1.JSONSchemaProps{Type: "string"}},
	}
}

func enumString(values ...string) apiextensionsv1.JSONSchemaProps {
	s := apiextensionsv1.JSONSchemaProps{Type: "string"}
	for _, v := range values {
		s.Enum = append(s.Enum, apiextensionsv1.JSON{Raw: []byte(`"` + v + `"`)})
	}
	return s
}
