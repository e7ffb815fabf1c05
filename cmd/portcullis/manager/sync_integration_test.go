package manager

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

const uniqueHostConstraint = `
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sITUniqueIngressHost
metadata:
  name: unique-ingress-host
spec:
  match:
    kinds:
      - apiGroups: ["networking.k8s.io"]
        kinds: ["Ingress"]
`

const syncConfig = `
apiVersion: config.gatekeeper.sh/v1alpha1
kind: Config
metadata:
  name: config
  namespace: gatekeeper-system
spec:
  sync:
    syncOnly:
      - group: ""
        version: v1
        kind: Namespace
      - group: networking.k8s.io
        version: v1
        kind: Ingress
  match:
    - excludedNamespaces: ["ignored-*"]
      processes: ["sync"]
`

const uniqueHostKind = "K8sITUniqueIngressHost"

func ingress(t *testing.T, ns, name, host string) *unstructured.Unstructured {
	t.Helper()
	return parse(t, `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: `+name+`
  namespace: `+ns+`
spec:
  rules:
    - host: `+host+`
`)
}

func TestConfigSyncFeedsReferentialPolicy(t *testing.T) {
	m := startManager(t, "pod-sync")
	c := newClient(t)
	for _, ns := range []string{"gatekeeper-system", "team-a", "team-b", "ignored-ns"} {
		ensureNamespace(t, c, ns, nil)
	}
	ensureNamespace(t, c, "frozen", map[string]string{"ingress-frozen": "true"})
	// Created before the Config, so the first list of Ingresses holds both.
	apply(t, c, ingress(t, "ignored-ns", "hidden", "hidden.example.com"))
	apply(t, c, ingress(t, "team-a", "shop", "shop.example.com"))

	tmpl := readYAML(t, "uniqueingresshost.yaml")
	apply(t, c, tmpl)
	deleteTemplateOnCleanup(t, c, tmpl)
	templateStatus(t, c, "k8situniqueingresshost", metav1.ConditionTrue)
	apply(t, c, parse(t, uniqueHostConstraint))
	eventually(t, "engine holds the unique-host constraint", func() (bool, error) {
		return hasConstraint(m.deps.Engine, "K8sITUniqueIngressHost", "unique-ingress-host"), nil
	})
	apply(t, c, parse(t, syncConfig))

	teamB := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-b"}}
	eventually(t, "synced ingress seen by the policy", func() (bool, error) {
		msgs := review(t, m.deps.Engine, uniqueHostKind, ingress(t, "team-b", "copy", "shop.example.com"), teamB)
		return len(msgs) == 1 && strings.Contains(msgs[0], "team-a/shop"), nil
	})
	eventually(t, "synced namespace labels seen by the policy", func() (bool, error) {
		msgs := review(t, m.deps.Engine, uniqueHostKind, ingress(t, "frozen", "new", "free.example.com"), nil)
		return len(msgs) == 1 && strings.Contains(msgs[0], "frozen"), nil
	})
	cases := []struct {
		name, ns, host string
	}{
		{name: "unused host", ns: "team-b", host: "other.example.com"},
		// The only Ingress with this host is in a namespace sync excludes.
		{name: "host used only in an excluded namespace", ns: "team-b", host: "hidden.example.com"},
		// An object does not conflict with itself.
		{name: "same ingress re-reviewed", ns: "team-a", host: "shop.example.com"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			name := "copy"
			if tc.ns == "team-a" {
				name = "shop"
			}
			if msgs := review(t, m.deps.Engine, uniqueHostKind, ingress(t, tc.ns, name, tc.host), nil); len(msgs) != 0 {
				t.Errorf("violations = %q, want none", msgs)
			}
		})
	}

	// Dropping Ingress from syncOnly clears it from the inventory.
	cfg := parse(t, syncConfig)
	spec := cfg.Object["spec"].(map[string]any)
	spec["sync"] = map[string]any{"syncOnly": []any{map[string]any{"group": "", "version": "v1", "kind": "Namespace"}}}
	apply(t, c, cfg)
	eventually(t, "ingresses cleared from the inventory", func() (bool, error) {
		return len(review(t, m.deps.Engine, uniqueHostKind, ingress(t, "team-b", "copy", "shop.example.com"), teamB)) == 0, nil
	})
	if msgs := review(t, m.deps.Engine, uniqueHostKind, ingress(t, "frozen", "new", "free.example.com"), nil); len(msgs) != 1 {
		t.Errorf("namespaces still synced: violations = %q, want the frozen one", msgs)
	}
	if err := c.Delete(context.Background(), cfg); err != nil {
		t.Fatalf("delete config: %v", err)
	}
}
