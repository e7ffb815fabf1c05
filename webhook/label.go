package webhook

import (
	"encoding/json"
	"fmt"
	"net/http"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// LabelGuard serves check-ignore-label.gatekeeper.sh: only namespaces that
// are exempt by configuration may carry IgnoreLabel, so that nobody can opt
// a namespace out of policy by labelling it.
type LabelGuard struct {
	// Exempt reports the namespaces that are allowed the label.
	Exempt func(namespace string) bool
}

var _ http.Handler = (*LabelGuard)(nil)

func (g *LabelGuard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	review, err := readReview(w, r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	writeReview(w, review, g.admit(review.Request))
}

func (g *LabelGuard) admit(req *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	if !isNamespace(req) || req.Operation == admissionv1.Delete {
		return allow()
	}
	var ns metav1.PartialObjectMetadata
	if err := json.Unmarshal(req.Object.Raw, &ns); err != nil {
		return refuse(http.StatusBadRequest, fmt.Sprintf("decoding Namespace: %v", err))
	}
	if _, set := ns.Labels[IgnoreLabel]; !set {
		return allow()
	}
	if g.Exempt != nil && g.Exempt(ns.Name) {
		return allow()
	}
	return refuse(http.StatusForbidden, fmt.Sprintf(
		"only exempt namespaces may have the %s label; namespace %q is not exempt (see --exempt-namespace)", IgnoreLabel, ns.Name))
}
