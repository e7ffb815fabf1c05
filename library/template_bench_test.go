package library_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/portcullis-dev/portcullis/engine"
	"github.com/portcullis-dev/portcullis/engine/load"
)

// benchPods are the two Pods of the side-by-side benchmark (test/bench):
// one that breaks most Pod Security Policy controls and one that passes
// every sample constraint.
var benchPods = []string{"compliant", "privileged"}

// BenchmarkTemplate reviews each bench Pod against each template with its
// first sample constraint, one template per sub-benchmark:
//
//	go test ./library -run xxx -bench 'Template/pod-security-policy/users/' -benchmem
//
// It is the tool for making one template cheaper; the per-review total of
// the library is BenchmarkReviewPodSecurityPolicy and test/bench.
func BenchmarkTemplate(b *testing.B) {
	reviews := map[string]*engine.Review{}
	for _, name := range benchPods {
		path := filepath.Join("..", "test", "bench", "testdata", name+"-pod.yaml")
		docs, err := load.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		review, err := load.Review(&docs[0], load.Namespaces{})
		if err != nil {
			b.Fatalf("%s: %v", path, err)
		}
		reviews[name] = review
	}
	for _, p := range loadPolicies(b) {
		constraints, _ := filepath.Glob(filepath.Join(p.dir, "samples", "*", "constraint.yaml"))
		if len(constraints) == 0 {
			continue
		}
		slices.Sort(constraints)
		eng := engine.New(engine.Options{})
		if err := eng.AddTemplate(p.tmpl); err != nil {
			b.Fatalf("%s: %v", p.path, err)
		}
		c, err := engine.ParseConstraint(readSingle(b, constraints[0]))
		if err != nil {
			b.Fatalf("%s: %v", constraints[0], err)
		}
		if err := eng.AddConstraint(c); err != nil {
			b.Fatalf("%s: %v", constraints[0], err)
		}
		for _, name := range benchPods {
			b.Run(filepath.ToSlash(p.dir)+"/"+name, func(b *testing.B) {
				review := reviews[name]
				ctx := context.Background()
				resp, err := eng.Review(ctx, review, engine.WebhookEnforcementPoint)
				if err != nil {
					b.Fatal(err)
				}
				for _, r := range resp.Results {
					if r.Err != nil {
						b.Fatalf("%s: %v", r.Constraint.Name, r.Err)
					}
				}
				b.ReportAllocs()
				start := processCPU()
				for b.Loop() {
					if _, err := eng.Review(ctx, review, engine.WebhookEnforcementPoint); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
				b.ReportMetric(float64(len(resp.Results)), "violations")
			})
		}
	}
}
