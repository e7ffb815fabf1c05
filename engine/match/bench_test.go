package match

import "testing"

// benchMatch is a typical constraint: a few kinds, system namespaces
// excluded, and both selectors.
const benchMatch = `
kinds:
- apiGroups: [""]
  kinds: [Pod]
- apiGroups: [apps]
  kinds: [Deployment, StatefulSet, DaemonSet]
excludedNamespaces: [kube-*, gatekeeper-system, "*-monitoring"]
labelSelector:
  matchExpressions:
  - {key: app, operator: Exists}
  - {key: tier, operator: NotIn, values: [test, dev]}
namespaceSelector:
  matchLabels: {env: prod}
`

func BenchmarkMatches(b *testing.B) {
	m := mustCompile(b, benchMatch)
	update := with(pod, func(t *Target) {
		t.Operation, t.Labels, t.OldLabels = OperationUpdate, map[string]string{"tier": "dev"}, map[string]string{"app": "web"}
	})
	cases := []struct {
		name   string
		target Target
		want   bool
	}{
		{name: "selected", target: pod, want: true},
		{name: "other kind", target: clusterRole, want: false},
		{name: "excluded namespace", target: inNamespace("kube-system"), want: false},
		// The new labels fail, so the old ones are tried too.
		{name: "update old labels", target: update, want: true},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if m.Matches(&bc.target) != bc.want {
					b.Fatal("unexpected result")
				}
			}
		})
	}
}

func BenchmarkCompile(b *testing.B) {
	spec := parseMatch(b, benchMatch)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(spec); err != nil {
			b.Fatal(err)
		}
	}
}
