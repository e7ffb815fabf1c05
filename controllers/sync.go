package controllers

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	toolscache "k8s.io/client-go/tools/cache"
	ctrl "sigs.k8s.io/controller-runtime"

	configv1alpha1 "github.com/portcullis-dev/portcullis/apis/config/v1alpha1"
)

// Syncer copies the objects of the kinds the Config lists into the engine's
// inventory, one informer per kind, added and removed as the Config changes.
// Add it to the manager as a Runnable.
type Syncer struct {
	Dynamic  dynamic.Interface
	Mapper   meta.RESTMapper
	Engine   InventoryEngine
	Tracker  *ReadyTracker
	Excluder *NamespaceExcluder

	life  lifetime
	mu    sync.Mutex
	kinds map[schema.GroupVersionKind]*syncedKind
}

// Start blocks until the manager stops, then stops every informer.
func (s *Syncer) Start(ctx context.Context) error {
	return s.life.run(ctx)
}

// NeedLeaderElection is false: every pod's engine needs the inventory.
func (s *Syncer) NeedLeaderElection() bool { return false }

// Kinds returns the kinds being synced.
func (s *Syncer) Kinds() []schema.GroupVersionKind {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]schema.GroupVersionKind, 0, len(s.kinds))
	for gvk := range s.kinds {
		out = append(out, gvk)
	}
	return out
}

// SetKinds syncs exactly want: kinds no longer wanted are stopped and
// cleared from the inventory, new ones are started. A kind that cannot be
// started (not served by the API server) is reported in the error and does
// not hold readiness back.
func (s *Syncer) SetKinds(ctx context.Context, want []schema.GroupVersionKind) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.kinds == nil {
		s.kinds = map[schema.GroupVersionKind]*syncedKind{}
	}
	wanted := map[schema.GroupVersionKind]bool{}
	for _, gvk := range want {
		wanted[gvk] = true
	}
	for gvk, k := range s.kinds {
		if !wanted[gvk] {
			k.stop()
			delete(s.kinds, gvk)
			ctrl.LoggerFrom(ctx).Info("stopped sync", logKeyGVK, gvk.String())
		}
	}
	var errs []error
	for gvk := range wanted {
		if _, ok := s.kinds[gvk]; ok {
			continue
		}
		k, err := s.start(ctx, gvk)
		if err != nil {
			s.Tracker.Observe(SyncKey(gvk))
			errs = append(errs, fmt.Errorf("sync %s: %w", gvk, err))
			continue
		}
		s.kinds[gvk] = k
		ctrl.LoggerFrom(ctx).Info("started sync", logKeyGVK, gvk.String())
	}
	return errors.Join(errs...)
}

// Refilter re-applies the sync exclusions to every synced object.
func (s *Syncer) Refilter() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.kinds {
		k.refilter()
	}
}

func (s *Syncer) start(reqCtx context.Context, gvk schema.GroupVersionKind) (*syncedKind, error) {
	mapping, err := s.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, fmt.Errorf("map kind to resource: %w", err)
	}
	ctx, cancel := context.WithCancel(ctrl.LoggerInto(s.life.context(), ctrl.LoggerFrom(reqCtx)))
	k := &syncedKind{
		gvk:      gvk,
		engine:   s.Engine,
		excluded: func(ns string) bool { return s.Excluder.IsExcluded(configv1alpha1.ProcessSync, ns) },
		log:      ctrl.LoggerFrom(reqCtx).WithValues(logKeyGVK, gvk.String()),
		loaded:   map[string]bool{},
		cancel:   cancel,
	}
	inf := dynamicinformer.NewFilteredDynamicInformer(s.Dynamic, mapping.Resource, metav1.NamespaceAll, 0, toolscache.Indexers{}, nil).Informer()
	k.store = inf.GetStore()
	if err := inf.SetTransform(dropManagedFields); err != nil {
		cancel()
		return nil, fmt.Errorf("set transform: %w", err)
	}
	reg, err := inf.AddEventHandler(k.handler())
	if err != nil {
		cancel()
		return nil, fmt.Errorf("add handler: %w", err)
	}
	go inf.Run(ctx.Done())
	go func() {
		if toolscache.WaitForCacheSync(ctx.Done(), reg.HasSynced) {
			s.Tracker.Observe(SyncKey(gvk))
		}
	}()
	return k, nil
}

// dropManagedFields saves memory; policies do not read managedFields.
func dropManagedFields(obj any) (any, error) {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		u.SetManagedFields(nil)
	}
	return obj, nil
}

// GVKs returns the kinds a Config asks to sync, without duplicates.
func GVKs(cfg *configv1alpha1.Config) []schema.GroupVersionKind {
	seen := map[schema.GroupVersionKind]bool{}
	var out []schema.GroupVersionKind
	for _, e := range cfg.Spec.Sync.SyncOnly {
		gvk := schema.GroupVersionKind{Group: e.Group, Version: e.Version, Kind: e.Kind}
		if !seen[gvk] {
			seen[gvk] = true
			out = append(out, gvk)
		}
	}
	return out
}

// Each calls fn with every synced object of gvk, as the informer holds it;
// fn must not keep or change obj. It lets the audit review the inventory
// instead of listing from the API server.
func (s *Syncer) Each(gvk schema.GroupVersionKind, fn func(obj map[string]any) error) error {
	s.mu.Lock()
	k := s.kinds[gvk]
	s.mu.Unlock()
	if k == nil {
		return nil
	}
	for _, obj := range k.store.List() {
		u, ok := obj.(*unstructured.Unstructured)
		if !ok {
			continue
		}
		if err := fn(u.Object); err != nil {
			return err
		}
	}
	return nil
}
