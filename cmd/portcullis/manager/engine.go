package manager

import (
	"github.com/spf13/pflag"

	"github.com/portcullis-dev/portcullis/engine"
)

// EngineOptions configure the policy engine the manager's parts share.
type EngineOptions struct {
	// AllowedBuiltins lets templates call builtins that reach outside the
	// process, which are refused by default.
	AllowedBuiltins []string
	// StrictBuiltinErrors turns builtin errors into evaluation errors.
	StrictBuiltinErrors bool
	// Parallelism spreads one review's constraints over goroutines.
	Parallelism int
}

// AddFlags binds the engine options to fs.
func (o *EngineOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringArrayVar(&o.AllowedBuiltins, "allowed-builtin", nil,
		"builtin that templates may call although it reaches outside the process (http.send, net.lookup_ip_addr, opa.runtime); repeatable")
	fs.BoolVar(&o.StrictBuiltinErrors, "strict-builtin-errors", false,
		"a builtin error (for example an invalid regex) fails the constraint's evaluation instead of leaving the builtin undefined")
	fs.IntVar(&o.Parallelism, "review-parallelism", 0,
		"goroutines that evaluate the constraints of one review; 0 or 1 evaluates them in the request's goroutine, best under concurrent load")
}

// New returns an engine configured by o.
func (o *EngineOptions) New() *engine.Engine {
	return engine.New(engine.Options{
		AllowedBuiltins:     o.AllowedBuiltins,
		StrictBuiltinErrors: o.StrictBuiltinErrors,
		Parallelism:         o.Parallelism,
	})
}
