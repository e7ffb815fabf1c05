// Package bundles_test checks that the Pod Security Standards bundles stay
// consistent: each kustomization installs exactly the intended constraints,
// every constraint has a template in the pod-security-policy group that the
// group kustomization installs, and the suite and README cover every
// constraint. Behaviour of the constraints is tested by each bundle's
// suite.yaml, which `go test ./library` runs.
package bundles_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// groupDir is the pod-security-policy group, relative to this directory.
const groupDir = ".."

// kustomization is the part of kustomization.yaml the bundles use.
type kustomization struct {
	Resources []string `json:"resources"`
	Patches   []struct {
		Patch string `json:"patch"`
	} `json:"patches"`
}

// object is the part of a template or constraint the checks read.
type object struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		CRD struct {
			Spec struct {
				Names struct {
					Kind string `json:"kind"`
				} `json:"names"`
			} `json:"spec"`
		} `json:"crd"`
	} `json:"spec"`
	// Patch marks a `$patch: delete` strategic-merge patch.
	Patch string `json:"$patch"`
}

func TestBundles(t *testing.T) {
	tests := []struct {
		bundle string
		// want is every constraint the bundle installs, by name; it pins
		// the control-to-constraint mapping documented in README.md.
		want []string
	}{
		{
			bundle: "baseline",
			want: []string{
				"pss-baseline-apparmor",
				"pss-baseline-capabilities",
				"pss-baseline-host-namespaces",
				"pss-baseline-host-network-ports",
				"pss-baseline-host-path-volumes",
				"pss-baseline-host-probes",
				"pss-baseline-privileged-containers",
				"pss-baseline-proc-mount",
				"pss-baseline-seccomp",
				"pss-baseline-selinux",
				"pss-baseline-sysctls",
				"pss-baseline-windows-host-process",
			},
		},
		{
			bundle: "restricted",
			want: []string{
				"pss-baseline-apparmor",
				"pss-baseline-host-namespaces",
				"pss-baseline-host-network-ports",
				"pss-baseline-host-path-volumes",
				"pss-baseline-host-probes",
				"pss-baseline-privileged-containers",
				"pss-baseline-proc-mount",
				"pss-baseline-selinux",
				"pss-baseline-sysctls",
				"pss-baseline-windows-host-process",
				"pss-restricted-capabilities",
				"pss-restricted-privilege-escalation",
				"pss-restricted-run-as-non-root",
				"pss-restricted-seccomp",
				"pss-restricted-volume-types",
			},
		},
	}
	templates := groupTemplates(t)
	for _, tt := range tests {
		t.Run(tt.bundle, func(t *testing.T) {
			constraints := build(t, tt.bundle)
			names := make([]string, 0, len(constraints))
			for name := range constraints {
				names = append(names, name)
			}
			slices.Sort(names)
			if diff := cmp.Diff(tt.want, names); diff != "" {
				t.Errorf("constraints installed (-want +got):\n%s", diff)
			}
			for name, c := range constraints {
				if !strings.HasPrefix(c.APIVersion, "constraints.gatekeeper.sh/") {
					t.Errorf("%s: apiVersion %q is not a constraint", name, c.APIVersion)
				}
				if _, ok := templates[c.Kind]; !ok {
					t.Errorf("%s: kind %s has no template listed in %s/kustomization.yaml", name, c.Kind, groupDir)
				}
			}
			checkMentioned(t, filepath.Join(tt.bundle, "suite.yaml"), constraints, constraintFile)
			checkMentioned(t, filepath.Join(tt.bundle, "README.md"), constraints, constraintName)
		})
	}
}

// build resolves a bundle's kustomization the way kustomize would for the
// features the bundles use (resources that are files or bundle directories,
// and `$patch: delete` patches) and returns its constraints by name.
func build(t *testing.T, dir string) map[string]constraint {
	t.Helper()
	var k kustomization
	readYAML(t, filepath.Join(dir, "kustomization.yaml"), &k)
	out := map[string]constraint{}
	for _, r := range k.Resources {
		path := filepath.Join(dir, r)
		if info, err := os.Stat(path); err == nil && info.IsDir() {
			for name, c := range build(t, path) {
				out[name] = c
			}
			continue
		}
		var o object
		readYAML(t, path, &o)
		if _, dup := out[o.Metadata.Name]; dup {
			t.Errorf("%s: constraint %s is installed twice", path, o.Metadata.Name)
		}
		out[o.Metadata.Name] = constraint{object: o, file: path}
	}
	for _, p := range k.Patches {
		var o object
		if err := yaml.Unmarshal([]byte(p.Patch), &o); err != nil {
			t.Fatalf("%s: patch: %v", dir, err)
		}
		if o.Patch != "delete" {
			t.Errorf("%s: only $patch: delete patches are expected, got %q", dir, o.Patch)
			continue
		}
		c, ok := out[o.Metadata.Name]
		if !ok || c.Kind != o.Kind {
			t.Errorf("%s: patch deletes %s %s, which the bundle does not contain", dir, o.Kind, o.Metadata.Name)
		}
		delete(out, o.Metadata.Name)
	}
	return out
}

// constraint is a constraint object and the file it was read from.
type constraint struct {
	object
	file string
}

// groupTemplates returns the kinds of the templates that the group's
// kustomization installs.
func groupTemplates(t *testing.T) map[string]string {
	t.Helper()
	var k kustomization
	readYAML(t, filepath.Join(groupDir, "kustomization.yaml"), &k)
	kinds := map[string]string{}
	for _, r := range k.Resources {
		var o object
		readYAML(t, filepath.Join(groupDir, r), &o)
		kinds[o.Spec.CRD.Spec.Names.Kind] = r
	}
	return kinds
}

// checkMentioned fails unless the file at path names every constraint, as
// produced by key.
func checkMentioned(t *testing.T, path string, constraints map[string]constraint, key func(dir string, c constraint) string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range constraints {
		if want := key(filepath.Dir(path), c); !strings.Contains(string(b), want) {
			t.Errorf("%s does not mention %s", path, want)
		}
	}
}

// constraintFile is how a suite refers to a constraint: its path relative
// to the suite.
func constraintFile(dir string, c constraint) string {
	rel, err := filepath.Rel(dir, c.file)
	if err != nil {
		return c.file
	}
	return "constraint: " + filepath.ToSlash(rel)
}

// constraintName is how a README refers to a constraint.
func constraintName(_ string, c constraint) string {
	return "`" + c.Metadata.Name + "`"
}

func readYAML(t *testing.T, path string, into any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
