package bench

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	admissionv1 "k8s.io/api/admission/v1"
)

var libraryDir = filepath.Join("..", "..", "library")

func loadWorkload(t testing.TB) *Workload {
	t.Helper()
	w, err := LoadWorkload(libraryDir, "testdata")
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func reviewers(t testing.TB, w *Workload) []Reviewer {
	t.Helper()
	p, err := NewPortcullis(w)
	if err != nil {
		t.Fatal(err)
	}
	g, err := NewGatekeeper(context.Background(), w)
	if err != nil {
		t.Fatal(err)
	}
	return []Reviewer{p, g}
}

func request(t testing.TB, w *Workload, name string) *admissionv1.AdmissionRequest {
	t.Helper()
	req, err := AdmissionRequest(w.Objects[name])
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestWorkloadHasOnePolicyPerTemplate(t *testing.T) {
	w := loadWorkload(t)
	seen := map[string]bool{}
	for _, p := range w.Policies {
		if seen[p.Dir] {
			t.Errorf("template %s loaded twice", p.Dir)
		}
		seen[p.Dir] = true
	}
	if len(seen) != TemplateCount {
		t.Errorf("loaded %d templates, want %d", len(seen), TemplateCount)
	}
}

// TestSameVerdicts checks that the comparison is fair: both systems find
// the same violations, many for the privileged Pod and none for the
// compliant one.
func TestSameVerdicts(t *testing.T) {
	w := loadWorkload(t)
	rs := reviewers(t, w)
	tests := []struct {
		object string
		// minViolations is the least number of violations expected.
		minViolations int
		wantNone      bool
	}{
		{object: PrivilegedPod, minViolations: 15},
		{object: CompliantPod, wantNone: true},
	}
	for _, tt := range tests {
		t.Run(tt.object, func(t *testing.T) {
			req := request(t, w, tt.object)
			got := map[string][]string{}
			for _, r := range rs {
				msgs, err := r.Review(context.Background(), req)
				if err != nil {
					t.Fatalf("%s: %v", r.Name(), err)
				}
				got[r.Name()] = msgs
			}
			p, g := got["portcullis"], got["gatekeeper"]
			if diff := cmp.Diff(g, p); diff != "" {
				t.Errorf("violations differ (-gatekeeper +portcullis):\n%s", diff)
			}
			if tt.wantNone && len(p) > 0 {
				t.Errorf("compliant Pod has %d violations: %q", len(p), p)
			}
			if len(p) < tt.minViolations {
				t.Errorf("%d violations, want at least %d: %q", len(p), tt.minViolations, p)
			}
		})
	}
}
