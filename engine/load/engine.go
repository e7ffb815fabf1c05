package load

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/portcullis-dev/portcullis/engine"
)

// Template parses a ConstraintTemplate document, locating any error at the
// document.
func Template(d *Document) (*engine.Template, error) {
	if !IsTemplate(d.Object) {
		return nil, d.Errorf("not a ConstraintTemplate (apiVersion %v, kind %v)", d.Object["apiVersion"], d.Object["kind"])
	}
	t, err := engine.ParseTemplate(d.Object)
	if err != nil {
		return nil, d.Wrap(err)
	}
	return t, nil
}

// Constraint parses a constraint document, locating any error at the
// document.
func Constraint(d *Document) (*engine.Constraint, error) {
	if !IsConstraint(d.Object) {
		return nil, d.Errorf("not a constraint (apiVersion %v, kind %v)", d.Object["apiVersion"], d.Object["kind"])
	}
	c, err := engine.ParseConstraint(d.Object)
	if err != nil {
		return nil, d.Wrap(err)
	}
	return c, nil
}

// Namespaces indexes Namespace objects by name, to serve namespaceSelector.
type Namespaces map[string]*corev1.Namespace

// Add records obj when it is a Namespace; other objects are ignored.
func (n Namespaces) Add(d *Document) error {
	if !IsNamespace(d.Object) {
		return nil
	}
	ns, err := toNamespace(d.Object)
	if err != nil {
		return d.Wrap(err)
	}
	n[ns.Name] = ns
	return nil
}

// For returns the Namespace that namespaceSelector sees for obj: obj itself
// when it is a Namespace, else its namespace when indexed, else nil.
func (n Namespaces) For(obj map[string]any) (*corev1.Namespace, error) {
	if IsNamespace(obj) {
		return toNamespace(obj)
	}
	namespace, _ := Metadata(obj)
	if namespace == "" {
		return nil, nil
	}
	return n[namespace], nil
}

func toNamespace(obj map[string]any) (*corev1.Namespace, error) {
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encoding namespace: %w", err)
	}
	var ns corev1.Namespace
	if err := json.Unmarshal(raw, &ns); err != nil {
		return nil, fmt.Errorf("decoding namespace: %w", err)
	}
	return &ns, nil
}

// IsAdmissionReview reports whether obj is an admission.k8s.io
// AdmissionReview.
func IsAdmissionReview(obj map[string]any) bool {
	group, kind := GroupKind(obj)
	return group == admissionv1.GroupName && kind == "AdmissionReview"
}

// Errors about AdmissionReview documents.
var (
	ErrNoRequest = errors.New("AdmissionReview has no request")
	ErrNoObject  = errors.New("AdmissionReview request has neither object nor oldObject")
)

// Review builds the engine review for a document: the request of an
// AdmissionReview, or an audit-style review of any other object. nss serves
// namespaceSelector.
func Review(d *Document, nss Namespaces) (*engine.Review, error) {
	if IsAdmissionReview(d.Object) {
		r, err := admissionReview(d.Object, nss)
		return r, d.Wrap(err)
	}
	ns, err := nss.For(d.Object)
	if err != nil {
		return nil, d.Wrap(err)
	}
	r, err := engine.NewAuditReview(d.Object, ns)
	return r, d.Wrap(err)
}

func admissionReview(obj map[string]any, nss Namespaces) (*engine.Review, error) {
	req, err := toAdmissionRequest(obj)
	if err != nil {
		return nil, err
	}
	ns, err := requestNamespace(req, nss)
	if err != nil {
		return nil, err
	}
	return engine.NewAdmissionReview(req, ns)
}

// toAdmissionRequest decodes the request strictly (unknown fields are an
// error, as a typo would otherwise pass silently) and, for DELETE without an
// object, reviews the old object, as the API server's webhooks do.
func toAdmissionRequest(obj map[string]any) (*admissionv1.AdmissionRequest, error) {
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encoding AdmissionReview: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var ar admissionv1.AdmissionReview
	if err := dec.Decode(&ar); err != nil {
		return nil, fmt.Errorf("invalid AdmissionReview: %w", err)
	}
	req := ar.Request
	if req == nil {
		return nil, ErrNoRequest
	}
	if len(req.Object.Raw) == 0 && len(req.OldObject.Raw) == 0 {
		return nil, ErrNoObject
	}
	if req.Operation == admissionv1.Delete && len(req.Object.Raw) == 0 {
		req.Object = req.OldObject
	}
	return req, nil
}

// requestNamespace finds the Namespace a request is evaluated in: the object
// itself for Namespace requests, else the indexed namespace of the request.
func requestNamespace(req *admissionv1.AdmissionRequest, nss Namespaces) (*corev1.Namespace, error) {
	if req.Kind.Group != "" || req.Kind.Kind != "Namespace" {
		return nss[req.Namespace], nil
	}
	raw := req.Object.Raw
	if len(raw) == 0 {
		raw = req.OldObject.Raw
	}
	var ns corev1.Namespace
	if err := json.Unmarshal(raw, &ns); err != nil {
		return nil, fmt.Errorf("decoding Namespace of the request: %w", err)
	}
	return &ns, nil
}
