package app

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/portcullis-dev/portcullis/cmd/portcullis/manager"
	"github.com/portcullis-dev/portcullis/engine"
	"github.com/portcullis-dev/portcullis/engine/load"
)

type benchOptions struct {
	files       []string
	iterations  int
	concurrency int
	warmup      int
	output      string
	evaluator   manager.Evaluator
}

func newBenchCommand() *cobra.Command {
	opts := benchOptions{}
	cmd := &cobra.Command{
		Use:   "bench -f DIR --iterations N",
		Short: "Measure setup time, review latency and throughput of the engine",
		Long: `Load the templates, constraints and objects found in the inputs (as 'test' sorts
them), then review every object --iterations times with --concurrency workers.
Reports setup time, per-review latency (min, mean, P50, P95, P99, max),
throughput and the violations found in one pass over the objects. -o json and
-o yaml use the keys and Go duration strings of 'gator bench'.`,
		Example: `  portcullis bench -f library/general/ -f samples/ --iterations 1000
  portcullis bench -f policies/ --iterations 500 --concurrency 4 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := parseFormat(opts.output)
			if err != nil {
				return err
			}
			if opts.iterations < 1 || opts.concurrency < 1 || opts.warmup < 0 {
				return errors.New("--iterations and --concurrency must be at least 1, --warmup at least 0")
			}
			in, err := readInputs(opts.files, "", cmd.InOrStdin())
			if err != nil {
				return err
			}
			run, err := runBench(cmd.Context(), in, opts)
			if err != nil {
				return err
			}
			return writeBench(cmd.OutOrStdout(), run, format)
		},
	}
	cmd.Flags().StringArrayVarP(&opts.files, "filename", "f", nil, "file or directory to read, or - for stdin (repeatable)")
	cmd.Flags().IntVar(&opts.iterations, "iterations", 100, "times every object is reviewed")
	cmd.Flags().IntVar(&opts.concurrency, "concurrency", 1, "reviews run in parallel")
	cmd.Flags().IntVar(&opts.warmup, "warmup", 0, "unmeasured passes over the objects before measuring")
	cmd.Flags().StringVarP(&opts.output, "output", "o", "table", "output format: table, json or yaml")
	cmd.Flags().Var(&opts.evaluator, "rego-evaluator", manager.EvaluatorUsage)
	return cmd
}

// benchRun holds what one benchmark measured.
type benchRun struct {
	templates, constraints, objects int
	iterations, concurrency         int
	clientCreation, templateCompile time.Duration
	constraintLoad, dataLoad        time.Duration
	setup, total                    time.Duration
	latencies                       []time.Duration
	violations                      int
}

func runBench(ctx context.Context, in *inputs, opts benchOptions) (*benchRun, error) {
	if len(in.objects) == 0 {
		return nil, errors.New("no objects to review: the inputs hold only templates and constraints")
	}
	run := &benchRun{
		templates: len(in.templates), constraints: len(in.constraints), objects: len(in.objects),
		iterations: opts.iterations, concurrency: opts.concurrency,
	}
	eng, nss, err := benchSetup(in, run, engine.Options{Evaluator: string(opts.evaluator)})
	if err != nil {
		return nil, err
	}
	r := &reviewer{eng: eng, nss: nss, docs: in.objects}
	if opts.warmup > 0 {
		if _, _, err := r.pass(ctx, opts.warmup, opts.concurrency); err != nil {
			return nil, err
		}
	}
	start := time.Now()
	run.latencies, run.violations, err = r.pass(ctx, opts.iterations, opts.concurrency)
	run.total = time.Since(start)
	return run, err
}

// benchSetup builds the engine, timing each phase into run.
func benchSetup(in *inputs, run *benchRun, opts engine.Options) (*engine.Engine, load.Namespaces, error) {
	start := time.Now()
	eng := engine.New(opts)
	run.clientCreation = time.Since(start)

	t := time.Now()
	if err := addTemplates(eng, in.templates); err != nil {
		return nil, nil, err
	}
	run.templateCompile = time.Since(t)

	t = time.Now()
	if err := addConstraints(eng, in.constraints); err != nil {
		return nil, nil, err
	}
	run.constraintLoad = time.Since(t)

	t = time.Now()
	nss, err := addInventory(eng, in.objects)
	if err != nil {
		return nil, nil, err
	}
	run.dataLoad = time.Since(t)
	run.setup = time.Since(start)
	return eng, nss, nil
}

// reviewer reviews the benchmark's objects.
type reviewer struct {
	eng  *engine.Engine
	nss  load.Namespaces
	docs []load.Document
}

// pass reviews every object iterations times on workers goroutines. Each
// latency covers building the review from the object and evaluating it, as
// a webhook request would. violations are those of the first pass.
func (r *reviewer) pass(ctx context.Context, iterations, workers int) ([]time.Duration, int, error) {
	n := len(r.docs)
	latencies := make([]time.Duration, iterations*n)
	var next, violations atomic.Int64
	g, ctx := errgroup.WithContext(ctx)
	for range workers {
		g.Go(func() error {
			for {
				k := int(next.Add(1) - 1)
				if k >= len(latencies) {
					return nil
				}
				start := time.Now()
				found, err := r.reviewOne(ctx, &r.docs[k%n])
				latencies[k] = time.Since(start)
				if err != nil {
					return err
				}
				if k < n {
					violations.Add(int64(found))
				}
			}
		})
	}
	err := g.Wait()
	return latencies, int(violations.Load()), err
}

func (r *reviewer) reviewOne(ctx context.Context, doc *load.Document) (int, error) {
	review, err := load.Review(doc, r.nss)
	if err != nil {
		return 0, err
	}
	resp, err := r.eng.Review(ctx, review, engine.CLIEnforcementPoint)
	if err != nil {
		return 0, doc.Wrap(fmt.Errorf("reviewing: %w", err))
	}
	found := 0
	for _, res := range resp.Results {
		if res.Err == nil {
			found++
		}
	}
	return found, nil
}
