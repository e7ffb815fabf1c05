package admission

import (
	"strings"
	"testing"
	"time"
)

func TestWriteMarkdownSubtractsReferences(t *testing.T) {
	rows := []Row{
		{System: Baseline, Concurrency: 16, P50: 10 * time.Millisecond, P99: 20 * time.Millisecond},
		{System: AllowAll, Concurrency: 16, P50: 12 * time.Millisecond, P99: 25 * time.Millisecond},
		{System: "portcullis", Concurrency: 16, P50: 13 * time.Millisecond, P99: 27 * time.Millisecond},
		{System: "portcullis", Concurrency: 1, P50: 3 * time.Millisecond, P99: 4 * time.Millisecond},
	}
	var buf strings.Builder
	WriteMarkdown(&buf, rows)
	lines := strings.Split(buf.String(), "\n")
	for i, want := range []string{
		"| none | 16 | 0 | 0 | 10.0 ms | 20.0 ms |  |  |  |  | 0 |",
		"| allow-all | 16 | 0 | 0 | 12.0 ms | 25.0 ms | 2.0 ms | 5.0 ms |  |  | 0 |",
		"| portcullis | 16 | 0 | 0 | 13.0 ms | 27.0 ms | 3.0 ms | 7.0 ms | 1.0 ms | 2.0 ms | 0 |",
		"| portcullis | 1 | 0 | 0 | 3.0 ms | 4.0 ms |  |  |  |  | 0 |",
	} {
		if got := lines[2+i]; got != want {
			t.Errorf("row %d:\n got %s\nwant %s", i, got, want)
		}
	}
}
