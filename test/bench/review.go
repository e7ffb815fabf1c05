package bench

import (
	"context"
	"encoding/json"
	"fmt"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Reviewer is one system under test: it reviews an admission request and
// returns the violation messages, sorted by its own rules.
type Reviewer interface {
	Name() string
	Review(ctx context.Context, req *admissionv1.AdmissionRequest) ([]string, error)
}

// AdmissionRequest wraps a Pod in the CREATE request the API server would
// send, with the object as raw JSON, so that both systems pay for decoding.
func AdmissionRequest(obj map[string]any) (*admissionv1.AdmissionRequest, error) {
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encode object: %w", err)
	}
	meta, _ := obj["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	return &admissionv1.AdmissionRequest{
		UID:       "bench",
		Kind:      metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
		Resource:  metav1.GroupVersionResource{Version: "v1", Resource: "pods"},
		Name:      name,
		Namespace: BenchNamespace,
		Operation: admissionv1.Create,
		UserInfo:  userInfo,
		Object:    runtime.RawExtension{Raw: raw},
	}, nil
}
