package engine

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const simpleRego = `package k8sdemo
violation[{"msg": "demo"}] { true }`

func TestParseTemplate(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want *Template
		// wantErr is a substring of the error; empty means success.
		wantErr string
	}{
		{
			name: "v1 with rego and libs",
			doc: `
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8sdemo, annotations: {description: demo}}
spec:
  crd:
    spec:
      names: {kind: K8sDemo, shortNames: [demo]}
      validation:
        openAPIV3Schema:
          type: object
          properties: {labels: {type: array, items: {type: string}}}
  targets:
  - target: admission.k8s.gatekeeper.sh
    rego: "package k8sdemo"
    libs: ["package lib.x"]
`,
			want: &Template{Name: "k8sdemo", Kind: "K8sDemo", ShortNames: []string{"demo"},
				Rego: "package k8sdemo", Libs: []string{"package lib.x"}, RegoVersion: RegoV0,
				Annotations: map[string]string{"description": "demo"}},
		},
		{
			name: "v1beta1 defaults legacySchema to true",
			doc: `
apiVersion: templates.gatekeeper.sh/v1beta1
kind: ConstraintTemplate
metadata: {name: k8sdemo}
spec:
  crd: {spec: {names: {kind: K8sDemo}}}
  targets: [{target: admission.k8s.gatekeeper.sh, rego: "package k8sdemo"}]
`,
			want: &Template{Name: "k8sdemo", Kind: "K8sDemo", Rego: "package k8sdemo", RegoVersion: RegoV0, LegacySchema: true},
		},
		{
			name: "v1alpha1 with explicit legacySchema false",
			doc: `
apiVersion: templates.gatekeeper.sh/v1alpha1
kind: ConstraintTemplate
metadata: {name: k8sdemo}
spec:
  crd: {spec: {names: {kind: K8sDemo}, validation: {legacySchema: false}}}
  targets: [{target: admission.k8s.gatekeeper.sh, rego: "package k8sdemo"}]
`,
			want: &Template{Name: "k8sdemo", Kind: "K8sDemo", Rego: "package k8sdemo", RegoVersion: RegoV0},
		},
		{
			name: "code Rego with version v1 and libs",
			doc: `
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8sdemo}
spec:
  crd: {spec: {names: {kind: K8sDemo}}}
  targets:
  - target: admission.k8s.gatekeeper.sh
    code:
    - engine: Rego
      source: {version: v1, rego: "package k8sdemo", libs: ["package lib.y"]}
`,
			want: &Template{Name: "k8sdemo", Kind: "K8sDemo", Rego: "package k8sdemo", Libs: []string{"package lib.y"}, RegoVersion: RegoV1},
		},
		{
			name: "CEL beside rego runs the Rego",
			doc: `
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8sdemo}
spec:
  crd: {spec: {names: {kind: K8sDemo}}}
  targets:
  - target: admission.k8s.gatekeeper.sh
    code: [{engine: K8sNativeValidation, source: {validations: [{expression: "true"}]}}]
    rego: "package k8sdemo"
`,
			want: &Template{Name: "k8sdemo", Kind: "K8sDemo", Rego: "package k8sdemo", RegoVersion: RegoV0},
		},
		{
			name: "identical rego in both places is accepted",
			doc: `
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8sdemo}
spec:
  crd: {spec: {names: {kind: K8sDemo}}}
  targets:
  - target: admission.k8s.gatekeeper.sh
    rego: "package k8sdemo"
    code: [{engine: Rego, source: {rego: "package k8sdemo"}}]
`,
			want: &Template{Name: "k8sdemo", Kind: "K8sDemo", Rego: "package k8sdemo", RegoVersion: RegoV0},
		},
		{name: "CEL only is refused", wantErr: "engine not supported yet", doc: `
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8sdemo}
spec:
  crd: {spec: {names: {kind: K8sDemo}}}
  targets: [{target: admission.k8s.gatekeeper.sh, code: [{engine: K8sNativeValidation, source: {}}]}]
`},
		{name: "unknown engine", wantErr: `engine "Wasm"`, doc: `
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8sdemo}
spec:
  crd: {spec: {names: {kind: K8sDemo}}}
  targets: [{target: admission.k8s.gatekeeper.sh, code: [{engine: Wasm, source: {}}]}]
`},
		{name: "differing rego in both places", wantErr: "they differ", doc: `
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8sdemo}
spec:
  crd: {spec: {names: {kind: K8sDemo}}}
  targets:
  - target: admission.k8s.gatekeeper.sh
    rego: "package k8sdemo"
    code: [{engine: Rego, source: {rego: "package other"}}]
`},
		{name: "unknown rego version", wantErr: `unknown Rego version "v2"`, doc: `
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8sdemo}
spec:
  crd: {spec: {names: {kind: K8sDemo}}}
  targets: [{target: admission.k8s.gatekeeper.sh, code: [{engine: Rego, source: {version: v2, rego: "package k8sdemo"}}]}]
`},
		{name: "two targets", wantErr: "exactly one target, found 2", doc: `
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8sdemo}
spec:
  crd: {spec: {names: {kind: K8sDemo}}}
  targets:
  - {target: admission.k8s.gatekeeper.sh, rego: "package k8sdemo"}
  - {target: admission.k8s.gatekeeper.sh, rego: "package k8sdemo"}
`},
		{name: "no targets", wantErr: "exactly one target, found 0", doc: `
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8sdemo}
spec:
  crd: {spec: {names: {kind: K8sDemo}}}
`},
		{name: "wrong target", wantErr: `target is "audit.example.com"`, doc: `
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8sdemo}
spec:
  crd: {spec: {names: {kind: K8sDemo}}}
  targets: [{target: audit.example.com, rego: "package k8sdemo"}]
`},
		{name: "name is not the lower-cased kind", wantErr: `metadata.name "demo" must equal the lower-cased`, doc: `
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: demo}
spec:
  crd: {spec: {names: {kind: K8sDemo}}}
  targets: [{target: admission.k8s.gatekeeper.sh, rego: "package k8sdemo"}]
`},
		{name: "missing kind", wantErr: "spec.crd.spec.names.kind is required", doc: `
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8sdemo}
spec:
  targets: [{target: admission.k8s.gatekeeper.sh, rego: "package k8sdemo"}]
`},
		{name: "no rego at all", wantErr: "has no Rego", doc: `
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8sdemo}
spec:
  crd: {spec: {names: {kind: K8sDemo}}}
  targets: [{target: admission.k8s.gatekeeper.sh}]
`},
		{name: "libs without rego", wantErr: "libs is set but", doc: `
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8sdemo}
spec:
  crd: {spec: {names: {kind: K8sDemo}}}
  targets: [{target: admission.k8s.gatekeeper.sh, libs: ["package lib.x"]}]
`},
		{name: "unknown API version", wantErr: `apiVersion "templates.gatekeeper.sh/v2"`, doc: `
apiVersion: templates.gatekeeper.sh/v2
kind: ConstraintTemplate
metadata: {name: k8sdemo}
`},
		{name: "not a template", wantErr: `kind "Pod" is not ConstraintTemplate`, doc: `
apiVersion: templates.gatekeeper.sh/v1
kind: Pod
metadata: {name: k8sdemo}
`},
		{name: "rego of the wrong type", wantErr: "spec.targets[0]: rego must be a string", doc: `
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8sdemo}
spec:
  crd: {spec: {names: {kind: K8sDemo}}}
  targets: [{target: admission.k8s.gatekeeper.sh, rego: [1]}]
`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTemplate(decodeYAML(t, tc.doc))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.ParametersSchema = nil // checked in TestParseTemplateSchema
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("template (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseTemplateCELOnlyIsErrEngineNotSupported(t *testing.T) {
	obj := regoTemplate("K8sDemo", "")
	target := obj["spec"].(map[string]any)["targets"].([]any)[0].(map[string]any)
	delete(target, "rego")
	target["code"] = []any{map[string]any{"engine": CELEngine, "source": map[string]any{}}}
	_, err := ParseTemplate(obj)
	if !errors.Is(err, ErrEngineNotSupported) {
		t.Fatalf("error = %v, want ErrEngineNotSupported", err)
	}
}

func TestParseTemplateSchema(t *testing.T) {
	tmpl, err := ParseTemplate(decodeYAML(t, `
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8sdemo}
spec:
  crd:
    spec:
      names: {kind: K8sDemo}
      validation:
        openAPIV3Schema:
          type: object
          properties:
            labels: {type: array, items: {type: string}}
            max: {type: integer}
  targets: [{target: admission.k8s.gatekeeper.sh, rego: "package k8sdemo"}]
`))
	if err != nil {
		t.Fatal(err)
	}
	s := tmpl.ParametersSchema
	if s == nil {
		t.Fatal("ParametersSchema is nil")
	}
	if s.Type != "object" || s.Properties["labels"].Items.Schema.Type != "string" || s.Properties["max"].Type != "integer" {
		t.Errorf("schema not decoded: %+v", s)
	}
	if tmpl.LegacySchema {
		t.Error("v1 template: LegacySchema = true, want false")
	}
}
