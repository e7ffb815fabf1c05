package manager

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/portcullis-dev/portcullis/controllers"
	"github.com/portcullis-dev/portcullis/engine"
	"github.com/portcullis-dev/portcullis/test/envtest"
)

var env *envtest.Env

func TestMain(m *testing.M) { os.Exit(envtest.RunMain(m, &env)) }

// waitTimeout bounds every wait for the manager to catch up.
const waitTimeout = 60 * time.Second

// running is one manager started by a test.
type running struct {
	deps *Deps
	stop func()
}

// startManager runs a manager against the test control plane until stop is
// called or the test ends.
func startManager(t *testing.T, pod string) *running {
	t.Helper()
	cfg := env.Require(t).Config
	opts := &Options{Namespace: "gatekeeper-system", PodName: pod, MetricsAddr: "0", HealthAddr: "0", LogLevel: "info",
		// The webhook has its own tests; these cover the controllers.
		OperationOptions: OperationOptions{Operations: []string{OperationStatus}}}
	mgr, err := newManager(cfg, opts, func(o *ctrl.Options) {
		// Each test starts its own manager with the same controller names.
		o.Controller.SkipNameValidation = ptr.To(true)
	})
	if err != nil {
		t.Fatalf("newManager: %v", err)
	}
	deps := &Deps{
		Options:  opts,
		Engine:   engine.New(engine.Options{}),
		Tracker:  controllers.NewReadyTracker(),
		Excluder: &controllers.NamespaceExcluder{},
	}
	ctx, cancel := context.WithCancel(ctrl.LoggerInto(context.Background(), testr.New(t)))
	done := make(chan error, 1)
	go func() { done <- runManager(ctx, mgr, deps) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	}
	t.Cleanup(stop)
	return &running{deps: deps, stop: stop}
}

// newClient returns an uncached client for the test control plane.
func newClient(t *testing.T) client.Client {
	t.Helper()
	c, err := client.New(env.Require(t).Config, client.Options{Scheme: NewScheme()})
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	return c
}

// mustRead returns a testdata file's text.
func mustRead(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// readYAML reads a testdata manifest as unstructured.
func readYAML(t *testing.T, name string) *unstructured.Unstructured {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(b, &u.Object); err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return u
}

// parse builds an unstructured object from YAML text.
func parse(t *testing.T, src string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(src), &u.Object); err != nil {
		t.Fatalf("parse: %v", err)
	}
	return u
}

// apply creates obj, or replaces its spec if it exists.
func apply(t *testing.T, c client.Client, obj *unstructured.Unstructured) {
	t.Helper()
	ctx := context.Background()
	err := c.Create(ctx, obj.DeepCopy())
	if !apierrors.IsAlreadyExists(err) {
		if err != nil {
			t.Fatalf("create %s %s: %v", obj.GetKind(), obj.GetName(), err)
		}
		return
	}
	current := &unstructured.Unstructured{}
	current.SetGroupVersionKind(obj.GroupVersionKind())
	if err := c.Get(ctx, client.ObjectKeyFromObject(obj), current); err != nil {
		t.Fatalf("get %s: %v", obj.GetName(), err)
	}
	current.Object["spec"] = obj.Object["spec"]
	if err := c.Update(ctx, current); err != nil {
		t.Fatalf("update %s %s: %v", obj.GetKind(), obj.GetName(), err)
	}
}

// deleteTemplateOnCleanup deletes a template when the test ends and waits
// for a running manager to remove its CRD, so no constraints outlive the
// test. Call it after startManager: cleanups run last-in first-out.
func deleteTemplateOnCleanup(t *testing.T, c client.Client, tmpl client.Object) {
	t.Cleanup(func() {
		ctx := context.Background()
		if err := c.Delete(ctx, tmpl); client.IgnoreNotFound(err) != nil {
			t.Errorf("cleanup: delete %s: %v", tmpl.GetName(), err)
			return
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, waitTimeout, true, func(context.Context) (bool, error) {
			err := c.Get(ctx, client.ObjectKey{Name: tmpl.GetName() + ".constraints.gatekeeper.sh"}, crd)
			return apierrors.IsNotFound(err), nil
		})
		if err != nil {
			t.Errorf("cleanup: CRD of %s not removed", tmpl.GetName())
		}
	})
}

// ensureNamespace creates a namespace with labels if it is missing.
func ensureNamespace(t *testing.T, c client.Client, name string, labels map[string]string) {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	if err := c.Create(context.Background(), ns); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("create namespace %s: %v", name, err)
	}
}

// eventually polls cond until it holds, failing t with what after waitTimeout.
func eventually(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, waitTimeout, true, func(context.Context) (bool, error) {
		ok, err := cond()
		last = err
		return ok, nil
	})
	if err != nil {
		t.Fatalf("timed out waiting for %s (last error: %v)", what, last)
	}
}

// hasConstraint reports whether the engine holds kind/name.
func hasConstraint(e *engine.Engine, kind, name string) bool {
	for _, c := range e.Constraints() {
		if c.Kind == kind && c.Name == name {
			return true
		}
	}
	return false
}

// hasTemplate reports whether the engine serves the template.
func hasTemplate(e *engine.Engine, name string) bool {
	for _, n := range e.Templates() {
		if n == name {
			return true
		}
	}
	return false
}

// review runs an audit review of obj and returns the violation messages of
// constraints of kind, so other tests' leftovers do not interfere.
func review(t *testing.T, e *engine.Engine, kind string, obj *unstructured.Unstructured, ns *corev1.Namespace) []string {
	t.Helper()
	r, err := engine.NewAuditReview(obj.Object, ns)
	if err != nil {
		t.Fatalf("NewAuditReview: %v", err)
	}
	resp, err := e.Review(context.Background(), r, engine.AuditEnforcementPoint)
	if err != nil {
		t.Fatalf("Review: %v", err)
	}
	var msgs []string
	for _, res := range resp.Results {
		if res.Constraint.Kind != kind {
			continue
		}
		if res.Err != nil {
			t.Fatalf("evaluation error: %v", res.Err)
		}
		msgs = append(msgs, res.Message)
	}
	return msgs
}
