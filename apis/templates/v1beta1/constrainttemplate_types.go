package v1beta1

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// ConstraintTemplateSpec declares a constraint kind: its name, the schema of
// its parameters, and the Rego that decides violations.
type ConstraintTemplateSpec struct {
	// CRD describes the constraint kind this template creates.
	CRD CRD `json:"crd,omitempty"`
	// Targets holds the policy code; admission.k8s.gatekeeper.sh is the only
	// supported target.
	Targets []Target `json:"targets,omitempty"`
}

// CRD describes the generated constraint CRD.
type CRD struct {
	Spec CRDSpec `json:"spec,omitempty"`
}

// CRDSpec names the constraint kind and validates its parameters.
type CRDSpec struct {
	Names      Names       `json:"names,omitempty"`
	Validation *Validation `json:"validation,omitempty"`
}

// Names are the names of the constraint kind.
type Names struct {
	// Kind is the constraint kind; the template's name must be its lower-case form.
	Kind       string   `json:"kind,omitempty"`
	ShortNames []string `json:"shortNames,omitempty"`
}

// Validation holds the schema of a constraint's spec.parameters.
type Validation struct {
	// OpenAPIV3Schema is the schema of spec.parameters.
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	OpenAPIV3Schema *apiextensionsv1.JSONSchemaProps `json:"openAPIV3Schema,omitempty"`
	// LegacySchema keeps unknown parameter fields for schemas written before
	// structural schemas were required. It defaults to true in this
	// version and to false in v1, as in Gatekeeper.
	// +kubebuilder:default=true
	LegacySchema *bool `json:"legacySchema,omitempty"`
}

// Target is the policy code for one target.
type Target struct {
	Target string   `json:"target,omitempty"`
	Rego   string   `json:"rego,omitempty"`
	Libs   []string `json:"libs,omitempty"`
	// Code holds engine-specific sources, such as Rego with a version.
	Code []Code `json:"code,omitempty"`
}

// Code is the source for one policy engine.
type Code struct {
	// Engine names the policy engine, e.g. "Rego".
	// +kubebuilder:validation:Required
	Engine string `json:"engine"`
	// Source is engine-specific.
	// +kubebuilder:validation:Required
	Source *apiextensionsv1.JSON `json:"source"`
}

// ConstraintTemplateStatus reports, per pod, whether the template compiled.
type ConstraintTemplateStatus struct {
	// Created is true once the constraint CRD exists.
	Created bool `json:"created,omitempty"`
	// ByPod holds each pod's view of the template.
	ByPod []ByPodStatus `json:"byPod,omitempty"`
	// Conditions summarise the template's state; see the Condition* constants.
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// ByPodStatus is one pod's view of a template.
type ByPodStatus struct {
	// ID is the pod's name.
	ID                 string   `json:"id,omitempty"`
	ObservedGeneration int64    `json:"observedGeneration,omitempty"`
	Operations         []string `json:"operations,omitempty"`
	// TemplateUID is the UID of the template this status belongs to.
	TemplateUID types.UID        `json:"templateUID,omitempty"`
	Errors      []CreateCRDError `json:"errors,omitempty"`
}

// CreateCRDError is one problem with a template, such as a Rego compile error.
type CreateCRDError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Location is "line:col" or "file:line:col" when known.
	Location string `json:"location,omitempty"`
}

// ConstraintTemplate defines a kind of constraint and the Rego that
// enforces it.
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster
// +kubebuilder:subresource:status
type ConstraintTemplate struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ConstraintTemplateSpec   `json:"spec,omitempty"`
	Status ConstraintTemplateStatus `json:"status,omitempty"`
}

// ConstraintTemplateList is a list of ConstraintTemplates.
// +kubebuilder:object:root=true
type ConstraintTemplateList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ConstraintTemplate `json:"items"`
}

func init() {
	SchemeBuilder.Register(&ConstraintTemplate{}, &ConstraintTemplateList{})
}
