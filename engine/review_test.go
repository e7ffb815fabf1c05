package engine

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/portcullis-dev/portcullis/engine/match"
)

// echoEngine has one template whose single violation carries the whole
// input as details, and one constraint of it per parameters given.
func echoEngine(t *testing.T, params string) *Engine {
	t.Helper()
	e := New(Options{})
	mustAddTemplate(t, e, regoTemplate("K8sEcho", "package k8secho\nviolation[{\"msg\": \"echo\", \"details\": input}] { true }"))
	doc := "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sEcho\nmetadata: {name: echo}\n"
	if params != "" {
		doc += "spec: {parameters: " + params + "}\n"
	}
	mustAddConstraint(t, e, doc)
	return e
}

// echoed reviews r and returns the input Rego saw, normalised through JSON.
func echoed(t *testing.T, e *Engine, r *Review) any {
	t.Helper()
	resp, err := e.Review(context.Background(), r, AuditEnforcementPoint)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Results) != 1 || resp.Results[0].Err != nil {
		t.Fatalf("results = %+v, want one echo", resp.Results)
	}
	return normalise(t, resp.Results[0].Details)
}

func normalise(t *testing.T, v any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func jsonValue(t *testing.T, s string) any {
	t.Helper()
	var out any
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		t.Fatalf("bad expected JSON %s: %v", s, err)
	}
	return out
}

const (
	newPod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default, labels: {v: new}}"
	oldPod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default, labels: {v: old}}"
	podNew = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default","labels":{"v":"new"}}}`
	podOld = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default","labels":{"v":"old"}}}`
	head   = `"uid":"uid-1","kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},` +
		`"name":"p","namespace":"default","userInfo":{"username":"alice"},"options":null`
)

func TestAdmissionReviewInput(t *testing.T) {
	tests := []struct {
		name   string
		req    *admissionv1.AdmissionRequest
		params string
		// want is the expected input, as JSON.
		want string
		// wantTarget is what matching sees.
		wantTarget match.Target
	}{
		{
			name: "create without parameters",
			req:  podRequest(t, admissionv1.Create, newPod, ""),
			want: `{"parameters":{},"review":{` + head + `,"operation":"CREATE","object":` + podNew + `,"oldObject":null}}`,
			wantTarget: match.Target{Kind: "Pod", Namespace: "default", Name: "p", Operation: "CREATE",
				Labels: map[string]string{"v": "new"}},
		},
		{
			name:   "update with parameters",
			req:    podRequest(t, admissionv1.Update, newPod, oldPod),
			params: "{labels: [a], max: 2}",
			want:   `{"parameters":{"labels":["a"],"max":2},"review":{` + head + `,"operation":"UPDATE","object":` + podNew + `,"oldObject":` + podOld + `}}`,
			wantTarget: match.Target{Kind: "Pod", Namespace: "default", Name: "p", Operation: "UPDATE",
				Labels: map[string]string{"v": "new"}, OldLabels: map[string]string{"v": "old"}},
		},
		{
			name: "delete takes object from oldObject",
			req:  podRequest(t, admissionv1.Delete, "", oldPod),
			want: `{"parameters":{},"review":{` + head + `,"operation":"DELETE","object":` + podOld + `,"oldObject":` + podOld + `}}`,
			wantTarget: match.Target{Kind: "Pod", Namespace: "default", Name: "p", Operation: "DELETE",
				Labels: map[string]string{"v": "old"}, OldLabels: map[string]string{"v": "old"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewAdmissionReview(tc.req, nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(jsonValue(t, tc.want), echoed(t, echoEngine(t, tc.params), r)); diff != "" {
				t.Errorf("input (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantTarget, r.Target()); diff != "" {
				t.Errorf("target (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAdmissionReviewOptionalFields(t *testing.T) {
	dry := true
	req := podRequest(t, admissionv1.Create, newPod, "")
	req.SubResource = "status"
	req.RequestKind = &metav1.GroupVersionKind{Group: "", Version: "v1", Kind: "Pod"}
	req.RequestSubResource = "status"
	req.DryRun = &dry
	req.Object.Raw, req.Object.Object = nil, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "typed"}}
	r, err := NewAdmissionReview(req, nil)
	if err != nil {
		t.Fatal(err)
	}
	review := echoed(t, echoEngine(t, ""), r).(map[string]any)["review"].(map[string]any)
	for key, want := range map[string]any{
		"subResource":        "status",
		"requestSubResource": "status",
		"dryRun":             true,
		"requestKind":        map[string]any{"group": "", "version": "v1", "kind": "Pod"},
	} {
		if diff := cmp.Diff(want, review[key]); diff != "" {
			t.Errorf("review.%s (-want +got):\n%s", key, diff)
		}
	}
	name := review["object"].(map[string]any)["metadata"].(map[string]any)["name"]
	if name != "typed" {
		t.Errorf("object from RawExtension.Object: name = %v, want typed", name)
	}
}

func TestAuditReviewInput(t *testing.T) {
	tests := []struct {
		name       string
		obj        string
		ns         *corev1.Namespace
		want       string
		wantTarget match.Target
	}{
		{
			name: "namespaced object",
			obj:  "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: prod, labels: {a: b}}\nspec: {replicas: 2}",
			ns:   &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "prod", Labels: map[string]string{"env": "prod"}}},
			want: `{"parameters":{},"review":{"kind":{"group":"apps","version":"v1","kind":"Deployment"},"name":"d","namespace":"prod",` +
				`"object":{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"prod","labels":{"a":"b"}},"spec":{"replicas":2}}}}`,
			wantTarget: match.Target{Group: "apps", Kind: "Deployment", Namespace: "prod", Name: "d",
				Labels: map[string]string{"a": "b"}, NamespaceLabels: map[string]string{"env": "prod"}, HaveNamespace: true},
		},
		{
			name: "namespace object uses its own labels",
			obj:  "apiVersion: v1\nkind: Namespace\nmetadata: {name: prod, labels: {env: prod}}",
			want: `{"parameters":{},"review":{"kind":{"group":"","version":"v1","kind":"Namespace"},"name":"prod",` +
				`"object":{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"prod","labels":{"env":"prod"}}}}}`,
			wantTarget: match.Target{Kind: "Namespace", Name: "prod", Labels: map[string]string{"env": "prod"},
				NamespaceLabels: map[string]string{"env": "prod"}, HaveNamespace: true},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewAuditReview(decodeYAML(t, tc.obj), tc.ns)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(jsonValue(t, tc.want), echoed(t, echoEngine(t, ""), r)); diff != "" {
				t.Errorf("input (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantTarget, r.Target()); diff != "" {
				t.Errorf("target (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewReviewErrors(t *testing.T) {
	if _, err := NewAdmissionReview(nil, nil); err == nil {
		t.Error("nil request: no error")
	}
	bad := podRequest(t, admissionv1.Create, newPod, "")
	bad.Object.Raw = []byte("{not json")
	if _, err := NewAdmissionReview(bad, nil); err == nil {
		t.Error("invalid object JSON: no error")
	}
	for name, obj := range map[string]map[string]any{
		"no kind":          {"apiVersion": "v1", "metadata": map[string]any{"name": "x"}},
		"bad apiVersion":   {"apiVersion": "a/b/c", "kind": "X"},
		"apiVersion type":  {"apiVersion": 3, "kind": "X"},
		"empty apiVersion": {"kind": "X"},
	} {
		if _, err := NewAuditReview(obj, nil); err == nil {
			t.Errorf("audit review %s: no error", name)
		}
	}
}
