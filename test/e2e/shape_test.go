package e2e

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// manifest is deploy/gatekeeper.yaml split into objects, keyed "Kind/name".
type manifest map[string]*unstructured.Unstructured

func readManifest(t *testing.T) manifest {
	t.Helper()
	b, err := os.ReadFile(deployPath(t))
	if err != nil {
		t.Fatal(err)
	}
	m := manifest{}
	dec := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(b)))
	for {
		doc, err := dec.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("split deploy/gatekeeper.yaml: %v", err)
		}
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(doc, &u.Object); err != nil {
			t.Fatalf("parse deploy/gatekeeper.yaml: %v", err)
		}
		if len(u.Object) == 0 {
			continue
		}
		m[u.GetKind()+"/"+u.GetName()] = u
	}
	return m
}

// get returns the object kind/name, converted into out.
func (m manifest) get(t *testing.T, key string, out any) {
	t.Helper()
	u, ok := m[key]
	if !ok {
		t.Fatalf("deploy/gatekeeper.yaml has no %s", key)
	}
	b, err := yaml.Marshal(u.Object)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(b, out); err != nil {
		t.Fatalf("%s: %v", key, err)
	}
}

// TestManifestContents checks what the install promises, object by object.
func TestManifestContents(t *testing.T) {
	m := readManifest(t)
	for _, key := range []string{
		"Namespace/gatekeeper-system",
		"CustomResourceDefinition/constrainttemplates.templates.gatekeeper.sh",
		"CustomResourceDefinition/configs.config.gatekeeper.sh",
		"ServiceAccount/gatekeeper-admin",
		"ClusterRole/portcullis-manager-role",
		"ClusterRoleBinding/gatekeeper-manager-rolebinding",
		"Role/gatekeeper-manager-role",
		"RoleBinding/gatekeeper-manager-rolebinding",
		"Secret/gatekeeper-webhook-server-cert",
		"Service/gatekeeper-webhook-service",
		"PodDisruptionBudget/gatekeeper-controller-manager",
		"ValidatingWebhookConfiguration/gatekeeper-validating-webhook-configuration",
	} {
		if _, ok := m[key]; !ok {
			t.Errorf("deploy/gatekeeper.yaml has no %s", key)
		}
	}
	if got := m["Namespace/gatekeeper-system"].GetLabels()["admission.gatekeeper.sh/ignore"]; got != "no-self-managing" {
		t.Errorf("namespace ignore label = %q", got)
	}
	var secret corev1.Secret
	m.get(t, "Secret/gatekeeper-webhook-server-cert", &secret)
	if len(secret.Data)+len(secret.StringData) != 0 {
		t.Errorf("the webhook Secret ships with data; rotation must fill it")
	}

	var svc corev1.Service
	m.get(t, "Service/gatekeeper-webhook-service", &svc)
	tests := []struct {
		name     string
		replicas int32
		// args the manager container must be started with.
		args []string
		// serves is true for the pods behind the webhook Service, which
		// are spread over nodes.
		serves bool
	}{
		{name: "gatekeeper-controller-manager", replicas: 3, serves: true, args: []string{
			"manager", "--operation=webhook", "--operation=status", "--exempt-namespace=gatekeeper-system"}},
		{name: "gatekeeper-audit", replicas: 1, args: []string{
			"manager", "--operation=audit", "--operation=status", "--leader-elect"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var d appsv1.Deployment
			m.get(t, "Deployment/"+tc.name, &d)
			checkDeployment(t, &d, tc.replicas, tc.args)
			if tc.serves {
				port := svc.Spec.Ports[0].TargetPort.String()
				if !slices.ContainsFunc(d.Spec.Template.Spec.Containers[0].Ports, func(p corev1.ContainerPort) bool { return p.Name == port }) {
					t.Errorf("the Service's targetPort %q is not a container port", port)
				}
			}
			selected := labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(d.Spec.Template.Labels))
			if selected != tc.serves {
				t.Errorf("webhook Service selects these pods = %v, want %v", selected, tc.serves)
			}
			aff := d.Spec.Template.Spec.Affinity
			if spread := aff != nil && aff.PodAntiAffinity != nil; spread != tc.serves {
				t.Errorf("pod anti-affinity = %v, want %v", spread, tc.serves)
			}
		})
	}
}

// checkDeployment asserts the hardening and wiring both Deployments share.
func checkDeployment(t *testing.T, d *appsv1.Deployment, replicas int32, args []string) {
	t.Helper()
	if d.Spec.Replicas == nil || *d.Spec.Replicas != replicas {
		t.Errorf("replicas = %v, want %d", d.Spec.Replicas, replicas)
	}
	pod := d.Spec.Template.Spec
	if pod.ServiceAccountName != "gatekeeper-admin" || pod.PriorityClassName != "system-cluster-critical" {
		t.Errorf("serviceAccountName %q, priorityClassName %q", pod.ServiceAccountName, pod.PriorityClassName)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("want one container, got %d", len(pod.Containers))
	}
	c := pod.Containers[0]
	if c.Image != "ghcr.io/portcullis-dev/portcullis:"+imageTag(t) {
		t.Errorf("image = %q", c.Image)
	}
	for _, a := range args {
		if !slices.Contains(c.Args, a) {
			t.Errorf("args %q lack %q", c.Args, a)
		}
	}
	sc := c.SecurityContext
	switch {
	case sc == nil:
		t.Fatal("no container securityContext")
	case sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot,
		sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem,
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation,
		sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}),
		sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault:
		t.Errorf("securityContext not restrictive: %+v", sc)
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("resources = %+v, want requests and limits", c.Resources)
	}
	for probe, path := range map[*corev1.Probe]string{c.LivenessProbe: "/healthz", c.ReadinessProbe: "/readyz"} {
		if probe == nil || probe.HTTPGet == nil || probe.HTTPGet.Path != path || probe.HTTPGet.Port.String() != "healthz" {
			t.Errorf("probe for %s = %+v", path, probe)
		}
	}
	if !slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool { return p.Name == "healthz" && p.ContainerPort == 9090 }) {
		t.Errorf("no healthz port 9090 in %+v", c.Ports)
	}
	env := map[string]string{}
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.FieldRef != nil {
			env[e.Name] = e.ValueFrom.FieldRef.FieldPath
		}
	}
	if env["POD_NAME"] != "metadata.name" || env["POD_NAMESPACE"] != "metadata.namespace" {
		t.Errorf("downward API env = %v", env)
	}
}

// imageTag is the release version, kept only in config/default.
func imageTag(t *testing.T) string {
	t.Helper()
	var k struct {
		Images []struct {
			Name   string `json:"name"`
			NewTag string `json:"newTag"`
		} `json:"images"`
	}
	b, err := os.ReadFile(repoRoot(t) + "/config/default/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &k); err != nil || len(k.Images) != 1 || k.Images[0].NewTag == "" {
		t.Fatalf("config/default/kustomization.yaml: want one image with newTag (err %v)", err)
	}
	return k.Images[0].NewTag
}
