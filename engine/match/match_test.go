package match

import (
	"strings"
	"testing"
)

func TestKinds(t *testing.T) {
	runDecideCases(t, []decideCase{
		{name: "absent kinds match every kind", match: `{}`, target: clusterRole, want: true},
		{name: "empty kinds list matches every kind", match: `kinds: []`, target: clusterRole, want: true},
		{name: "core group and kind", match: `kinds: [{apiGroups: [""], kinds: [Pod]}]`, target: pod, want: true},
		{name: "other kind of the group", match: `kinds: [{apiGroups: [""], kinds: [Pod]}]`,
			target: with(pod, func(t *Target) { t.Kind = "ConfigMap" }), want: false},
		{name: "same kind in another group", match: `kinds: [{apiGroups: [apps], kinds: [Pod]}]`, target: pod, want: false},
		{name: "core group is the empty string", match: `kinds: [{apiGroups: [""], kinds: [Deployment]}]`,
			target: deployment, want: false},
		{name: "wildcard group", match: `kinds: [{apiGroups: ["*"], kinds: [Deployment]}]`, target: deployment, want: true},
		{name: "wildcard group among others", match: `kinds: [{apiGroups: [batch, "*"], kinds: [Deployment]}]`,
			target: deployment, want: true},
		{name: "wildcard kind", match: `kinds: [{apiGroups: [apps], kinds: ["*"]}]`, target: deployment, want: true},
		{name: "wildcard kind keeps the group", match: `kinds: [{apiGroups: [apps], kinds: ["*"]}]`, target: pod, want: false},
		{name: "empty apiGroups means any group", match: `kinds: [{kinds: [Deployment]}]`, target: deployment, want: true},
		{name: "empty kinds means any kind", match: `kinds: [{apiGroups: [apps]}]`, target: deployment, want: true},
		{name: "empty kinds keeps the group", match: `kinds: [{apiGroups: [apps]}]`, target: pod, want: false},
		{name: "empty entry matches everything", match: `kinds: [{}]`, target: clusterRole, want: true},
		{name: "any entry suffices",
			match:  `kinds: [{apiGroups: [apps], kinds: [Deployment]}, {apiGroups: [""], kinds: [Pod]}]`,
			target: pod, want: true},
		{name: "group and kind must come from the same entry",
			match:  `kinds: [{apiGroups: [apps], kinds: [Pod]}, {apiGroups: [""], kinds: [Deployment]}]`,
			target: pod, want: false},
		{name: "kinds are case-sensitive", match: `kinds: [{apiGroups: [""], kinds: [pod]}]`, target: pod, want: false},
	})
}

func TestScope(t *testing.T) {
	runDecideCases(t, []decideCase{
		{name: "absent scope matches namespaced", match: `{}`, target: pod, want: true},
		{name: "absent scope matches cluster-scoped", match: `{}`, target: clusterRole, want: true},
		{name: "star matches namespaced", match: `scope: "*"`, target: pod, want: true},
		{name: "star matches cluster-scoped", match: `scope: "*"`, target: clusterRole, want: true},
		{name: "Cluster rejects namespaced", match: `scope: Cluster`, target: pod, want: false},
		{name: "Cluster matches cluster-scoped", match: `scope: Cluster`, target: clusterRole, want: true},
		{name: "Cluster matches Namespace objects", match: `scope: Cluster`, target: namespace, want: true},
		{name: "Namespaced matches namespaced", match: `scope: Namespaced`, target: pod, want: true},
		{name: "Namespaced rejects cluster-scoped", match: `scope: Namespaced`, target: clusterRole, want: false},
		// The admission request of a Namespace carries its own name as
		// namespace; it is still cluster-scoped.
		{name: "Namespaced rejects Namespace objects", match: `scope: Namespaced`, target: namespace, want: false},
		{name: "unknown scope matches namespaced", match: `scope: cluster`, target: pod, want: true},
		{name: "unknown scope matches cluster-scoped", match: `scope: cluster`, target: clusterRole, want: true},
	})
}

func TestUnknownScopeWarns(t *testing.T) {
	for _, scope := range []string{"", "*", "Cluster", "Namespaced"} {
		if w := mustCompile(t, `scope: "`+scope+`"`).Warnings(); len(w) != 0 {
			t.Errorf("scope %q: unexpected warnings %q", scope, w)
		}
	}
	w := mustCompile(t, `scope: namespaced`).Warnings()
	if len(w) != 1 || !strings.Contains(w[0], `spec.match.scope: "namespaced"`) {
		t.Errorf("Warnings() = %q, want one naming spec.match.scope", w)
	}
}

