package audit

import (
	"context"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"

	"github.com/portcullis-dev/portcullis/engine"
)

// racingDynamic runs race once, right after the first Get, so that the
// write that follows is made from a stale read.
type racingDynamic struct {
	dynamic.Interface
	once *sync.Once
	race func()
	// patches counts Patch calls and their errors.
	patches, failed *int
}

func (d racingDynamic) Resource(gvr schema.GroupVersionResource) dynamic.NamespaceableResourceInterface {
	return racingResource{NamespaceableResourceInterface: d.Interface.Resource(gvr), d: d}
}

type racingResource struct {
	dynamic.NamespaceableResourceInterface
	d racingDynamic
}

func (r racingResource) Get(ctx context.Context, name string, opts metav1.GetOptions, sub ...string) (*unstructured.Unstructured, error) {
	obj, err := r.NamespaceableResourceInterface.Get(ctx, name, opts, sub...)
	r.d.once.Do(r.d.race)
	return obj, err
}

func (r racingResource) Patch(ctx context.Context, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions, sub ...string) (*unstructured.Unstructured, error) {
	obj, err := r.NamespaceableResourceInterface.Patch(ctx, name, pt, data, opts, sub...)
	*r.d.patches++
	if apierrors.IsConflict(err) {
		*r.d.failed++
	}
	return obj, err
}

// TestStatusWriteRetriesConflict has the constraint controller write byPod
// between the audit's read and its patch: the API server refuses the stale
// patch, the audit re-reads and writes, and both writes survive.
func TestStatusWriteRetriesConflict(t *testing.T) {
	admin := env.Require(t).Config
	dyn := dynamicFor(t, admin)
	e := engine.New(engine.Options{})
	installTemplate(t, admin, e, labelTemplate)
	installConstraint(t, dyn, e, labelConstraint("race-owner", "deny", "owner", "race-"))
	raced := false
	patches, conflicts := 0, 0
	w := &StatusWriter{Dynamic: racingDynamic{Interface: dyn, once: &sync.Once{}, race: func() {
		setByPod(t, dyn, "race-owner")
		raced = true
	}, patches: &patches, failed: &conflicts}}
	r := constraintResult{Ref: constraintRef{Kind: kind, Name: "race-owner"}, Total: 1,
		Violations: []Violation{{EnforcementAction: "deny", Version: "v1", Kind: "ConfigMap", Namespace: "race-a", Name: "x", Message: "m"}}}
	wrote, err := w.Write(context.Background(), r, time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC))
	if err != nil || !wrote || !raced {
		t.Fatalf("Write = %v, %v (raced %v); want a write after retrying the conflict", wrote, err, raced)
	}
	if patches != 2 || conflicts != 1 {
		t.Errorf("patches=%d conflicts=%d, want the stale patch refused and one retry", patches, conflicts)
	}
	st := constraintStatus(t, dyn, kind, "race-owner")
	if st["totalViolations"] != int64(1) || st["auditTimestamp"] != "2026-11-22T07:00:00Z" {
		t.Errorf("status = %v, want the audit's fields", st)
	}
	if st["byPod"] == nil {
		t.Error("byPod written during the race was lost")
	}

	// A second write of the same result at the same time changes nothing.
	wrote, err = (&StatusWriter{Dynamic: dyn}).Write(context.Background(), r, time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC))
	if err != nil || wrote {
		t.Errorf("repeat Write = %v, %v; want no write", wrote, err)
	}
}
