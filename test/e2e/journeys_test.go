package e2e

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Namespaces the journeys create; team-* are matched by a glob.
var journeyNamespaces = []string{"journeys", "team-a", "team-sandbox", "dry", "warned"}

// TestJourneys installs deploy/gatekeeper.yaml, runs the manager out of
// cluster as the shipped service account, and walks what a user does, each
// step asserted on kubectl's own output. Steps run in order and build on
// each other; the last one uninstalls.
func TestJourneys(t *testing.T) {
	e := env.Require(t)
	root := repoRoot(t)
	k := kube{kubectl: e.KubectlPath(), kubeconfig: e.KubeconfigPath()}

	out := k.must(t, "", "apply", "-f", deployPath(t))
	wantAll(t, out,
		"namespace/gatekeeper-system created",
		"serviceaccount/gatekeeper-admin created",
		"deployment.apps/gatekeeper-controller-manager created",
		"deployment.apps/gatekeeper-audit created",
		"validatingwebhookconfiguration.admissionregistration.k8s.io/gatekeeper-validating-webhook-configuration created")

	t.Run("shipped RBAC is least privilege where it can be", func(t *testing.T) {
		sa := "--as=system:serviceaccount:" + systemNamespace + ":" + serviceAccount
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"update", "secrets", "-n", systemNamespace}, "yes"},
			{[]string{"update", "secrets", "-n", "default"}, "no"},
			{[]string{"get", "secrets", "-n", "kube-system"}, "yes"}, // audit and sync read every kind
			{[]string{"create", "secrets", "-n", systemNamespace}, "no"},
			{[]string{"update", "validatingwebhookconfigurations/" + webhookConfig}, "yes"},
			{[]string{"update", "validatingwebhookconfigurations/other"}, "no"},
			{[]string{"create", "pods", "-n", "default"}, "no"},
		} {
			// can-i exits 1 for "no"; the answer is its last line either way
			// (a warning about cluster-scoped kinds may come first).
			out, _ := k.run("", append([]string{"auth", "can-i", sa}, tc.args...)...)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if got := lines[len(lines)-1]; got != tc.want {
				t.Errorf("can-i %v = %q, want %q", tc.args, got, tc.want)
			}
		}
	})

	t.Run("shipped pods pass the restricted Pod Security Standard", func(t *testing.T) {
		for _, name := range []string{"gatekeeper-controller-manager", "gatekeeper-audit"} {
			// The namespace enforces restricted; a server-side dry run of the
			// Deployment's pod goes through Pod Security admission.
			out, err := k.run(podFromDeployment(t, name), "create", "--dry-run=server", "-f", "-")
			if err != nil || strings.Contains(out, "Warning") {
				t.Errorf("pod of %s: %v\n%s", name, err, out)
			}
		}
	})

	binary := buildBinary(t)
	saKubeconfig := serviceAccountKubeconfig(t, k, e.Config)
	certDir, caPEM := servingCert(t)
	port, healthPort := freePort(t), freePort(t)
	args := managerArgs(t, saKubeconfig, certDir, port, healthPort)
	// Audit often, so the dryrun journey need not wait a default interval.
	args = append(args, "--audit-interval=1s")
	mgr := startManager(t, binary, args, healthPort)
	pointWebhooksAt(t, k, fmt.Sprintf("https://127.0.0.1:%d", port), caPEM)
	for _, ns := range journeyNamespaces {
		// The label guard (failurePolicy Fail) answers once the API server
		// has picked up the new client config.
		eventually(t, "namespace "+ns+" is created", func() (bool, string) {
			out, err := k.run("", "create", "namespace", ns)
			return err == nil, out
		})
	}
	lib := func(p string) string { return filepath.Join(root, "library", p) }

	t.Run("1 privileged pod refused", func(t *testing.T) {
		installPolicy(t, k, lib("pod-security-policy/privileged-containers/template.yaml"),
			lib("pod-security-policy/privileged-containers/samples/psp-privileged-container/constraint.yaml"),
			"k8spspprivilegedcontainer", "psp-privileged-container")
		out := k.refused(t, podYAML("priv", "securityContext: {privileged: true}", ""), "apply", "-f", "-")
		wantAll(t, out, "[psp-privileged-container] Pod journeys/priv:", `container "app" sets spec.containers[0].securityContext.privileged=true`)
		wantAll(t, k.must(t, podYAML("plain", "", ""), "apply", "-f", "-"), "pod/plain created")
	})
	t.Run("2 pod sharing host PID and IPC refused, naming the pod", func(t *testing.T) {
		installPolicy(t, k, lib("pod-security-policy/host-namespaces/template.yaml"),
			lib("pod-security-policy/host-namespaces/samples/psp-host-namespace/constraint.yaml"),
			"k8spsphostnamespace", "psp-host-namespace")
		out := k.refused(t, podYAML("sharing", "", "hostPID: true\n  hostIPC: true"), "apply", "-f", "-")
		wantAll(t, out, "[psp-host-namespace] Pod journeys/sharing:", "spec.hostPID=true", "spec.hostIPC=true")
	})
	t.Run("3 nothing in default, other namespaces fine", func(t *testing.T) {
		installPolicy(t, k, lib("general/block-default-namespace/template.yaml"),
			lib("general/block-default-namespace/samples/block-default-namespace/constraint.yaml"),
			"k8sblockdefaultnamespace", "block-default-namespace")
		out := k.refused(t, "", "create", "configmap", "settings", "-n", "default", "--from-literal=mode=fast")
		wantAll(t, out, "[block-default-namespace] ConfigMap default/settings:", "metadata.namespace=default")
		out = k.must(t, "", "create", "configmap", "settings", "-n", "journeys", "--from-literal=mode=fast")
		wantAll(t, out, "configmap/settings created")
	})
	t.Run("4 allowed repos: latest from Docker Hub refused, ECR admitted", func(t *testing.T) {
		installPolicy(t, k, lib("general/allowed-repos/template.yaml"),
			lib("general/allowed-repos/samples/repo-must-be-ecr/constraint.yaml"),
			"k8sallowedrepos", "repo-must-be-ecr")
		out := k.refused(t, "", "create", "deployment", "web", "-n", "journeys", "--image=nginx:latest")
		wantAll(t, out, "[repo-must-be-ecr] Deployment journeys/web:", "spec.template.spec.containers[0].image=nginx:latest")
		out = k.must(t, "", "create", "deployment", "api", "-n", "journeys",
			"--image=210987654321.dkr.ecr.eu-central-1.amazonaws.com/api:1.4")
		wantAll(t, out, "deployment.apps/api created")
	})
	t.Run("5 namespaces and excludedNamespaces decide where a constraint applies", func(t *testing.T) {
		installTemplate(t, k, lib("general/required-labels/template.yaml"), "k8srequiredlabels")
		applyConstraint(t, k, labelConstraint("team-configmaps-need-owner", "deny", `["team-*"]`, `["team-sandbox"]`),
			"k8srequiredlabels", "team-configmaps-need-owner")
		out := k.refused(t, "", "create", "configmap", "cfg", "-n", "team-a")
		wantAll(t, out, "[team-configmaps-need-owner] ConfigMap team-a/cfg:", `metadata.labels["owner"]`)
		for _, ns := range []string{"team-sandbox", "journeys"} {
			wantAll(t, k.must(t, "", "create", "configmap", "cfg", "-n", ns), "configmap/cfg created")
		}
		labelled := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: team-a, labels: {owner: web.team}}\n"
		wantAll(t, k.must(t, labelled, "apply", "-f", "-"), "configmap/cfg created")
	})
	t.Run("6 dryrun admits; audit reports it", func(t *testing.T) {
		installTemplate(t, k, lib("general/required-labels/template.yaml"), "k8srequiredlabels")
		applyConstraint(t, k, labelConstraint("dry-configmaps-need-owner", "dryrun", `["dry"]`, `[]`),
			"k8srequiredlabels", "dry-configmaps-need-owner")
		out := k.must(t, "", "create", "configmap", "unlabelled", "-n", "dry")
		wantAll(t, out, "configmap/unlabelled created")
		if strings.Contains(out, "Warning") {
			t.Errorf("dryrun printed a warning:\n%s", out)
		}
		var total string
		eventually(t, "audit lists the unlabelled ConfigMap", func() (bool, string) {
			out, _ := k.run("", "get", "k8srequiredlabels", "dry-configmaps-need-owner",
				"-o", `jsonpath={.status.totalViolations} {.status.violations[?(@.namespace=="dry")].name}`)
			fields := strings.Fields(out)
			if len(fields) < 2 || fields[0] == "0" || !slices.Contains(fields[1:], "unlabelled") {
				return false, out
			}
			total = fields[0]
			return true, out
		})
		out = k.must(t, "", "get", "constraints")
		t.Logf("kubectl get constraints:\n%s", out)
		if !containsLine(out, "dry-configmaps-need-owner", "dryrun", total) {
			t.Errorf("kubectl get constraints lacks the dryrun constraint with %s violations:\n%s", total, out)
		}
	})
	t.Run("7 warn admits with a kubectl Warning", func(t *testing.T) {
		installTemplate(t, k, lib("general/required-labels/template.yaml"), "k8srequiredlabels")
		applyConstraint(t, k, labelConstraint("warn-configmaps-need-owner", "warn", `["warned"]`, `[]`),
			"k8srequiredlabels", "warn-configmaps-need-owner")
		out := k.must(t, "", "create", "configmap", "unlabelled", "-n", "warned")
		wantAll(t, out, "Warning: [warn-configmaps-need-owner] ConfigMap warned/unlabelled:", "configmap/unlabelled created")
	})
	t.Run("the shipped RBAC refused the manager nothing", func(t *testing.T) {
		if lines := mgr.forbidden(); len(lines) > 0 {
			t.Errorf("the API server refused the manager:\n%s", strings.Join(lines, "\n"))
		}
	})
	t.Run("certificate rotation fills the Secret and both CA bundles", func(t *testing.T) {
		// Rotation replaces the CA the steps above used, so it runs last.
		rotator := startManager(t, binary, rotationArgs(t, saKubeconfig), 0)
		eventually(t, "the Secret's ca.crt is every webhook's caBundle", func() (bool, string) {
			secret, _ := k.run("", "get", "secret", "gatekeeper-webhook-server-cert", "-n", systemNamespace,
				"-o", `jsonpath={.data.ca\.crt}`)
			bundles, _ := k.run("", "get", "validatingwebhookconfiguration", webhookConfig,
				"-o", `jsonpath={.webhooks[*].clientConfig.caBundle}`)
			want := strings.TrimSpace(secret + " " + secret)
			return secret != "" && bundles == want, "secret ca.crt: " + secret + "\ncaBundles: " + bundles +
				"\nrefused: " + strings.Join(rotator.forbidden(), "\n")
		})
		rotator.stop(t)
		if lines := rotator.forbidden(); len(lines) > 0 {
			t.Errorf("the API server refused certificate rotation:\n%s", strings.Join(lines, "\n"))
		}
	})
	t.Run("8 uninstall leaves the cluster accepting requests", func(t *testing.T) {
		uninstall(t, k, func() { mgr.stop(t) })
	})
}

