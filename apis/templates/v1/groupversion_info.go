// Package v1 holds the templates.gatekeeper.sh/v1 API: ConstraintTemplate,
// the storage version.
// +kubebuilder:object:generate=true
// +groupName=templates.gatekeeper.sh
package v1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the group and version of this package's types.
	GroupVersion = schema.GroupVersion{Group: "templates.gatekeeper.sh", Version: "v1"}

	// SchemeBuilder registers this package's types with a scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds this package's types to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
