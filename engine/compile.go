package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"
)

// Error codes of template errors found by the engine rather than by OPA.
const (
	// TemplateErrCode marks a problem with the template's shape.
	TemplateErrCode = "template_error"
)

// refusedBuiltins are the builtins a template may not call unless listed
// in Options.AllowedBuiltins: they reach outside the process (network,
// DNS) or expose the process's own runtime and environment.
var refusedBuiltins = []string{"http.send", "net.lookup_ip_addr", "opa.runtime"}

// RefusedBuiltins returns the builtins refused unless allowed through
// Options.AllowedBuiltins.
func RefusedBuiltins() []string { return slices.Clone(refusedBuiltins) }

// compiledTemplate is a template whose Rego is compiled and prepared.
type compiledTemplate struct {
	tmpl *Template
	// pkg is the entry package path, e.g. data.k8srequiredlabels.
	pkg ast.Ref
	// comp holds the template's compiled modules; query is the compiled
	// query that binds resultVar to the package's violation set.
	comp  *ast.Compiler
	query ast.Body
	// store holds data.inventory; strict makes builtin errors fail the
	// evaluation instead of leaving the expression undefined.
	store  storage.Store
	strict bool
	// params checks constraint parameters; nil without a schema.
	params *paramsValidator
	// program is the violation query for the plan evaluator; nil when the
	// template runs on topdown only.
	program *irProgram
	// crossCheck runs topdown after the plan evaluator and compares.
	crossCheck bool
	// fallbacks is the engine's count of plan evaluations handed over
	// to topdown.
	fallbacks *atomic.Int64
}

// CheckBuiltin returns an error unless name is one of OPA's builtins, for
// options that list builtins (Options.DisabledBuiltins).
func CheckBuiltin(name string) error {
	if _, ok := ast.BuiltinMap[name]; ok {
		return nil
	}
	return fmt.Errorf("%q is not a Rego builtin", name)
}

// compiler compiles templates with a fixed set of options.
type compiler struct {
	store   storage.Store
	refused map[string]struct{}
	// disabled are the refused builtins the operator turned off.
	disabled map[string]struct{}
	caps     *ast.Capabilities
	strict   bool
	// plan is false when every template runs on topdown.
	plan       bool
	crossCheck bool
	fallbacks  *atomic.Int64
}

func newCompiler(opts Options, store storage.Store, fallbacks *atomic.Int64) *compiler {
	refused := make(map[string]struct{}, len(refusedBuiltins))
	for _, b := range refusedBuiltins {
		refused[b] = struct{}{}
	}
	for _, b := range opts.AllowedBuiltins {
		delete(refused, b)
	}
	disabled := make(map[string]struct{}, len(opts.DisabledBuiltins))
	for _, b := range opts.DisabledBuiltins {
		refused[b] = struct{}{}
		disabled[b] = struct{}{}
	}
	return &compiler{
		store:      store,
		refused:    refused,
		disabled:   disabled,
		caps:       ast.CapabilitiesForThisVersion(),
		strict:     opts.StrictBuiltinErrors,
		plan:       opts.Evaluator != EvaluatorTopdown,
		crossCheck: opts.Evaluator == EvaluatorCrossCheck,
		fallbacks:  fallbacks,
	}
}

// compile turns t into a prepared query. Problems with the template are
// returned as *TemplateError.
func (c *compiler) compile(ctx context.Context, t *Template) (*compiledTemplate, error) {
	if err := checkTemplate(t); err != nil {
		return nil, templateError(t.Name, ast.NewError(TemplateErrCode, nil, "%s", err.Error()))
	}
	params, err := newParamsValidator(t.ParametersSchema)
	if err != nil {
		return nil, templateError(t.Name, ast.NewError(TemplateErrCode, nil, "spec.crd.spec.validation.openAPIV3Schema: %s", err.Error()))
	}
	entry, modules, errs := parseModules(t)
	if len(errs) > 0 {
		return nil, &TemplateError{Template: t.Name, Errors: errs}
	}
	if errs := checkModules(entry, modules); len(errs) > 0 {
		return nil, &TemplateError{Template: t.Name, Errors: errs}
	}
	comp := ast.NewCompiler().
		WithCapabilities(c.caps).
		WithUnsafeBuiltins(c.refused).
		WithDefaultRegoVersion(astRegoVersion(t.RegoVersion))
	comp.Compile(modules)
	if comp.Failed() {
		return nil, &TemplateError{Template: t.Name, Errors: c.explainRefused(comp.Errors)}
	}
	violation := entry.Package.Path.Append(ast.StringTerm("violation"))
	query, err := comp.QueryCompiler().
		WithUnsafeBuiltins(c.refused).
		Compile(ast.NewBody(ast.Equality.Expr(ast.NewTerm(resultVar), ast.NewTerm(violation))))
	if err != nil {
		return nil, prepareError(t.Name, err)
	}
	ct := &compiledTemplate{tmpl: t, pkg: entry.Package.Path, comp: comp, query: query, store: c.store, strict: c.strict, params: params, crossCheck: c.crossCheck, fallbacks: c.fallbacks}
	if c.plan {
		// A template the plan evaluator cannot run stays on topdown; that
		// is a matter of speed, not an error.
		ct.program, _ = planTemplate(comp, entry.Package.Path)
	}
	return ct, nil
}

