package app

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// suites is the engine/suite example data, shared with the suite package.
const suites = "../../../engine/suite/testdata"

// run executes a command line in-process.
func run(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Execute(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), code
}

// podList is what `kubectl get pods -o yaml` prints: a List of objects.
const podList = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata:
    name: listed
    namespace: default
  spec:
    containers: [{name: c, image: registry.example/c:1}]
- apiVersion: v1
  kind: Pod
  metadata:
    name: listed-owned
    namespace: default
    labels: {owner: kim}
  spec:
    containers: [{name: c, image: registry.example/c:1}]
`

// secondsRE matches the durations verify prints.
var secondsRE = regexp.MustCompile(`\d+\.\d{3}s`)

func TestGolden(t *testing.T) {
	resources, _ := os.ReadFile("testdata/resources/pods.yaml")
	tests := []struct {
		name  string
		args  []string
		stdin string
		// wantCode is the exit status.
		wantCode int
	}{
		{"verify-pass-verbose", []string{"verify", "-v", suites + "/pass/protected-hosts"}, "", 0},
		{"verify-fail", []string{"verify", suites + "/fail/suite.yaml"}, "", 1},
		{"verify-fail-verbose", []string{"verify", "--verbose", suites + "/fail"}, "", 1},
		{"verify-run-filter", []string{"verify", "-v", "--run", "^bare|^enforced-with", suites + "/pass/..."}, "", 0},
		{"test-table", []string{"test", "-f", "testdata/policies", "-f", "testdata/resources"}, "", 1},
		{"test-json", []string{"test", "-f", "testdata/policies", "-f", "testdata/resources", "-o", "json"}, "", 1},
		{"test-yaml", []string{"test", "-f", "testdata/resources", "--library", "testdata/policies", "-o", "yaml"}, "", 1},
		{"test-stdin", []string{"test", "-f", "testdata/policies/template.yaml", "-f", "testdata/warn-only", "-f", "-"}, string(resources), 0},
		{"test-list-stdin", []string{"test", "-f", "testdata/policies", "-f", "-"}, podList, 1},
		{"test-clean", []string{"test", "-f", "testdata/policies", "-f", "testdata/resources/namespaces.yaml", "-o", "json"}, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := run(t, tc.stdin, tc.args...)
			if code != tc.wantCode {
				t.Errorf("exit code = %d, want %d; stderr:\n%s", code, tc.wantCode, stderr)
			}
			got := secondsRE.ReplaceAllString(stdout, "N.NNNs")
			if stderr != "" {
				got += "--- stderr\n" + stderr
			}
			golden(t, filepath.Join("testdata", "golden", tc.name+".golden"), got)
		})
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		// want are substrings of stderr.
		want []string
	}{
		{"yaml syntax error names file, document and line", []string{"test", "-f", "testdata/broken/bad-yaml.yaml"},
			[]string{"testdata/broken/bad-yaml.yaml: document 2: yaml: line 8"}},
		{"rego error points into the template file", []string{"test", "-f", "testdata/broken/bad-rego.yaml"},
			[]string{"testdata/broken/bad-rego.yaml: document 1: template \"pcbadrego\":", "testdata/broken/bad-rego.yaml:1"}},
		{"missing input", []string{"test", "-f", "testdata/nowhere"}, []string{"testdata/nowhere"}},
		{"no input", []string{"test"}, []string{"no input"}},
		{"bad format", []string{"test", "-f", "testdata/policies", "-o", "xml"}, []string{`unknown output format "xml"`}},
		{"verify needs a path", []string{"verify"}, []string{"requires at least 1 arg"}},
		{"verify of a non-suite file", []string{"verify", "testdata/policies/template.yaml"}, []string{"not a Suite"}},
		{"verify with a bad filter", []string{"verify", "--run", "(", suites + "/pass/..."}, []string{"invalid --run"}},
		{"bench without objects", []string{"bench", "-f", "testdata/policies"}, []string{"no objects to review"}},
		{"bench bad iterations", []string{"bench", "-f", "testdata/resources", "--iterations", "0"}, []string{"--iterations"}},
		{"unknown evaluator", []string{"verify", "--rego-evaluator", "wasm", suites + "/pass/..."}, []string{`unknown evaluator "wasm"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := run(t, "", tc.args...)
			if code != 1 {
				t.Errorf("exit code = %d, want 1", code)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q does not contain %q", stderr, w)
				}
			}
		})
	}
}

