package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"unicode/utf8"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/open-policy-agent/opa/v1/topdown/builtins"
)

// The plan evaluator runs an irProgram: a template's violation query as
// planned by OPA's planner, with names resolved to indexes.
//
// Control flow follows the plan's block structure. Running a statement list
// yields how many enclosing blocks to leave: 0 when the list ran to its end,
// 1 when a statement was undefined (or a break of index 0), n for a break of
// index n-1. A loop body counts as two blocks, as in OPA's WebAssembly
// compiler: leaving one level continues with the next element, leaving two
// ends the loop. flowReturn and flowAbort unwind to the function or to the
// top.

const (
	flowReturn = -1
	flowAbort  = -2
)

// irProgram is a planned template query.
type irProgram struct {
	strings    []*ast.Term
	funcs      []*irFunc
	plan       [][]irStmt
	planLocals int
	// resultKey is the query variable that holds the violation set in
	// each result of the plan.
	resultKey *ast.Term
	// usesInventory is set when the template reads data.inventory, which
	// the evaluation then passes as the data document.
	usesInventory bool
}

type irFunc struct {
	name   string
	params []int
	ret    int
	blocks [][]irStmt
	locals int
	// memo is set for functions of input and data only (rules without
	// arguments): their value is kept for the rest of the evaluation,
	// or of the enclosing with statement.
	memo bool
}

type irBuiltin struct {
	name string
	f    topdown.BuiltinFunc
}

// irOperand is a local or a constant.
type irOperand struct {
	local int
	term  *ast.Term
}

type irStmt any

type (
	sReturn    struct{ src int }
	sResultAdd struct{ src int }
	sBreak     struct{ levels int }
	sBlock     struct{ blocks [][]irStmt }
	sCall      struct {
		fn      int
		builtin *irBuiltin
		args    []irOperand
		result  int
	}
	sDot struct {
		src, key irOperand
		target   int
	}
	sLen struct {
		src    irOperand
		target int
	}
	sScan struct {
		src, key, value int
		body            []irStmt
	}
	sNot   struct{ body []irStmt }
	sConst struct {
		term   *ast.Term
		target int
	}
	sAssign struct {
		src    irOperand
		target int
	}
	sAssignOnce struct {
		src    irOperand
		target int
	}
	sReset      struct{ target int }
	sMakeArray  struct{ capacity, target int }
	sMakeObject struct{ target int }
	sMakeSet    struct{ target int }
	sEqual      struct{ a, b irOperand }
	sNotEqual   struct{ a, b irOperand }
	sIsType     struct {
		src  irOperand
		kind typeCheck
	}
	sDefined struct {
		src  int
		want bool
	}
	sArrayAppend struct {
		value irOperand
		array int
	}
	sObjectInsert struct {
		key, value irOperand
		object     int
		once       bool
	}
	sSetAdd struct {
		value irOperand
		set   int
	}
	sWith struct {
		local int
		path  []*ast.Term
		value irOperand
		body  []irStmt
	}
)

type typeCheck int

const (
	isArray typeCheck = iota
	isObject
	isSet
)

// errPlanFallback ends a plan evaluation whose result topdown must give:
// a builtin error, a conflict, or anything else the plan evaluator does not
// report itself.
var errPlanFallback = errors.New("plan evaluation needs topdown")

// cancelCheckEvery is how many loop iterations pass between checks of the
// review's cancellation.
const cancelCheckEvery = 256

// irEval is the state of one evaluation.
type irEval struct {
	p      *irProgram
	bctx   topdown.BuiltinContext
	cancel topdown.Cancel
	// slab holds the locals of the active function frames.
	slab []*ast.Term
	// slabUsed is the most of slab any frame stack reached in this
	// evaluation: release clears that much, not the whole capacity.
	slabUsed int
	// args holds builtin arguments for the call in progress.
	args []*ast.Term
	// memo holds memoised function values, by function index.
	memo []*ast.Term
	// cache is the builtins' per-evaluation cache.
	cache builtins.Cache
	out   *ast.Term
	outs  int
	emit  func(*ast.Term) error
	steps int
	err   error
	// result is the violation set, once the plan has produced it.
	result *ast.Term
}

// evalPool keeps evaluation states, with their frame slab, memo table and
// builtin cache, for reuse: a review runs one evaluation per constraint.
var evalPool = sync.Pool{New: func() any {
	e := &irEval{slab: make([]*ast.Term, 0, 256), cache: builtins.Cache{}}
	e.emit = func(t *ast.Term) error {
		e.out = t
		e.outs++
		return nil
	}
	return e
}}

