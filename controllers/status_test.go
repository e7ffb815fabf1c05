package controllers

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/open-policy-agent/opa/v1/ast"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	templatesv1 "github.com/portcullis-dev/portcullis/apis/templates/v1"
	"github.com/portcullis-dev/portcullis/engine"
)

func TestStatusErrors(t *testing.T) {
	compileErr := &engine.TemplateError{Template: "k8sx", Errors: ast.Errors{
		ast.NewError(ast.CompileErr, &ast.Location{File: "k8sx/rego", Row: 4, Col: 9}, "var msg is unsafe"),
		// A location without a row says nothing useful about line:col.
		ast.NewError(ast.CompileErr, &ast.Location{File: "k8sx/rego"}, "package clash"),
	}}
	cases := []struct {
		name   string
		reason string
		err    error
		want   []templatesv1.CreateCRDError
	}{
		{
			name:   "wrapped template error keeps code and line:col",
			reason: templatesv1.ReasonCompileFailed,
			err:    fmt.Errorf("compile template: %w", compileErr),
			want: []templatesv1.CreateCRDError{
				{Code: ast.CompileErr, Message: "var msg is unsafe", Location: "4:9"},
				{Code: ast.CompileErr, Message: "package clash"},
			},
		},
		{
			name:   "plain parse error",
			reason: templatesv1.ReasonInvalid,
			err:    errors.New("name must equal lower-case kind"),
			want:   []templatesv1.CreateCRDError{{Code: errCodeInvalid, Message: "name must equal lower-case kind"}},
		},
		{
			name:   "CRD failure",
			reason: templatesv1.ReasonCRDFailed,
			err:    errors.New("forbidden"),
			want:   []templatesv1.CreateCRDError{{Code: errCodeCRD, Message: "forbidden"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, statusErrors(tc.reason, tc.err)); diff != "" {
				t.Errorf("statusErrors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUpsertConstraintPod(t *testing.T) {
	other := map[string]any{"id": "other-pod", "enforced": true}
	mine := constraintPodStatus{ID: "pod-a", ObservedGeneration: 2, Enforced: true}
	cases := []struct {
		name        string
		byPod       []any // current status.byPod; nil for none
		wantChanged bool
		wantIDs     []string
	}{
		{name: "no status yet", wantChanged: true, wantIDs: []string{"pod-a"}},
		{name: "other pods kept", byPod: []any{other}, wantChanged: true, wantIDs: []string{"other-pod", "pod-a"}},
		{
			name:        "stale entry replaced",
			byPod:       []any{map[string]any{"id": "pod-a", "observedGeneration": int64(1), "enforced": true}, other},
			wantChanged: true,
			wantIDs:     []string{"other-pod", "pod-a"},
		},
		{
			// Identical entry: no write, so no status churn.
			name:        "up to date",
			byPod:       []any{map[string]any{"id": "pod-a", "observedGeneration": int64(2), "enforced": true}},
			wantChanged: false,
			wantIDs:     []string{"pod-a"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := &unstructured.Unstructured{Object: map[string]any{}}
			if tc.byPod != nil {
				obj.Object["status"] = map[string]any{"byPod": tc.byPod}
			}
			list, changed, err := upsertConstraintPod(obj, mine)
			if err != nil {
				t.Fatal(err)
			}
			if changed != tc.wantChanged {
				t.Errorf("changed = %v, want %v", changed, tc.wantChanged)
			}
			var ids []string
			for _, p := range list {
				ids = append(ids, p.(map[string]any)["id"].(string))
			}
			if diff := cmp.Diff(tc.wantIDs, ids); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
}
