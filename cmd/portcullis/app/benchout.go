package app

import (
	"fmt"
	"io"
	"math"
	"slices"
	"text/tabwriter"
	"time"
)

// benchEngine names the engine in bench output, as gator's "engine" key.
const benchEngine = "rego"

// benchJSON has the keys and Go duration strings of `gator bench -o json`.
type benchJSON struct {
	Engine           string         `json:"engine"`
	TemplateCount    int            `json:"templateCount"`
	ConstraintCount  int            `json:"constraintCount"`
	ObjectCount      int            `json:"objectCount"`
	Iterations       int            `json:"iterations"`
	Concurrency      int            `json:"concurrency,omitempty"`
	TotalReviews     int            `json:"totalReviews"`
	SetupDuration    string         `json:"setupDuration"`
	SetupBreakdown   setupBreakdown `json:"setupBreakdown"`
	TotalDuration    string         `json:"totalDuration"`
	Latencies        latencySummary `json:"latencies"`
	ViolationCount   int            `json:"violationCount"`
	ReviewsPerSecond float64        `json:"reviewsPerSecond"`
}

type setupBreakdown struct {
	ClientCreation      string `json:"clientCreation"`
	TemplateCompilation string `json:"templateCompilation"`
	ConstraintLoading   string `json:"constraintLoading"`
	DataLoading         string `json:"dataLoading"`
}

type latencySummary struct {
	Min  string `json:"min"`
	Max  string `json:"max"`
	Mean string `json:"mean"`
	P50  string `json:"p50"`
	P95  string `json:"p95"`
	P99  string `json:"p99"`
}

// stats are the latency figures of a run.
type stats struct {
	min, max, mean, p50, p95, p99 time.Duration
}

func summarize(latencies []time.Duration) stats {
	if len(latencies) == 0 {
		return stats{}
	}
	sorted := slices.Clone(latencies)
	slices.Sort(sorted)
	var sum time.Duration
	for _, l := range sorted {
		sum += l
	}
	return stats{
		min:  sorted[0],
		max:  sorted[len(sorted)-1],
		mean: sum / time.Duration(len(sorted)),
		p50:  percentile(sorted, 50),
		p95:  percentile(sorted, 95),
		p99:  percentile(sorted, 99),
	}
}

// percentile is the nearest-rank percentile of sorted latencies.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = max(rank, 1)
	return sorted[min(rank, len(sorted))-1]
}

func (r *benchRun) reviews() int { return len(r.latencies) }

func (r *benchRun) throughput() float64 {
	if r.total <= 0 {
		return 0
	}
	return float64(r.reviews()) / r.total.Seconds()
}

func (r *benchRun) toJSON() benchJSON {
	s := summarize(r.latencies)
	out := benchJSON{
		Engine:          benchEngine,
		TemplateCount:   r.templates,
		ConstraintCount: r.constraints,
		ObjectCount:     r.objects,
		Iterations:      r.iterations,
		TotalReviews:    r.reviews(),
		SetupDuration:   r.setup.String(),
		SetupBreakdown: setupBreakdown{
			ClientCreation:      r.clientCreation.String(),
			TemplateCompilation: r.templateCompile.String(),
			ConstraintLoading:   r.constraintLoad.String(),
			DataLoading:         r.dataLoad.String(),
		},
		TotalDuration: r.total.String(),
		Latencies: latencySummary{
			Min: s.min.String(), Max: s.max.String(), Mean: s.mean.String(),
			P50: s.p50.String(), P95: s.p95.String(), P99: s.p99.String(),
		},
		ViolationCount:   r.violations,
		ReviewsPerSecond: r.throughput(),
	}
	if r.concurrency > 1 {
		out.Concurrency = r.concurrency
	}
	return out
}

// writeBench prints a run. JSON and YAML are a list with one entry per
// engine, as gator prints them.
func writeBench(w io.Writer, r *benchRun, format string) error {
	switch format {
	case formatJSON:
		return writeJSON(w, []benchJSON{r.toJSON()})
	case formatYAML:
		return writeYAML(w, []benchJSON{r.toJSON()})
	}
	s := summarize(r.latencies)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Templates:\t%d\n", r.templates)
	fmt.Fprintf(tw, "Constraints:\t%d\n", r.constraints)
	fmt.Fprintf(tw, "Objects:\t%d\n", r.objects)
	fmt.Fprintf(tw, "Iterations:\t%d\n", r.iterations)
	fmt.Fprintf(tw, "Concurrency:\t%d\n", r.concurrency)
	fmt.Fprintf(tw, "Reviews:\t%d\n", r.reviews())
	fmt.Fprintf(tw, "Setup:\t%s\t(engine %s, templates %s, constraints %s, data %s)\n",
		r.setup, r.clientCreation, r.templateCompile, r.constraintLoad, r.dataLoad)
	fmt.Fprintf(tw, "Total:\t%s\n", r.total)
	fmt.Fprintf(tw, "Throughput:\t%.2f reviews/s\n", r.throughput())
	fmt.Fprintf(tw, "Latency:\tmin %s\tmean %s\tp50 %s\tp95 %s\tp99 %s\tmax %s\n",
		s.min, s.mean, s.p50, s.p95, s.p99, s.max)
	fmt.Fprintf(tw, "Violations:\t%d\t(one pass over the objects)\n", r.violations)
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("writing table: %w", err)
	}
	return nil
}
