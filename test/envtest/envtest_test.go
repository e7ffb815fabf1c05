package envtest

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// shared is the package-wide control plane started by TestMain.
var shared *Env

func TestMain(m *testing.M) { os.Exit(RunMain(m, &shared)) }

// TestCRDLifecycle proves the real API server path: a CRD is created,
// becomes Established, and objects of it can be created and listed.
func TestCRDLifecycle(t *testing.T) {
	env := shared.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	crds := apiextensionsclient.NewForConfigOrDie(env.Config).ApiextensionsV1().CustomResourceDefinitions()
	crd, err := crds.Create(ctx, widgetCRD(), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create CRD: %v", err)
	}
	waitEstablished(ctx, t, env.Config, crd.Name)

	gvr := schema.GroupVersionResource{Group: "example.portcullis.dev", Version: "v1", Resource: "widgets"}
	widgets := dynamic.NewForConfigOrDie(env.Config).Resource(gvr).Namespace("default")
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "example.portcullis.dev/v1",
		"kind":       "Widget",
		"metadata":   map[string]any{"name": "first"},
		"spec":       map[string]any{"size": int64(3)},
	}}
	if _, err := widgets.Create(ctx, obj, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create widget: %v", err)
	}
	list, err := widgets.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list widgets: %v", err)
	}
	if len(list.Items) != 1 || list.Items[0].GetName() != "first" {
		t.Fatalf("listed %d widgets %v, want just \"first\"", len(list.Items), list.Items)
	}
	size, _, _ := unstructured.NestedInt64(list.Items[0].Object, "spec", "size")
	if size != 3 {
		t.Errorf("spec.size = %d, want 3", size)
	}

	// The schema is enforced by the API server, not by us.
	bad := obj.DeepCopy()
	bad.SetName("second")
	_ = unstructured.SetNestedField(bad.Object, "big", "spec", "size")
	if _, err := widgets.Create(ctx, bad, metav1.CreateOptions{}); !apierrors.IsInvalid(err) {
		t.Errorf("create widget with string size: err = %v, want Invalid", err)
	}
}

func widgetCRD() *apiextensionsv1.CustomResourceDefinition {
	return &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: "widgets.example.portcullis.dev"},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: "example.portcullis.dev",
			Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: "widgets", Singular: "widget", Kind: "Widget", ListKind: "WidgetList"},
			Scope: apiextensionsv1.NamespaceScoped,
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
				Name: "v1", Served: true, Storage: true,
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
					Type: "object",
					Properties: map[string]apiextensionsv1.JSONSchemaProps{
						"spec": {Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{"size": {Type: "integer"}}},
					},
				}},
			}},
		},
	}
}

func waitEstablished(ctx context.Context, t *testing.T, cfg *rest.Config, name string) {
	t.Helper()
	crds := apiextensionsclient.NewForConfigOrDie(cfg).ApiextensionsV1().CustomResourceDefinitions()
	err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		crd, err := crds.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, c := range crd.Status.Conditions {
			if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("wait for CRD %s Established: %v", name, err)
	}
}

// TestKubectlTokenAndRBAC checks the kubeconfig and kubectl, that
// `kubectl create token` works (service-account signing key) and that RBAC
// authorizes the token's user.
func TestKubectlTokenAndRBAC(t *testing.T) {
	env := shared.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	out, err := env.Kubectl(ctx, "version")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "Server Version: v1.36.4") {
		t.Errorf("kubectl version = %q, want server v1.36.4", out)
	}
	if _, err := env.Kubectl(ctx, "create", "serviceaccount", "robot", "-n", "default"); err != nil {
		t.Fatal(err)
	}
	out, err = env.Kubectl(ctx, "create", "token", "robot", "-n", "default")
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(string(out))
	if parts := strings.Split(token, "."); len(parts) != 3 {
		t.Fatalf("token %q is not a JWT", token)
	}

	robot := rest.AnonymousClientConfig(env.Config)
	robot.BearerToken = token
	client := kubernetes.NewForConfigOrDie(robot)
	_, err = client.CoreV1().Secrets("default").List(ctx, metav1.ListOptions{})
	if !apierrors.IsForbidden(err) {
		t.Fatalf("robot lists secrets: err = %v, want Forbidden (RBAC)", err)
	}
	if !strings.Contains(err.Error(), "system:serviceaccount:default:robot") {
		t.Errorf("forbidden error %q does not name the service account; token not authenticated?", err)
	}
}

// TestStartPerTest uses the per-test shape: its own control plane with the
// default namespace in place.
func TestStartPerTest(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a second control plane")
	}
	shared.Require(t) // same skip-or-fail rule when binaries are missing
	env := Start(t)
	if env.Config.Host == shared.Config.Host {
		t.Fatalf("Start returned the shared control plane %s", env.Config.Host)
	}
	client := kubernetes.NewForConfigOrDie(env.Config)
	ns, err := client.CoreV1().Namespaces().Get(context.Background(), "default", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ns.Status.Phase != corev1.NamespaceActive {
		t.Errorf("default namespace phase = %s, want Active", ns.Status.Phase)
	}
	if _, err := os.Stat(env.KubeconfigPath()); err != nil {
		t.Errorf("kubeconfig: %v", err)
	}
}
