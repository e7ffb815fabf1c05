package audit

import (
	"cmp"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/portcullis-dev/portcullis/engine"
)

// Resource is one listable resource type the audit reviews.
type Resource struct {
	GVR        schema.GroupVersionResource
	Kind       string
	Namespaced bool
}

// GVK is the resource's group, version and kind.
func (r Resource) GVK() schema.GroupVersionKind { return r.GVR.GroupVersion().WithKind(r.Kind) }

// skippedGroups hold the policy objects themselves, never audited.
var skippedGroups = map[string]bool{
	"templates.gatekeeper.sh":   true,
	"constraints.gatekeeper.sh": true,
}

// skippedResource reports whether a discovered resource is never audited:
// subresources, resources that cannot be listed, the template and
// constraint kinds, and events (core and events.k8s.io).
func skippedResource(group string, r metav1.APIResource) bool {
	return strings.Contains(r.Name, "/") ||
		!slices.Contains(r.Verbs, "list") ||
		skippedGroups[group] ||
		(r.Name == "events" && (group == "" || group == "events.k8s.io"))
}

// selectResources turns discovery's preferred resources into the resources
// to audit, keeping those whose group and kind wanted accepts. The result is
// sorted and free of duplicates.
func selectResources(lists []*metav1.APIResourceList, wanted KindFilter) []Resource {
	seen := map[schema.GroupVersionResource]bool{}
	var out []Resource
	for _, list := range lists {
		if list == nil {
			continue
		}
		gv, err := schema.ParseGroupVersion(list.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range list.APIResources {
			if skippedResource(gv.Group, r) || !wanted.Accepts(gv.Group, r.Kind) {
				continue
			}
			gvr := gv.WithResource(r.Name)
			if seen[gvr] {
				continue
			}
			seen[gvr] = true
			out = append(out, Resource{GVR: gvr, Kind: r.Kind, Namespaced: r.Namespaced})
		}
	}
	slices.SortFunc(out, func(a, b Resource) int {
		return cmp.Or(cmp.Compare(a.GVR.Group, b.GVR.Group), cmp.Compare(a.GVR.Resource, b.GVR.Resource))
	})
	return out
}

// KindFilter accepts the groups and kinds some constraint matches. The zero
// value accepts everything.
type KindFilter struct {
	// limited is false when every kind is accepted.
	limited bool
	// kinds maps a group ("*" for any) to its kinds ("*" for any).
	kinds map[string]map[string]bool
}

// AllKinds accepts every group and kind.
func AllKinds() KindFilter { return KindFilter{} }

// MatchedKinds accepts the kinds that the constraints' spec.match.kinds
// select. A constraint without kinds, or a "*" wildcard, widens it as
// matching does; no constraints at all accept nothing.
func MatchedKinds(constraints []*engine.Constraint) KindFilter {
	f := KindFilter{limited: true, kinds: map[string]map[string]bool{}}
	for _, c := range constraints {
		if len(c.Match.Kinds) == 0 {
			return AllKinds()
		}
		for _, k := range c.Match.Kinds {
			groups := orAny(k.APIGroups)
			kinds := orAny(k.Kinds)
			for _, g := range groups {
				if f.kinds[g] == nil {
					f.kinds[g] = map[string]bool{}
				}
				for _, kind := range kinds {
					f.kinds[g][kind] = true
				}
			}
		}
	}
	if f.kinds["*"]["*"] {
		return AllKinds()
	}
	return f
}

// orAny returns s, or ["*"] when s is empty or holds "*".
func orAny(s []string) []string {
	if len(s) == 0 || slices.Contains(s, "*") {
		return []string{"*"}
	}
	return s
}

// Accepts reports whether the filter lets group/kind through.
func (f KindFilter) Accepts(group, kind string) bool {
	if !f.limited {
		return true
	}
	for _, g := range []string{group, "*"} {
		if ks := f.kinds[g]; ks[kind] || ks["*"] {
			return true
		}
	}
	return false
}
