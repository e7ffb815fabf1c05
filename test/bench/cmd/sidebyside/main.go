// Command sidebyside runs the Portcullis vs Gatekeeper comparisons and
// writes results.md and results.json into -out. Run it from test/bench.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/portcullis-dev/portcullis/test/bench"
	"github.com/portcullis-dev/portcullis/test/bench/admission"
)

type options struct {
	libraryDir string
	outDir     string
	rounds     int
	benchtime  string
	iterations int
	skipCLI    bool
	admission  bool
	creates    int
	systems    string
	// auditNamespaces of 100 Pods each; 0 skips the audit comparison.
	auditNamespaces int
	auditSystems    string
}

// results is everything one run writes.
type results struct {
	*bench.Results
	Admission []admission.Row      `json:"admission,omitempty"`
	Audit     []admission.AuditRow `json:"audit,omitempty"`
}

func main() {
	if len(os.Args) == 4 && os.Args[1] == admission.AllowAllCommand {
		if err := admission.ServeAllowAll(os.Args[2], os.Args[3]); err != nil {
			fmt.Fprintln(os.Stderr, "sidebyside:", err)
			os.Exit(1)
		}
		return
	}
	testing.Init()
	ctrllog.SetLogger(logr.Discard())
	var o options
	flag.StringVar(&o.libraryDir, "library", filepath.Join("..", "..", "library"), "Portcullis library directory")
	flag.StringVar(&o.outDir, "out", "results", "directory for results.md and results.json")
	flag.IntVar(&o.rounds, "rounds", 5, "alternating benchmark rounds per system and object")
	flag.StringVar(&o.benchtime, "benchtime", "1s", "time per benchmark round")
	flag.IntVar(&o.iterations, "iterations", 200, "iterations for the bench CLIs")
	flag.BoolVar(&o.skipCLI, "skip-cli", false, "skip the gator bench vs portcullis bench comparison")
	flag.BoolVar(&o.admission, "admission", true, "compare admission through a real kube-apiserver")
	flag.StringVar(&o.systems, "admission-systems", "none,allow-all,portcullis,gatekeeper", "systems to run pod creates through (allow-all: a webhook without policy)")
	flag.IntVar(&o.auditNamespaces, "audit-namespaces", 100, "namespaces of 100 Pods for the audit comparison; 0 skips it")
	flag.StringVar(&o.auditSystems, "audit-systems", "portcullis,gatekeeper", "systems whose audit is compared")
	flag.IntVar(&o.creates, "creates", 1000, "least pod creates timed per concurrency level (the P99 of 1,000 is the 10th slowest)")
	flag.Parse()
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "sidebyside:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	if err := flag.Set("test.benchtime", o.benchtime); err != nil {
		return fmt.Errorf("benchtime: %w", err)
	}
	w, err := bench.LoadWorkload(o.libraryDir, "testdata")
	if err != nil {
		return err
	}
	res := &results{Results: &bench.Results{Machine: bench.ThisMachine(time.Now())}}
	if res.Engine, err = compareEngines(ctx, w, o.rounds); err != nil {
		return err
	}
	if !o.skipCLI {
		if err := compareCLIs(ctx, w, o, res.Results); err != nil {
			return err
		}
	}
	if o.admission {
		res.Admission, err = compareAdmission(ctx, w, o)
		if err != nil {
			// Keep what was measured; the error still fails the run.
			_ = write(o.outDir, res)
			return err
		}
	}
	if o.auditNamespaces > 0 {
		res.Audit, err = compareAudit(ctx, w, o)
		if err != nil {
			_ = write(o.outDir, res)
			return err
		}
	}
	return write(o.outDir, res)
}

func compareEngines(ctx context.Context, w *bench.Workload, rounds int) ([]bench.EngineRow, error) {
	g, err := bench.NewGatekeeper(ctx, w)
	if err != nil {
		return nil, err
	}
	p, err := bench.NewPortcullis(w)
	if err != nil {
		return nil, err
	}
	fmt.Fprintln(os.Stderr, "sidebyside: engine comparison")
	return bench.CompareEngines(ctx, w, []bench.Reviewer{g, p}, rounds)
}

// compareCLIs runs gator bench (Rego engine) and portcullis bench on the
// same workload directory (templates adapted for Gatekeeper in its copy).
func compareCLIs(ctx context.Context, w *bench.Workload, o options, res *bench.Results) error {
	tmp, err := os.MkdirTemp("", "portcullis-bench-")
	if err != nil {
		return fmt.Errorf("workload dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	n := strconv.Itoa(o.iterations)
	runs := []struct {
		system string
		bin    bench.Binary
		args   func(dir string) []string
	}{
		{"gatekeeper", bench.Gator, func(dir string) []string {
			return []string{"bench", "-f", dir, "-e", "rego", "-n", n, "--warmup", "10", "--memory", "-o", "json"}
		}},
		{"portcullis", bench.PortcullisCLI, func(dir string) []string {
			return []string{"bench", "-f", dir, "--iterations", n, "--warmup", "10", "-o", "json"}
		}},
	}
	res.CLI, res.CLICommands = map[string]*bench.CLIResult{}, map[string]string{}
	for _, r := range runs {
		fmt.Fprintf(os.Stderr, "sidebyside: %s bench CLI\n", r.system)
		bin, err := r.bin.Ensure(ctx, ".")
		if err != nil {
			return err
		}
		dir := filepath.Join(tmp, r.system)
		if err := bench.WriteWorkloadDir(w, dir, r.system == "gatekeeper"); err != nil {
			return err
		}
		args := r.args(dir)
		out, _, err := bench.RunCLI(ctx, bin, args...)
		if err != nil {
			return err
		}
		res.CLI[r.system] = out
		res.CLICommands[r.system] = r.bin.Name + " " + strings.ReplaceAll(strings.Join(args, " "), tmp, "$WORKLOAD")
	}
	return nil
}

func write(dir string, res *results) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("results dir: %w", err)
	}
	raw, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return fmt.Errorf("encode results: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), append(raw, '\n'), 0o644); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	f, err := os.Create(filepath.Join(dir, "results.md"))
	if err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	defer f.Close()
	for _, out := range []io.Writer{f, os.Stdout} {
		res.WriteMarkdown(out)
		if len(res.Admission) > 0 {
			admission.WriteMarkdown(out, res.Admission)
		}
		if len(res.Audit) > 0 {
			admission.WriteAuditMarkdown(out, res.Audit)
		}
	}
	return nil
}
