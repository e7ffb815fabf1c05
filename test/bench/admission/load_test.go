package admission

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      int
		want   time.Duration
	}{
		{name: "empty", sorted: nil, p: 50, want: 0},
		{name: "one value", sorted: ms(7), p: 99, want: 7 * time.Millisecond},
		{name: "median of four is the second (nearest rank)", sorted: ms(1, 2, 3, 4), p: 50, want: 2 * time.Millisecond},
		{name: "p99 of 1..100", sorted: ms(hundred...), p: 99, want: 99 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("percentile(%d) = %s, want %s", tt.p, got, tt.want)
			}
		})
	}
}

func TestFindLogDurations(t *testing.T) {
	log := `{"level":"info","msg":"audit starting"}
{"level":"info","msg":"audit run finished","duration":"1m2.5s","reviewed":10}
not json, audit run finished
{"level":"info","msg":"auditing is complete","duration":"3s"}
{"level":"info","msg":"audit run finished","duration":"4s"}
`
	path := filepath.Join(t.TempDir(), "x.log")
	if err := os.WriteFile(path, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := findLogDurations(path, "audit run finished")
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{62500 * time.Millisecond, 4 * time.Second}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("findLogDurations() = %v, want %v", got, want)
	}
}
