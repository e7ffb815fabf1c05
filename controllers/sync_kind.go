package controllers

import (
	"context"
	"sync"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	toolscache "k8s.io/client-go/tools/cache"
)

// syncedKind mirrors one kind into the inventory. The informer's store holds
// the objects, so a change of exclusions can add or remove objects without
// relisting; syncedKind itself only remembers which keys are loaded.
type syncedKind struct {
	gvk      schema.GroupVersionKind
	engine   InventoryEngine
	excluded func(namespace string) bool
	log      logr.Logger
	cancel   context.CancelFunc
	store    toolscache.Store

	mu     sync.Mutex
	loaded map[string]bool
	// stopped is set once the kind is no longer synced; late events are dropped.
	stopped bool
}

func (k *syncedKind) handler() toolscache.ResourceEventHandler {
	return toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { k.upsert(obj) },
		UpdateFunc: func(_, obj any) { k.upsert(obj) },
		DeleteFunc: func(obj any) { k.delete(obj) },
	}
}

func objectKey(u *unstructured.Unstructured) string {
	return u.GetNamespace() + "/" + u.GetName()
}

func (k *syncedKind) upsert(obj any) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.stopped {
		return
	}
	k.apply(u)
}

// apply loads or unloads one object according to the exclusions.
func (k *syncedKind) apply(u *unstructured.Unstructured) {
	key := objectKey(u)
	if k.excluded(u.GetNamespace()) {
		k.unload(key, u)
		return
	}
	if err := k.engine.AddInventory(u.Object); err != nil {
		k.log.Error(err, "add to inventory", logKeyObject, key)
		return
	}
	k.loaded[key] = true
}

func (k *syncedKind) unload(key string, u *unstructured.Unstructured) {
	if !k.loaded[key] {
		return
	}
	if err := k.engine.RemoveInventory(u.Object); err != nil {
		k.log.Error(err, "remove from inventory", logKeyObject, key)
	}
	delete(k.loaded, key)
}

func (k *syncedKind) delete(obj any) {
	if tomb, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.stopped {
		return
	}
	k.unload(objectKey(u), u)
}

// refilter re-applies the exclusions to every object in the store.
func (k *syncedKind) refilter() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.stopped {
		return
	}
	for _, obj := range k.store.List() {
		if u, ok := obj.(*unstructured.Unstructured); ok {
			k.apply(u)
		}
	}
}

// stop ends the informer and clears the kind from the inventory.
func (k *syncedKind) stop() {
	k.cancel()
	k.mu.Lock()
	defer k.mu.Unlock()
	k.stopped = true
	if err := k.engine.ClearInventoryKind(k.gvk); err != nil {
		k.log.Error(err, "clear kind from inventory")
	}
	k.loaded = map[string]bool{}
}
