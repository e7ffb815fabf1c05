package match

import "testing"

func inNamespace(ns string) Target {
	return with(pod, func(t *Target) { t.Namespace = ns })
}

func TestNamespaces(t *testing.T) {
	runDecideCases(t, []decideCase{
		{name: "absent list matches every namespace", match: `{}`, target: pod, want: true},
		{name: "empty list matches every namespace", match: `namespaces: []`, target: pod, want: true},
		{name: "listed namespace", match: `namespaces: [dev, prod]`, target: pod, want: true},
		{name: "unlisted namespace", match: `namespaces: [dev]`, target: pod, want: false},
		{name: "name without star is exact", match: `namespaces: [kube-]`, target: inNamespace("kube-system"), want: false},
		{name: "prefix glob", match: `namespaces: [kube-*]`, target: inNamespace("kube-system"), want: true},
		{name: "prefix glob needs the whole prefix", match: `namespaces: [kube-*]`, target: inNamespace("kube"), want: false},
		{name: "prefix glob matches the bare prefix", match: `namespaces: [kube-*]`, target: inNamespace("kube-"), want: true},
		{name: "suffix glob", match: `namespaces: ["*-system"]`, target: inNamespace("gatekeeper-system"), want: true},
		{name: "suffix glob miss", match: `namespaces: ["*-system"]`, target: inNamespace("system-a"), want: false},
		{name: "contains glob", match: `namespaces: ["*system*"]`, target: inNamespace("kube-system-x"), want: true},
		{name: "contains glob miss", match: `namespaces: ["*system*"]`, target: inNamespace("kube-public"), want: false},
		{name: "lone star matches every namespace", match: `namespaces: ["*"]`, target: inNamespace("x"), want: true},
		{name: "double star matches every namespace", match: `namespaces: ["**"]`, target: inNamespace("x"), want: true},
		{name: "empty pattern matches no namespace", match: `namespaces: [""]`, target: pod, want: false},
		{name: "colon is allowed", match: `namespaces: ["team:a"]`, target: inNamespace("team:a"), want: true},
		{name: "Namespace object is matched by its own name", match: `namespaces: [team-*]`,
			target: with(namespace, func(t *Target) { t.Namespace = "" }), want: true},
		// Target.Namespace of a Namespace object is ignored.
		{name: "Namespace object ignores Target.Namespace", match: `namespaces: [other]`,
			target: with(namespace, func(t *Target) { t.Namespace = "other" }), want: false},
		{name: "Namespace object not listed", match: `namespaces: [prod]`, target: namespace, want: false},
		{name: "cluster-scoped object passes namespaces", match: `namespaces: [prod]`, target: clusterRole, want: true},
		{name: "Namespaced scope removes cluster-scoped objects", match: "namespaces: [prod]\nscope: Namespaced",
			target: clusterRole, want: false},
		{name: "namespace of another group's Namespace kind is an ordinary object",
			match:  `namespaces: [prod]`,
			target: Target{Group: "example.com", Kind: "Namespace", Name: "x", Namespace: "prod"}, want: true},
	})
}

func TestExcludedNamespaces(t *testing.T) {
	runDecideCases(t, []decideCase{
		{name: "absent list excludes nothing", match: `{}`, target: pod, want: true},
		{name: "empty list excludes nothing", match: `excludedNamespaces: []`, target: pod, want: true},
		{name: "listed namespace is excluded", match: `excludedNamespaces: [dev, prod]`, target: pod, want: false},
		{name: "unlisted namespace is kept", match: `excludedNamespaces: [dev]`, target: pod, want: true},
		{name: "prefix glob excludes", match: `excludedNamespaces: [kube-*]`, target: inNamespace("kube-public"), want: false},
		{name: "prefix glob keeps others", match: `excludedNamespaces: [kube-*]`, target: inNamespace("kubernetes"), want: true},
		{name: "suffix glob excludes", match: `excludedNamespaces: ["*-system"]`, target: inNamespace("kube-system"), want: false},
		{name: "contains glob excludes", match: `excludedNamespaces: ["*gate*"]`, target: inNamespace("my-gatekeeper"), want: false},
		{name: "lone star excludes every namespace", match: `excludedNamespaces: ["*"]`, target: pod, want: false},
		{name: "Namespace object is excluded by its own name", match: `excludedNamespaces: [team-a]`, target: namespace, want: false},
		{name: "cluster-scoped object is never excluded", match: `excludedNamespaces: ["*"]`, target: clusterRole, want: true},
		{name: "exclusion wins over inclusion", match: "namespaces: [prod-*]\nexcludedNamespaces: [prod-legacy]",
			target: inNamespace("prod-legacy"), want: false},
		{name: "included and not excluded", match: "namespaces: [prod-*]\nexcludedNamespaces: [prod-legacy]",
			target: inNamespace("prod-eu"), want: true},
	})
}