// evalPlan runs p with the given input and data documents (data may be
// nil) and returns the violation set, nil when it is undefined. An error
// wrapping errPlanFallback means the caller must evaluate with topdown.
func evalPlan(ctx context.Context, cancel topdown.Cancel, p *irProgram, input, data *ast.Term) (result *ast.Term, err error) {
	e := evalPool.Get().(*irEval)
	// A plan the interpreter mishandles must cost a topdown evaluation,
	// never the process: the webhook and the audit run here. A state
	// that panicked is not reused.
	defer func() {
		if r := recover(); r != nil {
			result, err = nil, fmt.Errorf("%w: panic: %v", errPlanFallback, r)
			return
		}
		e.release()
	}()
	e.p, e.cancel = p, cancel
	if cap(e.memo) >= len(p.funcs) {
		e.memo = e.memo[:len(p.funcs)]
	} else {
		e.memo = make([]*ast.Term, len(p.funcs))
	}
	e.bctx = topdown.BuiltinContext{
		Context: ctx,
		Metrics: noMetrics,
		Cancel:  cancel,
		Cache:   e.cache,
	}
	if data == nil {
		data = ast.InternedEmptyObject
	}
	locals := e.push(p.planLocals)
	locals[0], locals[1] = input, data
	for _, b := range p.plan {
		if e.run(locals, b) == flowAbort {
			return nil, e.err
		}
	}
	return e.result, nil
}

// release drops everything the evaluation referenced and returns e to
// evalPool.
func (e *irEval) release() {
	clear(e.slab[:e.slabUsed])
	e.slab, e.slabUsed = e.slab[:0], 0
	clear(e.memo)
	clear(e.args[:cap(e.args)])
	e.args = e.args[:0]
	clear(e.cache)
	e.p, e.cancel, e.bctx = nil, nil, topdown.BuiltinContext{}
	e.out, e.outs, e.steps, e.err, e.result = nil, 0, 0, nil, nil
	evalPool.Put(e)
}

// push returns n zeroed locals for a new frame.
func (e *irEval) push(n int) []*ast.Term {
	base := len(e.slab)
	if base+n > cap(e.slab) {
		grown := make([]*ast.Term, base, 2*cap(e.slab)+n)
		copy(grown, e.slab)
		e.slab = grown
	}
	e.slab = e.slab[:base+n]
	e.slabUsed = max(e.slabUsed, base+n)
	locals := e.slab[base : base+n : base+n]
	clear(locals)
	return locals
}

func (e *irEval) pop(n int) { e.slab = e.slab[:len(e.slab)-n] }

func (e *irEval) abort(err error) int {
	e.err = err
	return flowAbort
}

func get(locals []*ast.Term, o irOperand) *ast.Term {
	if o.term != nil {
		return o.term
	}
	return locals[o.local]
}

