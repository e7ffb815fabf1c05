package audit

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/portcullis-dev/portcullis/engine"
)

// countingSource counts runs (one Resources call per run) and lists nothing.
type countingSource struct{ runs atomic.Int32 }

func (s *countingSource) Resources(context.Context, KindFilter) ([]Resource, error) {
	s.runs.Add(1)
	return nil, nil
}

func (*countingSource) List(context.Context, Resource, int64, func([]unstructured.Unstructured) error) error {
	return nil
}

// TestStartWaitsForReadinessThenRunsEachInterval drives Start with a fake
// clock: nothing runs while the engine is not ready, the first run follows
// readiness, and the next one comes an interval after the previous ended.
func TestStartWaitsForReadinessThenRunsEachInterval(t *testing.T) {
	clock := clocktesting.NewFakeClock(time.Unix(0, 0))
	src := &countingSource{}
	var ready atomic.Bool
	a := &Auditor{
		Engine:  engine.New(engine.Options{}),
		Source:  src,
		Dynamic: dynamicfake.NewSimpleDynamicClient(runtime.NewScheme(), namespace("default")),
		Ready:   ready.Load,
		Clock:   clock,
		Options: Options{Interval: time.Minute},
	}
	ctx, cancel := context.WithCancel(testContext(t))
	done := make(chan error, 1)
	go func() { done <- a.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Start: %v", err)
		}
	})

	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitFor("Start to wait on the clock", clock.HasWaiters)
	clock.Step(5 * time.Second)
	waitFor("Start to wait again", clock.HasWaiters)
	if n := src.runs.Load(); n != 0 {
		t.Fatalf("%d runs before readiness, want 0", n)
	}
	ready.Store(true)
	clock.Step(time.Second)
	waitFor("first run", func() bool { return src.runs.Load() == 1 })
	waitFor("Start to wait for the interval", clock.HasWaiters)
	clock.Step(59 * time.Second)
	time.Sleep(50 * time.Millisecond)
	if n := src.runs.Load(); n != 1 {
		t.Fatalf("%d runs before the interval passed, want 1", n)
	}
	clock.Step(time.Second)
	waitFor("second run", func() bool { return src.runs.Load() == 2 })
}
