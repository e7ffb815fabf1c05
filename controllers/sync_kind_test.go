package controllers

import (
	"sort"
	"testing"

	"github.com/go-logr/logr"
	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	toolscache "k8s.io/client-go/tools/cache"
)

// fakeInventory records the inventory by namespace/name.
type fakeInventory struct {
	objects map[string]bool
	cleared []schema.GroupVersionKind
}

func (f *fakeInventory) AddInventory(obj map[string]any) error {
	f.objects[objectKey(&unstructured.Unstructured{Object: obj})] = true
	return nil
}

func (f *fakeInventory) RemoveInventory(obj map[string]any) error {
	delete(f.objects, objectKey(&unstructured.Unstructured{Object: obj}))
	return nil
}

func (f *fakeInventory) ClearInventoryKind(gvk schema.GroupVersionKind) error {
	f.cleared = append(f.cleared, gvk)
	f.objects = map[string]bool{}
	return nil
}

func (f *fakeInventory) keys() []string {
	out := []string{}
	for k := range f.objects {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func ingressObj(ns, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("networking.k8s.io/v1")
	u.SetKind("Ingress")
	u.SetNamespace(ns)
	u.SetName(name)
	return u
}

func TestSyncedKind(t *testing.T) {
	inv := &fakeInventory{objects: map[string]bool{}}
	excluded := map[string]bool{"skip": true}
	store := toolscache.NewStore(toolscache.MetaNamespaceKeyFunc)
	k := &syncedKind{
		gvk:      schema.GroupVersionKind{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress"},
		engine:   inv,
		excluded: func(ns string) bool { return excluded[ns] },
		log:      logr.Discard(),
		cancel:   func() {},
		store:    store,
		loaded:   map[string]bool{},
	}
	h := k.handler()
	event := func(op string, u *unstructured.Unstructured) {
		switch op {
		case "add":
			_ = store.Add(u)
			h.OnAdd(u, true)
		case "delete":
			_ = store.Delete(u)
			h.OnDelete(toolscache.DeletedFinalStateUnknown{Key: objectKey(u), Obj: u})
		}
	}
	steps := []struct {
		name string
		do   func()
		want []string
	}{
		{"add two", func() { event("add", ingressObj("a", "x")); event("add", ingressObj("b", "y")) }, []string{"a/x", "b/y"}},
		{"excluded namespace not loaded", func() { event("add", ingressObj("skip", "z")) }, []string{"a/x", "b/y"}},
		{"delete via tombstone", func() { event("delete", ingressObj("b", "y")) }, []string{"a/x"}},
		{"exclusions change: skip allowed, a excluded", func() {
			excluded = map[string]bool{"a": true}
			k.refilter()
		}, []string{"skip/z"}},
		{"stop clears the kind", k.stop, []string{}},
		{"late events after stop dropped", func() { event("add", ingressObj("c", "late")) }, []string{}},
	}
	for _, s := range steps {
		s.do()
		if diff := cmp.Diff(s.want, inv.keys()); diff != "" {
			t.Fatalf("after %q inventory (-want +got):\n%s", s.name, diff)
		}
	}
	if len(inv.cleared) != 1 || inv.cleared[0].Kind != "Ingress" {
		t.Errorf("ClearInventoryKind calls = %v, want one for Ingress", inv.cleared)
	}
}
