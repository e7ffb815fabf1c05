package admission

import (
	"fmt"
	"io"
	"time"
)

// WriteMarkdown renders rows as a table of latency added over the
// no-webhook baseline at the same concurrency.
func WriteMarkdown(w io.Writer, rows []Row) {
	base := map[int]Row{}
	for _, r := range rows {
		if r.System == Baseline {
			base[r.Concurrency] = r
		}
	}
	fmt.Fprintln(w, "| system | clients | creates | errors | P50 | P99 | added P50 | added P99 | creates/s |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		b, ok := base[r.Concurrency]
		addedP50, addedP99 := "", ""
		if ok && r.System != Baseline {
			addedP50, addedP99 = ms(r.P50-b.P50), ms(r.P99-b.P99)
		}
		fmt.Fprintf(w, "| %s | %d | %d | %d | %s | %s | %s | %s | %.0f |\n", r.System, r.Concurrency, r.Requests,
			r.Errors, ms(r.P50), ms(r.P99), addedP50, addedP99, r.PerSecond)
	}
	fmt.Fprintln(w)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

// WriteAuditMarkdown renders the audit comparison.
func WriteAuditMarkdown(w io.Writer, rows []AuditRow) {
	fmt.Fprintln(w, "| system | Pods | first full audit | peak RSS | new violation in status after |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, r := range rows {
		nv := "not within the timeout"
		if r.NewViolation > 0 {
			nv = r.NewViolation.Round(time.Second).String()
		}
		fmt.Fprintf(w, "| %s | %d | %s | %.0f MiB | %s |\n", r.System, r.Pods, r.Duration.Round(100*time.Millisecond),
			float64(r.PeakRSS)/(1<<20), nv)
	}
	fmt.Fprintln(w)
}
