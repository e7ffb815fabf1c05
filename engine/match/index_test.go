package match

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestIndexKeys(t *testing.T) {
	cases := []struct {
		name  string
		match string
		want  []GroupKind
	}{
		{name: "no kinds selects everything", match: `{}`, want: []GroupKind{{"*", "*"}}},
		{name: "empty kinds list selects everything", match: `kinds: []`, want: []GroupKind{{"*", "*"}}},
		{name: "exact pair", match: `kinds: [{apiGroups: [""], kinds: [Pod]}]`, want: []GroupKind{{"", "Pod"}}},
		{name: "cross product, sorted", match: `kinds: [{apiGroups: [apps, ""], kinds: [Pod, Deployment]}]`,
			want: []GroupKind{{"", "Deployment"}, {"", "Pod"}, {"apps", "Deployment"}, {"apps", "Pod"}}},
		{name: "wildcard group", match: `kinds: [{apiGroups: ["*", apps], kinds: [Ingress]}]`,
			want: []GroupKind{{"*", "Ingress"}}},
		{name: "empty group list is any group", match: `kinds: [{kinds: [Ingress]}]`, want: []GroupKind{{"*", "Ingress"}}},
		{name: "wildcard kind", match: `kinds: [{apiGroups: [apps], kinds: ["*"]}]`, want: []GroupKind{{"apps", "*"}}},
		{name: "empty kind list is any kind", match: `kinds: [{apiGroups: [apps]}]`, want: []GroupKind{{"apps", "*"}}},
		{name: "an everything entry wins", match: `kinds: [{apiGroups: [apps], kinds: [Pod]}, {}]`,
			want: []GroupKind{{"*", "*"}}},
		{name: "duplicates removed", match: `kinds: [{apiGroups: [""], kinds: [Pod, Pod]}, {apiGroups: [""], kinds: [Pod]}]`,
			want: []GroupKind{{"", "Pod"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := mustCompile(t, tc.match).IndexKeys()
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("IndexKeys() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIndexKeysReturnsACopy(t *testing.T) {
	m := mustCompile(t, `kinds: [{apiGroups: [""], kinds: [Pod]}]`)
	m.IndexKeys()[0] = GroupKind{"x", "y"}
	if got := m.IndexKeys()[0]; got != (GroupKind{"", "Pod"}) {
		t.Errorf("IndexKeys() shares its slice: %v", got)
	}
}

// TestIndexAgreesWithMatches checks the index contract: whenever kinds
// select an object, one of its lookup keys is among the index keys, and
// when none is, kinds do not select it.
func TestIndexAgreesWithMatches(t *testing.T) {
	matches := []string{
		`{}`,
		`kinds: [{apiGroups: [""], kinds: [Pod]}]`,
		`kinds: [{apiGroups: ["*"], kinds: [Deployment]}, {apiGroups: [batch]}]`,
		`kinds: [{apiGroups: [apps, ""], kinds: [Pod, Deployment]}]`,
	}
	objects := []GroupKind{{"", "Pod"}, {"apps", "Deployment"}, {"batch", "Job"}, {"", "Deployment"}, {"x", "Pod"}}
	for _, text := range matches {
		m := mustCompile(t, text)
		keys := m.IndexKeys()
		for _, o := range objects {
			probe := LookupKeys(o.Group, o.Kind)
			indexed := slices.ContainsFunc(probe[:], func(k GroupKind) bool { return slices.Contains(keys, k) })
			if got := m.matchesKind(o.Group, o.Kind); got != indexed {
				t.Errorf("%s: object %v: kinds match %v but index finds it %v", text, o, got, indexed)
			}
		}
	}
}
