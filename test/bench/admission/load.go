package admission

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Row is one system at one concurrency.
type Row struct {
	System      string        `json:"system"`
	Concurrency int           `json:"concurrency"`
	Requests    int           `json:"requests"`
	Errors      int           `json:"errors"`
	FirstError  string        `json:"firstError,omitempty"`
	P50         time.Duration `json:"p50"`
	P99         time.Duration `json:"p99"`
	PerSecond   float64       `json:"createsPerSecond"`
}

// createPods creates n copies of pod (named prefix-i) with c workers and
// times every create.
func createPods(ctx context.Context, cs kubernetes.Interface, pod *corev1.Pod, prefix string, n, c int) Row {
	latencies := make([]time.Duration, n)
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Go(func() {
			for i := range next {
				p := pod.DeepCopy()
				p.Name = fmt.Sprintf("%s-%d", prefix, i)
				t0 := time.Now()
				_, errs[i] = cs.CoreV1().Pods(p.Namespace).Create(ctx, p, metav1.CreateOptions{})
				latencies[i] = time.Since(t0)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	wall := time.Since(start)
	row := Row{Concurrency: c, Requests: n, PerSecond: float64(n) / wall.Seconds()}
	for _, err := range errs {
		if err != nil {
			if row.Errors == 0 {
				row.FirstError = err.Error()
			}
			row.Errors++
		}
	}
	slices.Sort(latencies)
	row.P50, row.P99 = percentile(latencies, 50), percentile(latencies, 99)
	return row
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100
	return sorted[max(rank, 1)-1]
}
