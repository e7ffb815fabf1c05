package audit

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/yaml"

	"github.com/portcullis-dev/portcullis/controllers/constraintcrd"
	"github.com/portcullis-dev/portcullis/engine"
	"github.com/portcullis-dev/portcullis/test/envtest"
)

var env *envtest.Env

func TestMain(m *testing.M) { os.Exit(envtest.RunMain(m, &env)) }

const waitTimeout = time.Minute

// testContext carries a test logger.
func testContext(t *testing.T) context.Context {
	return ctrl.LoggerInto(context.Background(), testr.New(t))
}

// parseYAML decodes YAML text into an unstructured object.
func parseYAML(t testing.TB, src string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(src), &u.Object); err != nil {
		t.Fatalf("parse YAML: %v", err)
	}
	return u
}

// dynamicFor returns a dynamic client for cfg.
func dynamicFor(t testing.TB, cfg *rest.Config) dynamic.Interface {
	t.Helper()
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatalf("dynamic client: %v", err)
	}
	return dyn
}

// apiSource lists through the API server as cfg's user.
func apiSource(t testing.TB, cfg *rest.Config) *APISource {
	t.Helper()
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatalf("discovery client: %v", err)
	}
	return &APISource{Discovery: disc, Dynamic: dynamicFor(t, cfg)}
}

// installTemplate adds the template to e and creates its constraint CRD on
// the API server, as the template controller would, waiting until it is
// served.
func installTemplate(t testing.TB, cfg *rest.Config, e *engine.Engine, src string) *engine.Template {
	t.Helper()
	return installTemplateObject(t, cfg, e, parseYAML(t, src))
}

// installTemplateObject is installTemplate for a decoded template.
func installTemplateObject(t testing.TB, cfg *rest.Config, e *engine.Engine, obj *unstructured.Unstructured) *engine.Template {
	t.Helper()
	tmpl, err := engine.ParseTemplate(obj.Object)
	if err != nil {
		t.Fatalf("ParseTemplate: %v", err)
	}
	if err := e.AddTemplate(tmpl); err != nil {
		t.Fatalf("AddTemplate: %v", err)
	}
	crd, err := constraintcrd.Build(tmpl)
	if err != nil {
		t.Fatalf("build CRD: %v", err)
	}
	cs, err := apiextensionsclient.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := cs.ApiextensionsV1().CustomResourceDefinitions().Create(ctx, crd, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("create CRD: %v", err)
	}
	poll(t, "CRD "+crd.Name+" established", func() (bool, error) {
		got, err := cs.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, crd.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, c := range got.Status.Conditions {
			if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	})
	return tmpl
}

// installConstraint creates the constraint on the API server and loads it
// into e.
func installConstraint(t testing.TB, dyn dynamic.Interface, e *engine.Engine, src string) *unstructured.Unstructured {
	t.Helper()
	return installConstraintObject(t, dyn, e, parseYAML(t, src))
}

// installConstraintObject is installConstraint for a decoded constraint.
func installConstraintObject(t testing.TB, dyn dynamic.Interface, e *engine.Engine, obj *unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	gvr := constraintResource(obj.GetKind())
	var created *unstructured.Unstructured
	poll(t, "create constraint "+obj.GetName(), func() (bool, error) {
		var err error
		created, err = dyn.Resource(gvr).Create(context.Background(), obj, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			created, err = dyn.Resource(gvr).Get(context.Background(), obj.GetName(), metav1.GetOptions{})
		}
		// A freshly established CRD can take a moment to be served.
		return err == nil, err
	})
	c, err := engine.ParseConstraint(created.Object)
	if err != nil {
		t.Fatalf("ParseConstraint: %v", err)
	}
	if err := e.AddConstraint(c); err != nil {
		t.Fatalf("AddConstraint: %v", err)
	}
	return created
}

// create creates obj with the dynamic client.
func create(t testing.TB, dyn dynamic.Interface, gvr schema.GroupVersionResource, obj *unstructured.Unstructured) {
	t.Helper()
	_, err := dyn.Resource(gvr).Namespace(obj.GetNamespace()).Create(context.Background(), obj, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("create %s %s/%s: %v", gvr.Resource, obj.GetNamespace(), obj.GetName(), err)
	}
}

// poll waits for cond, failing t after waitTimeout.
func poll(t testing.TB, what string, cond func() (bool, error)) {
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

var (
	namespacesGVR = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	configMapsGVR = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
)

// namespace returns a Namespace object.
func namespace(name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("v1")
	u.SetKind("Namespace")
	u.SetName(name)
	return u
}

// configMap returns a ConfigMap with labels.
func configMap(ns, name string, labels map[string]string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("v1")
	u.SetKind("ConfigMap")
	u.SetNamespace(ns)
	u.SetName(name)
	u.SetLabels(labels)
	return u
}

// constraintStatus reads a constraint's status.
func constraintStatus(t testing.TB, dyn dynamic.Interface, kind, name string) map[string]any {
	t.Helper()
	obj, err := dyn.Resource(constraintResource(kind)).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get %s %s: %v", kind, name, err)
	}
	status, _, _ := unstructured.NestedMap(obj.Object, "status")
	return status
}

// violationNames lists "namespace/name" of status.violations, in order.
func violationNames(status map[string]any) []string {
	items, _ := status["violations"].([]any)
	out := []string{}
	for _, it := range items {
		m, _ := it.(map[string]any)
		out = append(out, m["namespace"].(string)+"/"+m["name"].(string))
	}
	return out
}
