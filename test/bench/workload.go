package bench

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// TemplateCount is how many templates the engine comparison loads.
const TemplateCount = 19

// Library groups the workload draws from, in order: every Pod Security
// Policy template first, then general templates until TemplateCount.
var libraryGroups = []string{"pod-security-policy", "general"}

// Policy is one library template and the sample constraint chosen for it.
type Policy struct {
	// Dir is the template's directory, e.g. .../pod-security-policy/users.
	Dir            string
	TemplateFile   string
	ConstraintFile string
	Template       map[string]any
	Constraint     map[string]any
}

// Workload is what both systems load and review.
type Workload struct {
	Policies []Policy
	// Objects are the Pods to review, by name.
	Objects map[string]map[string]any
	// Namespace is the Namespace the Pods are created in.
	Namespace *corev1.Namespace
}

// Object names in the workload.
const (
	PrivilegedPod = "privileged"
	CompliantPod  = "compliant"
)

// LoadWorkload reads TemplateCount Pod policies from libraryDir (the
// repository's library/) and the two Pods from testdataDir.
func LoadWorkload(libraryDir, testdataDir string) (*Workload, error) {
	policies, err := loadPolicies(libraryDir, TemplateCount)
	if err != nil {
		return nil, err
	}
	w := &Workload{Policies: policies, Objects: map[string]map[string]any{}}
	for name, file := range map[string]string{PrivilegedPod: "privileged-pod.yaml", CompliantPod: "compliant-pod.yaml"} {
		obj, err := readYAML(filepath.Join(testdataDir, file))
		if err != nil {
			return nil, err
		}
		w.Objects[name] = obj
	}
	w.Namespace = &corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: BenchNamespace, Labels: map[string]string{"team": "bench"}},
	}
	return w, nil
}

// BenchNamespace is the namespace of the reviewed Pods.
const BenchNamespace = "bench"

// loadPolicies takes templates in group order, skipping those whose first
// sample constraint does not select Pods, until it has n.
func loadPolicies(libraryDir string, n int) ([]Policy, error) {
	var out []Policy
	for _, group := range libraryGroups {
		dirs, err := templateDirs(filepath.Join(libraryDir, group))
		if err != nil {
			return nil, err
		}
		for _, dir := range dirs {
			if len(out) == n {
				return out, nil
			}
			p, err := loadPolicy(dir)
			if err != nil {
				return nil, err
			}
			if selectsPods(p.Constraint) {
				out = append(out, p)
			}
		}
	}
	if len(out) < n {
		return nil, fmt.Errorf("library %s has %d Pod templates with samples, want %d", libraryDir, len(out), n)
	}
	return out, nil
}

// templateDirs lists the subdirectories of group holding a template.yaml.
func templateDirs(group string) ([]string, error) {
	matches, err := filepath.Glob(filepath.Join(group, "*", "template.yaml"))
	if err != nil {
		return nil, fmt.Errorf("list templates in %s: %w", group, err)
	}
	dirs := make([]string, 0, len(matches))
	for _, m := range matches {
		dirs = append(dirs, filepath.Dir(m))
	}
	slices.Sort(dirs)
	return dirs, nil
}

// loadPolicy reads dir/template.yaml and the constraint of the first sample
// (in name order) that has one.
func loadPolicy(dir string) (Policy, error) {
	p := Policy{Dir: dir, TemplateFile: filepath.Join(dir, "template.yaml")}
	samples, err := filepath.Glob(filepath.Join(dir, "samples", "*", "constraint.yaml"))
	if err != nil {
		return p, fmt.Errorf("list samples of %s: %w", dir, err)
	}
	if len(samples) == 0 {
		return p, fmt.Errorf("template %s: %w", dir, errNoSample)
	}
	slices.Sort(samples)
	p.ConstraintFile = samples[0]
	if p.Template, err = readYAML(p.TemplateFile); err != nil {
		return p, err
	}
	if p.Constraint, err = readYAML(p.ConstraintFile); err != nil {
		return p, err
	}
	return p, nil
}

var errNoSample = errors.New("no sample constraint")

// selectsPods reports whether a constraint's spec.match.kinds names Pod.
func selectsPods(constraint map[string]any) bool {
	spec, _ := constraint["spec"].(map[string]any)
	m, _ := spec["match"].(map[string]any)
	kinds, _ := m["kinds"].([]any)
	for _, k := range kinds {
		entry, _ := k.(map[string]any)
		names, _ := entry["kinds"].([]any)
		if slices.Contains(names, any("Pod")) || slices.Contains(names, any("*")) {
			return true
		}
	}
	return false
}

// readYAML decodes a one-document YAML file.
func readYAML(path string) (map[string]any, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read workload: %w", err)
	}
	var obj map[string]any
	if err := yaml.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	return obj, nil
}
