package load

import "strings"

// API groups the loaders sort documents by.
const (
	TemplatesGroup   = "templates.gatekeeper.sh"
	ConstraintsGroup = "constraints.gatekeeper.sh"
)

// GroupKind returns the API group (empty for the core group) and kind of an
// unstructured object.
func GroupKind(obj map[string]any) (group, kind string) {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ = obj["kind"].(string)
	if i := strings.Index(apiVersion, "/"); i >= 0 {
		group = apiVersion[:i]
	}
	return group, kind
}

// IsTemplate reports whether obj is a ConstraintTemplate.
func IsTemplate(obj map[string]any) bool {
	group, kind := GroupKind(obj)
	return group == TemplatesGroup && kind == "ConstraintTemplate"
}

// IsConstraint reports whether obj is a constraint (any kind of the
// constraints group).
func IsConstraint(obj map[string]any) bool {
	group, _ := GroupKind(obj)
	return group == ConstraintsGroup
}

// IsNamespace reports whether obj is a core Namespace.
func IsNamespace(obj map[string]any) bool {
	group, kind := GroupKind(obj)
	return group == "" && kind == "Namespace"
}

// Metadata returns metadata.namespace and metadata.name of an unstructured
// object, empty when absent.
func Metadata(obj map[string]any) (namespace, name string) {
	meta, _ := obj["metadata"].(map[string]any)
	namespace, _ = meta["namespace"].(string)
	name, _ = meta["name"].(string)
	return namespace, name
}
