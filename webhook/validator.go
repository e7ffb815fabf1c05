package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/portcullis-dev/portcullis/engine"
)

// IgnoreLabel exempts a namespace from policy when set on it.
const IgnoreLabel = "admission.gatekeeper.sh/ignore"

// Reviewer evaluates a review at an enforcement point; *engine.Engine is one.
type Reviewer interface {
	Review(ctx context.Context, r *engine.Review, enforcementPoint string) (*engine.Response, error)
}

// NamespaceLookup finds a Namespace by name, usually from an informer cache.
// It returns nil and no error when the namespace does not exist.
type NamespaceLookup interface {
	Namespace(ctx context.Context, name string) (*corev1.Namespace, error)
}

// Validator serves validation.gatekeeper.sh. The zero value is not usable:
// build it with every field that has no documented default.
type Validator struct {
	// Engine evaluates reviews.
	Engine Reviewer
	// Policies validates ConstraintTemplates and constraints themselves.
	Policies *PolicyValidator
	// Namespaces supplies Namespace objects for namespaceSelector.
	Namespaces NamespaceLookup
	// Ready reports whether every policy has been loaded. Until it does,
	// the webhook answers with an error so the API server applies the
	// webhook's failurePolicy instead of an empty policy set allowing all.
	Ready func() bool
	// Exempt reports namespaces that policy does not apply to: exempt
	// namespaces and Config exclusions for the webhook process.
	Exempt func(namespace string) bool
	// ServiceAccount is the user name of the manager's own service account,
	// whose requests are always allowed. Empty disables the check.
	ServiceAccount string
	// Limiter bounds concurrent reviews; nil means unbounded.
	Limiter chan struct{}
	// LogDenies logs a line per denied request.
	LogDenies bool
	// Metrics records decisions; nil records nothing.
	Metrics *Metrics
	// Log is the base logger; the request's logger is derived from it.
	Log logr.Logger
}

var _ http.Handler = (*Validator)(nil)

func (v *Validator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	review, err := readReview(w, r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if v.Ready != nil && !v.Ready() {
		http.Error(w, "portcullis is still loading policies; try again shortly", http.StatusServiceUnavailable)
		return
	}
	ctx, cancel := requestContext(r)
	defer cancel()
	if err := acquire(ctx, v.Limiter); err != nil {
		http.Error(w, fmt.Sprintf("too many concurrent reviews: %v", err), http.StatusServiceUnavailable)
		return
	}
	defer release(v.Limiter)

	log := v.Log.WithValues(logKeyUID, review.Request.UID, logKeyKind, review.Request.Kind.Kind,
		logKeyNamespace, review.Request.Namespace, logKeyName, review.Request.Name,
		logKeyOperation, review.Request.Operation)
	resp, decision := v.admit(logr.NewContext(ctx, log), review.Request)
	writeReview(w, review, resp)
	v.record(log, review.Request, resp, decision, time.Since(start))
}

// admit decides one request. The decision is nil when no policy ran.
func (v *Validator) admit(ctx context.Context, req *admissionv1.AdmissionRequest) (resp *admissionv1.AdmissionResponse, decision *Decision) {
	defer func() {
		if p := recover(); p != nil {
			logr.FromContextOrDiscard(ctx).Error(fmt.Errorf("%v", p), "panic while reviewing request")
			resp, decision = refuse(http.StatusInternalServerError, fmt.Sprintf("internal error reviewing request: %v", p)), nil
		}
	}()
	if v.ServiceAccount != "" && req.UserInfo.Username == v.ServiceAccount {
		return allow(), nil
	}
	if v.Policies != nil {
		if resp, handled := v.Policies.Validate(req); handled {
			return resp, nil
		}
	}
	ns, exempt, err := v.namespaceFor(ctx, req)
	if err != nil {
		return refuse(http.StatusInternalServerError, err.Error()), nil
	}
	if exempt {
		return allow(), nil
	}
	rev, err := engine.NewAdmissionReview(req, ns)
	if err != nil {
		return refuse(http.StatusBadRequest, fmt.Sprintf("reading request object: %v", err)), nil
	}
	res, err := v.Engine.Review(ctx, rev, engine.WebhookEnforcementPoint)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return refuse(http.StatusGatewayTimeout, fmt.Sprintf("review did not finish in time: %v", err)), nil
		}
		return refuse(http.StatusInternalServerError, fmt.Sprintf("reviewing request: %v", err)), nil
	}
	decision = Decide(res.Results)
	return decision.Response(), decision
}

// namespaceFor returns the Namespace that namespaceSelector sees for req,
// and whether the request is exempt from policy by its namespace.
func (v *Validator) namespaceFor(ctx context.Context, req *admissionv1.AdmissionRequest) (*corev1.Namespace, bool, error) {
	name := req.Namespace
	if isNamespace(req) {
		name = req.Name
	}
	if name == "" {
		return nil, false, nil
	}
	if v.Exempt != nil && v.Exempt(name) {
		return nil, true, nil
	}
	if isNamespace(req) || v.Namespaces == nil {
		// A Namespace is matched against its own labels, which the engine
		// reads from the request's object.
		return nil, false, nil
	}
	ns, err := v.Namespaces.Namespace(ctx, name)
	if err != nil {
		return nil, false, fmt.Errorf("looking up namespace %q: %w", name, err)
	}
	if ns != nil {
		if _, ignored := ns.Labels[IgnoreLabel]; ignored {
			return nil, true, nil
		}
	}
	return ns, false, nil
}

func isNamespace(req *admissionv1.AdmissionRequest) bool {
	return req.Kind.Group == "" && req.Kind.Kind == "Namespace"
}

func (v *Validator) record(log logr.Logger, req *admissionv1.AdmissionRequest, resp *admissionv1.AdmissionResponse, d *Decision, took time.Duration) {
	status := "allow"
	if d != nil {
		status = d.Status()
	} else if !resp.Allowed {
		status = "deny"
	}
	if v.Metrics != nil {
		v.Metrics.observe(status, req.DryRun != nil && *req.DryRun, d, took)
	}
	if d == nil {
		return
	}
	for _, r := range d.DryRuns {
		log.Info("dryrun violation", logKeyConstraint, constraintName(r), logKeyConstraintKind, constraintKind(r),
			logKeyMessage, r.Message)
	}
	if v.LogDenies && !resp.Allowed {
		log.Info("denied admission", logKeyMessage, strings.Join(d.Denials, "; "))
	}
}

func constraintName(r engine.Result) string {
	if r.Constraint == nil {
		return ""
	}
	return r.Constraint.Name
}

func constraintKind(r engine.Result) string {
	if r.Constraint == nil {
		return ""
	}
	return r.Constraint.Kind
}
