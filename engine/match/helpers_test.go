package match

import (
	"errors"
	"testing"

	"sigs.k8s.io/yaml"
)

// decideCase is one named expectation of Decide.
type decideCase struct {
	name string
	// match is spec.match as it would be written in a constraint.
	match  string
	target Target
	want   bool
	// wantErr, when set, is the error Decide must wrap.
	wantErr error
}

func runDecideCases(t *testing.T, cases []decideCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := mustCompile(t, tc.match)
			got, err := m.Decide(&tc.target)
			if !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
				t.Fatalf("Decide() error = %v, want %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("Decide() = %v, want %v", got, tc.want)
			}
			if m.Matches(&tc.target) != (tc.want && tc.wantErr == nil) {
				t.Errorf("Matches() disagrees with Decide()")
			}
		})
	}
}

// parseMatch decodes spec.match from YAML, as the engine decodes it from
// the constraint's JSON.
func parseMatch(t testing.TB, text string) Match {
	t.Helper()
	var m Match
	if err := yaml.UnmarshalStrict([]byte(text), &m); err != nil {
		t.Fatalf("decode match %q: %v", text, err)
	}
	return m
}

func mustCompile(t testing.TB, text string) *Matcher {
	t.Helper()
	m, err := Compile(parseMatch(t, text))
	if err != nil {
		t.Fatalf("Compile(%q): %v", text, err)
	}
	return m
}

// Targets shared by the tests; edit copies with with().
var (
	// pod is a namespaced core object in namespace prod, whose labels are
	// known.
	pod = Target{
		Kind: "Pod", Namespace: "prod", Name: "web-1",
		Labels:          map[string]string{"app": "web"},
		NamespaceLabels: map[string]string{"env": "prod"}, HaveNamespace: true,
	}
	// deployment is a namespaced object of a named group.
	deployment = Target{
		Group: "apps", Kind: "Deployment", Namespace: "prod", Name: "web",
		NamespaceLabels: map[string]string{"env": "prod"}, HaveNamespace: true,
	}
	// clusterRole is cluster-scoped and not a Namespace.
	clusterRole = Target{
		Group: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "admin",
		Labels: map[string]string{"app": "web"},
	}
	// namespace is a Namespace object; admission requests set its
	// Namespace to its own name.
	namespace = Target{
		Kind: "Namespace", Name: "team-a", Namespace: "team-a",
		Labels: map[string]string{"env": "dev"},
	}
)

func with(t Target, edit func(*Target)) Target {
	edit(&t)
	return t
}
