package webhook_test

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/portcullis-dev/portcullis/engine"
	"github.com/portcullis-dev/portcullis/test/envtest"
	"github.com/portcullis-dev/portcullis/webhook"
)

const privilegedRego = `package k8sdemoprivileged

violation[{"msg": msg}] {
  c := input.review.object.spec.containers[_]
  c.securityContext.privileged
  msg := sprintf("container %q is privileged", [c.name])
}
`

// warnings collects the warnings the API server sends back.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, text)
}

func (w *warnings) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.msgs
	w.msgs = nil
	return out
}

// harness is a real API server calling a webhook served from this process.
type harness struct {
	client *kubernetes.Clientset
	warn   *warnings
	ready  *atomic.Bool
}

// setup starts a control plane for t alone. (No TestMain: the package's
// fuzz workers re-run TestMain, and must not each start a control plane.)
func setup(t *testing.T) (*harness, *envtest.Env) {
	t.Helper()
	e := envtest.Start(t)
	ctx := context.Background()

	eng := engine.New(engine.Options{})
	tmpl, err := engine.ParseTemplate(map[string]any{
		"apiVersion": "templates.gatekeeper.sh/v1", "kind": "ConstraintTemplate",
		"metadata": map[string]any{"name": "k8sdemoprivileged"},
		"spec": map[string]any{
			"crd":     map[string]any{"spec": map[string]any{"names": map[string]any{"kind": "K8sDemoPrivileged"}}},
			"targets": []any{map[string]any{"target": engine.TargetName, "rego": privilegedRego}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.AddTemplate(tmpl); err != nil {
		t.Fatal(err)
	}
	for name, spec := range map[string]map[string]any{
		"no-privileged":   {"match": map[string]any{"namespaces": []any{"enforced"}}},
		"warn-privileged": {"match": map[string]any{"namespaces": []any{"warned"}}, "enforcementAction": "warn"},
		"dry-privileged":  {"match": map[string]any{"namespaces": []any{"dry"}}, "enforcementAction": "dryrun"},
	} {
		c, err := engine.ParseConstraint(map[string]any{
			"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sDemoPrivileged",
			"metadata": map[string]any{"name": name}, "spec": spec,
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := eng.AddConstraint(c); err != nil {
			t.Fatal(err)
		}
	}

	admin, err := kubernetes.NewForConfig(e.Config)
	if err != nil {
		t.Fatal(err)
	}
	ready := &atomic.Bool{}
	ready.Store(true)
	exempt := func(ns string) bool { return strings.HasPrefix(ns, "exempt-") }
	mux := http.NewServeMux()
	mux.Handle("/v1/admit", &webhook.Validator{
		Engine:     eng,
		Policies:   &webhook.PolicyValidator{Compiler: eng},
		Namespaces: clientNamespaces{admin},
		Ready:      ready.Load,
		Exempt:     exempt,
		Limiter:    make(chan struct{}, 8),
		Log:        logr.Discard(),
	})
	mux.Handle("/v1/admitlabel", &webhook.LabelGuard{Exempt: exempt})
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)

	for _, ns := range []string{"enforced", "warned", "dry"} {
		createNamespace(t, admin, ns, nil)
	}
	registerWebhooks(t, admin, srv)

	cfg := rest.CopyConfig(e.Config)
	w := &warnings{}
	cfg.WarningHandler = w
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{client: client, warn: w, ready: ready}
	// The API server picks up webhook configurations asynchronously: wait
	// until a privileged pod is refused.
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := h.createPod(ctx, "enforced", "probe", true, metav1.DryRunAll)
		return err != nil, nil
	})
	if err != nil {
		t.Fatalf("webhook never took effect: %v", err)
	}
	return h, e
}

type clientNamespaces struct{ c *kubernetes.Clientset }

func (n clientNamespaces) Namespace(ctx context.Context, name string) (*corev1.Namespace, error) {
	ns, err := n.c.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	return ns, err
}

func createNamespace(t *testing.T, c *kubernetes.Clientset, name string, labels map[string]string) error {
	t.Helper()
	_, err := c.CoreV1().Namespaces().Create(context.Background(),
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}, metav1.CreateOptions{})
	return err
}

func registerWebhooks(t *testing.T, c *kubernetes.Clientset, srv *httptest.Server) {
	t.Helper()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	fail := admissionregistrationv1.Fail
	none := admissionregistrationv1.SideEffectClassNone
	timeout := int32(3)
	url := func(path string) *string { u := srv.URL + path; return &u }
	all := admissionregistrationv1.AllScopes
	vwc := &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "gatekeeper-validating-webhook-configuration"},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{
			{
				Name:                    "validation.gatekeeper.sh",
				ClientConfig:            admissionregistrationv1.WebhookClientConfig{URL: url("/v1/admit"), CABundle: ca},
				AdmissionReviewVersions: []string{"v1"},
				// Fail, so that a webhook that is not ready refuses.
				FailurePolicy:  &fail,
				SideEffects:    &none,
				TimeoutSeconds: &timeout,
				NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
					{Key: webhook.IgnoreLabel, Operator: metav1.LabelSelectorOpDoesNotExist},
				}},
				Rules: []admissionregistrationv1.RuleWithOperations{{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
					Rule:       admissionregistrationv1.Rule{APIGroups: []string{"*"}, APIVersions: []string{"*"}, Resources: []string{"*"}, Scope: &all},
				}},
			},
			{
				Name:                    "check-ignore-label.gatekeeper.sh",
				ClientConfig:            admissionregistrationv1.WebhookClientConfig{URL: url("/v1/admitlabel"), CABundle: ca},
				AdmissionReviewVersions: []string{"v1"},
				FailurePolicy:           &fail,
				SideEffects:             &none,
				TimeoutSeconds:          &timeout,
				Rules: []admissionregistrationv1.RuleWithOperations{{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
					Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"*"}, Resources: []string{"namespaces"}, Scope: &all},
				}},
			},
		},
	}
	if _, err := c.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(context.Background(), vwc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.AdmissionregistrationV1().ValidatingWebhookConfigurations().Delete(context.Background(), vwc.Name, metav1.DeleteOptions{})
	})
}

