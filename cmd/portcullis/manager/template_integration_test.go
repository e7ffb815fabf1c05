package manager

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	templatesv1 "github.com/portcullis-dev/portcullis/apis/templates/v1"
)

const requiredLabelsConstraint = `
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sITRequiredLabels
metadata:
  name: must-have-owner
spec:
  enforcementAction: dryrun
  match:
    kinds:
      - apiGroups: [""]
        kinds: ["Namespace"]
  parameters:
    labels: ["owner"]
`

func TestTemplateConstraintLifecycle(t *testing.T) {
	m := startManager(t, "pod-lifecycle")
	c := newClient(t)
	ctx := context.Background()
	const kind, tmplName, crdName = "K8sITRequiredLabels", "k8sitrequiredlabels", "k8sitrequiredlabels.constraints.gatekeeper.sh"

	apply(t, c, readYAML(t, "requiredlabels.yaml"))
	crd := &apiextensionsv1.CustomResourceDefinition{}
	eventually(t, "constraint CRD established", func() (bool, error) {
		if err := c.Get(ctx, client.ObjectKey{Name: crdName}, crd); err != nil {
			return false, err
		}
		for _, cond := range crd.Status.Conditions {
			if cond.Type == apiextensionsv1.Established && cond.Status == apiextensionsv1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	})
	if len(crd.OwnerReferences) != 1 || crd.OwnerReferences[0].Name != tmplName {
		t.Errorf("CRD owner references = %+v, want the template", crd.OwnerReferences)
	}
	eventually(t, "template Ready with this pod's status", func() (bool, error) {
		ct := &templatesv1.ConstraintTemplate{}
		if err := c.Get(ctx, client.ObjectKey{Name: tmplName}, ct); err != nil {
			return false, err
		}
		ready := meta.IsStatusConditionTrue(ct.Status.Conditions, templatesv1.ConditionReady)
		for _, p := range ct.Status.ByPod {
			if p.ID == "pod-lifecycle" {
				return ready && ct.Status.Created && p.ObservedGeneration == ct.Generation && p.TemplateUID == ct.UID, nil
			}
		}
		return false, nil
	})

	apply(t, c, parse(t, requiredLabelsConstraint))
	eventually(t, "engine holds the constraint", func() (bool, error) {
		return hasConstraint(m.deps.Engine, kind, "must-have-owner"), nil
	})
	ns := parse(t, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: no-owner\n")
	if msgs := review(t, m.deps.Engine, kind, ns, nil); len(msgs) != 1 || !strings.Contains(msgs[0], "owner") {
		t.Errorf("review of unlabelled namespace = %q, want one violation naming owner", msgs)
	}
	eventually(t, "constraint status.byPod enforced", func() (bool, error) {
		u := &unstructured.Unstructured{}
		u.SetAPIVersion("constraints.gatekeeper.sh/v1beta1")
		u.SetKind(kind)
		if err := c.Get(ctx, client.ObjectKey{Name: "must-have-owner"}, u); err != nil {
			return false, err
		}
		pods, _, _ := unstructured.NestedSlice(u.Object, "status", "byPod")
		for _, p := range pods {
			if p := p.(map[string]any); p["id"] == "pod-lifecycle" {
				return p["enforced"] == true && p["observedGeneration"] == u.GetGeneration(), nil
			}
		}
		return false, nil
	})

	t.Run("listed by the constraints category with columns", func(t *testing.T) {
		out, err := env.Kubectl(ctx, "get", "constraints")
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"ENFORCEMENT-ACTION", "TOTAL-VIOLATIONS", "AGE", "must-have-owner", "dryrun"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("kubectl get constraints lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("wrong-type parameters refused by the API server", func(t *testing.T) {
		bad := parse(t, strings.Replace(requiredLabelsConstraint, `labels: ["owner"]`, `labels: "owner"`, 1))
		bad.SetName("bad-params")
		err := c.Create(ctx, bad)
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.parameters.labels") || !strings.Contains(err.Error(), "must be of type array") {
			t.Fatalf("create with string labels: got %v, want an Invalid error on spec.parameters.labels", err)
		}
	})

	t.Run("constraint the engine refuses reports enforced false", func(t *testing.T) {
		bad := parse(t, strings.Replace(requiredLabelsConstraint, "dryrun", "explode", 1))
		bad.SetName("bad-action")
		apply(t, c, bad)
		eventually(t, "byPod entry with an error", func() (bool, error) {
			u := &unstructured.Unstructured{}
			u.SetGroupVersionKind(bad.GroupVersionKind())
			if err := c.Get(ctx, client.ObjectKey{Name: "bad-action"}, u); err != nil {
				return false, err
			}
			pods, _, _ := unstructured.NestedSlice(u.Object, "status", "byPod")
			for _, p := range pods {
				if p := p.(map[string]any); p["id"] == "pod-lifecycle" {
					errs, _ := p["errors"].([]any)
					return p["enforced"] == false && len(errs) == 1 && strings.Contains(fmt.Sprint(errs[0]), "explode"), nil
				}
			}
			return false, nil
		})
		if hasConstraint(m.deps.Engine, kind, "bad-action") {
			t.Error("engine holds a constraint it should have refused")
		}
	})

	// Deleting the template removes the engine's template, the CRD and so the constraints.
	ct := &templatesv1.ConstraintTemplate{ObjectMeta: metav1.ObjectMeta{Name: tmplName}}
	if err := c.Delete(ctx, ct); err != nil {
		t.Fatalf("delete template: %v", err)
	}
	eventually(t, "engine empty of the template", func() (bool, error) {
		return !hasTemplate(m.deps.Engine, tmplName) && !hasConstraint(m.deps.Engine, kind, "must-have-owner"), nil
	})
	eventually(t, "constraint CRD gone", func() (bool, error) {
		err := c.Get(ctx, client.ObjectKey{Name: crdName}, &apiextensionsv1.CustomResourceDefinition{})
		return apierrors.IsNotFound(err), client.IgnoreNotFound(err)
	})
}

const brokenTemplate = `
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8sitbroken
spec:
  crd:
    spec:
      names:
        kind: K8sITBroken
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package k8sitbroken

        violation[{"msg": msg}] {
          msg := undefined_helper(input.review.object)
        }
`

// templateStatus waits until the template's Ready condition has status want
// for its current generation and returns the template.
func templateStatus(t *testing.T, c client.Client, name string, want metav1.ConditionStatus) *templatesv1.ConstraintTemplate {
	t.Helper()
	ct := &templatesv1.ConstraintTemplate{}
	eventually(t, name+" Ready="+string(want), func() (bool, error) {
		if err := c.Get(context.Background(), client.ObjectKey{Name: name}, ct); err != nil {
			return false, err
		}
		cond := meta.FindStatusCondition(ct.Status.Conditions, templatesv1.ConditionReady)
		return cond != nil && cond.Status == want && cond.ObservedGeneration == ct.Generation, nil
	})
	return ct
}

func TestTemplateErrorsInStatus(t *testing.T) {
	m := startManager(t, "pod-errors")
	c := newClient(t)
	lineCol := regexp.MustCompile(`^\d+:\d+$`)

	t.Run("invalid Rego, then fixed", func(t *testing.T) {
		apply(t, c, parse(t, brokenTemplate))
		deleteTemplateOnCleanup(t, c, parse(t, brokenTemplate))
		ct := templateStatus(t, c, "k8sitbroken", metav1.ConditionFalse)
		cond := meta.FindStatusCondition(ct.Status.Conditions, templatesv1.ConditionReady)
		if ct.Status.Created || cond.Reason != templatesv1.ReasonCompileFailed {
			t.Errorf("created=%v reason=%q, want false and %q", ct.Status.Created, cond.Reason, templatesv1.ReasonCompileFailed)
		}
		errs := ct.Status.ByPod[0].Errors
		if len(errs) == 0 || errs[0].Code == "" || !lineCol.MatchString(errs[0].Location) {
			t.Fatalf("status errors = %+v, want a coded error at line:col", errs)
		}
		fixed := parse(t, strings.Replace(brokenTemplate, "undefined_helper(input.review.object)", `"always"`, 1))
		apply(t, c, fixed)
		ct = templateStatus(t, c, "k8sitbroken", metav1.ConditionTrue)
		if !ct.Status.Created || len(ct.Status.ByPod[0].Errors) != 0 {
			t.Errorf("after fix: created=%v errors=%+v", ct.Status.Created, ct.Status.ByPod[0].Errors)
		}
		if !hasTemplate(m.deps.Engine, "k8sitbroken") {
			t.Error("engine does not serve the fixed template")
		}
	})

	t.Run("name differs from kind", func(t *testing.T) {
		bad := parse(t, strings.Replace(brokenTemplate, "name: k8sitbroken", "name: not-the-kind", 1))
		apply(t, c, bad)
		deleteTemplateOnCleanup(t, c, bad)
		ct := templateStatus(t, c, "not-the-kind", metav1.ConditionFalse)
		cond := meta.FindStatusCondition(ct.Status.Conditions, templatesv1.ConditionReady)
		if cond.Reason != templatesv1.ReasonInvalid || len(ct.Status.ByPod) != 1 || len(ct.Status.ByPod[0].Errors) == 0 {
			t.Errorf("reason=%q byPod=%+v, want %q with an error", cond.Reason, ct.Status.ByPod, templatesv1.ReasonInvalid)
		}
	})
}
