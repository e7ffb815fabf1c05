package engine

import (
	"fmt"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// parametersPath is where constraint parameters live.
var parametersPath = field.NewPath("spec", "parameters")

// paramsValidator checks spec.parameters against a template's
// openAPIV3Schema, as the API server checks constraints against the CRD
// generated from the template.
type paramsValidator struct {
	v validation.SchemaValidator
}

// newParamsValidator prepares the template's schema; nil when the template
// has none.
func newParamsValidator(schema *apiextensionsv1.JSONSchemaProps) (*paramsValidator, error) {
	if schema == nil {
		return nil, nil
	}
	var internal apiextensions.JSONSchemaProps
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(schema, &internal, nil); err != nil {
		return nil, fmt.Errorf("convert parameters schema: %w", err)
	}
	v, _, err := validation.NewSchemaValidator(&internal)
	if err != nil {
		return nil, fmt.Errorf("parameters schema: %w", err)
	}
	return &paramsValidator{v: v}, nil
}

// validate reports every way params break the schema. Absent parameters
// are not checked, as the API server does not check an absent field.
func (p *paramsValidator) validate(params map[string]any) error {
	if p == nil || params == nil {
		return nil
	}
	if errs := validation.ValidateCustomResource(parametersPath, params, p.v); len(errs) > 0 {
		return errs.ToAggregate()
	}
	return nil
}
