package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/open-policy-agent/frameworks/constraint/pkg/apis"
	constraintclient "github.com/open-policy-agent/frameworks/constraint/pkg/client"
	"github.com/open-policy-agent/frameworks/constraint/pkg/client/drivers/rego"
	"github.com/open-policy-agent/frameworks/constraint/pkg/client/reviews"
	"github.com/open-policy-agent/frameworks/constraint/pkg/core/templates"
	mutationtypes "github.com/open-policy-agent/gatekeeper/v3/pkg/mutation/types"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/target"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// webhookPoint is the enforcement point Gatekeeper's webhook reviews at.
const webhookPoint = "validation.gatekeeper.sh"

// Gatekeeper reviews through upstream Gatekeeper's constraint framework with
// the Rego driver and Gatekeeper's admission target.
type Gatekeeper struct {
	client *constraintclient.Client
	ns     *corev1.Namespace
}

// NewGatekeeper builds a constraint client and loads the workload into it.
func NewGatekeeper(ctx context.Context, w *Workload) (*Gatekeeper, error) {
	driver, err := rego.New()
	if err != nil {
		return nil, fmt.Errorf("gatekeeper: rego driver: %w", err)
	}
	client, err := constraintclient.NewClient(
		constraintclient.Targets(&target.K8sValidationTarget{}),
		constraintclient.Driver(driver),
		constraintclient.EnforcementPoints(webhookPoint),
	)
	if err != nil {
		return nil, fmt.Errorf("gatekeeper: client: %w", err)
	}
	scheme := runtime.NewScheme()
	if err := apis.AddToScheme(scheme); err != nil {
		return nil, fmt.Errorf("gatekeeper: scheme: %w", err)
	}
	for _, p := range w.Policies {
		t, err := toTemplate(scheme, ForGatekeeper(p.Template))
		if err != nil {
			return nil, fmt.Errorf("gatekeeper: %s: %w", p.TemplateFile, err)
		}
		if _, err := client.AddTemplate(ctx, t); err != nil {
			return nil, fmt.Errorf("gatekeeper: %s: %w", p.TemplateFile, err)
		}
		c := &unstructured.Unstructured{Object: p.Constraint}
		if _, err := client.AddConstraint(ctx, c.DeepCopy()); err != nil {
			return nil, fmt.Errorf("gatekeeper: %s: %w", p.ConstraintFile, err)
		}
	}
	return &Gatekeeper{client: client, ns: w.Namespace}, nil
}

// versionless is what every versioned ConstraintTemplate type offers.
type versionless interface {
	ToVersionless() (*templates.ConstraintTemplate, error)
}

// toTemplate converts a decoded template of any served version to the
// framework's internal form.
func toTemplate(scheme *runtime.Scheme, obj map[string]any) (*templates.ConstraintTemplate, error) {
	u := &unstructured.Unstructured{Object: obj}
	typed, err := scheme.New(u.GroupVersionKind())
	if err != nil {
		return nil, fmt.Errorf("template type: %w", err)
	}
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encode template: %w", err)
	}
	if err := json.Unmarshal(raw, typed); err != nil {
		return nil, fmt.Errorf("decode template: %w", err)
	}
	v, ok := typed.(versionless)
	if !ok {
		return nil, fmt.Errorf("template %s: %w", u.GroupVersionKind(), errNotConvertible)
	}
	return v.ToVersionless()
}

var errNotConvertible = errors.New("has no conversion to the internal form")

// Name implements Reviewer.
func (g *Gatekeeper) Name() string { return "gatekeeper" }

// Review implements Reviewer with the review object Gatekeeper's webhook
// hands to its client.
func (g *Gatekeeper) Review(ctx context.Context, req *admissionv1.AdmissionRequest) ([]string, error) {
	review := &target.AugmentedReview{
		AdmissionRequest: req,
		Namespace:        g.ns,
		Source:           mutationtypes.SourceTypeOriginal,
		IsAdmission:      true,
	}
	resp, err := g.client.Review(ctx, review, reviews.EnforcementPoint(webhookPoint))
	if err != nil {
		return nil, fmt.Errorf("gatekeeper: %w", err)
	}
	var msgs []string
	for _, r := range resp.Results() {
		msgs = append(msgs, r.Msg)
	}
	slices.Sort(msgs)
	return msgs, nil
}
