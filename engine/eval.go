package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/metrics"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/topdown"
)

var (
	reviewKey = ast.StringTerm("review")
	paramsKey = ast.StringTerm("parameters")
	// noMetrics spares each evaluation a fresh metrics registry.
	noMetrics = metrics.NoOp()
)

// task is one constraint to evaluate against one review.
type task struct {
	entry  *constraintEntry
	tmpl   *compiledTemplate
	action EnforcementAction
	// matchErr is set when matching could not decide; the constraint is
	// then reported without running Rego.
	matchErr error
}

// Review evaluates r against every constraint that matches it at the given
// enforcement point. It stops when ctx is done; a done ctx is an error, never
// an empty response.
func (e *Engine) Review(ctx context.Context, r *Review, enforcementPoint string) (*Response, error) {
	if r == nil {
		return nil, errors.New("review: review is nil")
	}
	if _, err := expandPoint(enforcementPoint); err != nil || enforcementPoint == WildcardEnforcementPoint {
		return nil, fmt.Errorf("review: enforcement point %q is not one of %s", enforcementPoint, strings.Join(enforcementPoints, ", "))
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("review: %w", err)
	}
	tasks := e.plan(r, enforcementPoint)
	resp := &Response{}
	if len(tasks) == 0 {
		return resp, nil
	}
	// One cancellation for the whole review, fired only if ctx ends,
	// instead of a watcher goroutine per evaluation.
	cancel := topdown.NewCancel()
	stop := context.AfterFunc(ctx, cancel.Cancel)
	defer stop()
	results, err := e.run(ctx, cancel, r, tasks)
	if err != nil {
		return nil, fmt.Errorf("review: %w", err)
	}
	resp.Results = results
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("review: %w", err)
	}
	return resp, nil
}

// run evaluates the tasks, on up to Options.Parallelism goroutines, and
// returns their results in task order.
func (e *Engine) run(ctx context.Context, cancel topdown.Cancel, r *Review, tasks []task) ([]Result, error) {
	workers := min(e.opts.Parallelism, len(tasks))
	if workers <= 1 {
		return e.runSerial(ctx, cancel, r, tasks)
	}
	perTask := make([][]Result, len(tasks))
	errs := make([]error, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			// Each worker reads the inventory through its own transaction.
			txn, err := e.store.NewTransaction(ctx)
			if err != nil {
				errs[w] = fmt.Errorf("open transaction: %w", err)
				return
			}
			defer e.store.Abort(ctx, txn)
			for i := int(next.Add(1) - 1); i < len(tasks) && ctx.Err() == nil; i = int(next.Add(1) - 1) {
				perTask[i] = tasks[i].eval(ctx, txn, cancel, r)
			}
		})
	}
	wg.Wait()
	if err := cmp.Or(ctx.Err(), errors.Join(errs...)); err != nil {
		return nil, err
	}
	var out []Result
	for _, res := range perTask {
		out = append(out, res...)
	}
	return out, nil
}

func (e *Engine) runSerial(ctx context.Context, cancel topdown.Cancel, r *Review, tasks []task) ([]Result, error) {
	txn, err := e.store.NewTransaction(ctx)
	if err != nil {
		return nil, fmt.Errorf("open transaction: %w", err)
	}
	defer e.store.Abort(ctx, txn)
	out := make([]Result, 0, len(tasks))
	for _, t := range tasks {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out = append(out, t.eval(ctx, txn, cancel, r)...)
	}
	return out, nil
}

// plan lists, in constraint order, the constraints that select r and are
// evaluated at the enforcement point.
func (e *Engine) plan(r *Review, point string) []task {
	e.mu.RLock()
	defer e.mu.RUnlock()
	var tasks []task
	for _, c := range e.index.candidates(r.target.Group, r.target.Kind) {
		action, ok := c.actions[point]
		if !ok {
			continue
		}
		tmpl := e.byKind[c.c.Kind]
		if tmpl == nil {
			continue
		}
		selected, err := c.matcher.Decide(&r.target)
		if err != nil {
			// Gatekeeper autorejects: a namespaceSelector that cannot be
			// decided is reported, never silently allowed.
			tasks = append(tasks, task{entry: c, tmpl: tmpl, action: action, matchErr: err})
			continue
		}
		if selected {
			tasks = append(tasks, task{entry: c, tmpl: tmpl, action: action})
		}
	}
	return tasks
}

// eval runs the template's violation query with this constraint's
// parameters, on the plan evaluator when the template has a plan and on
// topdown otherwise. With EvaluatorCrossCheck both run and a difference is
// reported as an error result.
func (t task) eval(ctx context.Context, txn storage.Transaction, cancel topdown.Cancel, r *Review) []Result {
	if t.matchErr != nil {
		return []Result{t.failed(fmt.Errorf("match %s %s: %w", t.entry.c.Kind, t.entry.c.Name, t.matchErr))}
	}
	input := ast.NewObject([2]*ast.Term{reviewKey, r.review}, [2]*ast.Term{paramsKey, t.entry.params})
	p := t.tmpl.program
	if p == nil {
		return t.evalTopdown(ctx, txn, cancel, input)
	}
	out, ok := t.evalPlan(ctx, txn, cancel, p, input)
	if !ok {
		t.tmpl.fallbacks.Add(1)
		return t.evalTopdown(ctx, txn, cancel, input)
	}
	if t.tmpl.crossCheck {
		want := t.evalTopdown(ctx, txn, cancel, input)
		if diff := diffResults(out, want); diff != "" {
			return []Result{t.failed(fmt.Errorf("evaluate %s: the plan and topdown evaluators disagree: %s", t.tmpl.tmpl.Name, diff))}
		}
	}
	return out
}

