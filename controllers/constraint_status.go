package controllers

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/portcullis-dev/portcullis/controllers/constraintcrd"
)

// constraintPodStatus is one pod's entry in a constraint's status.byPod.
type constraintPodStatus struct {
	ID                 string            `json:"id"`
	ObservedGeneration int64             `json:"observedGeneration,omitempty"`
	Enforced           bool              `json:"enforced"`
	Errors             []constraintError `json:"errors,omitempty"`
}

type constraintError struct {
	Code     string `json:"code,omitempty"`
	Message  string `json:"message"`
	Location string `json:"location,omitempty"`
}

// patchByPod sets this pod's entry in status.byPod with a merge patch that
// touches nothing else (the audit owns totalViolations and violations). The
// patch carries the resourceVersion it was computed from, so a concurrent
// write makes it fail with a conflict and it is recomputed.
func (r *ConstraintReconciler) patchByPod(ctx context.Context, name string, entry constraintPodStatus) error {
	if r.SkipStatus {
		return nil
	}
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		obj := &unstructured.Unstructured{}
		obj.SetGroupVersionKind(constraintcrd.GVK(r.Kind))
		if err := r.Client.Get(ctx, client.ObjectKey{Name: name}, obj); err != nil {
			return err
		}
		list, changed, err := upsertConstraintPod(obj, entry)
		if err != nil || !changed {
			return err
		}
		patch, err := json.Marshal(map[string]any{
			"metadata": map[string]any{"resourceVersion": obj.GetResourceVersion()},
			"status":   map[string]any{"byPod": list},
		})
		if err != nil {
			return err
		}
		return r.Client.Status().Patch(ctx, obj, client.RawPatch(types.MergePatchType, patch))
	})
	if err != nil {
		return fmt.Errorf("write constraint status: %w", client.IgnoreNotFound(err))
	}
	return nil
}

// upsertConstraintPod returns obj's status.byPod with entry in place of the
// entry with the same ID, and whether that changed anything.
func upsertConstraintPod(obj *unstructured.Unstructured, entry constraintPodStatus) ([]any, bool, error) {
	current, _, err := unstructured.NestedSlice(obj.Object, "status", "byPod")
	if err != nil {
		return nil, false, fmt.Errorf("read status.byPod: %w", err)
	}
	raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&entry)
	if err != nil {
		return nil, false, fmt.Errorf("convert status entry: %w", err)
	}
	out := make([]any, 0, len(current)+1)
	changed := true
	for _, p := range current {
		m, ok := p.(map[string]any)
		if ok && m["id"] == entry.ID {
			changed = !reflect.DeepEqual(normalise(m), normalise(raw))
			continue
		}
		out = append(out, p)
	}
	return append(out, raw), changed, nil
}

// normalise round-trips through JSON so numbers compare equal whatever
// their Go type.
func normalise(m map[string]any) any {
	b, _ := json.Marshal(m)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}
