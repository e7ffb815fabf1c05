package admission

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/portcullis-dev/portcullis/test/bench"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
)

const webhookName = "bench-validation"

var templateGVR = schema.GroupVersionResource{Group: "templates.gatekeeper.sh", Version: "v1", Resource: "constrainttemplates"}

// createNamespaces makes the managers' namespace and the Pods' namespace
// with its default ServiceAccount.
func createNamespaces(ctx context.Context, cs kubernetes.Interface) error {
	for _, name := range []string{"gatekeeper-system", bench.BenchNamespace} {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"team": "bench"}}}
		if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create namespace %s: %w", name, err)
		}
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: name}}
		if _, err := cs.CoreV1().ServiceAccounts(name).Create(ctx, sa, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create service account in %s: %w", name, err)
		}
	}
	return createManagerPods(ctx, cs)
}

// createManagerPods creates stand-ins for the webhook servers' own Pods
// (POD_NAME in gatekeeper-system): Gatekeeper looks its Pod up to own its
// status objects and does not load templates without it. No scheduler runs,
// so they stay Pending.
func createManagerPods(ctx context.Context, cs kubernetes.Interface) error {
	for _, name := range []string{"portcullis", "gatekeeper"} {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: managerPodName(name), Namespace: "gatekeeper-system"},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "manager", Image: "registry.k8s.io/pause:3.10"}}},
		}
		if _, err := cs.CoreV1().Pods(pod.Namespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create manager pod %s: %w", pod.Name, err)
		}
	}
	return nil
}

func managerPodName(system string) string { return "bench-" + system }

// loadPolicies creates every template, then each constraint once its CRD
// is served.
func loadPolicies(ctx context.Context, dyn dynamic.Interface, w *bench.Workload, gatekeeper bool, proc *process) error {
	for _, p := range w.Policies {
		t := p.Template
		if gatekeeper {
			t = bench.ForGatekeeper(t)
		}
		u := &unstructured.Unstructured{Object: t}
		u.SetAPIVersion("templates.gatekeeper.sh/v1")
		if _, err := dyn.Resource(templateGVR).Create(ctx, u, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create template %s: %w", u.GetName(), err)
		}
	}
	for _, p := range w.Policies {
		c := &unstructured.Unstructured{Object: p.Constraint}
		gvr := schema.GroupVersionResource{Group: "constraints.gatekeeper.sh", Version: "v1beta1", Resource: strings.ToLower(c.GetKind())}
		err := wait.PollUntilContextTimeout(ctx, time.Second, 5*time.Minute, true, func(ctx context.Context) (bool, error) {
			if err := proc.exited(); err != nil {
				return false, err
			}
			_, err := dyn.Resource(gvr).Create(ctx, c.DeepCopy(), metav1.CreateOptions{})
			return err == nil || apierrors.IsAlreadyExists(err), nil
		})
		if err != nil {
			return fmt.Errorf("create constraint %s/%s: %w", c.GetKind(), c.GetName(), err)
		}
	}
	return nil
}

// registerWebhook points a validating webhook for Pod creates at the local
// server, failing closed so every create really waits for it.
func registerWebhook(ctx context.Context, cs kubernetes.Interface, port int, ca []byte) error {
	url := fmt.Sprintf("https://127.0.0.1:%d/v1/admit", port)
	fail := admissionregistrationv1.Fail
	none := admissionregistrationv1.SideEffectClassNone
	timeout := int32(10)
	cfg := &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: webhookName},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name:                    "validation.gatekeeper.sh",
			ClientConfig:            admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: ca},
			FailurePolicy:           &fail,
			SideEffects:             &none,
			TimeoutSeconds:          &timeout,
			AdmissionReviewVersions: []string{"v1"},
			NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"gatekeeper-system"}},
			}},
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
				Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}},
			}},
		}},
	}
	if _, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, cfg, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("register webhook: %w", err)
	}
	return nil
}

// waitEnforcing dry-runs the privileged Pod until the denial names every
// expected constraint.
func waitEnforcing(ctx context.Context, cs kubernetes.Interface, w *bench.Workload, violated []string, proc *process) error {
	var pod corev1.Pod
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(w.Objects[bench.PrivilegedPod], &pod); err != nil {
		return fmt.Errorf("privileged pod: %w", err)
	}
	last := ""
	err := wait.PollUntilContextTimeout(ctx, time.Second, 5*time.Minute, true, func(ctx context.Context) (bool, error) {
		if err := proc.exited(); err != nil {
			return false, err
		}
		_, err := cs.CoreV1().Pods(pod.Namespace).Create(ctx, pod.DeepCopy(), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err == nil {
			last = "privileged pod admitted"
			return false, nil
		}
		last = err.Error()
		for _, name := range violated {
			if !strings.Contains(last, "["+name+"]") {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("%w: %w (last answer: %s)", errNotReady, err, last)
	}
	return nil
}

// createNamespace creates a namespace with its default ServiceAccount.
func createNamespace(ctx context.Context, cs kubernetes.Interface, name string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: name}}
	if _, err := cs.CoreV1().ServiceAccounts(name).Create(ctx, sa, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create service account in %s: %w", name, err)
	}
	return nil
}

func unstructuredSlice(obj map[string]any, fields ...string) ([]any, bool, error) {
	return unstructured.NestedSlice(obj, fields...)
}
