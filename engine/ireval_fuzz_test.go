package engine

import (
	"context"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// FuzzPlanEvaluator reviews arbitrary Pods, as CREATE or as UPDATE of
// themselves, against the library's Pod-security templates with
// cross-checking: the plan evaluator and topdown must agree on every
// message, detail and error.
func FuzzPlanEvaluator(f *testing.F) {
	for _, seed := range []string{
		string(toJSON(f, decodeYAML(f, planPod))),
		string(toJSON(f, readFileYAML(f, "testdata/bench/privileged-pod.yaml"))),
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"n"},"spec":{"containers":[{"name":"c","image":"i","securityContext":{"capabilities":{"add":["NET_ADMIN"]},"runAsUser":0}}]}}`,
		`{"kind":"Pod","metadata":{"name":"p"},"spec":{"hostPID":true,"volumes":[{"name":"v","hostPath":{"path":"/etc/../x"}},{"name":"f","flexVolume":{"driver":"d"}}],"containers":[{"name":"c","volumeMounts":[{"name":"v"}]}]}}`,
		`{"kind":"Pod","metadata":{"name":"p","annotations":{"container.apparmor.security.beta.kubernetes.io/c":"unconfined"}},"spec":{"securityContext":{"sysctls":[{"name":"kernel.x","value":"1"}],"seccompProfile":{"type":"Unconfined"}},"containers":[{"name":"c","ports":[{"hostPort":1}]}]}}`,
		`{"spec":{"containers":"x"}}`, `{"spec":{"containers":[1,null,{"name":3}]}}`,
	} {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}
	e := New(Options{Evaluator: EvaluatorCrossCheck})
	if libraryPSP(f, e) == 0 {
		f.Fatal("no library templates loaded")
	}
	f.Fuzz(func(t *testing.T, raw []byte, update bool) {
		req := &admissionv1.AdmissionRequest{
			UID:       "fuzz",
			Kind:      metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
			Resource:  metav1.GroupVersionResource{Version: "v1", Resource: "pods"},
			Namespace: "n",
			Operation: admissionv1.Create,
			Object:    runtime.RawExtension{Raw: raw},
		}
		if update {
			req.Operation, req.OldObject = admissionv1.Update, runtime.RawExtension{Raw: raw}
		}
		r, err := NewAdmissionReview(req, nil)
		if err != nil {
			return
		}
		resp, err := e.Review(context.Background(), r, WebhookEnforcementPoint)
		if err != nil {
			t.Fatalf("review: %v", err)
		}
		for _, res := range resp.Results {
			if res.Err != nil && strings.Contains(res.Message, "disagree") {
				t.Fatalf("%s: %s", res.Constraint.Name, res.Message)
			}
		}
	})
}
