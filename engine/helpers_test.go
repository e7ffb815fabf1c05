package engine

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

// readYAML decodes one YAML document from testdata.
func readYAML(t testing.TB, name string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return decodeYAML(t, string(raw))
}

func decodeYAML(t testing.TB, doc string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatalf("decode yaml: %v", err)
	}
	return m
}

// regoTemplate returns an unstructured v1 template with the given kind and
// Rego.
func regoTemplate(kind, rego string, libs ...string) map[string]any {
	target := map[string]any{"target": TargetName, "rego": rego}
	if len(libs) > 0 {
		l := make([]any, len(libs))
		for i, s := range libs {
			l[i] = s
		}
		target["libs"] = l
	}
	return map[string]any{
		"apiVersion": "templates.gatekeeper.sh/v1",
		"kind":       "ConstraintTemplate",
		"metadata":   map[string]any{"name": lower(kind)},
		"spec": map[string]any{
			"crd":     map[string]any{"spec": map[string]any{"names": map[string]any{"kind": kind}}},
			"targets": []any{target},
		},
	}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// mustAddTemplate parses and adds a template.
func mustAddTemplate(t testing.TB, e *Engine, obj map[string]any) {
	t.Helper()
	tmpl, err := ParseTemplate(obj)
	if err != nil {
		t.Fatalf("parse template: %v", err)
	}
	if err := e.AddTemplate(tmpl); err != nil {
		t.Fatalf("add template: %v", err)
	}
}

// mustAddConstraint parses and adds a constraint given as YAML.
func mustAddConstraint(t testing.TB, e *Engine, doc string) *Constraint {
	t.Helper()
	c, err := ParseConstraint(decodeYAML(t, doc))
	if err != nil {
		t.Fatalf("parse constraint: %v", err)
	}
	if err := e.AddConstraint(c); err != nil {
		t.Fatalf("add constraint: %v", err)
	}
	return c
}

// podRequest returns a CREATE request for a Pod given as YAML.
func podRequest(t testing.TB, op admissionv1.Operation, object, oldObject string) *admissionv1.AdmissionRequest {
	t.Helper()
	req := &admissionv1.AdmissionRequest{
		UID:       "uid-1",
		Kind:      metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
		Resource:  metav1.GroupVersionResource{Version: "v1", Resource: "pods"},
		Operation: op,
		UserInfo:  authnUser("alice"),
	}
	if object != "" {
		req.Object = runtime.RawExtension{Raw: toJSON(t, decodeYAML(t, object))}
		req.Name, req.Namespace = nameNS(decodeYAML(t, object))
	}
	if oldObject != "" {
		req.OldObject = runtime.RawExtension{Raw: toJSON(t, decodeYAML(t, oldObject))}
		req.Name, req.Namespace = nameNS(decodeYAML(t, oldObject))
	}
	return req
}

func nameNS(obj map[string]any) (string, string) {
	name, _ := nestedString(obj, "metadata", "name")
	ns, _ := nestedString(obj, "metadata", "namespace")
	return name, ns
}

func toJSON(t testing.TB, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// review runs an admission review at the webhook point.
func review(t testing.TB, e *Engine, req *admissionv1.AdmissionRequest) []Result {
	t.Helper()
	r, err := NewAdmissionReview(req, nil)
	if err != nil {
		t.Fatalf("new admission review: %v", err)
	}
	resp, err := e.Review(context.Background(), r, WebhookEnforcementPoint)
	if err != nil {
		t.Fatalf("review: %v", err)
	}
	return resp.Results
}

// messages lists "Kind/name: message" per result, errors marked.
func messages(results []Result) []string {
	out := make([]string, 0, len(results))
	for _, r := range results {
		s := r.Constraint.Kind + "/" + r.Constraint.Name + ": " + r.Message
		if r.Err != nil {
			s = "ERR " + s
		}
		out = append(out, s)
	}
	return out
}

func labelSelector(k, v string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{k: v}}
}

func badSelector() *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: "Near"}}}
}
