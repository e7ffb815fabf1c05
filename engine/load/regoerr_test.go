package load

import (
	"errors"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/portcullis-dev/portcullis/engine"
)

const legacyTemplate = `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: pcx
spec:
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package pcx
        violation[{"msg": m}] { m := 1 +
        }
      libs:
        - |
          package lib.a

          broken(
`

const codeTemplate = `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: pcx
spec:
  targets:
    - target: admission.k8s.gatekeeper.sh
      code:
        - engine: K8sNativeValidation
          source: {}
        - engine: Rego
          source:
            version: v1
            rego: "package pcx"
            libs:
              - |
                package lib.b
                bad if {
`

func TestTemplateErr(t *testing.T) {
	tests := []struct {
		name  string
		input string
		loc   *ast.Location
		want  string
	}{
		{"entry module, block scalar", legacyTemplate, &ast.Location{File: "pcx/rego", Row: 2, Col: 30}, "t.yaml:10:30: rego_parse_error: boom"},
		{"legacy lib", legacyTemplate, &ast.Location{File: "pcx/libs[0]", Row: 3, Col: 1}, "t.yaml:16:1: rego_parse_error: boom"},
		{"code entry, quoted scalar", codeTemplate, &ast.Location{File: "pcx/rego", Row: 1, Col: 9}, "t.yaml:14:9: rego_parse_error: boom"},
		{"code lib", codeTemplate, &ast.Location{File: "pcx/libs[0]", Row: 2, Col: 4}, "t.yaml:18:4: rego_parse_error: boom"},
		{"unknown module keeps OPA's location", legacyTemplate, &ast.Location{File: "other", Row: 2, Col: 3}, "other:2:3: rego_parse_error: boom"},
		{"no location", legacyTemplate, nil, "rego_parse_error: boom"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			docs, err := Read(strings.NewReader(tc.input), "t.yaml")
			if err != nil {
				t.Fatal(err)
			}
			te := &engine.TemplateError{Template: "pcx", Errors: ast.Errors{ast.NewError(ast.ParseErr, tc.loc, "boom")}}
			err = TemplateErr(&docs[0], te)
			var re *RegoError
			if !errors.As(err, &re) || len(re.Lines) != 1 {
				t.Fatalf("TemplateErr() = %#v, want one *RegoError line", err)
			}
			if re.Lines[0] != tc.want {
				t.Errorf("line = %q, want %q", re.Lines[0], tc.want)
			}
			var back *engine.TemplateError
			if !errors.As(err, &back) || back != te {
				t.Error("RegoError does not unwrap to the TemplateError")
			}
		})
	}
	docs, _ := Read(strings.NewReader(legacyTemplate), "t.yaml")
	if err := TemplateErr(&docs[0], errors.New("other")); err.Error() != "t.yaml: document 1 (line 1): other" {
		t.Errorf("plain error = %q", err)
	}
}
