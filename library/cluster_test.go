package library_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/portcullis-dev/portcullis/test/dev"
	"github.com/portcullis-dev/portcullis/test/envtest"
)

// TestSamplesOnRealControlPlane installs the library with `kubectl apply -k`
// on a real API server whose webhook is the Portcullis manager, then, one
// sample constraint at a time, checks that the API server refuses every
// example_disallowed object and admits every example_allowed one (server-side
// dry run, so the examples never conflict with each other).
//
// Templates that need synced inventory (requires-sync-data) are left to their
// suites and to the controllers' sync tests.
func TestSamplesOnRealControlPlane(t *testing.T) {
	env := envtest.Start(t)
	kube := kubectl{env: env}
	dev.StartForTest(t, env, "") // the manager as webhook, no constraints yet

	samples := librarySamples(t)
	for _, ns := range sampleNamespaces(t, samples) {
		kube.run(t, "create", "namespace", ns)
	}
	for _, group := range []string{"pod-security-policy", "general"} {
		kube.must(t, "apply", "-k", group)
	}
	for _, s := range samples {
		kube.eventually(t, "constraint CRD "+s.crd, "wait", "--for=condition=established", "--timeout=30s", "crd/"+s.crd)
	}
	for _, s := range samples {
		t.Run(s.dir, func(t *testing.T) {
			kube.eventually(t, "apply constraint", "apply", "-f", filepath.Join(s.dir, "constraint.yaml"))
			defer kube.must(t, "delete", "-f", filepath.Join(s.dir, "constraint.yaml"), "--wait")
			kube.waitEnforced(t, s)
			for _, ex := range s.disallowed {
				out, err := kube.create(t, ex)
				switch {
				case invalid(out):
					// Valid only offline (for example ephemeralContainers set on
					// create): the API server refuses it before any webhook.
					t.Logf("%s is refused by the API server's own validation: %s", ex, firstLine(out))
				case err == nil || !strings.Contains(out, "denied the request") || !strings.Contains(out, "["+s.name+"]"):
					t.Errorf("%s was not refused by [%s]: %s", ex, s.name, out)
				}
			}
			for _, ex := range s.allowed {
				out, err := kube.create(t, ex)
				switch {
				case err == nil:
				case invalid(out):
					t.Logf("%s is refused by the API server's own validation: %s", ex, firstLine(out))
				default:
					t.Errorf("%s was refused: %s", ex, out)
				}
			}
		})
	}
}

// sample is one samples/<constraint>/ folder.
type sample struct {
	dir, name, crd      string
	allowed, disallowed []string
}

func librarySamples(t *testing.T) []sample {
	t.Helper()
	constraints, err := filepath.Glob(filepath.Join("*", "*", "samples", "*", "constraint.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(constraints)
	var out []sample
	for _, c := range constraints {
		tmpl := readDoc(t, filepath.Join(filepath.Dir(filepath.Dir(filepath.Dir(c))), "template.yaml"))
		if sync, _ := annotations(tmpl)["metadata.gatekeeper.sh/requires-sync-data"].(string); sync != "" {
			continue
		}
		obj := readDoc(t, c)
		meta, _ := obj["metadata"].(map[string]any)
		s := sample{dir: filepath.Dir(c), name: meta["name"].(string),
			crd: strings.ToLower(obj["kind"].(string)) + ".constraints.gatekeeper.sh"}
		s.allowed, _ = filepath.Glob(filepath.Join(s.dir, "example_allowed*.yaml"))
		s.disallowed, _ = filepath.Glob(filepath.Join(s.dir, "example_disallowed*.yaml"))
		out = append(out, s)
	}
	if len(out) == 0 {
		t.Fatal("no samples found")
	}
	return out
}

func annotations(obj map[string]any) map[string]any {
	meta, _ := obj["metadata"].(map[string]any)
	a, _ := meta["annotations"].(map[string]any)
	return a
}

// sampleNamespaces lists the namespaces the examples are created in.
func sampleNamespaces(t *testing.T, samples []sample) []string {
	t.Helper()
	seen := map[string]bool{"default": true, "kube-system": true, "kube-public": true}
	var out []string
	for _, s := range samples {
		for _, f := range append(append([]string{}, s.allowed...), s.disallowed...) {
			meta, _ := readDoc(t, f)["metadata"].(map[string]any)
			if ns, _ := meta["namespace"].(string); ns != "" && !seen[ns] {
				seen[ns] = true
				out = append(out, ns)
			}
		}
	}
	return out
}

func readDoc(t *testing.T, path string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// kubectl runs the control plane's kubectl.
type kubectl struct{ env *envtest.Env }

func (k kubectl) run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := k.env.Kubectl(ctx, args...)
	return string(out), err
}

func (k kubectl) must(t *testing.T, args ...string) string {
	t.Helper()
	out, err := k.run(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// create sends the object in file through admission without storing it. An
// object that already exists (a Namespace other examples live in, the
// cluster's own kubernetes Service) is applied instead, as an update.
func (k kubectl) create(t *testing.T, file string) (string, error) {
	t.Helper()
	out, err := k.run(t, "create", "--dry-run=server", "-f", file)
	if err != nil && strings.Contains(out, "AlreadyExists") {
		return k.run(t, "apply", "--dry-run=server", "-f", file)
	}
	return out, err
}

// invalid reports whether the API server refused an object as invalid,
// before calling any webhook.
func invalid(out string) bool {
	return (strings.Contains(out, " is invalid") || strings.Contains(out, "cannot be handled as")) &&
		!strings.Contains(out, "denied the request")
}

func firstLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// eventually retries a command that fails while a CRD is being served.
func (k kubectl) eventually(t *testing.T, what string, args ...string) {
	t.Helper()
	var out string
	var err error
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		if out, err = k.run(t, args...); err == nil {
			return
		}
	}
	t.Fatalf("%s: %v\n%s", what, err, out)
}

// waitEnforced waits until the manager reports the constraint enforced.
func (k kubectl) waitEnforced(t *testing.T, s sample) {
	t.Helper()
	kind := strings.TrimSuffix(s.crd, ".constraints.gatekeeper.sh")
	var out string
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		out, _ = k.run(t, "get", kind, s.name, "-o", "jsonpath={.status.byPod[*].enforced}")
		if strings.Contains(out, "true") {
			return
		}
	}
	t.Fatalf("constraint %s never enforced (byPod enforced=%q)", s.name, out)
}
