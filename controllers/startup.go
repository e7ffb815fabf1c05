package controllers

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	configv1alpha1 "github.com/portcullis-dev/portcullis/apis/config/v1alpha1"
	templatesv1 "github.com/portcullis-dev/portcullis/apis/templates/v1"
	"github.com/portcullis-dev/portcullis/controllers/constraintcrd"
)

// ReadinessSeeder lists, once at start-up, what must be loaded before the
// pod is ready, and records it in the tracker. Add it to the manager as a
// Runnable.
type ReadinessSeeder struct {
	// Reader reads straight from the API server (the manager's API reader).
	Reader    client.Reader
	Namespace string
	Tracker   *ReadyTracker
}

// NeedLeaderElection is false: every pod has its own readiness.
func (s *ReadinessSeeder) NeedLeaderElection() bool { return false }

// Start lists templates, their constraints and the Config's synced kinds,
// retrying until it succeeds or ctx ends.
func (s *ReadinessSeeder) Start(ctx context.Context) error {
	log := ctrl.LoggerFrom(ctx)
	err := wait.PollUntilContextCancel(ctx, time.Second, true, func(ctx context.Context) (bool, error) {
		if err := s.seed(ctx); err != nil {
			log.Error(err, "list start-up objects, will retry")
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return nil // the manager is stopping
	}
	s.Tracker.Populated()
	log.Info("start-up objects listed", logKeyPending, len(s.Tracker.Pending()))
	return nil
}

func (s *ReadinessSeeder) seed(ctx context.Context) error {
	templates := &templatesv1.ConstraintTemplateList{}
	if err := s.Reader.List(ctx, templates); err != nil {
		return fmt.Errorf("list templates: %w", err)
	}
	for _, ct := range templates.Items {
		s.Tracker.Expect(TemplateKey(ct.Name))
		if err := s.seedConstraints(ctx, ct.Spec.CRD.Spec.Names.Kind); err != nil {
			return err
		}
	}
	cfg := &configv1alpha1.Config{}
	err := s.Reader.Get(ctx, client.ObjectKey{Namespace: s.Namespace, Name: configv1alpha1.ConfigName}, cfg)
	if client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("get config: %w", err)
	}
	if err == nil {
		s.Tracker.Expect(ConfigKey)
		for _, gvk := range GVKs(cfg) {
			s.Tracker.Expect(SyncKey(gvk))
		}
	}
	return nil
}

// seedConstraints expects every constraint of kind; a kind whose CRD does
// not exist has none.
func (s *ReadinessSeeder) seedConstraints(ctx context.Context, kind string) error {
	if kind == "" {
		return nil
	}
	list := &unstructured.UnstructuredList{}
	gvk := constraintcrd.GVK(kind)
	gvk.Kind += "List"
	list.SetGroupVersionKind(gvk)
	if err := s.Reader.List(ctx, list); err != nil {
		if meta.IsNoMatchError(err) || client.IgnoreNotFound(err) == nil {
			return nil
		}
		return fmt.Errorf("list %s constraints: %w", kind, err)
	}
	for _, c := range list.Items {
		s.Tracker.Expect(ConstraintKey(kind, c.GetName()))
	}
	return nil
}
