package audit

import (
	"context"
	"errors"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/portcullis-dev/portcullis/engine"
)

// failingSource fails discovery, returning resources alongside the error.
type failingSource struct{ resources []Resource }

func (s failingSource) Resources(context.Context, KindFilter) ([]Resource, error) {
	return s.resources, errors.New("discovery down")
}

func (failingSource) List(context.Context, Resource, int64, func([]unstructured.Unstructured) error) error {
	return errors.New("list down")
}

func TestRunOnceDiscoveryFailures(t *testing.T) {
	tests := []struct {
		name      string
		resources []Resource
		// wantErr: the run is abandoned and writes nothing.
		wantErr            bool
		wantResourceErrors int
	}{
		{name: "nothing discovered: no status written", wantErr: true},
		{
			name:      "partly discovered: the run goes on and counts both failures",
			resources: []Resource{res("", "v1", "pods", "Pod", true)},
			// One for discovery, one for the failed list.
			wantResourceErrors: 2,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dyn := dynamicfake.NewSimpleDynamicClient(runtime.NewScheme(), namespace("default"))
			a := &Auditor{
				Engine:  engine.New(engine.Options{}),
				Source:  failingSource{resources: tc.resources},
				Dynamic: dyn,
				Clock:   clocktesting.NewFakeClock(time.Unix(0, 0)),
			}
			s, err := a.RunOnce(testContext(t))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err == nil && s.ResourceErrors != tc.wantResourceErrors {
				t.Errorf("ResourceErrors = %d, want %d", s.ResourceErrors, tc.wantResourceErrors)
			}
			for _, act := range dyn.Actions() {
				if act.GetVerb() == "patch" {
					t.Errorf("status written: %v", act)
				}
			}
		})
	}
}