// TestEvaluatorsAgree runs the same commands with every --rego-evaluator:
// the output must not depend on it.
func TestEvaluatorsAgree(t *testing.T) {
	for _, args := range [][]string{
		{"test", "-f", "testdata/policies", "-f", "testdata/resources", "-o", "json"},
		{"verify", "-v", suites + "/pass/..."},
	} {
		want, _, wantCode := run(t, "", args...)
		for _, ev := range []string{"auto", "topdown", "crosscheck"} {
			got, stderr, code := run(t, "", append(slices.Clone(args), "--rego-evaluator", ev)...)
			got, want := secondsRE.ReplaceAllString(got, "N.NNNs"), secondsRE.ReplaceAllString(want, "N.NNNs")
			if got != want || code != wantCode {
				t.Errorf("%v with --rego-evaluator=%s: exit %d, output:\n%s\nstderr: %s\nwant exit %d, output:\n%s", args, ev, code, got, stderr, wantCode, want)
			}
		}
	}
}

// durationKeys are the bench JSON fields holding Go duration strings.
var durationKeys = map[string]bool{
	"setupDuration": true, "totalDuration": true, "clientCreation": true, "templateCompilation": true,
	"constraintLoading": true, "dataLoading": true, "min": true, "max": true, "mean": true,
	"p50": true, "p95": true, "p99": true,
}

// normalize replaces every duration and the throughput by a placeholder,
// failing when a duration does not parse, so the golden file pins the shape.
func normalize(t *testing.T, v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, val := range v {
			switch {
			case durationKeys[k]:
				if _, err := time.ParseDuration(val.(string)); err != nil {
					t.Errorf("%s = %v is not a Go duration", k, val)
				}
				v[k] = "<duration>"
			case k == "reviewsPerSecond":
				if val.(float64) <= 0 {
					t.Errorf("reviewsPerSecond = %v, want > 0", val)
				}
				v[k] = "<rate>"
			default:
				v[k] = normalize(t, val)
			}
		}
	case []any:
		for i := range v {
			v[i] = normalize(t, v[i])
		}
	}
	return v
}

func TestBenchJSON(t *testing.T) {
	stdout, stderr, code := run(t, "", "bench", "-f", "testdata/policies", "-f", "testdata/resources",
		"--iterations", "7", "--concurrency", "2", "--warmup", "1", "-o", "json")
	if code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr)
	}
	var got []any
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout)
	}
	res := got[0].(map[string]any)
	// 5 objects (2 namespaces, 3 pods) reviewed 7 times; the first pass
	// finds worker's two violations and ledger's one.
	for key, want := range map[string]float64{
		"objectCount": 5, "iterations": 7, "totalReviews": 35, "concurrency": 2,
		"templateCount": 1, "constraintCount": 2, "violationCount": 3,
	} {
		if res[key] != want {
			t.Errorf("%s = %v, want %v", key, res[key], want)
		}
	}
	b, _ := json.MarshalIndent(normalize(t, got), "", "  ")
	golden(t, filepath.Join("testdata", "golden", "bench-json.golden"), string(b)+"\n")
}

func TestBenchTable(t *testing.T) {
	stdout, stderr, code := run(t, "", "bench", "-f", "testdata/policies", "-f", "testdata/resources", "--iterations", "3")
	if code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr)
	}
	for _, want := range []string{"Objects:", "Reviews:      15", "Throughput:", "p99", "Violations:   3"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestVersion(t *testing.T) {
	stdout, _, code := run(t, "", "version")
	if code != 0 || !strings.HasPrefix(stdout, "portcullis dev (OPA ") {
		t.Errorf("version = %q (exit %d)", stdout, code)
	}
}

func TestPercentile(t *testing.T) {
	var l []time.Duration
	for i := 1; i <= 100; i++ {
		l = append(l, time.Duration(i))
	}
	s := summarize(l)
	want := stats{min: 1, max: 100, mean: 50, p50: 50, p95: 95, p99: 99}
	if s != want {
		t.Errorf("summarize(1..100) = %+v, want %+v", s, want)
	}
	if one := summarize([]time.Duration{7}); one.p99 != 7 || one.p50 != 7 {
		t.Errorf("summarize([7]) = %+v", one)
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run with -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}
