package admission

import (
	"fmt"
	"io"
	"time"
)

// WriteMarkdown renders rows as a table of latency added over the
// no-webhook baseline at the same concurrency and, when the allow-all
// webhook ran, over calling a webhook without policy.
func WriteMarkdown(w io.Writer, rows []Row) {
	base, allowAll := map[int]Row{}, map[int]Row{}
	for _, r := range rows {
		switch r.System {
		case Baseline:
			base[r.Concurrency] = r
		case AllowAll:
			allowAll[r.Concurrency] = r
		}
	}
	fmt.Fprintln(w, "| system | clients | creates | errors | P50 | P99 | added P50 | added P99 | over allow-all P50 | over allow-all P99 | creates/s |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		addedP50, addedP99 := added(r, base)
		overP50, overP99 := "", ""
		if r.System != Baseline {
			overP50, overP99 = added(r, allowAll)
		}
		fmt.Fprintf(w, "| %s | %d | %d | %d | %s | %s | %s | %s | %s | %s | %.0f |\n", r.System, r.Concurrency, r.Requests,
			r.Errors, ms(r.P50), ms(r.P99), addedP50, addedP99, overP50, overP99, r.PerSecond)
	}
	fmt.Fprintln(w)
}

// added returns r's P50 and P99 less those of the reference row at the
// same concurrency, or empty strings for the reference itself or none.
func added(r Row, ref map[int]Row) (string, string) {
	b, ok := ref[r.Concurrency]
	if !ok || b.System == r.System {
		return "", ""
	}
	return ms(r.P50 - b.P50), ms(r.P99 - b.P99)
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
