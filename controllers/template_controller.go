package controllers

import (
	"context"
	"errors"
	"fmt"
	"sync"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	templatesv1 "github.com/portcullis-dev/portcullis/apis/templates/v1"
	"github.com/portcullis-dev/portcullis/engine"
)

// TemplateReconciler compiles ConstraintTemplates into the engine, keeps
// each template's constraint CRD in place, and starts the controller for the
// constraint kind once its CRD is established.
type TemplateReconciler struct {
	Client  client.Client
	Engine  TemplateEngine
	Watches *ConstraintWatches
	Tracker *ReadyTracker
	// PodName identifies this pod in status.byPod.
	PodName string
	// Operations are the roles this pod runs, reported in status.byPod.
	Operations []string
	// SkipStatus leaves template status alone, for pods that do not run
	// the status operation.
	SkipStatus bool

	mu sync.Mutex
	// kinds maps the name of each template in the engine to its kind.
	kinds map[string]string
}

// +kubebuilder:rbac:groups=templates.gatekeeper.sh,resources=constrainttemplates,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=templates.gatekeeper.sh,resources=constrainttemplates/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=templates.gatekeeper.sh,resources=constrainttemplates/finalizers,verbs=update
// +kubebuilder:rbac:groups=apiextensions.k8s.io,resources=customresourcedefinitions,verbs=get;list;watch;create;update;patch;delete

// SetupWithManager registers the reconciler. It runs in every pod, since
// every pod's engine needs the templates.
func (r *TemplateReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("constrainttemplate").
		For(&templatesv1.ConstraintTemplate{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Owns(&apiextensionsv1.CustomResourceDefinition{}).
		WithOptions(controller.Options{NeedLeaderElection: ptr.To(false)}).
		Complete(r)
}

// Reconcile brings the engine, the constraint CRD and the constraint
// controller in line with one template.
func (r *TemplateReconciler) Reconcile(ctx context.Context, req ctrl.Request) (_ ctrl.Result, retErr error) {
	ct := &templatesv1.ConstraintTemplate{}
	if err := r.Client.Get(ctx, req.NamespacedName, ct); err != nil {
		if apierrors.IsNotFound(err) {
			return ctrl.Result{}, r.remove(ctx, req.Name)
		}
		return ctrl.Result{}, fmt.Errorf("get template: %w", err)
	}
	if !ct.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.remove(ctx, ct.Name)
	}

	st := newTemplateStatus(ct, r.PodName, r.Operations)
	defer func() { retErr = errors.Join(retErr, r.writeStatus(ctx, ct, st)) }()

	// 1. Parse the template into the engine's form.
	tmpl, err := r.parse(ct)
	if err != nil {
		st.fail(templatesv1.ReasonInvalid, err)
		r.giveUp(ct.Name, ct.Spec.CRD.Spec.Names.Kind)
		return ctrl.Result{}, reconcile.TerminalError(err)
	}
	// 2. Compile it; on failure the last good version stays in service.
	if err := r.Engine.AddTemplate(tmpl); err != nil {
		st.fail(templatesv1.ReasonCompileFailed, err)
		r.giveUp(ct.Name, tmpl.Kind)
		return ctrl.Result{}, reconcile.TerminalError(fmt.Errorf("compile template: %w", err))
	}
	r.remember(ctx, ct.Name, tmpl.Kind)
	// 3. Create or update the constraint CRD.
	crd, err := r.ensureCRD(ctx, ct, tmpl)
	if err != nil {
		st.fail(templatesv1.ReasonCRDFailed, err)
		return ctrl.Result{}, err
	}
	st.markCreated()
	// 4. Watch the constraint kind once the API server serves it; the
	// owned-CRD watch brings us back when it becomes established.
	if !established(crd) {
		st.pending()
		return ctrl.Result{}, nil
	}
	if err := r.Watches.Ensure(ctx, tmpl.Kind); err != nil {
		return ctrl.Result{}, fmt.Errorf("watch constraints: %w", err)
	}
	st.ready()
	r.Tracker.Observe(TemplateKey(ct.Name))
	return ctrl.Result{}, nil
}

// parse converts the typed template to the unstructured form the engine reads.
func (r *TemplateReconciler) parse(ct *templatesv1.ConstraintTemplate) (*engine.Template, error) {
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(ct)
	if err != nil {
		return nil, fmt.Errorf("convert template: %w", err)
	}
	obj["apiVersion"] = templatesv1.GroupVersion.String()
	obj["kind"] = "ConstraintTemplate"
	tmpl, err := engine.ParseTemplate(obj)
	if err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	return tmpl, nil
}

// remember records that name is in the engine as kind, stopping the watch
// of a previous kind if the kind changed.
func (r *TemplateReconciler) remember(ctx context.Context, name, kind string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.kinds == nil {
		r.kinds = map[string]string{}
	}
	if old, ok := r.kinds[name]; ok && old != kind {
		r.Watches.Remove(ctx, old)
	}
	r.kinds[name] = kind
}

// giveUp stops readiness waiting on a template that cannot load, unless an
// earlier version is already serving.
func (r *TemplateReconciler) giveUp(name, kind string) {
	r.mu.Lock()
	_, serving := r.kinds[name]
	r.mu.Unlock()
	if !serving && kind != "" {
		r.Tracker.CancelPrefix(ConstraintKey(kind, ""))
	}
	r.Tracker.Observe(TemplateKey(name))
}

// remove drops a deleted template: first its constraints and template from
// the engine, then the constraint watch, then the CRD (the owner reference
// does the same where a garbage collector runs).
func (r *TemplateReconciler) remove(ctx context.Context, name string) error {
	r.Engine.RemoveTemplate(name)
	r.mu.Lock()
	kind, ok := r.kinds[name]
	delete(r.kinds, name)
	r.mu.Unlock()
	r.Tracker.Observe(TemplateKey(name))
	if ok {
		r.Tracker.CancelPrefix(ConstraintKey(kind, ""))
		r.Watches.Remove(ctx, kind)
		ctrl.LoggerFrom(ctx).Info("removed template", logKeyTemplate, name, logKeyKind, kind)
	}
	// A template's name is its lower-cased kind, so this finds the CRD even
	// when the template was deleted while no manager ran.
	return r.deleteCRD(ctx, name)
}
