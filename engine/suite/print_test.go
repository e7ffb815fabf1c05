package suite

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// sampleReport has one passing and one failing suite with every kind of
// result: passed, failed and skipped tests and cases, a test-level error and
// a multi-line case error.
func sampleReport() *Report {
	ms := time.Millisecond
	return &Report{Suites: []SuiteResult{{
		Path:     "lib/a/suite.yaml",
		Duration: 12 * ms,
		Tests: []TestResult{{
			Name: "t1", Duration: 5 * ms,
			Cases: []CaseResult{{Name: "c1", Duration: ms}, {Name: "c2", Skipped: true}},
		}, {Name: "t2", Skipped: true}},
	}, {
		Path:     "lib/b/suite.yaml",
		Duration: 1500 * ms,
		Tests: []TestResult{{
			Name: "t3", Duration: 3 * ms,
			Cases: []CaseResult{
				{Name: "c3", Duration: 2 * ms, Err: errors.New("assertion 1: got 0 violations\nsecond line")},
				{Name: "c4", Duration: ms},
			},
		}, {
			Name: "t4", Duration: 4 * ms, Err: errors.New("template.yaml: document 1 (line 1): bad rego"),
		}},
	}, {
		Path:    "lib/c/suite.yaml",
		Skipped: true,
	}}}
}

func TestWriteGo(t *testing.T) {
	for _, verbose := range []bool{false, true} {
		name := "print"
		if verbose {
			name += "-verbose"
		}
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteGo(&buf, sampleReport(), verbose); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", "golden", name+".golden"), buf.Bytes())
		})
	}
}

// golden compares got with the named file, rewriting it under -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run with -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}
