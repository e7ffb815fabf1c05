package bench

import (
	"context"
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
)

// EngineRow is one system reviewing one object, the median of Rounds
// testing.Benchmark runs.
type EngineRow struct {
	System      string  `json:"system"`
	Object      string  `json:"object"`
	Rounds      int     `json:"rounds"`
	NsPerReview float64 `json:"nsPerReview"`
	// NsPerReviewAll lists every round, in run order.
	NsPerReviewAll []float64 `json:"nsPerReviewAll"`
	// CPUNsPerReview is process CPU time (user+system, GC included) per
	// review, the median round; on a shared, loaded machine it is a
	// steadier measure of work than wall time.
	CPUNsPerReview    float64   `json:"cpuNsPerReview"`
	CPUNsPerReviewAll []float64 `json:"cpuNsPerReviewAll"`
	BytesPerReview    int64     `json:"bytesPerReview"`
	AllocsPerReview   int64     `json:"allocsPerReview"`
	ViolationsPerRun  int       `json:"violations"`
}

// CompareEngines benchmarks every reviewer on every workload object.
// Rounds alternate between the systems, so that a change in machine load
// hits both alike; each row reports the median round.
func CompareEngines(ctx context.Context, w *Workload, rs []Reviewer, rounds int) ([]EngineRow, error) {
	var rows []EngineRow
	for _, object := range []string{PrivilegedPod, CompliantPod} {
		req, err := AdmissionRequest(w.Objects[object])
		if err != nil {
			return nil, err
		}
		objRows := make([]EngineRow, len(rs))
		for i, r := range rs {
			msgs, err := r.Review(ctx, req)
			if err != nil {
				return nil, fmt.Errorf("review %s with %s: %w", object, r.Name(), err)
			}
			objRows[i] = EngineRow{System: r.Name(), Object: object, Rounds: rounds, ViolationsPerRun: len(msgs)}
		}
		for range rounds {
			for i, r := range rs {
				var cpu time.Duration
				res := testing.Benchmark(func(b *testing.B) { cpu = benchOne(ctx, b, r, req) })
				row := &objRows[i]
				n := float64(max(res.N, 1))
				row.NsPerReviewAll = append(row.NsPerReviewAll, float64(res.T.Nanoseconds())/n)
				row.CPUNsPerReviewAll = append(row.CPUNsPerReviewAll, float64(cpu.Nanoseconds())/n)
				row.BytesPerReview = res.AllocedBytesPerOp()
				row.AllocsPerReview = res.AllocsPerOp()
			}
		}
		for i := range objRows {
			objRows[i].NsPerReview = median(objRows[i].NsPerReviewAll)
			objRows[i].CPUNsPerReview = median(objRows[i].CPUNsPerReviewAll)
		}
		rows = append(rows, objRows...)
	}
	return rows, nil
}

// benchOne times r and returns the process CPU time its loop used. With
// b.Loop the function runs once, so that covers all b.N reviews.
func benchOne(ctx context.Context, b *testing.B, r Reviewer, req *admissionv1.AdmissionRequest) time.Duration {
	b.ReportAllocs()
	start := processCPU()
	for b.Loop() {
		if _, err := r.Review(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	return processCPU() - start
}

// processCPU is the user plus system CPU time of this process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
