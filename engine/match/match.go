// Package match decides, in Go and before any Rego runs, whether a
// constraint's spec.match selects an object.
package match

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Match is a constraint's spec.match, with Gatekeeper's field names.
type Match struct {
	Kinds              []Kinds               `json:"kinds,omitempty"`
	Scope              string                `json:"scope,omitempty"`
	Namespaces         []string              `json:"namespaces,omitempty"`
	ExcludedNamespaces []string              `json:"excludedNamespaces,omitempty"`
	LabelSelector      *metav1.LabelSelector `json:"labelSelector,omitempty"`
	NamespaceSelector  *metav1.LabelSelector `json:"namespaceSelector,omitempty"`
	Name               string                `json:"name,omitempty"`
}

// Kinds selects API groups and kinds; "*" matches any.
type Kinds struct {
	APIGroups []string `json:"apiGroups,omitempty"`
	Kinds     []string `json:"kinds,omitempty"`
}

// Target is what match needs to know of the object under review.
type Target struct {
	Group     string
	Kind      string
	Namespace string // "" for cluster-scoped objects
	Name      string
	// Labels of the object; OldLabels of the old object on UPDATE/DELETE.
	Labels    map[string]string
	OldLabels map[string]string
	// NamespaceObject is the object's Namespace, nil when unknown.
	NamespaceLabels map[string]string
	HaveNamespace   bool
}

// Matcher is a Match with globs and selectors parsed once.
type Matcher struct{}

// Compile validates m and prepares it for repeated matching.
func Compile(m Match) (*Matcher, error) {
	return nil, fmt.Errorf("match: Compile not implemented yet")
}

// Matches reports whether the target is selected.
func (m *Matcher) Matches(t *Target) bool { return false }