// uninstall deletes everything the manifest created, stops the manager as
// the pods would stop, and checks nothing of Portcullis still answers.
func uninstall(t *testing.T, k kube, stopManager func()) {
	// No namespace controller runs here, so gatekeeper-system would stay
	// Terminating forever: do not wait for it.
	out := k.must(t, "", "delete", "-f", deployPath(t), "--wait=false")
	wantAll(t, out,
		"validatingwebhookconfiguration.admissionregistration.k8s.io \"gatekeeper-validating-webhook-configuration\" deleted",
		"customresourcedefinition.apiextensions.k8s.io \"constrainttemplates.templates.gatekeeper.sh\" deleted")
	stopManager()
	eventually(t, "the ConstraintTemplate CRD is gone (no stuck finalizers)", func() (bool, string) {
		out, err := k.run("", "get", "crd", "constrainttemplates.templates.gatekeeper.sh")
		return err != nil && strings.Contains(out, "NotFound"), out
	})
	out = k.must(t, "", "get", "validatingwebhookconfigurations", "-o", "name")
	if strings.Contains(out, "gatekeeper") {
		t.Errorf("webhook configuration left behind:\n%s", out)
	}
	// Constraint CRDs are owned by their template; the garbage collector (not
	// running here) deletes them in a real cluster.
	out = k.must(t, "", "get", "crd", "-o",
		`jsonpath={range .items[?(@.spec.group=="constraints.gatekeeper.sh")]}{.metadata.name} {.metadata.ownerReferences[*].kind}{"\n"}{end}`)
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasSuffix(line, " ConstraintTemplate") {
			t.Errorf("constraint CRD without a ConstraintTemplate owner: %q", line)
		}
	}
	eventually(t, "a privileged pod, a default-namespace object and a new namespace are admitted", func() (bool, string) {
		var all strings.Builder
		ok := true
		for _, args := range [][]string{
			{"create", "configmap", "after", "-n", "default"},
			{"create", "namespace", "after-uninstall"},
			{"create", "deployment", "web", "-n", "journeys", "--image=nginx:latest"},
		} {
			out, err := k.run("", args...)
			all.WriteString(out)
			ok = ok && (err == nil || strings.Contains(out, "AlreadyExists"))
		}
		out, err := k.run(podYAML("priv", "securityContext: {privileged: true}", ""), "apply", "-f", "-")
		all.WriteString(out)
		return ok && err == nil, all.String()
	})
}