// run executes a statement list; see the comment at the top of the file for
// what it returns.
func (e *irEval) run(locals []*ast.Term, stmts []irStmt) int {
	for _, s := range stmts {
		switch s := s.(type) {
		case *sDot:
			src := get(locals, s.src)
			if s.src.term != nil || src == nil {
				return 1
			}
			v := dot(src.Value, get(locals, s.key))
			if v == nil {
				return 1
			}
			locals[s.target] = v
		case *sCall:
			if !e.call(locals, s) {
				if e.err != nil {
					return flowAbort
				}
				return 1
			}
		case *sConst:
			locals[s.target] = s.term
		case *sAssign:
			locals[s.target] = get(locals, s.src)
		case *sEqual:
			a, b := get(locals, s.a), get(locals, s.b)
			if a == nil || b == nil || a.Value.Compare(b.Value) != 0 {
				return 1
			}
		case *sNotEqual:
			a, b := get(locals, s.a), get(locals, s.b)
			if a == nil || b == nil || a.Value.Compare(b.Value) == 0 {
				return 1
			}
		case *sDefined:
			if (locals[s.src] != nil) != s.want {
				return 1
			}
		case *sReset:
			locals[s.target] = nil
		case *sBreak:
			return s.levels
		case *sBlock:
			for _, b := range s.blocks {
				if r := e.run(locals, b); r < 0 {
					return r
				} else if r >= 2 {
					return r - 1
				}
			}
		case *sScan:
			if r := e.scan(locals, s); r != 0 {
				return r
			}
		case *sNot:
			if r := nestedFlow(e.run(locals, s.body), false); r != 0 {
				return r
			}
		case *sIsType:
			src := get(locals, s.src)
			if s.src.term != nil || src == nil || !isType(src.Value, s.kind) {
				return 1
			}
		case *sAssignOnce:
			v := get(locals, s.src)
			if v == nil {
				return e.abort(fmt.Errorf("%w: assignment of an undefined value", errPlanFallback))
			}
			if cur := locals[s.target]; cur != nil {
				if cur.Value.Compare(v.Value) != 0 {
					return e.abort(fmt.Errorf("%w: conflicting values", errPlanFallback))
				}
				continue
			}
			locals[s.target] = v
		case *sMakeObject:
			locals[s.target] = ast.NewTerm(ast.NewObject())
		case *sMakeSet:
			locals[s.target] = ast.NewTerm(ast.NewSet())
		case *sMakeArray:
			locals[s.target] = ast.NewTerm(ast.NewArrayWithCapacity(s.capacity))
		case *sObjectInsert:
			obj, ok := valueOf(locals[s.object]).(ast.Object)
			if !ok {
				return e.abort(fmt.Errorf("%w: insert into %T", errPlanFallback, valueOf(locals[s.object])))
			}
			k, v := get(locals, s.key), get(locals, s.value)
			if k == nil || v == nil {
				return e.abort(fmt.Errorf("%w: insert of an undefined value", errPlanFallback))
			}
			if s.once {
				if cur := obj.Get(k); cur != nil {
					if cur.Value.Compare(v.Value) != 0 {
						return e.abort(fmt.Errorf("%w: conflicting object values", errPlanFallback))
					}
					continue
				}
			}
			obj.Insert(k, v)
		case *sSetAdd:
			set, ok := valueOf(locals[s.set]).(ast.Set)
			if !ok {
				return e.abort(fmt.Errorf("%w: add to %T", errPlanFallback, valueOf(locals[s.set])))
			}
			v := get(locals, s.value)
			if v == nil {
				return e.abort(fmt.Errorf("%w: add of an undefined value", errPlanFallback))
			}
			set.Add(v)
		case *sArrayAppend:
			arr, ok := valueOf(locals[s.array]).(*ast.Array)
			if !ok {
				return e.abort(fmt.Errorf("%w: append to %T", errPlanFallback, valueOf(locals[s.array])))
			}
			v := get(locals, s.value)
			if v == nil {
				return e.abort(fmt.Errorf("%w: append of an undefined value", errPlanFallback))
			}
			// In place, as the IR defines ArrayAppendStmt: the array is the
			// one MakeArrayStmt made for the comprehension being built, and
			// nothing else refers to it until the comprehension is done.
			*arr = *arr.Append(v)
		case *sLen:
			n, ok := length(get(locals, s.src))
			if !ok {
				return 1
			}
			locals[s.target] = ast.InternedTerm(n)
		case *sWith:
			if r := nestedFlow(e.with(locals, s), true); r != 0 {
				return r
			}
		case *sReturn:
			return flowReturn
		case *sResultAdd:
			res, ok := valueOf(locals[s.src]).(ast.Object)
			if !ok {
				return e.abort(fmt.Errorf("%w: result is %T", errPlanFallback, valueOf(locals[s.src])))
			}
			if e.result != nil {
				return e.abort(fmt.Errorf("%w: more than one result", errPlanFallback))
			}
			e.result = res.Get(e.p.resultKey)
		default:
			return e.abort(fmt.Errorf("%w: statement %T", errPlanFallback, s))
		}
	}
	return 0
}

// scan runs the loop body for each element of the source, in the order
// topdown uses (sorted keys of objects and sets). It returns 0 to continue
// after the loop, or the levels to leave beyond it.
func (e *irEval) scan(locals []*ast.Term, s *sScan) int {
	src := locals[s.src]
	if src == nil {
		return 0
	}
	step := func(k, v *ast.Term) int {
		if e.steps++; e.steps%cancelCheckEvery == 0 && e.cancel != nil && e.cancel.Cancelled() {
			return e.abort(fmt.Errorf("%w: cancelled", errPlanFallback))
		}
		locals[s.key], locals[s.value] = k, v
		return e.run(locals, s.body)
	}
	switch v := src.Value.(type) {
	case *ast.Array:
		for i := range v.Len() {
			if r := loopFlow(step(ast.InternedTerm(i), v.Elem(i))); r >= 0 {
				return r
			} else if r == flowAbort || r == flowReturn {
				return r
			}
		}
	case ast.Object:
		for _, k := range v.Keys() {
			if r := loopFlow(step(k, v.Get(k))); r >= 0 {
				return r
			} else if r == flowAbort || r == flowReturn {
				return r
			}
		}
	case ast.Set:
		for _, k := range v.Slice() {
			if r := loopFlow(step(k, k)); r >= 0 {
				return r
			} else if r == flowAbort || r == flowReturn {
				return r
			}
		}
	}
	return 0
}

// nestedFlow maps what the block nested in a not or with statement
// returned to what the statement does: 0 to go on, 1 when it is undefined,
// more to leave further blocks, or unwind. A with statement holds when its
// block ran to the end; a not statement holds when its block was undefined.
func nestedFlow(r int, holdsWhenCompleted bool) int {
	switch {
	case r < 0:
		return r
	case r >= 2:
		return r - 1
	case (r == 0) == holdsWhenCompleted:
		return 0
	default:
		return 1
	}
}

// loopNext is what loopFlow returns to go on with the next element.
const loopNext = -3

