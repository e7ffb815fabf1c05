package engine

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"

	"github.com/portcullis-dev/portcullis/engine/match"
)

// Engine holds compiled templates, constraints and inventory and answers
// reviews. It is safe for concurrent use.
type Engine struct {
	opts     Options
	store    storage.Store
	compiler *compiler

	// fallbacks counts plan evaluations handed over to topdown.
	fallbacks atomic.Int64

	mu        sync.RWMutex
	templates map[string]*compiledTemplate // by template name
	byKind    map[string]*compiledTemplate // by constraint kind
	index     *constraintIndex
}

// New returns an empty Engine.
func New(opts Options) *Engine {
	store := newInventoryStore()
	e := &Engine{
		opts:      opts,
		store:     store,
		templates: map[string]*compiledTemplate{},
		byKind:    map[string]*compiledTemplate{},
		index:     newConstraintIndex(),
	}
	e.compiler = newCompiler(opts, store, &e.fallbacks)
	return e
}

// EvaluatorStats describes which evaluator the engine's templates run on.
type EvaluatorStats struct {
	// PlanTemplates and TopdownTemplates count the templates in service
	// by the evaluator they run on.
	PlanTemplates, TopdownTemplates int
	// Fallbacks counts, since the engine was created, evaluations the
	// plan evaluator handed to topdown (builtin errors, conflicts,
	// cancelled reviews).
	Fallbacks int64
}

// EvaluatorStats returns the current EvaluatorStats.
func (e *Engine) EvaluatorStats() EvaluatorStats {
	e.mu.RLock()
	defer e.mu.RUnlock()
	s := EvaluatorStats{Fallbacks: e.fallbacks.Load()}
	for _, t := range e.templates {
		if t.program != nil {
			s.PlanTemplates++
		} else {
			s.TopdownTemplates++
		}
	}
	return s
}

// CompileTemplate compiles t without storing it. The error is a
// *TemplateError for anything wrong with the template itself, including a
// kind or entry package already used by another template.
func (e *Engine) CompileTemplate(t *Template) error {
	ct, err := e.compiler.compile(context.Background(), t)
	if err != nil {
		return err
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.checkConflicts(ct)
}

// AddTemplate compiles t and, on success, replaces any earlier version of the
// same template. On failure the earlier version stays in service.
func (e *Engine) AddTemplate(t *Template) error {
	ct, err := e.compiler.compile(context.Background(), t)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.checkConflicts(ct); err != nil {
		return err
	}
	if old, ok := e.templates[t.Name]; ok && old.tmpl.Kind != t.Kind {
		delete(e.byKind, old.tmpl.Kind)
		e.index.removeKind(old.tmpl.Kind)
	}
	e.templates[t.Name] = ct
	e.byKind[t.Kind] = ct
	return nil
}

// checkConflicts refuses a template whose kind or entry package another
// template already uses. Callers hold e.mu.
func (e *Engine) checkConflicts(ct *compiledTemplate) error {
	for name, other := range e.templates {
		if name == ct.tmpl.Name {
			continue
		}
		if other.tmpl.Kind == ct.tmpl.Kind {
			return templateError(ct.tmpl.Name, ast.NewError(TemplateErrCode, nil,
				"kind %s is already defined by template %q", ct.tmpl.Kind, name))
		}
		if other.pkg.Equal(ct.pkg) {
			return templateError(ct.tmpl.Name, ast.NewError(TemplateErrCode,
				&ast.Location{File: RegoFile(ct.tmpl.Name)},
				"package %v is already used by template %q", ct.pkg, name))
		}
	}
	return nil
}

// RemoveTemplate removes the template and all its constraints.
func (e *Engine) RemoveTemplate(name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ct, ok := e.templates[name]
	if !ok {
		return
	}
	delete(e.templates, name)
	if e.byKind[ct.tmpl.Kind] == ct {
		delete(e.byKind, ct.tmpl.Kind)
	}
	e.index.removeKind(ct.tmpl.Kind)
}

// AddConstraint adds or replaces a constraint. Its kind's template must
// already be present.
func (e *Engine) AddConstraint(c *Constraint) error {
	entry, err := newConstraintEntry(c)
	if err != nil {
		return fmt.Errorf("add constraint %s/%s: %w", c.Kind, c.Name, err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.checkAgainstTemplate(c); err != nil {
		return fmt.Errorf("add constraint %s/%s: %w", c.Kind, c.Name, err)
	}
	e.index.add(entry)
	return nil
}

// ValidateConstraint checks c as AddConstraint would (template present,
// enforcement actions, match, parameters) without storing it; for
// admission validation of constraints.
func (e *Engine) ValidateConstraint(c *Constraint) error {
	if _, err := newConstraintEntry(c); err != nil {
		return fmt.Errorf("validate constraint %s/%s: %w", c.Kind, c.Name, err)
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	if err := e.checkAgainstTemplate(c); err != nil {
		return fmt.Errorf("validate constraint %s/%s: %w", c.Kind, c.Name, err)
	}
	return nil
}

// checkAgainstTemplate requires c's template and checks its parameters
// against the template's schema. Callers hold e.mu.
func (e *Engine) checkAgainstTemplate(c *Constraint) error {
	ct, ok := e.byKind[c.Kind]
	if !ok {
		return ErrNoTemplate
	}
	if err := ct.params.validate(c.Parameters); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidParameters, err)
	}
	return nil
}

// RemoveConstraint removes a constraint; removing an absent one is a no-op.
func (e *Engine) RemoveConstraint(kind, name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.index.remove(kind, name)
}

// newConstraintEntry validates c and prepares what reviews need: the
// compiled matcher, the per-point actions and the parameters as a Rego
// value.
func newConstraintEntry(c *Constraint) (*constraintEntry, error) {
	if err := checkConstraint(c); err != nil {
		return nil, err
	}
	actions, err := enforcementActions(c)
	if err != nil {
		return nil, err
	}
	matcher, err := match.Compile(c.Match)
	if err != nil {
		return nil, fmt.Errorf("spec.match: %w", err)
	}
	params := ast.NewObject()
	var paramsValue ast.Value = params
	if c.Parameters != nil {
		if paramsValue, err = ast.InterfaceToValue(c.Parameters); err != nil {
			return nil, fmt.Errorf("spec.parameters: %w", err)
		}
	}
	return &constraintEntry{
		c:       c,
		keys:    matcher.IndexKeys(),
		matcher: matcher,
		actions: actions,
		params:  ast.NewTerm(paramsValue),
	}, nil
}

// Constraints returns every constraint, sorted by kind and name.
func (e *Engine) Constraints() []*Constraint {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.index.list()
}

// Templates returns the names of the templates in service, sorted.
func (e *Engine) Templates() []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	names := make([]string, 0, len(e.templates))
	for name := range e.templates {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}
