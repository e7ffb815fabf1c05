package engine

import (
	"context"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// FuzzNewAdmissionReview feeds arbitrary bytes as the object and old
// object of a request. Building the review must never panic; when it
// succeeds, reviewing it must not panic either.
func FuzzNewAdmissionReview(f *testing.F) {
	for _, seed := range []string{
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"a":"b"}}}`,
		`{"metadata":{"labels":{"a":1,"b":null},"name":3}}`,
		`{"metadata":"x"}`, `[]`, `null`, `1e999`, `"s"`, `{"a":{"b":[1,2,{"c":true}]}}`,
		`{not json`, ``, `{"n":12345678901234567890123}`,
	} {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}
	e := New(Options{})
	mustAddTemplate(f, e, regoTemplate("K8sLabels", `package k8slabels
violation[{"msg": msg}] {
  some k
  v := input.review.object.metadata.labels[k]
  msg := sprintf("%v=%v", [k, v])
}`))
	mustAddConstraint(f, e, "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sLabels\nmetadata: {name: all}\nspec: {match: {labelSelector: {matchExpressions: [{key: a, operator: Exists}]}}}")
	f.Fuzz(func(t *testing.T, raw []byte, isDelete bool) {
		req := &admissionv1.AdmissionRequest{
			UID:       "fuzz",
			Kind:      metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
			Operation: admissionv1.Create,
			Object:    runtime.RawExtension{Raw: raw},
		}
		if isDelete {
			req.Operation = admissionv1.Delete
			req.Object, req.OldObject = runtime.RawExtension{}, runtime.RawExtension{Raw: raw}
		}
		r, err := NewAdmissionReview(req, nil)
		if err != nil {
			return
		}
		if _, err := e.Review(context.Background(), r, WebhookEnforcementPoint); err != nil {
			t.Fatalf("review of a built review failed: %v", err)
		}
	})
}
