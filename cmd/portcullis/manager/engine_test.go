package manager

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/portcullis-dev/portcullis/engine"
)

func TestEngineMetrics(t *testing.T) {
	e := engine.New(engine.Options{})
	tmpl, err := engine.ParseTemplate(map[string]any{
		"apiVersion": "templates.gatekeeper.sh/v1",
		"kind":       "ConstraintTemplate",
		"metadata":   map[string]any{"name": "k8sx"},
		"spec": map[string]any{
			"crd": map[string]any{"spec": map[string]any{"names": map[string]any{"kind": "K8sX"}}},
			"targets": []any{map[string]any{"target": engine.TargetName,
				"rego": "package k8sx\nviolation[{\"msg\": \"x\"}] { input.review.object.spec.hostNetwork }"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.AddTemplate(tmpl); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	if err := registerEngineMetrics(reg, e); err != nil {
		t.Fatal(err)
	}
	want := `
# HELP portcullis_engine_plan_fallbacks_total Evaluations the plan evaluator handed to topdown (builtin errors, conflicting values, cancelled reviews).
# TYPE portcullis_engine_plan_fallbacks_total counter
portcullis_engine_plan_fallbacks_total 0
# HELP portcullis_engine_templates Templates in service, by the Rego evaluator they run on.
# TYPE portcullis_engine_templates gauge
portcullis_engine_templates{evaluator="plan"} 1
portcullis_engine_templates{evaluator="topdown"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
	if err := registerEngineMetrics(reg, e); err == nil {
		t.Error("registering twice succeeded, want an error")
	}
}
