package webhook

import (
	"encoding/json"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/portcullis-dev/portcullis/engine"
)

func templateObject(rego string) map[string]any {
	return map[string]any{
		"apiVersion": "templates.gatekeeper.sh/v1",
		"kind":       "ConstraintTemplate",
		"metadata":   map[string]any{"name": "k8sdemo"},
		"spec": map[string]any{
			"crd": map[string]any{"spec": map[string]any{"names": map[string]any{"kind": "K8sDemo"}}},
			"targets": []any{map[string]any{
				"target": "admission.k8s.gatekeeper.sh",
				"rego":   rego,
			}},
		},
	}
}

func policyRequest(t *testing.T, group, kind string, op admissionv1.Operation, obj map[string]any) *admissionv1.AdmissionRequest {
	t.Helper()
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return &admissionv1.AdmissionRequest{
		UID:       "u",
		Kind:      metav1.GroupVersionKind{Group: group, Version: "v1", Kind: kind},
		Operation: op,
		Object:    runtime.RawExtension{Raw: raw},
	}
}

func TestPolicyValidator(t *testing.T) {
	good := "package k8sdemo\nviolation[{\"msg\": \"no\"}] { input.review.object.metadata.name == \"bad\" }\n"
	tests := []struct {
		name        string
		group, kind string
		op          admissionv1.Operation
		obj         map[string]any
		wantHandled bool
		wantAllowed bool
		wantMessage []string // substrings of the refusal
	}{
		{
			name:  "good template",
			group: templatesGroup, kind: "ConstraintTemplate", op: admissionv1.Create,
			obj:         templateObject(good),
			wantHandled: true, wantAllowed: true,
		},
		{
			name:  "parse error names line and column",
			group: templatesGroup, kind: "ConstraintTemplate", op: admissionv1.Create,
			obj:         templateObject("package k8sdemo\n\nviolation[{\"msg\": msg}] {\n  msg := \n}\n"),
			wantHandled: true,
			wantMessage: []string{`template "k8sdemo" does not compile`, "k8sdemo/rego:", "rego_parse_error"},
		},
		{
			name:  "refused builtin is named",
			group: templatesGroup, kind: "ConstraintTemplate", op: admissionv1.Update,
			obj:         templateObject("package k8sdemo\nviolation[{\"msg\": m}] { r := http.send({\"method\": \"get\", \"url\": \"http://x\"}); m := r.body }\n"),
			wantHandled: true,
			wantMessage: []string{"http.send"},
		},
		{
			name:  "name must match kind",
			group: templatesGroup, kind: "ConstraintTemplate", op: admissionv1.Create,
			obj: func() map[string]any {
				o := templateObject(good)
				o["metadata"] = map[string]any{"name": "other"}
				return o
			}(),
			wantHandled: true,
			wantMessage: []string{"k8sdemo"},
		},
		{
			name:  "constraint with a bad selector",
			group: constraintsGroup, kind: "K8sDemo", op: admissionv1.Create,
			obj: map[string]any{
				"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sDemo",
				"metadata": map[string]any{"name": "demo"},
				"spec": map[string]any{"match": map[string]any{"labelSelector": map[string]any{
					"matchExpressions": []any{map[string]any{"key": "a", "operator": "Sometimes"}},
				}}},
			},
			wantHandled: true,
			wantMessage: []string{`constraint "demo"`},
		},
		{
			name:  "constraint with an unknown action",
			group: constraintsGroup, kind: "K8sDemo", op: admissionv1.Create,
			obj: map[string]any{
				"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sDemo",
				"metadata": map[string]any{"name": "demo"},
				"spec":     map[string]any{"enforcementAction": "shout"},
			},
			wantHandled: true,
			wantMessage: []string{"shout"},
		},
		{
			name:  "deleting a template is not checked",
			group: templatesGroup, kind: "ConstraintTemplate", op: admissionv1.Delete,
			obj: templateObject("not rego"),
		},
		{
			name:  "other kinds are not checked",
			group: "", kind: "Pod", op: admissionv1.Create,
			obj: map[string]any{"kind": "Pod"},
		},
	}
	p := &PolicyValidator{Compiler: engine.New(engine.Options{})}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, handled := p.Validate(policyRequest(t, tc.group, tc.kind, tc.op, tc.obj))
			if handled != tc.wantHandled {
				t.Fatalf("handled = %v, want %v", handled, tc.wantHandled)
			}
			if !handled {
				return
			}
			if resp.Allowed != tc.wantAllowed {
				t.Fatalf("allowed = %v, want %v (%+v)", resp.Allowed, tc.wantAllowed, resp.Result)
			}
			for _, want := range tc.wantMessage {
				if !strings.Contains(resp.Result.Message, want) {
					t.Errorf("message %q does not contain %q", resp.Result.Message, want)
				}
			}
		})
	}
}

func TestParseErrorHasLineAndColumn(t *testing.T) {
	p := &PolicyValidator{Compiler: engine.New(engine.Options{})}
	obj := templateObject("package k8sdemo\n\nviolation[{\"msg\": msg}] {\n  msg := \n}\n")
	resp, _ := p.Validate(policyRequest(t, templatesGroup, "ConstraintTemplate", admissionv1.Create, obj))
	// The error is on line 4 or 5 (where the expression ends); either way the
	// message carries "rego:<row>:<col>:".
	msg := resp.Result.Message
	if !strings.Contains(msg, "k8sdemo/rego:4:") && !strings.Contains(msg, "k8sdemo/rego:5:") {
		t.Fatalf("message %q has no line:column in the rego", msg)
	}
}

func TestLabelGuard(t *testing.T) {
	ns := func(name string, labels map[string]any) map[string]any {
		return map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": name, "labels": labels}}
	}
	g := &LabelGuard{Exempt: func(n string) bool { return n == "gatekeeper-system" }}
	tests := []struct {
		name        string
		obj         map[string]any
		op          admissionv1.Operation
		wantAllowed bool
	}{
		{"label on a non-exempt namespace", ns("apps", map[string]any{IgnoreLabel: "true"}), admissionv1.Create, false},
		{"label added on update", ns("apps", map[string]any{IgnoreLabel: ""}), admissionv1.Update, false},
		{"label on an exempt namespace", ns("gatekeeper-system", map[string]any{IgnoreLabel: "true"}), admissionv1.Create, true},
		{"no label", ns("apps", map[string]any{"team": "a"}), admissionv1.Create, true},
		{"delete", ns("apps", map[string]any{IgnoreLabel: "true"}), admissionv1.Delete, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := policyRequest(t, "", "Namespace", tc.op, tc.obj)
			resp := g.admit(req)
			if resp.Allowed != tc.wantAllowed {
				t.Fatalf("allowed = %v, want %v (%+v)", resp.Allowed, tc.wantAllowed, resp.Result)
			}
			if !resp.Allowed && !strings.Contains(resp.Result.Message, IgnoreLabel) {
				t.Errorf("message %q does not name the label", resp.Result.Message)
			}
		})
	}
}
