package controllers

import (
	"context"
	"fmt"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	templatesv1 "github.com/portcullis-dev/portcullis/apis/templates/v1"
	"github.com/portcullis-dev/portcullis/controllers/constraintcrd"
	"github.com/portcullis-dev/portcullis/engine"
)

// ensureCRD creates or updates the constraint CRD of tmpl, owned by ct.
func (r *TemplateReconciler) ensureCRD(ctx context.Context, ct *templatesv1.ConstraintTemplate, tmpl *engine.Template) (*apiextensionsv1.CustomResourceDefinition, error) {
	want, err := constraintcrd.Build(tmpl)
	if err != nil {
		return nil, fmt.Errorf("build constraint CRD: %w", err)
	}
	if err := controllerutil.SetControllerReference(ct, want, r.Client.Scheme()); err != nil {
		return nil, fmt.Errorf("set CRD owner: %w", err)
	}
	got := &apiextensionsv1.CustomResourceDefinition{}
	err = r.Client.Get(ctx, client.ObjectKey{Name: want.Name}, got)
	if apierrors.IsNotFound(err) {
		if err := r.Client.Create(ctx, want); err != nil {
			return nil, fmt.Errorf("create constraint CRD: %w", err)
		}
		return want, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get constraint CRD: %w", err)
	}
	if equality.Semantic.DeepDerivative(want.Spec, got.Spec) &&
		equality.Semantic.DeepDerivative(want.OwnerReferences, got.OwnerReferences) &&
		equality.Semantic.DeepDerivative(want.Labels, got.Labels) {
		return got, nil
	}
	got.Spec = want.Spec
	got.OwnerReferences = want.OwnerReferences
	if got.Labels == nil {
		got.Labels = map[string]string{}
	}
	for k, v := range want.Labels {
		got.Labels[k] = v
	}
	if err := r.Client.Update(ctx, got); err != nil {
		return nil, fmt.Errorf("update constraint CRD: %w", err)
	}
	return got, nil
}

// deleteCRD deletes the constraint CRD owned by the template named
// template, which deletes its constraints. A CRD of that name that the
// template does not own is left alone.
func (r *TemplateReconciler) deleteCRD(ctx context.Context, template string) error {
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := r.Client.Get(ctx, client.ObjectKey{Name: template + "." + constraintcrd.Group}, crd); err != nil {
		return client.IgnoreNotFound(err)
	}
	if !ownedByTemplate(crd, template) {
		return nil
	}
	pre := client.Preconditions{UID: &crd.UID}
	if err := r.Client.Delete(ctx, crd, pre); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("delete constraint CRD: %w", err)
	}
	return nil
}

func ownedByTemplate(crd *apiextensionsv1.CustomResourceDefinition, template string) bool {
	for _, o := range crd.OwnerReferences {
		if o.Kind == "ConstraintTemplate" && o.Name == template && strings.HasPrefix(o.APIVersion, templatesv1.GroupVersion.Group+"/") {
			return true
		}
	}
	return false
}

// established reports whether the API server serves the CRD's kind.
func established(crd *apiextensionsv1.CustomResourceDefinition) bool {
	for _, c := range crd.Status.Conditions {
		if c.Type == apiextensionsv1.Established {
			return c.Status == apiextensionsv1.ConditionTrue
		}
	}
	return false
}
