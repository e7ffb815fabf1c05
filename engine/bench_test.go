package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// readDocs decodes every YAML document of a testdata file.
func readDocs(t testing.TB, name string) []map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, doc := range strings.Split(string(raw), "\n---") {
		if m := decodeYAML(t, doc); len(m) > 0 {
			out = append(out, m)
		}
	}
	return out
}

// pspTemplates parses the 19 PSP-style templates of Workload A.
func pspTemplates(t testing.TB) []*Template {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "psp", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no psp templates: %v", err)
	}
	out := make([]*Template, 0, len(files))
	for _, f := range files {
		tmpl, err := ParseTemplate(readYAML(t, filepath.Join("psp", filepath.Base(f))))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tmpl)
	}
	return out
}

// workloadA returns an engine with the PSP-style templates, one constraint
// each, and the review of a privileged Pod.
func workloadA(t testing.TB, opts ...Options) (*Engine, *Review) {
	t.Helper()
	e := New(append(opts, Options{})[0])
	for _, tmpl := range pspTemplates(t) {
		if err := e.AddTemplate(tmpl); err != nil {
			t.Fatal(err)
		}
	}
	for _, obj := range readDocs(t, "bench/psp-constraints.yaml") {
		c, err := ParseConstraint(obj)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.AddConstraint(c); err != nil {
			t.Fatal(err)
		}
	}
	pod := readYAML(t, "bench/privileged-pod.yaml")
	req := &admissionv1.AdmissionRequest{
		UID:       "bench",
		Kind:      metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
		Resource:  metav1.GroupVersionResource{Version: "v1", Resource: "pods"},
		Name:      "privileged",
		Namespace: "team-a",
		Operation: admissionv1.Create,
		Object:    runtime.RawExtension{Raw: toJSON(t, pod)},
	}
	r, err := NewAdmissionReview(req, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e, r
}

// TestWorkloadA checks that every PSP-style constraint flags the privileged
// Pod, so the benchmark measures real work.
func TestWorkloadA(t *testing.T) {
	e, r := workloadA(t)
	resp, err := e.Review(context.Background(), r, WebhookEnforcementPoint)
	if err != nil {
		t.Fatal(err)
	}
	flagged := map[string]int{}
	for _, res := range resp.Results {
		if res.Err != nil {
			t.Errorf("%s: %v", res.Constraint.Kind, res.Err)
		}
		flagged[res.Constraint.Kind]++
	}
	for _, c := range e.Constraints() {
		if flagged[c.Kind] == 0 {
			t.Errorf("%s/%s did not flag the privileged pod", c.Kind, c.Name)
		}
	}
	if len(flagged) != 19 {
		t.Errorf("%d constraints flagged the pod, want 19", len(flagged))
	}
}

// TestWorkloadAParallel checks that parallel evaluation gives the same
// results, in the same order, as serial evaluation.
func TestWorkloadAParallel(t *testing.T) {
	serial, r := workloadA(t)
	parallel, _ := workloadA(t, Options{Parallelism: 3})
	ctx := context.Background()
	want, err := serial.Review(ctx, r, WebhookEnforcementPoint)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		got, err := parallel.Review(ctx, r, WebhookEnforcementPoint)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(messages(want.Results), messages(got.Results)); diff != "" {
			t.Fatalf("parallel results (-serial +parallel):\n%s", diff)
		}
	}
}

// BenchmarkReviewWorkloadA reviews a privileged Pod against 19 PSP-style
// constraints (one per template), including building the review.
func BenchmarkReviewWorkloadA(b *testing.B) {
	benchmarkWorkloadA(b, Options{})
}

// BenchmarkReviewWorkloadAParallel is Workload A with the constraints of
// each review spread over both cores.
func BenchmarkReviewWorkloadAParallel(b *testing.B) {
	benchmarkWorkloadA(b, Options{Parallelism: 2})
}

func benchmarkWorkloadA(b *testing.B, opts Options) {
	e, _ := workloadA(b, opts)
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
	var lat latencies
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		start := time.Now()
		r, err := NewAdmissionReview(req, nil)
		if err != nil {
			b.Fatal(err)
		}
		resp, err := e.Review(ctx, r, WebhookEnforcementPoint)
		if err != nil || len(resp.Results) == 0 {
			b.Fatalf("review: %v", err)
		}
		lat = append(lat, time.Since(start))
	}
	cpu.report(b, 1)
	lat.report(b)
}

// latencies are per-operation wall times, for percentile metrics.
type latencies []time.Duration

