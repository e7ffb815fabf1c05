package engine

import (
	"syscall"
	"testing"
	"time"
)

// cpuTimer measures the CPU time (user and system, all threads, GC
// included) the process spends in a benchmark loop. On a shared machine
// wall-clock ns/op also counts time spent waiting for a core; cpu-ns/op
// does not.
type cpuTimer struct{ start time.Duration }

func startCPU() cpuTimer { return cpuTimer{start: processCPU()} }

// report adds the cpu-ns/op metric for n operations per iteration.
func (c cpuTimer) report(b *testing.B, n int) {
	b.ReportMetric(float64((processCPU()-c.start).Nanoseconds())/float64(b.N*n), "cpu-ns/op")
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