func (h *harness) createPod(ctx context.Context, ns, name string, privileged bool, dryRun ...string) (*corev1.Pod, error) {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "web", Image: "nginx:1.27",
			SecurityContext: &corev1.SecurityContext{Privileged: &privileged},
		}}},
	}
	return h.client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{DryRun: dryRun})
}

func TestWebhookThroughAPIServer(t *testing.T) {
	h, env := setup(t)
	ctx := context.Background()

	t.Run("deny refuses with the constraint name and message", func(t *testing.T) {
		_, err := h.createPod(ctx, "enforced", "priv", true)
		want := `admission webhook "validation.gatekeeper.sh" denied the request: [no-privileged] container "web" is privileged`
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("error = %v, want it to contain %q", err, want)
		}
		if _, err := h.createPod(ctx, "enforced", "plain", false); err != nil {
			t.Fatalf("unprivileged pod refused: %v", err)
		}
	})
	t.Run("warn admits with a warning", func(t *testing.T) {
		h.warn.take()
		if _, err := h.createPod(ctx, "warned", "priv", true); err != nil {
			t.Fatalf("warn constraint refused: %v", err)
		}
		got := strings.Join(h.warn.take(), "\n")
		if !strings.Contains(got, `[warn-privileged] container "web" is privileged`) {
			t.Fatalf("warnings = %q", got)
		}
	})
	t.Run("dryrun admits silently", func(t *testing.T) {
		h.warn.take()
		if _, err := h.createPod(ctx, "dry", "priv", true); err != nil {
			t.Fatalf("dryrun constraint refused: %v", err)
		}
		if got := h.warn.take(); len(got) != 0 {
			t.Fatalf("unexpected warnings %q", got)
		}
	})
	t.Run("ignore label only on exempt namespaces", func(t *testing.T) {
		err := createNamespace(t, h.client, "sneaky", map[string]string{webhook.IgnoreLabel: "true"})
		if err == nil || !strings.Contains(err.Error(), `namespace "sneaky" is not exempt`) {
			t.Fatalf("labelling a non-exempt namespace: err = %v", err)
		}
		if err := createNamespace(t, h.client, "exempt-tools", map[string]string{webhook.IgnoreLabel: "true"}); err != nil {
			t.Fatalf("labelling an exempt namespace: %v", err)
		}
		if _, err := h.createPod(ctx, "exempt-tools", "priv", true); err != nil {
			t.Fatalf("pod in an ignored namespace refused: %v", err)
		}
	})
	t.Run("not ready refuses instead of allowing", func(t *testing.T) {
		h.ready.Store(false)
		defer h.ready.Store(true)
		_, err := h.createPod(ctx, "enforced", "early", false)
		if err == nil || !strings.Contains(err.Error(), "failed calling webhook") {
			t.Fatalf("request during loading: err = %v, want a webhook call failure", err)
		}
	})
	t.Run("invalid rego refused at apply with line and column", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "template.yaml")
		tmpl := `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8sbroken
spec:
  crd:
    spec:
      names:
        kind: K8sBroken
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package k8sbroken
        violation[{"msg": msg}] {
          msg := concat(" ", [
        }
`
		if err := os.WriteFile(path, []byte(tmpl), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := env.Kubectl(ctx, "apply", "-f", path)
		if err == nil {
			t.Fatalf("kubectl apply accepted a broken template: %s", out)
		}
		if !strings.Contains(string(out), `denied the request: template "k8sbroken" does not compile`) ||
			!strings.Contains(string(out), "k8sbroken/rego:") {
			t.Fatalf("kubectl output lacks the compile error with position: %s", out)
		}
	})
}
