package controllers

import (
	"context"
	"errors"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	templatesv1 "github.com/portcullis-dev/portcullis/apis/templates/v1"
	"github.com/portcullis-dev/portcullis/engine"
)

// Error codes for template problems that do not come from OPA.
const (
	errCodeInvalid = "invalid_template"
	errCodeCRD     = "create_crd_error"
)

// templateStatus accumulates this pod's view of a template during one
// reconcile; writeStatus turns it into status.
type templateStatus struct {
	generation int64
	entry      templatesv1.ByPodStatus
	created    *bool
	condition  metav1.Condition
}

func newTemplateStatus(ct *templatesv1.ConstraintTemplate, pod string, operations []string) *templateStatus {
	return &templateStatus{
		generation: ct.Generation,
		entry: templatesv1.ByPodStatus{
			ID:                 pod,
			ObservedGeneration: ct.Generation,
			Operations:         operations,
			TemplateUID:        ct.UID,
		},
		condition: metav1.Condition{
			Type:    templatesv1.ConditionReady,
			Status:  metav1.ConditionUnknown,
			Reason:  templatesv1.ReasonCRDPending,
			Message: "reconcile did not finish",
		},
	}
}

func (s *templateStatus) fail(reason string, err error) {
	s.entry.Errors = statusErrors(reason, err)
	s.setCondition(metav1.ConditionFalse, reason, err.Error())
	if reason != templatesv1.ReasonCRDFailed {
		s.created = new(false)
	}
}

func (s *templateStatus) markCreated() {
	s.created = new(true)
}

func (s *templateStatus) pending() {
	s.setCondition(metav1.ConditionFalse, templatesv1.ReasonCRDPending, "constraint CRD is not established yet")
}

func (s *templateStatus) ready() {
	s.setCondition(metav1.ConditionTrue, templatesv1.ReasonCompiled, "template compiled and constraint CRD established")
}

func (s *templateStatus) setCondition(status metav1.ConditionStatus, reason, msg string) {
	s.condition = metav1.Condition{
		Type:               templatesv1.ConditionReady,
		Status:             status,
		Reason:             reason,
		Message:            msg,
		ObservedGeneration: s.generation,
	}
}

// writeStatus patches this pod's byPod entry, created and conditions, with
// optimistic locking so other pods' entries are not lost.
func (r *TemplateReconciler) writeStatus(ctx context.Context, ct *templatesv1.ConstraintTemplate, s *templateStatus) error {
	if r.SkipStatus {
		return nil
	}
	base := ct.DeepCopy()
	ct.Status.ByPod = upsertTemplatePod(ct.Status.ByPod, s.entry)
	if s.created != nil {
		ct.Status.Created = *s.created
	}
	meta.SetStatusCondition(&ct.Status.Conditions, s.condition)
	patch := client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})
	if err := r.Client.Status().Patch(ctx, ct, patch); err != nil {
		return fmt.Errorf("write template status: %w", client.IgnoreNotFound(err))
	}
	return nil
}

// upsertTemplatePod replaces the entry with e's ID, or appends e.
func upsertTemplatePod(list []templatesv1.ByPodStatus, e templatesv1.ByPodStatus) []templatesv1.ByPodStatus {
	out := make([]templatesv1.ByPodStatus, 0, len(list)+1)
	for _, p := range list {
		if p.ID != e.ID {
			out = append(out, p)
		}
	}
	return append(out, e)
}

// statusErrors turns an error into status errors, keeping OPA's code,
// message and line:col for Rego problems.
func statusErrors(reason string, err error) []templatesv1.CreateCRDError {
	var terr *engine.TemplateError
	if errors.As(err, &terr) && len(terr.Errors) > 0 {
		return astErrors(terr.Errors)
	}
	var aerrs ast.Errors
	if errors.As(err, &aerrs) && len(aerrs) > 0 {
		return astErrors(aerrs)
	}
	var aerr *ast.Error
	if errors.As(err, &aerr) {
		return astErrors(ast.Errors{aerr})
	}
	code := errCodeInvalid
	if reason == templatesv1.ReasonCRDFailed {
		code = errCodeCRD
	}
	return []templatesv1.CreateCRDError{{Code: code, Message: err.Error()}}
}

func astErrors(errs ast.Errors) []templatesv1.CreateCRDError {
	out := make([]templatesv1.CreateCRDError, 0, len(errs))
	for _, e := range errs {
		se := templatesv1.CreateCRDError{Code: e.Code, Message: e.Message}
		if e.Location != nil && e.Location.Row > 0 {
			se.Location = fmt.Sprintf("%d:%d", e.Location.Row, e.Location.Col)
		}
		out = append(out, se)
	}
	return out
}
