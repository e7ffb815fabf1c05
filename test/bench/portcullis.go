package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"

	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/portcullis-dev/portcullis/engine"
)

var userInfo = authenticationv1.UserInfo{Username: "bench-user", Groups: []string{"system:authenticated"}}

// Portcullis reviews through Portcullis's engine package.
type Portcullis struct {
	engine *engine.Engine
	ns     *corev1.Namespace
}

// NewPortcullis compiles the workload's templates and adds its constraints.
func NewPortcullis(w *Workload) (*Portcullis, error) {
	e := engine.New(engine.Options{})
	for _, p := range w.Policies {
		t, err := engine.ParseTemplate(p.Template)
		if err != nil {
			return nil, fmt.Errorf("portcullis: %s: %w", p.TemplateFile, err)
		}
		if err := e.AddTemplate(t); err != nil {
			return nil, fmt.Errorf("portcullis: %s: %w", p.TemplateFile, err)
		}
		c, err := engine.ParseConstraint(p.Constraint)
		if err != nil {
			return nil, fmt.Errorf("portcullis: %s: %w", p.ConstraintFile, err)
		}
		if err := e.AddConstraint(c); err != nil {
			return nil, fmt.Errorf("portcullis: %s: %w", p.ConstraintFile, err)
		}
	}
	return &Portcullis{engine: e, ns: w.Namespace}, nil
}

// Name implements Reviewer.
func (p *Portcullis) Name() string { return "portcullis" }

// Review implements Reviewer, as the webhook does: build the review from
// the request, then evaluate at the webhook enforcement point.
func (p *Portcullis) Review(ctx context.Context, req *admissionv1.AdmissionRequest) ([]string, error) {
	r, err := engine.NewAdmissionReview(req, p.ns)
	if err != nil {
		return nil, fmt.Errorf("portcullis: %w", err)
	}
	resp, err := p.engine.Review(ctx, r, engine.WebhookEnforcementPoint)
	if err != nil {
		return nil, fmt.Errorf("portcullis: %w", err)
	}
	var msgs []string
	var errs []error
	for _, res := range resp.Results {
		if res.Err != nil {
			errs = append(errs, res.Err)
			continue
		}
		msgs = append(msgs, res.Message)
	}
	slices.Sort(msgs)
	return msgs, errors.Join(errs...)
}

// ViolatedConstraints names the constraints that obj violates, as
// Portcullis's engine sees it.
func (p *Portcullis) ViolatedConstraints(ctx context.Context, obj map[string]any) ([]string, error) {
	req, err := AdmissionRequest(obj)
	if err != nil {
		return nil, err
	}
	r, err := engine.NewAdmissionReview(req, p.ns)
	if err != nil {
		return nil, fmt.Errorf("portcullis: %w", err)
	}
	resp, err := p.engine.Review(ctx, r, engine.WebhookEnforcementPoint)
	if err != nil {
		return nil, fmt.Errorf("portcullis: %w", err)
	}
	var names []string
	for _, res := range resp.Results {
		if !slices.Contains(names, res.Constraint.Name) {
			names = append(names, res.Constraint.Name)
		}
	}
	return names, nil
}