func TestName(t *testing.T) {
	runDecideCases(t, []decideCase{
		{name: "absent name matches any name", match: `{}`, target: pod, want: true},
		{name: "empty name matches any name", match: `name: ""`, target: pod, want: true},
		{name: "exact name", match: `name: web-1`, target: pod, want: true},
		{name: "other name", match: `name: web-2`, target: pod, want: false},
		{name: "name without star is not a prefix", match: `name: web-`, target: pod, want: false},
		{name: "prefix glob", match: `name: web-*`, target: pod, want: true},
		{name: "prefix glob miss", match: `name: db-*`, target: pod, want: false},
		{name: "suffix glob", match: `name: "*-1"`, target: pod, want: true},
		{name: "suffix glob miss", match: `name: "*-2"`, target: pod, want: false},
		{name: "contains glob", match: `name: "*eb*"`, target: pod, want: true},
		{name: "contains glob miss", match: `name: "*db*"`, target: pod, want: false},
		{name: "lone star matches every name", match: `name: "*"`, target: pod, want: true},
		{name: "Namespace objects are matched by their name", match: `name: team-*`, target: namespace, want: true},
		{name: "cluster-scoped objects are matched by their name", match: `name: admin`, target: clusterRole, want: true},
		{name: "prefix glob matches generateName", match: `name: web-*`,
			target: with(pod, func(t *Target) { t.Name, t.GenerateName = "", "web-" }), want: true},
		{name: "generateName shorter than the prefix does not match", match: `name: web-front-*`,
			target: with(pod, func(t *Target) { t.Name, t.GenerateName = "", "web-" }), want: false},
		{name: "contains glob matches generateName", match: `name: "*eb*"`,
			target: with(pod, func(t *Target) { t.Name, t.GenerateName = "", "web-" }), want: true},
		// The random suffix is not known yet, so exact and suffix patterns
		// cannot be decided and do not match.
		{name: "exact name does not match generateName", match: `name: web-`,
			target: with(pod, func(t *Target) { t.Name, t.GenerateName = "", "web-" }), want: false},
		{name: "suffix glob does not match generateName", match: `name: "*-"`,
			target: with(pod, func(t *Target) { t.Name, t.GenerateName = "", "web-" }), want: false},
	})
}

func TestSource(t *testing.T) {
	generated := with(pod, func(t *Target) { t.Generated = true })
	runDecideCases(t, []decideCase{
		{name: "absent source matches original", match: `{}`, target: pod, want: true},
		{name: "absent source matches generated", match: `{}`, target: generated, want: true},
		{name: "All matches generated", match: `source: All`, target: generated, want: true},
		{name: "Original matches original", match: `source: Original`, target: pod, want: true},
		{name: "Original rejects generated", match: `source: Original`, target: generated, want: false},
		{name: "Generated matches generated", match: `source: Generated`, target: generated, want: true},
		{name: "Generated rejects original", match: `source: Generated`, target: pod, want: false},
	})
}

// fullMatch uses every criterion at once.
const fullMatch = `
kinds: [{apiGroups: [""], kinds: [Pod]}]
scope: Namespaced
namespaces: [prod, "prod-*"]
excludedNamespaces: [prod-legacy]
labelSelector: {matchExpressions: [{key: app, operator: Exists}]}
namespaceSelector: {matchLabels: {env: prod}}
name: "web-*"
source: Original
`

func TestCombinations(t *testing.T) {
	runDecideCases(t, []decideCase{
		{name: "every criterion selects", match: fullMatch, target: pod, want: true},
		{name: "kind fails", match: fullMatch, target: with(pod, func(t *Target) { t.Kind = "Service" }), want: false},
		{name: "namespaces fails", match: fullMatch, target: with(pod, func(t *Target) { t.Namespace = "dev" }), want: false},
		{name: "excludedNamespaces fails", match: fullMatch,
			target: with(pod, func(t *Target) { t.Namespace = "prod-legacy" }), want: false},
		{name: "labelSelector fails", match: fullMatch, target: with(pod, func(t *Target) { t.Labels = nil }), want: false},
		{name: "namespaceSelector fails", match: fullMatch,
			target: with(pod, func(t *Target) { t.NamespaceLabels = map[string]string{"env": "dev"} }), want: false},
		{name: "name fails", match: fullMatch, target: with(pod, func(t *Target) { t.Name = "db-1" }), want: false},
		{name: "source fails", match: fullMatch, target: with(pod, func(t *Target) { t.Generated = true }), want: false},
		{name: "scope fails", match: fullMatch, target: clusterRole, want: false},
		// The unknown Namespace only matters when everything else selects.
		{name: "unknown namespace with every other criterion selecting", match: fullMatch,
			target: with(pod, func(t *Target) { t.HaveNamespace, t.NamespaceLabels = false, nil }), wantErr: ErrNamespaceUnknown},
		{name: "unknown namespace but name fails", match: fullMatch,
			target: with(pod, func(t *Target) { t.HaveNamespace, t.Name = false, "db-1" }), want: false},
		{name: "unknown namespace but labelSelector fails", match: fullMatch,
			target: with(pod, func(t *Target) { t.HaveNamespace, t.Labels = false, nil }), want: false},
	})
}

func TestMatcherIsReusable(t *testing.T) {
	m := mustCompile(t, fullMatch)
	for i := 0; i < 3; i++ {
		if !m.Matches(&pod) {
			t.Fatalf("call %d: Matches(pod) = false", i)
		}
		other := with(pod, func(t *Target) { t.Namespace = "dev" })
		if m.Matches(&other) {
			t.Fatalf("call %d: Matches(dev pod) = true", i)
		}
	}
}
