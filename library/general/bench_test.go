// Package general_test measures the general policy library as a whole: every
// template with every sample constraint loaded into one engine, the way a
// cluster that installs the whole set would run it.
package general_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/portcullis-dev/portcullis/engine"
	"github.com/portcullis-dev/portcullis/engine/load"
)

// newLibraryEngine loads every template of this directory, every sample
// constraint and every inventory_*.yaml object into one engine. It returns
// the engine and the number of constraints.
func newLibraryEngine(tb testing.TB) (*engine.Engine, int) {
	tb.Helper()
	eng := engine.New(engine.Options{})
	templates := glob(tb, "*/template.yaml")
	for _, path := range templates {
		doc := readOne(tb, path)
		tmpl, err := load.Template(&doc)
		if err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		if err := eng.AddTemplate(tmpl); err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
	}
	constraints := glob(tb, "*/samples/*/constraint.yaml")
	for _, path := range constraints {
		doc := readOne(tb, path)
		c, err := load.Constraint(&doc)
		if err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		if err := eng.AddConstraint(c); err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
	}
	for _, path := range glob(tb, "*/samples/*/inventory_*.yaml") {
		docs, err := load.ReadFile(path)
		if err != nil {
			tb.Fatal(err)
		}
		for _, d := range docs {
			if err := eng.AddInventory(d.Object); err != nil {
				tb.Fatalf("%s: %v", path, err)
			}
		}
	}
	if len(templates) == 0 || len(constraints) == 0 {
		tb.Fatal("no templates or constraints found")
	}
	return eng, len(constraints)
}

func glob(tb testing.TB, pattern string) []string {
	tb.Helper()
	paths, err := filepath.Glob(pattern)
	if err != nil {
		tb.Fatal(err)
	}
	return paths
}

func readOne(tb testing.TB, path string) load.Document {
	tb.Helper()
	docs, err := load.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	if len(docs) != 1 {
		tb.Fatalf("%s: want one document, found %d", path, len(docs))
	}
	return docs[0]
}

func reviewOf(tb testing.TB, path string) *engine.Review {
	tb.Helper()
	doc := readOne(tb, path)
	review, err := load.Review(&doc, load.Namespaces{})
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return review
}

// reviewCases are objects reviewed against the whole library, with the
// number of violations each constraint kind must report. The counts follow
// from the sample constraints: e.g. a container without resources misses a
// cpu and a memory limit (2 for K8sContainerLimits).
var reviewCases = []struct {
	name string
	path string
	want map[string]int
}{
	{
		// ECR images, but two containers without resources or probes.
		name: "deployment",
		path: "allowed-repos/samples/repo-must-be-ecr/example_allowed_deployment.yaml",
		want: map[string]int{
			"K8sContainerLimits":                    4,
			"K8sContainerRequests":                  4,
			"K8sRequiredProbes":                     4,
			"K8sPSPAutomountServiceAccountTokenPod": 1,
			"K8sRequiredLabels":                     1,
		},
	},
	{
		// nginx:latest from Docker Hub, nothing else set.
		name: "noncompliant-pod",
		path: "allowed-repos/samples/repo-must-be-ecr/example_disallowed.yaml",
		want: map[string]int{
			"K8sAllowedRepos":                       1,
			"K8sDisallowedTags":                     1,
			"K8sContainerLimits":                    2,
			"K8sContainerRequests":                  2,
			"K8sRequiredProbes":                     2,
			"K8sPSPAutomountServiceAccountTokenPod": 1,
		},
	},
	{
		// Reads data.inventory to find the other Ingress with the same host;
		// two K8sHttpsOnly constraints (TLS required and optional) both fire.
		name: "ingress-with-taken-host",
		path: "unique-ingress-host/samples/unique-ingress-host/example_disallowed.yaml",
		want: map[string]int{
			"K8sUniqueIngressHost": 1,
			"K8sHttpsOnly":         3,
		},
	},
	{
		name: "service",
		path: "unique-service-selector/samples/unique-service-selector/example_allowed.yaml",
		want: map[string]int{
			"K8sRequiredAnnotations": 2,
		},
	},
}

func TestLibraryReviewCases(t *testing.T) {
	eng, _ := newLibraryEngine(t)
	for _, tc := range reviewCases {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := eng.Review(context.Background(), reviewOf(t, tc.path), engine.WebhookEnforcementPoint)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, r := range resp.Results {
				got[r.Constraint.Kind]++
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				for _, r := range resp.Results {
					t.Log(r.Constraint.Kind, r.Message)
				}
				t.Errorf("violations per constraint kind (-want +got):\n%s", diff)
			}
		})
	}
}

// BenchmarkReviewGeneral reviews each case against all general templates
// and sample constraints at once (go test -bench . ./library/general).
func BenchmarkReviewGeneral(b *testing.B) {
	eng, constraints := newLibraryEngine(b)
	for _, tc := range reviewCases {
		b.Run(tc.name, func(b *testing.B) {
			review := reviewOf(b, tc.path)
			b.ReportMetric(float64(constraints), "constraints")
			for b.Loop() {
				if _, err := eng.Review(context.Background(), review, engine.WebhookEnforcementPoint); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
