package engine

import (
	"errors"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/portcullis-dev/portcullis/engine/match"
)

// Review is one object to evaluate, converted once to the form Rego reads.
// It is immutable and may be reviewed concurrently.
type Review struct {
	// review is input.review as a Rego value.
	review *ast.Term
	target match.Target
}

// Target returns what constraint matching sees of the reviewed object.
func (r *Review) Target() match.Target { return r.target }

// NewAdmissionReview builds a review from an admission request. ns is the
// request's Namespace object, used for namespaceSelector; nil when unknown or
// when the object is cluster-scoped.
//
// input.review is the JSON form of the admission/v1 AdmissionRequest; for
// DELETE requests, which carry no object, object is the old object.
func NewAdmissionReview(req *admissionv1.AdmissionRequest, ns *corev1.Namespace) (*Review, error) {
	if req == nil {
		return nil, errors.New("new admission review: request is nil")
	}
	in, err := admissionTerm(req)
	if err != nil {
		return nil, fmt.Errorf("new admission review %s: %w", req.UID, err)
	}
	t := match.Target{
		Group:        req.Kind.Group,
		Kind:         req.Kind.Kind,
		Namespace:    req.Namespace,
		Name:         req.Name,
		GenerateName: termMetaString(in.object, "generateName"),
		Operation:    string(req.Operation),
		Labels:       termLabels(in.object),
		OldLabels:    termLabels(in.oldObject),
	}
	if t.Name == "" {
		t.Name = termMetaString(in.object, "name")
	}
	setNamespace(&t, ns, t.Labels, !ast.NullTerm().Equal(in.object))
	return &Review{review: in.review, target: t}, nil
}

// NewAuditReview builds a review of an existing object, with kind, name and
// namespace filled in and no operation.
func NewAuditReview(obj map[string]any, ns *corev1.Namespace) (*Review, error) {
	apiVersion, err := nestedString(obj, "apiVersion")
	if err != nil {
		return nil, fmt.Errorf("new audit review: %w", err)
	}
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return nil, fmt.Errorf("new audit review: %w", err)
	}
	kind, err := nestedString(obj, "kind")
	if err != nil {
		return nil, fmt.Errorf("new audit review: %w", err)
	}
	if kind == "" || apiVersion == "" {
		return nil, errors.New("new audit review: apiVersion and kind are required")
	}
	name, _ := nestedString(obj, "metadata", "name")
	namespace, _ := nestedString(obj, "metadata", "namespace")
	review := map[string]any{
		"kind":   map[string]any{"group": gv.Group, "version": gv.Version, "kind": kind},
		"name":   name,
		"object": obj,
	}
	if namespace != "" {
		review["namespace"] = namespace
	}
	value, err := ast.InterfaceToValue(review)
	if err != nil {
		return nil, fmt.Errorf("new audit review %s/%s: %w", kind, name, err)
	}
	t := match.Target{
		Group:     gv.Group,
		Kind:      kind,
		Namespace: namespace,
		Name:      name,
		Labels:    labelsOf(obj),
	}
	t.GenerateName = metaString(obj, "generateName")
	setNamespace(&t, ns, t.Labels, true)
	return &Review{review: ast.NewTerm(value), target: t}, nil
}

// setNamespace fills the namespace labels used by namespaceSelector. A
// Namespace object is its own namespace: ownLabels are its labels and
// haveObject says whether the object is present.
func setNamespace(t *match.Target, ns *corev1.Namespace, ownLabels map[string]string, haveObject bool) {
	if t.Group == "" && t.Kind == "Namespace" {
		t.NamespaceLabels = ownLabels
		t.HaveNamespace = haveObject
		return
	}
	if ns != nil {
		t.NamespaceLabels = ns.Labels
		t.HaveNamespace = true
	}
}

func labelsOf(obj any) map[string]string {
	m, ok := obj.(map[string]any)
	if !ok {
		return nil
	}
	labels, err := nestedMap(m, "metadata", "labels")
	if err != nil || len(labels) == 0 {
		return nil
	}
	out := make(map[string]string, len(labels))
	for k, v := range labels {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

// metaString returns a string field of obj's metadata, "" when absent.
func metaString(obj any, field string) string {
	m, ok := obj.(map[string]any)
	if !ok {
		return ""
	}
	s, _ := nestedString(m, "metadata", field)
	return s
}