// installTemplate applies a ConstraintTemplate and waits until the manager
// has created its constraint CRD.
func installTemplate(t *testing.T, k kube, path, crdPlural string) {
	t.Helper()
	k.must(t, "", "apply", "-f", path)
	eventually(t, "CRD for "+crdPlural+" is established", func() (bool, string) {
		out, err := k.run("", "get", "crd", crdPlural+".constraints.gatekeeper.sh",
			"-o", `jsonpath={.status.conditions[?(@.type=="Established")].status}`)
		return err == nil && out == "True", out
	})
}

// applyConstraint applies a constraint and waits until the manager reports
// it enforced in status.byPod.
func applyConstraint(t *testing.T, k kube, yaml, plural, name string) {
	t.Helper()
	k.must(t, yaml, "apply", "-f", "-")
	eventually(t, plural+"/"+name+" is enforced", func() (bool, string) {
		out, _ := k.run("", "get", plural, name,
			"-o", `jsonpath={.status.byPod[?(@.id=="`+managerPod+`")].enforced}`)
		return out == "true", out
	})
}

// installPolicy installs a library template and one of its sample constraints.
func installPolicy(t *testing.T, k kube, templatePath, constraintPath, plural, name string) {
	t.Helper()
	installTemplate(t, k, templatePath, plural)
	yaml := k.must(t, "", "create", "--dry-run=client", "-o", "yaml", "-f", constraintPath)
	applyConstraint(t, k, yaml, plural, name)
}

