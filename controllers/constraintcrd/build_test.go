package constraintcrd

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	apiextensions "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	"github.com/portcullis-dev/portcullis/engine"
)

var update = flag.Bool("update", false, "rewrite golden files")

func mustSchema(t *testing.T, src string) *apiextensionsv1.JSONSchemaProps {
	t.Helper()
	var s apiextensionsv1.JSONSchemaProps
	if err := yaml.Unmarshal([]byte(src), &s); err != nil {
		t.Fatalf("parse schema: %v", err)
	}
	return &s
}

func TestBuildGolden(t *testing.T) {
	cases := []struct {
		name   string
		schema string
		legacy bool
	}{
		{name: "no-schema"},
		{name: "structural", schema: `
properties:
  labels:
    type: array
    items:
      type: object
      properties:
        key: {type: string}
        allowedRegex: {type: string}
  message: {type: string}
`},
		// A v1beta1-era schema: no types below the root, legacy on.
		{name: "legacy", legacy: true, schema: `
properties:
  labels:
    items:
      type: string
  repos:
    description: allowed prefixes
`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tmpl := &engine.Template{Name: "k8srequiredlabels", Kind: "K8sRequiredLabels", ShortNames: []string{"rl"}, LegacySchema: tc.legacy}
			if tc.schema != "" {
				tmpl.ParametersSchema = mustSchema(t, tc.schema)
			}
			crd, err := Build(tmpl)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			assertStructural(t, crd)
			got, err := yaml.Marshal(crd)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			golden := filepath.Join("testdata", tc.name+".golden.yaml")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatalf("write golden: %v", err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("read golden (run with -update): %v", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("CRD differs from %s (-want +got):\n%s", golden, diff)
			}
		})
	}
}

// assertStructural runs the API server's own structural-schema checks.
func assertStructural(t *testing.T, crd *apiextensionsv1.CustomResourceDefinition) {
	t.Helper()
	for _, v := range crd.Spec.Versions {
		var internal apiextensions.JSONSchemaProps
		if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v.Schema.OpenAPIV3Schema, &internal, nil); err != nil {
			t.Fatalf("convert schema: %v", err)
		}
		s, err := structuralschema.NewStructural(&internal)
		if err != nil {
			t.Fatalf("version %s: not structural: %v", v.Name, err)
		}
		if errs := structuralschema.ValidateStructural(field.NewPath("schema"), s); len(errs) > 0 {
			t.Fatalf("version %s: not structural: %v", v.Name, errs.ToAggregate())
		}
	}
}

func TestBuildShape(t *testing.T) {
	crd, err := Build(&engine.Template{Name: "k8sdemo", Kind: "K8sDemo"})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if crd.Name != "k8sdemo.constraints.gatekeeper.sh" {
		t.Errorf("name = %q", crd.Name)
	}
	if crd.Spec.Scope != apiextensionsv1.ClusterScoped {
		t.Errorf("scope = %q, want Cluster", crd.Spec.Scope)
	}
	if diff := cmp.Diff([]string{"constraint", "constraints"}, crd.Spec.Names.Categories); diff != "" {
		t.Errorf("categories (-want +got):\n%s", diff)
	}
	storage := 0
	for _, v := range crd.Spec.Versions {
		if !v.Served {
			t.Errorf("version %s not served", v.Name)
		}
		if v.Storage {
			storage++
			if v.Name != "v1beta1" {
				t.Errorf("storage version = %s, want v1beta1", v.Name)
			}
		}
	}
	if storage != 1 || len(crd.Spec.Versions) != 3 {
		t.Errorf("got %d versions with %d storage, want 3 with 1", len(crd.Spec.Versions), storage)
	}
}

func TestBuildRejects(t *testing.T) {
	cases := []struct {
		name string
		tmpl engine.Template
	}{
		{name: "no kind", tmpl: engine.Template{Name: "x"}},
		{name: "parameters not an object", tmpl: engine.Template{Name: "x", Kind: "X", ParametersSchema: &apiextensionsv1.JSONSchemaProps{Type: "string"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Build(&tc.tmpl); err == nil {
				t.Fatal("Build succeeded, want error")
			}
		})
	}
}
