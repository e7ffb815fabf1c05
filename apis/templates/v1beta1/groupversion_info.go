// Package v1beta1 holds the templates.gatekeeper.sh/v1beta1 API: ConstraintTemplate,
// served with the same schema as v1, so no conversion is needed.
// +kubebuilder:object:generate=true
// +groupName=templates.gatekeeper.sh
package v1beta1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the group and version of this package's types.
	GroupVersion = schema.GroupVersion{Group: "templates.gatekeeper.sh", Version: "v1beta1"}

	// SchemeBuilder registers this package's types with a scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds this package's types to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
