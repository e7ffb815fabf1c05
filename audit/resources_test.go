package audit

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/portcullis-dev/portcullis/engine"
	"github.com/portcullis-dev/portcullis/engine/match"
)

var list = []string{"get", "list", "watch"}

// discovered is a small but representative discovery answer.
var discovered = []*metav1.APIResourceList{
	{GroupVersion: "v1", APIResources: []metav1.APIResource{
		{Name: "pods", Kind: "Pod", Namespaced: true, Verbs: list},
		{Name: "pods/status", Kind: "Pod", Namespaced: true, Verbs: list},
		{Name: "namespaces", Kind: "Namespace", Verbs: list},
		{Name: "events", Kind: "Event", Namespaced: true, Verbs: list},
		{Name: "bindings", Kind: "Binding", Namespaced: true, Verbs: []string{"create"}},
	}},
	{GroupVersion: "apps/v1", APIResources: []metav1.APIResource{
		{Name: "deployments", Kind: "Deployment", Namespaced: true, Verbs: list},
	}},
	{GroupVersion: "events.k8s.io/v1", APIResources: []metav1.APIResource{
		{Name: "events", Kind: "Event", Namespaced: true, Verbs: list},
	}},
	{GroupVersion: "templates.gatekeeper.sh/v1", APIResources: []metav1.APIResource{
		{Name: "constrainttemplates", Kind: "ConstraintTemplate", Verbs: list},
	}},
	{GroupVersion: "constraints.gatekeeper.sh/v1beta1", APIResources: []metav1.APIResource{
		{Name: "k8sdenyall", Kind: "K8sDenyAll", Verbs: list},
	}},
	{GroupVersion: "config.gatekeeper.sh/v1alpha1", APIResources: []metav1.APIResource{
		{Name: "configs", Kind: "Config", Namespaced: true, Verbs: list},
	}},
}

func res(group, version, resource, kind string, namespaced bool) Resource {
	return Resource{GVR: schema.GroupVersionResource{Group: group, Version: version, Resource: resource}, Kind: kind, Namespaced: namespaced}
}

func constraintMatching(kinds ...match.Kinds) *engine.Constraint {
	return &engine.Constraint{Kind: "K", Name: "c", Match: match.Match{Kinds: kinds}}
}

func TestSelectResources(t *testing.T) {
	pods := res("", "v1", "pods", "Pod", true)
	namespaces := res("", "v1", "namespaces", "Namespace", false)
	deployments := res("apps", "v1", "deployments", "Deployment", true)
	configs := res("config.gatekeeper.sh", "v1alpha1", "configs", "Config", true)
	tests := []struct {
		name   string
		filter KindFilter
		want   []Resource
	}{
		{
			name:   "all listable, no subresources, events or policy kinds",
			filter: AllKinds(),
			want:   []Resource{namespaces, pods, deployments, configs},
		},
		{
			name:   "match kind only: one kind",
			filter: MatchedKinds([]*engine.Constraint{constraintMatching(match.Kinds{APIGroups: []string{""}, Kinds: []string{"Pod"}})}),
			want:   []Resource{pods},
		},
		{
			name: "match kind only: any kind of a group",
			filter: MatchedKinds([]*engine.Constraint{
				constraintMatching(match.Kinds{APIGroups: []string{"apps"}, Kinds: []string{"*"}}),
			}),
			want: []Resource{deployments},
		},
		{
			name: "match kind only: a kind in any group",
			filter: MatchedKinds([]*engine.Constraint{
				constraintMatching(match.Kinds{APIGroups: []string{"*"}, Kinds: []string{"Namespace", "Deployment"}}),
			}),
			want: []Resource{namespaces, deployments},
		},
		{
			name: "match kind only: a constraint without kinds widens to all",
			filter: MatchedKinds([]*engine.Constraint{
				constraintMatching(match.Kinds{APIGroups: []string{""}, Kinds: []string{"Pod"}}),
				constraintMatching(),
			}),
			want: []Resource{namespaces, pods, deployments, configs},
		},
		{
			name:   "match kind only: empty groups and kinds mean any",
			filter: MatchedKinds([]*engine.Constraint{constraintMatching(match.Kinds{})}),
			want:   []Resource{namespaces, pods, deployments, configs},
		},
		{
			name:   "match kind only: no constraints lists nothing",
			filter: MatchedKinds(nil),
			want:   nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := selectResources(discovered, tc.filter)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// fakeInventory holds synced objects per kind.
type fakeInventory map[schema.GroupVersionKind][]map[string]any

func (f fakeInventory) Kinds() []schema.GroupVersionKind {
	var out []schema.GroupVersionKind
	for gvk := range f {
		out = append(out, gvk)
	}
	return out
}

func (f fakeInventory) Each(gvk schema.GroupVersionKind, fn func(map[string]any) error) error {
	for _, obj := range f[gvk] {
		if err := fn(obj); err != nil {
			return err
		}
	}
	return nil
}

func TestCacheSourcePages(t *testing.T) {
	podGVK := schema.GroupVersionKind{Version: "v1", Kind: "Pod"}
	inv := fakeInventory{podGVK: nil, {Group: "apps", Version: "v1", Kind: "Deployment"}: nil}
	for i := range 7 {
		inv[podGVK] = append(inv[podGVK], map[string]any{"metadata": map[string]any{"name": fmt.Sprint(i)}})
	}
	src := &CacheSource{Inventory: inv}
	filter := MatchedKinds([]*engine.Constraint{constraintMatching(match.Kinds{APIGroups: []string{""}, Kinds: []string{"Pod"}})})
	resources, err := src.Resources(context.Background(), filter)
	if err != nil || len(resources) != 1 || resources[0].GVK() != podGVK {
		t.Fatalf("Resources = %v, %v; want only Pods", resources, err)
	}
	var pages [][]string
	err = src.List(context.Background(), resources[0], 3, func(items []unstructured.Unstructured) error {
		var names []string
		for _, it := range items {
			names = append(names, it.GetName())
		}
		pages = append(pages, names)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"0", "1", "2"}, {"3", "4", "5"}, {"6"}}
	if diff := cmp.Diff(want, pages); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}
}