// report adds p50-ns and p99-ns metrics.
func (l latencies) report(b *testing.B) {
	if len(l) == 0 {
		return
	}
	slices.Sort(l)
	b.ReportMetric(float64(l[len(l)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(l[len(l)*99/100].Nanoseconds()), "p99-ns")
}

// BenchmarkNewAdmissionReview measures building the review of the
// privileged Pod alone.
func BenchmarkNewAdmissionReview(b *testing.B) {
	pod := toJSON(b, readYAML(b, "bench/privileged-pod.yaml"))
	req := &admissionv1.AdmissionRequest{
		UID:       "bench",
		Kind:      metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
		Operation: admissionv1.Create,
		Object:    runtime.RawExtension{Raw: pod},
	}
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		if _, err := NewAdmissionReview(req, nil); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b, 1)
}

// BenchmarkCompile compiles one PSP-style template (with its lib) per
// iteration, cycling through the 19.
func BenchmarkCompile(b *testing.B) {
	templates := pspTemplates(b)
	e := New(Options{})
	b.ReportAllocs()
	cpu := startCPU()
	i := 0
	for b.Loop() {
		if err := e.CompileTemplate(templates[i%len(templates)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	cpu.report(b, 1)
}

// BenchmarkReviewWorkloadB reviews 1,000 mixed objects (10 kinds, in
// namespaces and cluster-scoped) against 100 constraints of 20 kinds.
func BenchmarkReviewWorkloadB(b *testing.B) {
	e, reviews := workloadB(b)
	ctx := context.Background()
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		for _, r := range reviews {
			if _, err := e.Review(ctx, r, AuditEnforcementPoint); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(reviews)), "ns/object")
	cpu.report(b, len(reviews))
}

// workloadB builds 20 templates, 100 constraints (5 per kind, selecting
// different object kinds and namespaces) and 1,000 audit reviews.
func workloadB(t testing.TB) (*Engine, []*Review) {
	t.Helper()
	e := New(Options{})
	objectKinds := []struct{ group, version, kind string }{
		{"", "v1", "Pod"}, {"", "v1", "ConfigMap"}, {"", "v1", "Service"}, {"", "v1", "Secret"},
		{"apps", "v1", "Deployment"}, {"apps", "v1", "StatefulSet"}, {"batch", "v1", "Job"},
		{"networking.k8s.io", "v1", "Ingress"}, {"", "v1", "Namespace"}, {"rbac.authorization.k8s.io", "v1", "ClusterRole"},
	}
	for i := range 20 {
		kind := fmt.Sprintf("BenchRule%02d", i)
		mustAddTemplate(t, e, regoTemplate(kind, workloadBRego(lower(kind))))
		for j := range 5 {
			ok := objectKinds[(i+j)%len(objectKinds)]
			mustAddConstraint(t, e, fmt.Sprintf(`
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: %s
metadata: {name: c%d}
spec:
  match:
    kinds: [{apiGroups: [%q], kinds: [%s]}]
    excludedNamespaces: [kube-system]
  parameters: {labels: [owner, team], maxNameLength: %d}
`, kind, j, ok.group, ok.kind, 20+i))
		}
	}
	reviews := make([]*Review, 0, 1000)
	for n := range 1000 {
		ok := objectKinds[n%len(objectKinds)]
		apiVersion := ok.version
		if ok.group != "" {
			apiVersion = ok.group + "/" + ok.version
		}
		meta := map[string]any{
			"name":   fmt.Sprintf("object-%d-with-a-longish-name", n),
			"labels": map[string]any{"owner": "someone", "app": fmt.Sprintf("app-%d", n%7)},
		}
		if ok.kind != "Namespace" && ok.kind != "ClusterRole" {
			meta["namespace"] = fmt.Sprintf("ns-%d", n%13)
		}
		obj := map[string]any{"apiVersion": apiVersion, "kind": ok.kind, "metadata": meta,
			"spec": map[string]any{"replicas": int64(n % 5)}}
		r, err := NewAuditReview(obj, nil)
		if err != nil {
			t.Fatal(err)
		}
		reviews = append(reviews, r)
	}
	return e, reviews
}

func workloadBRego(pkg string) string {
	return `package ` + pkg + `

violation[{"msg": msg, "details": {"missing": missing}}] {
  provided := {l | input.review.object.metadata.labels[l]}
  required := {l | l := input.parameters.labels[_]}
  missing := required - provided
  count(missing) > 0
  msg := sprintf("missing labels %v", [missing])
}

violation[{"msg": msg}] {
  name := input.review.object.metadata.name
  count(name) > input.parameters.maxNameLength
  msg := sprintf("name %v is longer than %v", [name, input.parameters.maxNameLength])
}
`
}
