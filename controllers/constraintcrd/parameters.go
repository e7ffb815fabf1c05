package constraintcrd

import (
	"fmt"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// parametersSchema turns a template's parameter schema into a structural
// schema for spec.parameters.
//
// Without a schema, parameters keep any content. Nodes without a type keep
// unknown content, since a structural schema needs a type at every level.
// With legacy set, every object also keeps unknown fields, as schemas
// written before structural schemas were required expect.
func parametersSchema(in *apiextensionsv1.JSONSchemaProps, legacy bool) (*apiextensionsv1.JSONSchemaProps, error) {
	if in == nil {
		return &apiextensionsv1.JSONSchemaProps{Type: "object", XPreserveUnknownFields: ptr(true)}, nil
	}
	out := in.DeepCopy()
	if out.Type == "" && len(out.Properties) > 0 {
		out.Type = "object"
	}
	if out.Type != "" && out.Type != "object" {
		return nil, fmt.Errorf("type is %q, want object", out.Type)
	}
	out.Type = "object"
	fix(out, legacy)
	return out, nil
}

// fix makes s and its children structural in place.
func fix(s *apiextensionsv1.JSONSchemaProps, legacy bool) {
	if s.Type == "" && len(s.Properties) > 0 {
		s.Type = "object"
	}
	if s.Type == "" && s.Items != nil {
		s.Type = "array"
	}
	typeless := s.Type == "" && !s.XIntOrString
	if typeless || (legacy && s.Type == "object") {
		s.XPreserveUnknownFields = ptr(true)
	}
	for k, p := range s.Properties {
		fix(&p, legacy)
		s.Properties[k] = p
	}
	if s.Items != nil && s.Items.Schema != nil {
		fix(s.Items.Schema, legacy)
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
		fix(s.AdditionalProperties.Schema, legacy)
	}
}
