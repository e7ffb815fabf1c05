package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"sigs.k8s.io/yaml"
)

// CLIResult is the part of `gator bench -o json` (and the same keys of
// `portcullis bench -o json`) that the comparison reads.
type CLIResult struct {
	Engine          string   `json:"engine"`
	TemplateCount   int      `json:"templateCount"`
	ConstraintCount int      `json:"constraintCount"`
	ObjectCount     int      `json:"objectCount"`
	Iterations      int      `json:"iterations"`
	SetupDuration   Duration `json:"setupDuration"`
	TotalDuration   Duration `json:"totalDuration"`
	Latencies       struct {
		P50 Duration `json:"p50"`
		P95 Duration `json:"p95"`
		P99 Duration `json:"p99"`
	} `json:"latencies"`
	ViolationCount   int     `json:"violationCount"`
	ReviewsPerSecond float64 `json:"reviewsPerSecond"`
	MemoryStats      *struct {
		AllocsPerReview uint64 `json:"allocsPerReview"`
		// BytesPerReview is human-readable in gator ("1.39 MB").
		BytesPerReview any `json:"bytesPerReview"`
	} `json:"memoryStats,omitempty"`
}

// Duration reads a JSON duration written either as a Go duration string
// or as integer nanoseconds.
type Duration time.Duration

// UnmarshalJSON implements json.Unmarshaler.
func (d *Duration) UnmarshalJSON(b []byte) error {
	if s, err := strconv.Unquote(string(b)); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("parse duration %q: %w", s, err)
		}
		*d = Duration(v)
		return nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("parse duration %s: %w", b, err)
	}
	*d = Duration(n)
	return nil
}

// MarshalJSON writes the Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// WriteWorkloadDir writes the workload as YAML files into dir: templates,
// constraints and the reviewed Pods. With gatekeeper set, templates are
// written in the form Gatekeeper accepts (see ForGatekeeper).
func WriteWorkloadDir(w *Workload, dir string, gatekeeper bool) error {
	write := func(name string, obj map[string]any) error {
		raw, err := yaml.Marshal(obj)
		if err != nil {
			return fmt.Errorf("encode %s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), raw, 0o644); err != nil {
			return fmt.Errorf("write workload: %w", err)
		}
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write workload: %w", err)
	}
	for i, p := range w.Policies {
		t := p.Template
		if gatekeeper {
			t = ForGatekeeper(t)
		}
		if err := write(fmt.Sprintf("template-%02d.yaml", i), t); err != nil {
			return err
		}
		if err := write(fmt.Sprintf("constraint-%02d.yaml", i), p.Constraint); err != nil {
			return err
		}
	}
	for name, obj := range w.Objects {
		if err := write("object-"+name+".yaml", obj); err != nil {
			return err
		}
	}
	return nil
}

// RunCLI runs a bench command that prints JSON and decodes its first entry.
func RunCLI(ctx context.Context, bin string, args ...string) (*CLIResult, []byte, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, nil, fmt.Errorf("run %s %v: %w: %s", bin, args, err, stderr.Bytes())
	}
	raw := stdout.Bytes()
	// gator may print warnings before the JSON.
	if i := bytes.IndexAny(raw, "[{"); i > 0 {
		raw = raw[i:]
	}
	if raw[0] == '{' {
		raw = append(append([]byte{'['}, raw...), ']')
	}
	var list []CLIResult
	if err := json.Unmarshal(raw, &list); err != nil || len(list) == 0 {
		return nil, raw, fmt.Errorf("decode output of %s: %w (%d entries)", bin, err, len(list))
	}
	return &list[0], raw, nil
}
