package engine

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

// libraryPSP loads library/pod-security-policy: every template and the
// first sample constraint of each. It returns how many pairs it loaded.
func libraryPSP(b testing.TB, e *Engine) int {
	b.Helper()
	templates, err := filepath.Glob(filepath.Join("..", "library", "pod-security-policy", "*", "template.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, tf := range templates {
		constraints, _ := filepath.Glob(filepath.Join(filepath.Dir(tf), "samples", "*", "constraint.yaml"))
		if len(constraints) == 0 {
			continue
		}
		tmpl, err := ParseTemplate(readFileYAML(b, tf))
		if err != nil {
			b.Fatal(err)
		}
		if err := e.AddTemplate(tmpl); err != nil {
			b.Fatal(err)
		}
		c, err := ParseConstraint(readFileYAML(b, constraints[0]))
		if err != nil {
			b.Fatal(err)
		}
		if err := e.AddConstraint(c); err != nil {
			b.Fatal(err)
		}
		n++
	}
	return n
}

func readFileYAML(b testing.TB, path string) map[string]any {
	b.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(raw, &m); err != nil {
		b.Fatalf("%s: %v", path, err)
	}
	return m
}

// BenchmarkReviewLibraryPSP is Workload A on the real library: the
// privileged Pod against every Pod Security Policy template of library/
// with one sample constraint each.
func BenchmarkReviewLibraryPSP(b *testing.B) {
	e := New(Options{})
	n := libraryPSP(b, e)
	if n == 0 {
		b.Skip("no library templates with sample constraints found")
	}
	pod := toJSON(b, readYAML(b, "bench/privileged-pod.yaml"))
	req := &admissionv1.AdmissionRequest{
		UID:       "bench",
		Kind:      metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
		Namespace: "team-a",
		Name:      "privileged",
		Operation: admissionv1.Create,
		Object:    runtime.RawExtension{Raw: pod},
	}
	ctx := context.Background()
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		r, err := NewAdmissionReview(req, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.Review(ctx, r, WebhookEnforcementPoint); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b, 1)
	b.ReportMetric(float64(n), "templates")
}