// evalTopdown drives OPA's topdown evaluator directly: the query is
// compiled once per template, and the violation set is read as Rego values
// rather than converted to Go values as a whole.
func (t task) evalTopdown(ctx context.Context, txn storage.Transaction, cancel topdown.Cancel, input ast.Object) []Result {
	q := topdown.NewQuery(t.tmpl.query).
		WithCompiler(t.tmpl.comp).
		WithStore(t.tmpl.store).
		WithTransaction(txn).
		WithInput(ast.NewTerm(input)).
		WithMetrics(noMetrics).
		WithVirtualCache(newFlatCache()).
		WithStrictBuiltinErrors(t.tmpl.strict)
	if cancel != nil {
		q = q.WithCancel(cancel)
	}
	var out []Result
	err := q.Iter(ctx, func(qr topdown.QueryResult) error {
		v := qr[resultVar]
		if v == nil {
			return nil
		}
		out = t.results(v.Value)
		return nil
	})
	if err != nil {
		return []Result{t.failed(fmt.Errorf("evaluate %s: %w", t.tmpl.tmpl.Name, err))}
	}
	return out
}

// diffResults describes the first difference between two evaluations'
// results, or returns "" when they agree.
func diffResults(got, want []Result) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d results (plan) against %d (topdown)", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		switch {
		case g.Message != w.Message:
			return fmt.Sprintf("result %d: message %q (plan) against %q (topdown)", i, g.Message, w.Message)
		case (g.Err == nil) != (w.Err == nil):
			return fmt.Sprintf("result %d: error %v (plan) against %v (topdown)", i, g.Err, w.Err)
		case !reflect.DeepEqual(g.Details, w.Details):
			return fmt.Sprintf("result %d: details %v (plan) against %v (topdown)", i, g.Details, w.Details)
		}
	}
	return ""
}

// evalPlan runs the template's planned query. ok is false when topdown
// must evaluate instead: the plan evaluator hit an error, whose text and
// handling are topdown's to give.
func (t task) evalPlan(ctx context.Context, txn storage.Transaction, cancel topdown.Cancel, p *irProgram, input ast.Object) ([]Result, bool) {
	var data *ast.Term
	if p.usesInventory {
		v, err := t.tmpl.store.Read(ctx, txn, inventoryDoc)
		if err != nil {
			return nil, false
		}
		inv, ok := v.(ast.Value)
		if !ok {
			return nil, false
		}
		data = ast.NewTerm(ast.NewObject([2]*ast.Term{inventoryKey, ast.NewTerm(inv)}))
	}
	v, err := evalPlan(ctx, cancel, p, ast.NewTerm(input), data)
	if err != nil {
		return nil, false
	}
	if v == nil {
		return nil, true
	}
	return t.results(v.Value), true
}

var inventoryDoc = storage.Path{"inventory"}

var (
	msgKey     = ast.StringTerm("msg")
	detailsKey = ast.StringTerm("details")
)

// results converts the value of violation into Results, sorted by message.
func (t task) results(v ast.Value) []Result {
	set, ok := v.(ast.Set)
	if !ok {
		return []Result{t.failed(fmt.Errorf("violation of %s is %s, not a set", t.tmpl.tmpl.Name, ast.ValueName(v)))}
	}
	out := make([]Result, 0, set.Len())
	set.Sorted().Foreach(func(item *ast.Term) {
		obj, _ := item.Value.(ast.Object)
		var msg ast.String
		isString := false
		if obj != nil {
			if m := obj.Get(msgKey); m != nil {
				msg, isString = m.Value.(ast.String)
			}
		}
		if !isString {
			out = append(out, t.failed(fmt.Errorf("violation of %s has no string msg: %v", t.tmpl.tmpl.Name, item)))
			return
		}
		res := Result{
			Constraint:        t.entry.c,
			Message:           string(msg),
			EnforcementAction: t.action,
		}
		if d := obj.Get(detailsKey); d != nil {
			details, err := ast.JSON(d.Value)
			if err != nil {
				out = append(out, t.failed(fmt.Errorf("violation of %s: details: %w", t.tmpl.tmpl.Name, err)))
				return
			}
			res.Details = details
		}
		out = append(out, res)
	})
	slices.SortStableFunc(out, func(a, b Result) int { return strings.Compare(a.Message, b.Message) })
	return out
}

func (t task) failed(err error) Result {
	return Result{
		Constraint:        t.entry.c,
		Message:           err.Error(),
		EnforcementAction: t.action,
		Err:               err,
	}
}
