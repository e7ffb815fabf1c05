package suite

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/portcullis-dev/portcullis/engine"
)

// fixedClock makes every duration zero, for stable output.
func fixedClock() time.Time { return time.Unix(0, 0) }

// outcomes flattens a report to "suite test/case" -> "ran", "skipped" or
// "failed", so tests can compare whole runs.
func outcomes(r *Report) map[string]string {
	out := map[string]string{}
	for _, s := range r.Suites {
		for _, tr := range s.Tests {
			if tr.Skipped || tr.Err != nil {
				out[tr.Name] = map[bool]string{true: "skipped", false: "failed"}[tr.Skipped]
			}
			for _, c := range tr.Cases {
				state := "ran"
				switch {
				case c.Skipped:
					state = "skipped"
				case c.Err != nil:
					state = "failed"
				}
				out[tr.Name+"/"+c.Name] = state
			}
		}
	}
	return out
}

func TestRunPassingSuites(t *testing.T) {
	report, err := Run(context.Background(), []string{"testdata/pass/..."}, Options{Now: fixedClock})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteGo(&buf, report, true); err != nil {
		t.Fatal(err)
	}
	if report.Failed() {
		t.Fatalf("example suites failed:\n%s", buf.String())
	}
	want := map[string]string{
		"ingress-hosts-are-unique/create-with-a-taken-host":                           "ran",
		"ingress-hosts-are-unique/update-keeps-its-own-host":                          "ran",
		"ingress-hosts-are-unique/inventory-does-not-leak-between-cases":              "ran",
		"ingress-hosts-are-unique/plain-object-with-a-new-host":                       "ran",
		"protected-configmaps/delete-protected":                                       "ran",
		"protected-configmaps/delete-unprotected":                                     "ran",
		"protected-configmaps/update-removes-protection":                              "ran",
		"protected-configmaps/update-keeps-protection":                                "ran",
		"pods-need-owner-and-team/labelled-pod-passes":                                "ran",
		"pods-need-owner-and-team/bare-pod-misses-both":                               "ran",
		"pods-need-owner-and-team/pod-without-team":                                   "ran",
		"pods-need-owner-and-team/deployments-are-not-matched":                        "ran",
		"pods-need-owner-and-team/skipped-case-is-not-read":                           "skipped",
		"namespace-selector-sees-the-namespace-itself/enforced-without-owner":         "ran",
		"namespace-selector-sees-the-namespace-itself/enforced-with-owner":            "ran",
		"namespace-selector-sees-the-namespace-itself/not-enforced":                   "ran",
		"namespace-selector-uses-namespaces-from-inventory/pod-in-enforced-namespace": "ran",
		"namespace-selector-uses-namespaces-from-inventory/pod-in-free-namespace":     "ran",
		"skipped-test-is-not-loaded":                                                  "skipped",
	}
	if diff := cmp.Diff(want, outcomes(report)); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
}

func TestRunFailingSuite(t *testing.T) {
	report, err := Run(context.Background(), []string{"testdata/fail"}, Options{Now: fixedClock})
	if err != nil {
		t.Fatal(err)
	}
	if !report.Failed() {
		t.Fatal("report.Failed() = false for the failing suite")
	}
	errs := map[string]error{}
	for _, tr := range report.Suites[0].Tests {
		errs[tr.Name] = tr.Err
		for _, c := range tr.Cases {
			errs[tr.Name+"/"+c.Name] = c.Err
		}
	}
	var templateErr *engine.TemplateError
	tests := []struct {
		key   string
		check func(error) bool
	}{
		{"wrong-expectations/correct-expectation", func(err error) bool { return err == nil }},
		{"wrong-expectations/expects-too-few", func(err error) bool {
			return errors.Is(err, ErrAssertion) && strings.Contains(err.Error(), "got 2 violations, want exactly 1")
		}},
		{"wrong-expectations/message-does-not-match", func(err error) bool {
			return errors.Is(err, ErrAssertion) && strings.Contains(err.Error(), `matching "colour"`)
		}},
		{"wrong-expectations/no-assertions", func(err error) bool { return errors.Is(err, ErrNoAssertions) }},
		{"wrong-expectations/object-file-missing", func(err error) bool { return errors.Is(err, fs.ErrNotExist) }},
		{"template-does-not-compile", func(err error) bool {
			return errors.As(err, &templateErr) && strings.Contains(err.Error(), "broken-template.yaml: document 1")
		}},
		{"valid-constraint-marked-invalid", func(err error) bool { return errors.Is(err, ErrValidConstraint) }},
	}
	for _, tc := range tests {
		err, ok := errs[tc.key]
		if !ok {
			t.Errorf("%s: no result", tc.key)
			continue
		}
		if !tc.check(err) {
			t.Errorf("%s: unexpected error %v", tc.key, err)
		}
	}
}

func TestRunFilter(t *testing.T) {
	report, err := Run(context.Background(), []string{"testdata/pass/..."}, Options{Run: "protected//^delete"})
	if err != nil {
		t.Fatal(err)
	}
	var ran []string
	for key, state := range outcomes(report) {
		if state == "ran" {
			ran = append(ran, key)
		}
	}
	want := []string{"protected-configmaps/delete-protected", "protected-configmaps/delete-unprotected"}
	if diff := cmp.Diff(want, ran, cmpSorted); diff != "" {
		t.Errorf("cases run (-want +got):\n%s", diff)
	}
	if _, err := Run(context.Background(), []string{"testdata/pass/..."}, Options{Run: "a//b//c"}); err == nil {
		t.Error("Run() with a bad --run: want error")
	}
}

var cmpSorted = cmp.Transformer("sort", func(in []string) []string {
	out := append([]string(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
})

// BenchmarkRun measures `portcullis verify` on the example suites: template
// compilation per test plus every case's review.
//
//	go test ./engine/suite -run '^$' -bench Run -benchmem
func BenchmarkRun(b *testing.B) {
	suites, err := Find([]string{"testdata/pass/..."})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		if _, err := RunSuites(ctx, suites, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