// loopFlow maps what a loop body returned to what the loop does: go on
// (loopNext), end and continue after the loop (0), leave further blocks
// (n > 0), or unwind (flowReturn, flowAbort).
func loopFlow(r int) int {
	switch {
	case r < 0:
		return r
	case r <= 1:
		return loopNext
	default:
		return r - 2
	}
}

// with runs the body with a local (input or data) replaced, or a path in
// it upserted, and restores it afterwards. Memoised values computed under
// the replacement are dropped.
func (e *irEval) with(locals []*ast.Term, s *sWith) int {
	saved, savedMemo := locals[s.local], e.memo
	locals[s.local] = upsert(saved, s.path, get(locals, s.value))
	e.memo = make([]*ast.Term, len(e.p.funcs))
	r := e.run(locals, s.body)
	locals[s.local], e.memo = saved, savedMemo
	return r
}

// upsert returns base with value at path, copying the objects along the
// path; a missing or non-object node becomes a new object.
func upsert(base *ast.Term, path []*ast.Term, value *ast.Term) *ast.Term {
	if len(path) == 0 {
		return value
	}
	cpy := ast.NewObject()
	if base != nil {
		if obj, ok := base.Value.(ast.Object); ok {
			obj.Foreach(func(k, v *ast.Term) { cpy.Insert(k, v) })
		}
	}
	cpy.Insert(path[0], upsert(cpy.Get(path[0]), path[1:], value))
	return ast.NewTerm(cpy)
}

// call runs a function or builtin and stores its value; false means the
// call is undefined, or, with e.err set, that the evaluation must stop.
func (e *irEval) call(locals []*ast.Term, s *sCall) bool {
	if s.builtin != nil {
		return e.callBuiltin(locals, s)
	}
	fn := e.p.funcs[s.fn]
	if fn.memo {
		if v := e.memo[s.fn]; v != nil {
			locals[s.result] = v
			return true
		}
	}
	if len(s.args) != len(fn.params) {
		e.err = fmt.Errorf("%w: %s called with %d arguments", errPlanFallback, fn.name, len(s.args))
		return false
	}
	frame := e.push(fn.locals)
	for i, a := range s.args {
		frame[fn.params[i]] = get(locals, a)
	}
	var v *ast.Term
	for _, b := range fn.blocks {
		r := e.run(frame, b)
		if r == flowAbort {
			e.pop(fn.locals)
			return false
		}
		if r == flowReturn {
			v = frame[fn.ret]
			break
		}
	}
	e.pop(fn.locals)
	if v == nil {
		return false
	}
	if fn.memo {
		e.memo[s.fn] = v
	}
	locals[s.result] = v
	return true
}

func (e *irEval) callBuiltin(locals []*ast.Term, s *sCall) bool {
	base := len(e.args)
	for _, a := range s.args {
		v := get(locals, a)
		if v == nil {
			e.args = e.args[:base]
			return false
		}
		e.args = append(e.args, v)
	}
	e.out, e.outs = nil, 0
	err := s.builtin.f(e.bctx, e.args[base:len(e.args):len(e.args)], e.emit)
	e.args = e.args[:base]
	switch {
	case err != nil:
		e.err = fmt.Errorf("%w: %s: %w", errPlanFallback, s.builtin.name, err)
		return false
	case e.outs > 1:
		e.err = fmt.Errorf("%w: %s gave %d values", errPlanFallback, s.builtin.name, e.outs)
		return false
	case e.out == nil:
		return false
	}
	locals[s.result] = e.out
	return true
}

// valueOf is t's value, nil for an undefined local.
func valueOf(t *ast.Term) ast.Value {
	if t == nil {
		return nil
	}
	return t.Value
}

// dot looks key up in v: an object's value, an array's element, or a set's
// member; nil when there is none.
func dot(v ast.Value, key *ast.Term) *ast.Term {
	if key == nil {
		return nil
	}
	switch v := v.(type) {
	case ast.Object:
		return v.Get(key)
	case *ast.Array:
		return v.Get(key)
	case ast.Set:
		if v.Contains(key) {
			return key
		}
	}
	return nil
}

func isType(v ast.Value, kind typeCheck) bool {
	switch kind {
	case isArray:
		_, ok := v.(*ast.Array)
		return ok
	case isObject:
		_, ok := v.(ast.Object)
		return ok
	default:
		_, ok := v.(ast.Set)
		return ok
	}
}

func length(t *ast.Term) (int, bool) {
	if t == nil {
		return 0, false
	}
	switch v := t.Value.(type) {
	case *ast.Array:
		return v.Len(), true
	case ast.Object:
		return v.Len(), true
	case ast.Set:
		return v.Len(), true
	case ast.String:
		return utf8.RuneCountInString(string(v)), true
	}
	return 0, false
}