// podYAML is a one-container Pod in namespace journeys; container and spec
// add lines to the container and to the Pod spec.
func podYAML(name, container, spec string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata:
  name: %s
  namespace: journeys
spec:
  %s
  containers:
    - name: app
      image: nginx:1.27
      %s
`, name, spec, container)
}

// labelConstraint requires an owner label on ConfigMaps in namespaces, minus
// excluded, with the given enforcement action.
func labelConstraint(name, action, namespaces, excluded string) string {
	return fmt.Sprintf(`apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sRequiredLabels
metadata:
  name: %s
spec:
  enforcementAction: %s
  match:
    kinds:
      - apiGroups: [""]
        kinds: ["ConfigMap"]
    namespaces: %s
    excludedNamespaces: %s
  parameters:
    labels:
      - key: owner
`, name, action, namespaces, excluded)
}

// containsLine reports whether some line of out holds every field.
func containsLine(out string, fields ...string) bool {
	for _, line := range strings.Split(out, "\n") {
		cols := strings.Fields(line)
		ok := true
		for _, f := range fields {
			ok = ok && slicesContains(cols, f)
		}
		if ok {
			return true
		}
	}
	return false
}

// slicesContains reports whether s holds v, or a kind-qualified v
// ("k8srequiredlabels.constraints.gatekeeper.sh/v").
func slicesContains(s []string, v string) bool {
	return slices.ContainsFunc(s, func(x string) bool { return x == v || strings.HasSuffix(x, "/"+v) })
}
