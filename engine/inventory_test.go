package engine

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// inventoryEngine has a template whose violation details are
// data.inventory, so tests can see exactly what Rego sees.
func inventoryEngine(t *testing.T) *Engine {
	t.Helper()
	e := New(Options{})
	mustAddTemplate(t, e, regoTemplate("K8sInventory",
		"package k8sinventory\nviolation[{\"msg\": \"inventory\", \"details\": data.inventory}] { true }"))
	mustAddConstraint(t, e, "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sInventory\nmetadata: {name: inv}")
	return e
}

func seenInventory(t *testing.T, e *Engine) any {
	t.Helper()
	r, err := NewAuditReview(map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "probe", "namespace": "x"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.Review(context.Background(), r, AuditEnforcementPoint)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Results) != 1 {
		t.Fatalf("results = %+v", resp.Results)
	}
	return normalise(t, resp.Results[0].Details)
}

func obj(apiVersion, kind, ns, name string) map[string]any {
	meta := map[string]any{"name": name}
	if ns != "" {
		meta["namespace"] = ns
	}
	return map[string]any{"apiVersion": apiVersion, "kind": kind, "metadata": meta}
}

func TestInventory(t *testing.T) {
	ns1 := obj("v1", "Namespace", "", "prod")
	cm := obj("v1", "ConfigMap", "prod", "cfg")
	ing := obj("networking.k8s.io/v1", "Ingress", "prod", "web")
	ing2 := obj("networking.k8s.io/v1", "Ingress", "dev", "web")
	type step struct {
		add, remove []map[string]any
		clear       *schema.GroupVersionKind
		// want is data.inventory afterwards, as JSON.
		want string
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{name: "empty", steps: []step{{want: `{"cluster":{},"namespace":{}}`}}},
		{name: "cluster and namespaced objects", steps: []step{{
			add: []map[string]any{ns1, cm, ing},
			want: `{"cluster":{"v1":{"Namespace":{"prod":` + js(t, ns1) + `}}},"namespace":{"prod":{` +
				`"v1":{"ConfigMap":{"cfg":` + js(t, cm) + `}},"networking.k8s.io/v1":{"Ingress":{"web":` + js(t, ing) + `}}}}}`,
		}}},
		{name: "incremental add, replace and remove prune empty parents", steps: []step{
			{add: []map[string]any{cm, ing}},
			{add: []map[string]any{withLabel(cm, "v", "2")}, remove: []map[string]any{ing},
				want: `{"cluster":{},"namespace":{"prod":{"v1":{"ConfigMap":{"cfg":` + js(t, withLabel(cm, "v", "2")) + `}}}}}`},
			{remove: []map[string]any{cm, cm}, want: `{"cluster":{},"namespace":{}}`},
		}},
		{name: "clear one kind in every namespace", steps: []step{
			{add: []map[string]any{ns1, cm, ing, ing2}},
			{clear: &schema.GroupVersionKind{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress"},
				want: `{"cluster":{"v1":{"Namespace":{"prod":` + js(t, ns1) + `}}},"namespace":{"prod":{"v1":{"ConfigMap":{"cfg":` + js(t, cm) + `}}}}}`},
			{clear: &schema.GroupVersionKind{Version: "v1", Kind: "Namespace"},
				want: `{"cluster":{},"namespace":{"prod":{"v1":{"ConfigMap":{"cfg":` + js(t, cm) + `}}}}}`},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := inventoryEngine(t)
			for i, s := range tc.steps {
				for _, o := range s.add {
					if err := e.AddInventory(o); err != nil {
						t.Fatalf("step %d: add: %v", i, err)
					}
				}
				for _, o := range s.remove {
					if err := e.RemoveInventory(o); err != nil {
						t.Fatalf("step %d: remove: %v", i, err)
					}
				}
				if s.clear != nil {
					if err := e.ClearInventoryKind(*s.clear); err != nil {
						t.Fatalf("step %d: clear: %v", i, err)
					}
				}
				if s.want == "" {
					continue
				}
				if diff := cmp.Diff(jsonValue(t, s.want), seenInventory(t, e)); diff != "" {
					t.Errorf("step %d: data.inventory (-want +got):\n%s", i, diff)
				}
			}
		})
	}
}

func TestInventoryErrors(t *testing.T) {
	e := New(Options{})
	for name, o := range map[string]map[string]any{
		"no name":       obj("v1", "ConfigMap", "x", ""),
		"no kind":       {"apiVersion": "v1", "metadata": map[string]any{"name": "a"}},
		"no apiVersion": {"kind": "ConfigMap", "metadata": map[string]any{"name": "a"}},
	} {
		if err := e.AddInventory(o); err == nil {
			t.Errorf("AddInventory(%s) succeeded, want an error", name)
		}
		if err := e.RemoveInventory(o); err == nil {
			t.Errorf("RemoveInventory(%s) succeeded, want an error", name)
		}
	}
}

// TestInventoryUsedByPolicy runs a uniqueness rule over the inventory, as
// library templates do, and checks it follows incremental updates without
// recompiling.
func TestInventoryUsedByPolicy(t *testing.T) {
	e := New(Options{})
	mustAddTemplate(t, e, regoTemplate("K8sUniqueHost", `package k8suniquehost
violation[{"msg": msg}] {
  host := input.review.object.spec.rules[_].host
  other := data.inventory.namespace[ns][_]["Ingress"][name]
  not same(ns, name)
  other.spec.rules[_].host == host
  msg := sprintf("host %v is used by %v/%v", [host, ns, name])
}
same(ns, name) {
  ns == input.review.object.metadata.namespace
  name == input.review.object.metadata.name
}`))
	mustAddConstraint(t, e, "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sUniqueHost\nmetadata: {name: unique}")
	ingress := func(ns, name, host string) map[string]any {
		o := obj("networking.k8s.io/v1", "Ingress", ns, name)
		o["spec"] = map[string]any{"rules": []any{map[string]any{"host": host}}}
		return o
	}
	check := func(want []string) {
		t.Helper()
		r, err := NewAuditReview(ingress("prod", "web", "a.example.com"), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := e.Review(context.Background(), r, AuditEnforcementPoint)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, messages(resp.Results)); diff != "" {
			t.Errorf("results (-want +got):\n%s", diff)
		}
	}
	check([]string{})
	mustInventory(t, e.AddInventory(ingress("prod", "web", "a.example.com")))
	check([]string{})
	mustInventory(t, e.AddInventory(ingress("dev", "web", "a.example.com")))
	check([]string{"K8sUniqueHost/unique: host a.example.com is used by dev/web"})
	mustInventory(t, e.RemoveInventory(ingress("dev", "web", "a.example.com")))
	check([]string{})
}

func mustInventory(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func withLabel(o map[string]any, k, v string) map[string]any {
	out := map[string]any{}
	for key, val := range o {
		out[key] = val
	}
	meta := map[string]any{}
	for key, val := range o["metadata"].(map[string]any) {
		meta[key] = val
	}
	meta["labels"] = map[string]any{k: v}
	out["metadata"] = meta
	return out
}

func js(t *testing.T, v any) string {
	t.Helper()
	return string(toJSON(t, v))
}