// resultVar is the query variable bound to a template's violation set.
var resultVar = ast.Var("__portcullis_violation__")

// checkTemplate checks the fields of t that ParseTemplate checks, for
// templates built in Go.
func checkTemplate(t *Template) error {
	if err := checkNameKind(t.Name, t.Kind); err != nil {
		return err
	}
	if strings.TrimSpace(t.Rego) == "" {
		return errors.New("template has no Rego")
	}
	if t.RegoVersion != "" {
		if _, err := parseRegoVersion(string(t.RegoVersion)); err != nil {
			return err
		}
	}
	return nil
}

func astRegoVersion(v RegoVersion) ast.RegoVersion {
	if v == RegoV1 {
		return ast.RegoV1
	}
	return ast.RegoV0
}

// RegoFile is the file name compile errors use for a template's entry
// module.
func RegoFile(template string) string { return template + "/rego" }

// LibFile is the file name compile errors use for a template's i-th lib.
func LibFile(template string, i int) string { return fmt.Sprintf("%s/libs[%d]", template, i) }

// parseModules parses the entry module and the libs, keyed by file name.
func parseModules(t *Template) (*ast.Module, map[string]*ast.Module, ast.Errors) {
	popts := ast.ParserOptions{RegoVersion: astRegoVersion(t.RegoVersion)}
	modules := make(map[string]*ast.Module, 1+len(t.Libs))
	var errs ast.Errors
	entry, err := ast.ParseModuleWithOpts(RegoFile(t.Name), t.Rego, popts)
	errs = append(errs, asASTErrors(err)...)
	if entry != nil {
		modules[RegoFile(t.Name)] = entry
	}
	for i, lib := range t.Libs {
		m, err := ast.ParseModuleWithOpts(LibFile(t.Name, i), lib, popts)
		errs = append(errs, asASTErrors(err)...)
		if m != nil {
			modules[LibFile(t.Name, i)] = m
		}
	}
	if entry == nil && len(errs) == 0 {
		errs = append(errs, ast.NewError(ast.ParseErr, &ast.Location{File: RegoFile(t.Name)}, "empty module"))
	}
	return entry, modules, errs
}

// asASTErrors keeps OPA's structured errors; anything else becomes one
// error without location.
func asASTErrors(err error) ast.Errors {
	if err == nil {
		return nil
	}
	var errs ast.Errors
	if errors.As(err, &errs) {
		return errs
	}
	var one *ast.Error
	if errors.As(err, &one) {
		return ast.Errors{one}
	}
	return ast.Errors{ast.NewError(ast.ParseErr, nil, "%s", err.Error())}
}

// unsafePrefix starts OPA's message for a call to a builtin the compiler
// was told to refuse.
const unsafePrefix = "unsafe built-in function calls in expression: "

// anyDisabled reports whether the comma-separated builtin names of an
// unsafe-call error include one the operator disabled: allowing it would
// not help, so the message says so.
func (c *compiler) anyDisabled(names string) bool {
	for name := range strings.SplitSeq(names, ",") {
		if _, off := c.disabled[strings.TrimSpace(name)]; off {
			return true
		}
	}
	return false
}

// explainRefused rewords OPA's errors for refused builtins so they say why
// and how to allow them, or that the operator disabled them; code and
// location are kept.
func (c *compiler) explainRefused(errs ast.Errors) ast.Errors {
	for i, e := range errs {
		if names, ok := strings.CutPrefix(e.Message, unsafePrefix); ok {
			explained := *e
			if c.anyDisabled(names) {
				explained.Message = fmt.Sprintf("builtin %s is disabled on this installation (the disabled-builtins option)", names)
			} else {
				explained.Message = fmt.Sprintf("builtin %s is refused: it reaches outside the policy engine; allow it with the allowed-builtins option", names)
			}
			errs[i] = &explained
		}
	}
	return errs
}

func templateError(name string, errs ...*ast.Error) *TemplateError {
	return &TemplateError{Template: name, Errors: errs}
}

// prepareError converts an error from compiling the query, which can hold
// OPA's structured errors, into a *TemplateError.
func prepareError(name string, err error) error {
	var errs ast.Errors
	if errors.As(err, &errs) {
		return &TemplateError{Template: name, Errors: errs}
	}
	return templateError(name, ast.NewError(ast.CompileErr, nil, "prepare query: %s", err.Error()))
}
