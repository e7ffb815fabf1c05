package engine

import (
	"errors"
	"strings"
	"testing"
)

const schemaTemplate = `
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8sschema}
spec:
  crd:
    spec:
      names: {kind: K8sSchema}
      validation:
        openAPIV3Schema:
          type: object
          required: [labels]
          properties:
            labels: {type: array, items: {type: string}}
            max: {type: integer, minimum: 0}
            mode: {type: string, enum: [strict, relaxed]}
  targets:
  - target: admission.k8s.gatekeeper.sh
    rego: |
      package k8sschema
      violation[{"msg": "x"}] { false }
`

func TestConstraintParametersSchema(t *testing.T) {
	tests := []struct {
		name   string
		params string // YAML of spec.parameters; empty means absent
		// wantErr lists substrings of the error; none means valid.
		wantErr []string
	}{
		{name: "valid", params: "{labels: [a, b], max: 3, mode: strict}"},
		{name: "absent parameters are not checked"},
		{name: "unknown fields are allowed", params: "{labels: [a], extra: 1}"},
		{name: "wrong type", params: "{labels: a}", wantErr: []string{"spec.parameters.labels", "array"}},
		{name: "wrong item type", params: "{labels: [1]}", wantErr: []string{"spec.parameters.labels[0]", "string"}},
		{name: "not an integer", params: "{labels: [a], max: 1.5}", wantErr: []string{"spec.parameters.max"}},
		{name: "below minimum", params: "{labels: [a], max: -1}", wantErr: []string{"spec.parameters.max", "0"}},
		{name: "not in enum", params: "{labels: [a], mode: loose}", wantErr: []string{"spec.parameters.mode", "strict"}},
		{name: "missing required", params: "{max: 1}", wantErr: []string{"spec.parameters.labels", "Required"}},
		{name: "every error reported", params: "{labels: 3, mode: loose}", wantErr: []string{"spec.parameters.labels", "spec.parameters.mode"}},
	}
	e := New(Options{})
	mustAddTemplate(t, e, decodeYAML(t, schemaTemplate))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sSchema\nmetadata: {name: c}\n"
			if tc.params != "" {
				doc += "spec: {parameters: " + tc.params + "}\n"
			}
			c, err := ParseConstraint(decodeYAML(t, doc))
			if err != nil {
				t.Fatal(err)
			}
			for name, err := range map[string]error{"ValidateConstraint": e.ValidateConstraint(c), "AddConstraint": e.AddConstraint(c)} {
				if len(tc.wantErr) == 0 {
					if err != nil {
						t.Errorf("%s: %v", name, err)
					}
					continue
				}
				if !errors.Is(err, ErrInvalidParameters) {
					t.Fatalf("%s: error = %v, want ErrInvalidParameters", name, err)
				}
				for _, want := range tc.wantErr {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("%s: error %q does not mention %q", name, err, want)
					}
				}
			}
		})
	}
}

func TestLegacySchemaWithoutTypes(t *testing.T) {
	// v1beta1 templates often give properties without a top-level type.
	e := New(Options{})
	mustAddTemplate(t, e, decodeYAML(t, `
apiVersion: templates.gatekeeper.sh/v1beta1
kind: ConstraintTemplate
metadata: {name: k8slegacy}
spec:
  crd:
    spec:
      names: {kind: K8sLegacy}
      validation:
        openAPIV3Schema:
          properties:
            labels: {type: array, items: {type: string}}
  targets:
  - target: admission.k8s.gatekeeper.sh
    rego: |
      package k8slegacy
      violation[{"msg": "x"}] { false }
`))
	good := mustParseConstraint(t, "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sLegacy\nmetadata: {name: c}\nspec: {parameters: {labels: [a], other: {x: 1}}}")
	if err := e.AddConstraint(good); err != nil {
		t.Errorf("good parameters: %v", err)
	}
	bad := mustParseConstraint(t, "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sLegacy\nmetadata: {name: d}\nspec: {parameters: {labels: nope}}")
	if err := e.AddConstraint(bad); !errors.Is(err, ErrInvalidParameters) {
		t.Errorf("bad parameters: error = %v, want ErrInvalidParameters", err)
	}
}

func mustParseConstraint(t *testing.T, doc string) *Constraint {
	t.Helper()
	c, err := ParseConstraint(decodeYAML(t, doc))
	if err != nil {
		t.Fatal(err)
	}
	return c
}
