package bench

import (
	"fmt"
	"io"
	"time"
)

// Results is everything one side-by-side run measured.
type Results struct {
	Machine Machine     `json:"machine"`
	Engine  []EngineRow `json:"engine"`
	// CLI maps a system to its bench command's result.
	CLI map[string]*CLIResult `json:"cli,omitempty"`
	// CLICommands are the exact commands run, by system.
	CLICommands map[string]string `json:"cliCommands,omitempty"`
}

// WriteMarkdown renders the results as Markdown tables.
func (r *Results) WriteMarkdown(w io.Writer) {
	m := r.Machine
	fmt.Fprintf(w, "Run %s on %d CPUs (%s), %s, load average %s, Gatekeeper %s.\n\n",
		m.Date.Format(time.RFC3339), m.CPUs, m.CPUModel, m.GoVer, m.LoadAvg, m.Gatekeeper)
	r.writeEngine(w)
	r.writeCLI(w)
}

func (r *Results) writeEngine(w io.Writer) {
	fmt.Fprintln(w, "| object | violations | Gatekeeper CPU µs/review | Portcullis CPU µs/review | CPU speed-up | wall speed-up | Gatekeeper allocs | Portcullis allocs | Gatekeeper B | Portcullis B |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|")
	byKey := map[string]EngineRow{}
	for _, row := range r.Engine {
		byKey[row.System+"/"+row.Object] = row
	}
	for _, obj := range []string{PrivilegedPod, CompliantPod} {
		g, p := byKey["gatekeeper/"+obj], byKey["portcullis/"+obj]
		fmt.Fprintf(w, "| %s | %d | %.1f | %.1f | %.1f× | %.1f× | %d | %d | %d | %d |\n", obj, p.ViolationsPerRun,
			g.CPUNsPerReview/1e3, p.CPUNsPerReview/1e3, ratio(g.CPUNsPerReview, p.CPUNsPerReview),
			ratio(g.NsPerReview, p.NsPerReview),
			g.AllocsPerReview, p.AllocsPerReview, g.BytesPerReview, p.BytesPerReview)
	}
	fmt.Fprintln(w)
}

func (r *Results) writeCLI(w io.Writer) {
	g, p := r.CLI["gatekeeper"], r.CLI["portcullis"]
	if g == nil || p == nil {
		return
	}
	fmt.Fprintln(w, "| `bench` CLI | gator (Rego) | portcullis | Gatekeeper ÷ Portcullis |")
	fmt.Fprintln(w, "|---|---|---|---|")
	durs := []struct {
		name string
		g, p Duration
	}{
		{"P50", g.Latencies.P50, p.Latencies.P50},
		{"P95", g.Latencies.P95, p.Latencies.P95},
		{"P99", g.Latencies.P99, p.Latencies.P99},
		{"setup", g.SetupDuration, p.SetupDuration},
	}
	for _, d := range durs {
		fmt.Fprintf(w, "| %s | %s | %s | %.1f× |\n", d.name, time.Duration(d.g), time.Duration(d.p),
			ratio(float64(d.g), float64(d.p)))
	}
	fmt.Fprintf(w, "| reviews/s | %.0f | %.0f | %.2f× (Portcullis ÷ Gatekeeper) |\n",
		g.ReviewsPerSecond, p.ReviewsPerSecond, ratio(p.ReviewsPerSecond, g.ReviewsPerSecond))
	fmt.Fprintf(w, "| violations | %d | %d | |\n", g.ViolationCount, p.ViolationCount)
	if g.MemoryStats != nil {
		fmt.Fprintf(w, "| allocs/review | %d | not reported (see engine table) | |\n", g.MemoryStats.AllocsPerReview)
	}
	fmt.Fprintln(w)
	for _, sys := range []string{"gatekeeper", "portcullis"} {
		fmt.Fprintf(w, "    %s\n", r.CLICommands[sys])
	}
	fmt.Fprintln(w)
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
