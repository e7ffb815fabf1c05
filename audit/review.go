package audit

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/portcullis-dev/portcullis/engine"
	"github.com/portcullis-dev/portcullis/engine/match"
)

// EventReason is the reason of audit events.
const EventReason = "AuditViolation"

// reviewer reviews the objects of one run.
type reviewer struct {
	auditor    *Auditor
	namespaces map[string]*corev1.Namespace
	tally      *tally
	log        logr.Logger
}

// review evaluates one object and records its violations.
func (r *reviewer) review(ctx context.Context, obj *unstructured.Unstructured) {
	a := r.auditor
	ns := objectNamespace(obj)
	if ns != "" && a.Excluded != nil && a.Excluded(ns) {
		return
	}
	rev, err := engine.NewAuditReview(obj.Object, r.namespaces[obj.GetNamespace()])
	if err != nil {
		r.tally.reviewedOne(1)
		r.log.Error(err, "audit could not build review", logKeyNamespace, obj.GetNamespace(), logKeyName, obj.GetName())
		return
	}
	resp, err := a.Engine.Review(ctx, rev, engine.AuditEnforcementPoint)
	if err != nil {
		if ctx.Err() == nil {
			r.tally.reviewedOne(1)
			r.log.Error(err, "audit review failed", logKeyNamespace, obj.GetNamespace(), logKeyName, obj.GetName())
		}
		return
	}
	evalErrors := 0
	for _, res := range resp.Results {
		// A namespaceSelector that cannot be decided is a violation (as in
		// Gatekeeper); any other evaluation error is not.
		if res.Err != nil && !errors.Is(res.Err, match.ErrNamespaceUnknown) {
			evalErrors++
			r.log.Error(res.Err, "audit evaluation failed", logKeyConstraintKind, res.Constraint.Kind,
				logKeyConstraint, res.Constraint.Name, logKeyNamespace, obj.GetNamespace(), logKeyName, obj.GetName())
			continue
		}
		v := violationOf(obj, res)
		r.tally.add(constraintRef{Kind: res.Constraint.Kind, Name: res.Constraint.Name}, v)
		r.report(obj, res, v)
	}
	r.tally.reviewedOne(evalErrors)
}

// objectNamespace is the namespace exclusions apply to: the object's own,
// or for a Namespace its name.
func objectNamespace(obj *unstructured.Unstructured) string {
	gvk := obj.GroupVersionKind()
	if gvk.Group == "" && gvk.Kind == "Namespace" {
		return obj.GetName()
	}
	return obj.GetNamespace()
}

func violationOf(obj *unstructured.Unstructured, res engine.Result) Violation {
	gvk := obj.GroupVersionKind()
	return Violation{
		EnforcementAction: string(res.EnforcementAction),
		Group:             gvk.Group,
		Version:           gvk.Version,
		Kind:              gvk.Kind,
		Namespace:         obj.GetNamespace(),
		Name:              obj.GetName(),
		Message:           res.Message,
	}
}

// report logs and emits an event for one violation, when asked to.
func (r *reviewer) report(obj *unstructured.Unstructured, res engine.Result, v Violation) {
	a := r.auditor
	if a.Options.LogViolations {
		r.log.Info("audit violation",
			logKeyConstraintKind, res.Constraint.Kind, logKeyConstraint, res.Constraint.Name,
			logKeyAction, v.EnforcementAction, logKeyObjectGroup, v.Group, logKeyObjectVersion, v.Version,
			logKeyObjectKind, v.Kind, logKeyNamespace, v.Namespace, logKeyName, v.Name, logKeyMessage, v.Message)
	}
	if a.Events != nil {
		a.Events.Eventf(obj, corev1.EventTypeWarning, EventReason,
			"%s %s (%s): %s", res.Constraint.Kind, res.Constraint.Name, v.EnforcementAction, v.Message)
	}
}

var namespacesResource = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}

// listNamespaces reads every Namespace once per run, for namespaceSelector.
// Only names and labels are kept.
func listNamespaces(ctx context.Context, dyn dynamic.Interface, chunk int64) (map[string]*corev1.Namespace, error) {
	out := map[string]*corev1.Namespace{}
	opts := metav1.ListOptions{Limit: chunk}
	for {
		list, err := dyn.Resource(namespacesResource).List(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("list namespaces: %w", err)
		}
		for _, item := range list.Items {
			out[item.GetName()] = &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: item.GetName(), Labels: item.GetLabels()}}
		}
		if opts.Continue = list.GetContinue(); opts.Continue == "" {
			return out, nil
		}
	}
}
