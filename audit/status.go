package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/util/retry"

	"github.com/portcullis-dev/portcullis/controllers/constraintcrd"
)

// Status fields the audit owns. Everything else in status (byPod,
// conditions) belongs to the constraint controller and is never sent.
const (
	fieldTimestamp  = "auditTimestamp"
	fieldTotal      = "totalViolations"
	fieldViolations = "violations"
)

// statusPatch returns the status fields to write for r, given the constraint's
// current status. The timestamp advances every run, as in Gatekeeper, so a
// run always writes it; totalViolations and violations are sent only when
// they differ from what is stored ("nothing changed" means: same total and
// the same kept violations in the same order). ok is false when even the
// timestamp is already current, e.g. a retried run within the same second.
func statusPatch(current map[string]any, r constraintResult, now time.Time) (patch map[string]any, ok bool) {
	ts := now.UTC().Format(time.RFC3339)
	patch = map[string]any{}
	if current[fieldTimestamp] != ts {
		patch[fieldTimestamp] = ts
	}
	violations := violationsValue(r.Violations)
	if !sameJSON(current[fieldTotal], r.Total) || !sameJSON(current[fieldViolations], violations) {
		patch[fieldTimestamp] = ts
		patch[fieldTotal] = r.Total
		patch[fieldViolations] = violations
	}
	return patch, len(patch) > 0
}

// violationsValue is vs as generic JSON values; never nil, so that an empty
// list is written as [] and not as null (which would delete the field).
func violationsValue(vs []Violation) []any {
	out := make([]any, 0, len(vs))
	for _, v := range vs {
		m := map[string]any{
			"enforcementAction": v.EnforcementAction,
			"group":             v.Group,
			"version":           v.Version,
			"kind":              v.Kind,
			"name":              v.Name,
			"message":           v.Message,
		}
		if v.Namespace != "" {
			m["namespace"] = v.Namespace
		}
		out = append(out, m)
	}
	return out
}

// sameJSON compares two values by their JSON form, so that int64(3) equals
// the float64(3) or int64(3) a decoded object carries.
func sameJSON(a, b any) bool {
	return reflect.DeepEqual(roundTrip(a), roundTrip(b))
}

func roundTrip(v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		return v
	}
	return out
}

// StatusWriter writes audit results into constraint status through the
// status subresource.
type StatusWriter struct {
	Dynamic dynamic.Interface
}

// constraintResource is the resource of a constraint kind.
func constraintResource(kind string) schema.GroupVersionResource {
	gvk := constraintcrd.GVK(kind)
	return gvk.GroupVersion().WithResource(constraintcrd.Plural(kind))
}

// Write merges r into the constraint's status. It reports whether a write
// was made. A constraint deleted meanwhile is not an error.
func (w *StatusWriter) Write(ctx context.Context, r constraintResult, now time.Time) (bool, error) {
	client := w.Dynamic.Resource(constraintResource(r.Ref.Kind))
	wrote := false
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		wrote = false
		obj, err := client.Get(ctx, r.Ref.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		current, _, err := unstructured.NestedMap(obj.Object, "status")
		if err != nil {
			current = nil
		}
		fields, ok := statusPatch(current, r, now)
		if !ok {
			return nil
		}
		// The resourceVersion makes a concurrent write a conflict, retried
		// with a fresh read.
		body, err := json.Marshal(map[string]any{
			"metadata": map[string]any{"resourceVersion": obj.GetResourceVersion()},
			"status":   fields,
		})
		if err != nil {
			return err
		}
		if _, err := client.Patch(ctx, r.Ref.Name, types.MergePatchType, body, metav1.PatchOptions{}, "status"); err != nil {
			return err
		}
		wrote = true
		return nil
	})
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("write status of %s %s: %w", r.Ref.Kind, r.Ref.Name, err)
	}
	return wrote, nil
}
