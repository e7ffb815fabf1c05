package audit

import (
	"context"
	"errors"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
)

// Source finds and lists the objects an audit run reviews.
type Source interface {
	// Resources lists the resource types to review, filtered by wanted.
	// A non-nil error with a non-empty result means some API groups could
	// not be discovered; the rest are still audited.
	Resources(ctx context.Context, wanted KindFilter) ([]Resource, error)
	// List calls page with the objects of r, at most chunk at a time, and
	// stops at the first error.
	List(ctx context.Context, r Resource, chunk int64, page func([]unstructured.Unstructured) error) error
}

// PreferredResources is the part of discovery the audit uses.
type PreferredResources interface {
	ServerPreferredResources() ([]*metav1.APIResourceList, error)
}

// APISource lists objects from the API server, page by page.
type APISource struct {
	Discovery PreferredResources
	Dynamic   dynamic.Interface
}

// Resources asks discovery for every preferred, listable resource.
func (s *APISource) Resources(_ context.Context, wanted KindFilter) ([]Resource, error) {
	lists, err := s.Discovery.ServerPreferredResources()
	var partial *discovery.ErrGroupDiscoveryFailed
	if err != nil && !errors.As(err, &partial) {
		return nil, fmt.Errorf("discover resources: %w", err)
	}
	out := selectResources(lists, wanted)
	if err != nil {
		return out, fmt.Errorf("discover resources: %w", err)
	}
	return out, nil
}

// List pages through r with Limit and Continue, so that only one page is
// held at a time.
func (s *APISource) List(ctx context.Context, r Resource, chunk int64, page func([]unstructured.Unstructured) error) error {
	opts := metav1.ListOptions{Limit: chunk}
	for {
		list, err := s.Dynamic.Resource(r.GVR).List(ctx, opts)
		if err != nil {
			return fmt.Errorf("list %s: %w", r.GVR, err)
		}
		for i := range list.Items {
			if list.Items[i].GetKind() == "" {
				list.Items[i].SetGroupVersionKind(r.GVK())
			}
		}
		if err := page(list.Items); err != nil {
			return err
		}
		opts.Continue = list.GetContinue()
		if opts.Continue == "" {
			return nil
		}
	}
}

// Inventory is the synced data the audit can read instead of listing: the
// kinds being synced and a way to walk their objects. The controllers'
// syncer is expected to provide it.
type Inventory interface {
	Kinds() []schema.GroupVersionKind
	// Each calls fn with every synced object of gvk; fn must not keep obj.
	Each(gvk schema.GroupVersionKind, fn func(obj map[string]any) error) error
}

// CacheSource audits the synced inventory: no listing, only kinds that the
// Config syncs.
type CacheSource struct {
	Inventory Inventory
}

// Resources returns the synced kinds that wanted accepts.
func (s *CacheSource) Resources(_ context.Context, wanted KindFilter) ([]Resource, error) {
	var out []Resource
	for _, gvk := range s.Inventory.Kinds() {
		if wanted.Accepts(gvk.Group, gvk.Kind) {
			// The resource name is not known here and is not needed.
			out = append(out, Resource{GVR: gvk.GroupVersion().WithResource(""), Kind: gvk.Kind})
		}
	}
	return out, nil
}

// List hands out the synced objects in pages of chunk.
func (s *CacheSource) List(_ context.Context, r Resource, chunk int64, page func([]unstructured.Unstructured) error) error {
	buf := make([]unstructured.Unstructured, 0, chunk)
	err := s.Inventory.Each(r.GVK(), func(obj map[string]any) error {
		buf = append(buf, unstructured.Unstructured{Object: obj})
		if int64(len(buf)) < chunk {
			return nil
		}
		err := page(buf)
		// The run may still be reviewing the page: start a new one.
		buf = make([]unstructured.Unstructured, 0, chunk)
		return err
	})
	if err != nil {
		return fmt.Errorf("read inventory %s: %w", r.GVK(), err)
	}
	if len(buf) > 0 {
		return page(buf)
	}
	return nil
}
