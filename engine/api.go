package engine

import (
	"fmt"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"github.com/portcullis-dev/portcullis/engine/match"
)

// TargetName is the only target a ConstraintTemplate may declare.
const TargetName = "admission.k8s.gatekeeper.sh"

// Enforcement points at which a review can be asked for.
const (
	WebhookEnforcementPoint = "validation.gatekeeper.sh"
	AuditEnforcementPoint   = "audit.gatekeeper.sh"
	CLIEnforcementPoint     = "gator.gatekeeper.sh"
)

// EnforcementAction says what happens to an object that violates a constraint.
type EnforcementAction string

// Enforcement actions a constraint may declare.
const (
	Deny   EnforcementAction = "deny"
	Warn   EnforcementAction = "warn"
	Dryrun EnforcementAction = "dryrun"
	// Scoped defers to ScopedEnforcementActions, per enforcement point.
	Scoped EnforcementAction = "scoped"
)

// RegoVersion is the Rego syntax a template's modules are written in.
type RegoVersion string

// Rego syntax versions. V0 is the default, as in Gatekeeper.
const (
	RegoV0 RegoVersion = "v0"
	RegoV1 RegoVersion = "v1"
)

// Template is a ConstraintTemplate in the engine's own form, independent of
// the API version it was written in.
type Template struct {
	// Name is metadata.name; it must equal the lower-cased Kind.
	Name string
	// Kind is spec.crd.spec.names.kind, the kind of the constraints it defines.
	Kind string
	// ShortNames are spec.crd.spec.names.shortNames.
	ShortNames []string
	// Rego is the entry module; it must define violation.
	Rego string
	// Libs are extra modules whose packages live under data.lib.
	Libs []string
	// RegoVersion is the syntax of Rego and Libs.
	RegoVersion RegoVersion
	// ParametersSchema is spec.crd.spec.validation.openAPIV3Schema, or nil.
	ParametersSchema *apiextensionsv1.JSONSchemaProps
	// LegacySchema is spec.crd.spec.validation.legacySchema.
	LegacySchema bool
	// Annotations are metadata.annotations, kept for catalogs and docs.
	Annotations map[string]string
}

// TemplateError reports everything wrong with a template. Errors keep OPA's
// structure (code, message, location) so that template status and the CLI
// can show file, line and column.
type TemplateError struct {
	Template string
	Errors   ast.Errors
}

func (e *TemplateError) Error() string {
	msgs := make([]string, 0, len(e.Errors))
	for _, err := range e.Errors {
		msgs = append(msgs, err.Error())
	}
	return fmt.Sprintf("template %q: %s", e.Template, strings.Join(msgs, "; "))
}

// ScopedEnforcementAction is one entry of spec.scopedEnforcementActions.
type ScopedEnforcementAction struct {
	Action            EnforcementAction  `json:"action"`
	EnforcementPoints []EnforcementPoint `json:"enforcementPoints"`
}

// EnforcementPoint names an enforcement point; "*" means all of them.
type EnforcementPoint struct {
	Name string `json:"name"`
}

// Constraint is one object of a template-defined kind.
type Constraint struct {
	Kind string
	Name string
	// Match is spec.match.
	Match match.Match
	// Parameters is spec.parameters, passed to Rego as input.parameters.
	Parameters map[string]any
	// EnforcementAction is spec.enforcementAction; empty means Deny.
	EnforcementAction EnforcementAction
	// ScopedEnforcementActions applies when EnforcementAction is Scoped.
	ScopedEnforcementActions []ScopedEnforcementAction
	// Object is the whole constraint as read, for callers that report it.
	Object map[string]any
}

// Options configure an Engine.
type Options struct {
	// AllowedBuiltins lets templates call builtins that are refused by
	// default because they reach outside the process (http.send,
	// net.lookup_ip_addr, opa.runtime, ...).
	AllowedBuiltins []string
	// DisabledBuiltins are builtins no template may call, whatever
	// AllowedBuiltins says: the operator's own list (Gatekeeper's
	// --disable-opa-builtin). A template that calls one is refused.
	DisabledBuiltins []string
	// StrictBuiltinErrors makes a builtin error (for example a bad regex)
	// fail the evaluation, reported as a Result with Err, instead of
	// leaving the builtin undefined.
	StrictBuiltinErrors bool
	// Parallelism is how many goroutines may evaluate the constraints of
	// one review. 0 or 1 evaluates them in the calling goroutine, which is
	// best when many reviews run at once; more lowers the latency of a
	// single review on an otherwise idle machine.
	Parallelism int
	// Evaluator picks how templates are evaluated: EvaluatorAuto (also the
	// empty string) runs each template on the faster plan evaluator when
	// its Rego allows and on OPA's topdown evaluator otherwise;
	// EvaluatorTopdown runs every template on topdown; EvaluatorCrossCheck
	// runs both and reports any difference as an error result. Other
	// values act as EvaluatorAuto; CheckEvaluator validates a name.
	Evaluator string
}

// Result is one violation, or one evaluation error, of one constraint.
type Result struct {
	Constraint *Constraint
	Message    string
	Details    any
	// EnforcementAction is the action that applies at the asking
	// enforcement point.
	EnforcementAction EnforcementAction
	// Err is set when evaluating the constraint failed; Message says why.
	Err error
}

// Response holds the results of one review, in a deterministic order.
type Response struct {
	Results []Result
}
