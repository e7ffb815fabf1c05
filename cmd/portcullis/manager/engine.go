package manager

import (
	"fmt"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"

	"github.com/portcullis-dev/portcullis/engine"
)

// EngineOptions configure the policy engine the manager's parts share.
type EngineOptions struct {
	// AllowedBuiltins lets templates call builtins that reach outside the
	// process, which are refused by default.
	AllowedBuiltins []string
	// DisabledBuiltins may not be called by any template.
	DisabledBuiltins []string
	// StrictBuiltinErrors turns builtin errors into evaluation errors.
	StrictBuiltinErrors bool
	// Parallelism spreads one review's constraints over goroutines.
	Parallelism int
	// Evaluator picks the Rego evaluator; empty means engine.EvaluatorAuto.
	Evaluator Evaluator
}

// Evaluator is a flag value naming the engine's Rego evaluator; Set
// refuses names the engine does not know.
type Evaluator string

// EvaluatorUsage documents the --rego-evaluator flag.
const EvaluatorUsage = "Rego evaluator: auto (the plan evaluator where a template allows, OPA's topdown otherwise), " +
	"topdown (always OPA's topdown), or crosscheck (both, reporting any difference as an error; twice the cost)"

func (e *Evaluator) String() string { return string(*e) }

// Set checks and stores the evaluator name.
func (e *Evaluator) Set(s string) error {
	if err := engine.CheckEvaluator(s); err != nil {
		return err
	}
	*e = Evaluator(s)
	return nil
}

// Type names the flag's value in help output.
func (*Evaluator) Type() string { return "evaluator" }

// builtinList is --disable-opa-builtin: builtin names, one per use or
// several as {a,b} (the form Gatekeeper's Helm chart passes), each checked
// against OPA's builtins.
type builtinList []string

func (l *builtinList) String() string { return "[" + strings.Join(*l, ",") + "]" }

func (*builtinList) Type() string { return "stringArray" }

func (l *builtinList) Set(v string) error {
	v = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(v), "{"), "}")
	for name := range strings.SplitSeq(v, ",") {
		name = strings.TrimSpace(name)
		if err := engine.CheckBuiltin(name); err != nil {
			return err
		}
		*l = append(*l, name)
	}
	return nil
}

// AddFlags binds the engine options to fs.
func (o *EngineOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringArrayVar(&o.AllowedBuiltins, "allowed-builtin", nil,
		"builtin that templates may call although it reaches outside the process (http.send, net.lookup_ip_addr, opa.runtime); repeatable")
	fs.Var((*builtinList)(&o.DisabledBuiltins), "disable-opa-builtin",
		"builtin no template may call, even one --allowed-builtin lets through (Gatekeeper's flag); repeatable, also {a,b}")
	fs.BoolVar(&o.StrictBuiltinErrors, "strict-builtin-errors", false,
		"a builtin error (for example an invalid regex) fails the constraint's evaluation instead of leaving the builtin undefined")
	fs.IntVar(&o.Parallelism, "review-parallelism", 0,
		"goroutines that evaluate the constraints of one review; 0 or 1 evaluates them in the request's goroutine, best under concurrent load")
	fs.Var(&o.Evaluator, "rego-evaluator", EvaluatorUsage)
}

// New returns an engine configured by o.
func (o *EngineOptions) New() *engine.Engine {
	return engine.New(engine.Options{
		AllowedBuiltins:     o.AllowedBuiltins,
		DisabledBuiltins:    o.DisabledBuiltins,
		StrictBuiltinErrors: o.StrictBuiltinErrors,
		Parallelism:         o.Parallelism,
		Evaluator:           string(o.Evaluator),
	})
}

// registerEngineMetrics registers gauges of the templates per evaluator
// and a counter of plan evaluations handed to topdown, read from e when
// scraped.
func registerEngineMetrics(reg prometheus.Registerer, e *engine.Engine) error {
	templates := func(evaluator string, count func(engine.EvaluatorStats) int) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "portcullis_engine_templates",
			Help:        "Templates in service, by the Rego evaluator they run on.",
			ConstLabels: prometheus.Labels{"evaluator": evaluator},
		}, func() float64 { return float64(count(e.EvaluatorStats())) })
	}
	for _, c := range []prometheus.Collector{
		templates("plan", func(s engine.EvaluatorStats) int { return s.PlanTemplates }),
		templates("topdown", func(s engine.EvaluatorStats) int { return s.TopdownTemplates }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "portcullis_engine_plan_fallbacks_total",
			Help: "Evaluations the plan evaluator handed to topdown (builtin errors, conflicting values, cancelled reviews).",
		}, func() float64 { return float64(e.EvaluatorStats().Fallbacks) }),
	} {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("register engine metrics: %w", err)
		}
	}
	return nil
}
