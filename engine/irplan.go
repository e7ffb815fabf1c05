package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/ir"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// A template's violation query runs on one of two evaluators. OPA's topdown
// evaluator handles all of Rego. The plan evaluator (ireval.go) runs the
// query plan OPA's planner makes for its WebAssembly compiler: a short list
// of imperative statements over plain values, with no unification, bindings
// or backtracking. It is several times faster on typical templates, so a
// template uses it whenever its plan holds only what the plan evaluator
// supports; anything else, and any evaluation that ends in an error, goes to
// topdown, which gives the answer and the error text users know from OPA.

// Evaluator names accepted by Options.Evaluator.
const (
	// EvaluatorAuto runs each template on the plan evaluator when its plan
	// allows it, and on topdown otherwise.
	EvaluatorAuto = "auto"
	// EvaluatorTopdown runs every template on OPA's topdown evaluator.
	EvaluatorTopdown = "topdown"
	// EvaluatorCrossCheck runs templates that have a plan on both
	// evaluators and turns any difference into an error result. It is
	// for testing policies (and the plan evaluator), at twice the cost.
	EvaluatorCrossCheck = "crosscheck"
)

// Evaluators lists the values Options.Evaluator accepts besides "".
func Evaluators() []string { return []string{EvaluatorAuto, EvaluatorTopdown, EvaluatorCrossCheck} }

// CheckEvaluator returns an error unless name is "" or one of Evaluators.
func CheckEvaluator(name string) error {
	if name == "" || slices.Contains(Evaluators(), name) {
		return nil
	}
	return fmt.Errorf("unknown evaluator %q: want one of %s", name, strings.Join(Evaluators(), ", "))
}

// irTarget names the rego target under which the planner hands its plan to
// irPlanCapture.
const irTarget = "portcullis-plan"

func init() {
	rego.RegisterPlugin(irTarget, irPlanCapture{})
}

// planSink is the context key through which plan passes the destination of
// the captured plan to irPlanCapture.
type planSink struct{}

// irPlanCapture is a rego target plugin that keeps the plan instead of
// preparing an evaluator: the engine only needs OPA's planner.
type irPlanCapture struct{}

func (irPlanCapture) IsTarget(t string) bool { return t == irTarget }

func (irPlanCapture) PrepareForEval(ctx context.Context, p *ir.Policy, _ ...rego.PrepareOption) (rego.TargetPluginEval, error) {
	dst, ok := ctx.Value(planSink{}).(**ir.Policy)
	if !ok {
		return nil, errors.New("plan requested outside the engine")
	}
	*dst = p
	return irUnusedEval{}, nil
}

type irUnusedEval struct{}

func (irUnusedEval) Eval(context.Context, *rego.EvalContext, ast.Value) (ast.Value, error) {
	return nil, errors.New("the portcullis plan target does not evaluate")
}

// errPlanUnsupported marks a plan the plan evaluator does not run.
var errPlanUnsupported = errors.New("plan not supported")

// planTemplate plans the violation query of a compiled template and
// converts the plan into an irProgram. An error means the template runs on
// topdown; it is never shown to users.
func planTemplate(comp *ast.Compiler, pkg ast.Ref) (*irProgram, error) {
	violation := pkg.Append(ast.StringTerm("violation"))
	var policy *ir.Policy
	ctx := context.WithValue(context.Background(), planSink{}, &policy)
	_, err := rego.New(
		rego.Compiler(comp),
		rego.Store(inmem.New()),
		rego.Query(fmt.Sprintf("%s = %s", resultVar, violation)),
		rego.Target(irTarget),
	).PrepareForEval(ctx)
	if err != nil {
		return nil, err
	}
	if policy == nil || policy.Plans == nil || len(policy.Plans.Plans) != 1 {
		return nil, fmt.Errorf("%w: no single plan", errPlanUnsupported)
	}
	return convertPlan(policy, comp.Modules)
}

// convertPlan resolves a plan's strings, functions and builtins once, so
// evaluation only indexes slices.
func convertPlan(policy *ir.Policy, modules map[string]*ast.Module) (*irProgram, error) {
	p := &irProgram{
		resultKey:     ast.StringTerm(string(resultVar)),
		usesInventory: readsInventory(modules),
	}
	if policy.Static != nil {
		for _, s := range policy.Static.Strings {
			p.strings = append(p.strings, ast.NewTerm(ast.String(s.Value)))
		}
	}
	byName := map[string]int{}
	if policy.Funcs != nil {
		for i, f := range policy.Funcs.Funcs {
			byName[f.Name] = i
			p.funcs = append(p.funcs, &irFunc{name: f.Name, memo: len(f.Params) == 2})
		}
	}
	c := planConverter{p: p, byName: byName, builtins: map[string]*irBuiltin{}}
	if policy.Funcs != nil {
		for i, f := range policy.Funcs.Funcs {
			fn := p.funcs[i]
			c.maxLocal = int(f.Return)
			for _, l := range f.Params {
				fn.params = append(fn.params, int(l))
				c.maxLocal = max(c.maxLocal, int(l))
			}
			fn.ret = int(f.Return)
			for _, b := range f.Blocks {
				stmts, err := c.block(b)
				if err != nil {
					return nil, fmt.Errorf("function %s: %w", f.Name, err)
				}
				fn.blocks = append(fn.blocks, stmts)
			}
			fn.locals = c.maxLocal + 1
		}
	}
	c.maxLocal = int(ir.Data)
	for _, b := range policy.Plans.Plans[0].Blocks {
		stmts, err := c.block(b)
		if err != nil {
			return nil, fmt.Errorf("plan: %w", err)
		}
		p.plan = append(p.plan, stmts)
	}
	p.planLocals = c.maxLocal + 1
	return p, nil
}

// readsInventory reports whether any module refers to data.inventory, the
// only base document the engine stores.
func readsInventory(modules map[string]*ast.Module) bool {
	found := false
	for _, m := range modules {
		ast.WalkRefs(m, func(r ast.Ref) bool {
			if len(r) >= 2 && r[0].Equal(ast.DefaultRootDocument) && r[1].Equal(inventoryKey) {
				found = true
			}
			return found
		})
	}
	return found
}

var inventoryKey = ast.StringTerm("inventory")

// notOnPlan lists builtins the plan evaluator leaves to topdown: they need
// evaluator state it does not provide (time, randomness, tracing, printing)
// or reach outside the process.
var notOnPlan = map[string]bool{
	"trace":          true,
	"internal.print": true,
	"print":          true,
	"opa.runtime":    true,
	"http.send":      true,
	"walk":           true,
}

type planConverter struct {
	p        *irProgram
	byName   map[string]int
	builtins map[string]*irBuiltin
	maxLocal int
}

func (c *planConverter) local(l ir.Local) int {
	c.maxLocal = max(c.maxLocal, int(l))
	return int(l)
}

func (c *planConverter) operand(o ir.Operand) (irOperand, error) {
	switch v := o.Value.(type) {
	case ir.Local:
		return irOperand{local: c.local(v)}, nil
	case ir.StringIndex:
		if int(v) < 0 || int(v) >= len(c.p.strings) {
			return irOperand{}, fmt.Errorf("%w: string %d out of range", errPlanUnsupported, v)
		}
		return irOperand{term: c.p.strings[v]}, nil
	case ir.Bool:
		return irOperand{term: ast.InternedTerm(bool(v))}, nil
	}
	return irOperand{}, fmt.Errorf("%w: operand %v", errPlanUnsupported, o.Value)
}

func (c *planConverter) operands(os []ir.Operand) ([]irOperand, error) {
	out := make([]irOperand, len(os))
	for i, o := range os {
		var err error
		if out[i], err = c.operand(o); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (c *planConverter) builtin(name string) (*irBuiltin, error) {
	if b, ok := c.builtins[name]; ok {
		return b, nil
	}
	decl, ok := ast.BuiltinMap[name]
	if !ok || notOnPlan[name] || decl.Nondeterministic || decl.Relation {
		return nil, fmt.Errorf("%w: builtin %s", errPlanUnsupported, name)
	}
	f := topdown.GetBuiltin(name)
	if f == nil {
		return nil, fmt.Errorf("%w: builtin %s has no implementation", errPlanUnsupported, name)
	}
	b := &irBuiltin{name: name, f: f}
	c.builtins[name] = b
	return b, nil
}

func (c *planConverter) block(b *ir.Block) ([]irStmt, error) {
	out := make([]irStmt, 0, len(b.Stmts))
	for _, s := range b.Stmts {
		st, err := c.stmt(s)
		if err != nil {
			return nil, err
		}
		if st != nil {
			out = append(out, st)
		}
	}
	return out, nil
}

func (c *planConverter) stmt(s ir.Stmt) (irStmt, error) {
	switch s := s.(type) {
	case *ir.NopStmt:
		return nil, nil
	case *ir.ReturnLocalStmt:
		return &sReturn{src: c.local(s.Source)}, nil
	case *ir.ResultSetAddStmt:
		return &sResultAdd{src: c.local(s.Value)}, nil
	case *ir.BreakStmt:
		return &sBreak{levels: int(s.Index) + 1}, nil
	case *ir.BlockStmt:
		st := &sBlock{}
		for _, b := range s.Blocks {
			stmts, err := c.block(b)
			if err != nil {
				return nil, err
			}
			st.blocks = append(st.blocks, stmts)
		}
		return st, nil
	case *ir.CallStmt:
		args, err := c.operands(s.Args)
		if err != nil {
			return nil, err
		}
		st := &sCall{args: args, result: c.local(s.Result), fn: -1}
		if i, ok := c.byName[s.Func]; ok {
			st.fn = i
			return st, nil
		}
		if st.builtin, err = c.builtin(s.Func); err != nil {
			return nil, err
		}
		return st, nil
	case *ir.DotStmt:
		src, err := c.operand(s.Source)
		if err != nil {
			return nil, err
		}
		key, err := c.operand(s.Key)
		if err != nil {
			return nil, err
		}
		return &sDot{src: src, key: key, target: c.local(s.Target)}, nil
	case *ir.LenStmt:
		src, err := c.operand(s.Source)
		if err != nil {
			return nil, err
		}
		return &sLen{src: src, target: c.local(s.Target)}, nil
	case *ir.ScanStmt:
		body, err := c.block(s.Block)
		if err != nil {
			return nil, err
		}
		return &sScan{src: c.local(s.Source), key: c.local(s.Key), value: c.local(s.Value), body: body}, nil
	case *ir.NotStmt:
		body, err := c.block(s.Block)
		if err != nil {
			return nil, err
		}
		return &sNot{body: body}, nil
	case *ir.AssignIntStmt:
		return &sConst{term: ast.InternedTerm(int(s.Value)), target: c.local(s.Target)}, nil
	case *ir.MakeNumberIntStmt:
		return &sConst{term: ast.InternedTerm(int(s.Value)), target: c.local(s.Target)}, nil
	case *ir.MakeNumberRefStmt:
		if s.Index < 0 || s.Index >= len(c.p.strings) {
			return nil, fmt.Errorf("%w: number string %d out of range", errPlanUnsupported, s.Index)
		}
		n := ast.NumberTerm(json.Number(c.p.strings[s.Index].Value.(ast.String)))
		return &sConst{term: n, target: c.local(s.Target)}, nil
	case *ir.MakeNullStmt:
		return &sConst{term: ast.InternedNullTerm, target: c.local(s.Target)}, nil
	case *ir.AssignVarStmt:
		src, err := c.operand(s.Source)
		if err != nil {
			return nil, err
		}
		return &sAssign{src: src, target: c.local(s.Target)}, nil
	case *ir.AssignVarOnceStmt:
		src, err := c.operand(s.Source)
		if err != nil {
			return nil, err
		}
		return &sAssignOnce{src: src, target: c.local(s.Target)}, nil
	case *ir.ResetLocalStmt:
		return &sReset{target: c.local(s.Target)}, nil
	case *ir.MakeArrayStmt:
		return &sMakeArray{capacity: int(s.Capacity), target: c.local(s.Target)}, nil
	case *ir.MakeObjectStmt:
		return &sMakeObject{target: c.local(s.Target)}, nil
	case *ir.MakeSetStmt:
		return &sMakeSet{target: c.local(s.Target)}, nil
	case *ir.EqualStmt:
		a, b, err := c.pair(s.A, s.B)
		if err != nil {
			return nil, err
		}
		return &sEqual{a: a, b: b}, nil
	case *ir.NotEqualStmt:
		a, b, err := c.pair(s.A, s.B)
		if err != nil {
			return nil, err
		}
		return &sNotEqual{a: a, b: b}, nil
	case *ir.IsArrayStmt:
		return c.typeCheck(s.Source, isArray)
	case *ir.IsObjectStmt:
		return c.typeCheck(s.Source, isObject)
	case *ir.IsSetStmt:
		return c.typeCheck(s.Source, isSet)
	case *ir.IsDefinedStmt:
		return &sDefined{src: c.local(s.Source), want: true}, nil
	case *ir.IsUndefinedStmt:
		return &sDefined{src: c.local(s.Source), want: false}, nil
	case *ir.ArrayAppendStmt:
		v, err := c.operand(s.Value)
		if err != nil {
			return nil, err
		}
		return &sArrayAppend{value: v, array: c.local(s.Array)}, nil
	case *ir.ObjectInsertStmt:
		k, v, err := c.pair(s.Key, s.Value)
		if err != nil {
			return nil, err
		}
		return &sObjectInsert{key: k, value: v, object: c.local(s.Object)}, nil
	case *ir.ObjectInsertOnceStmt:
		k, v, err := c.pair(s.Key, s.Value)
		if err != nil {
			return nil, err
		}
		return &sObjectInsert{key: k, value: v, object: c.local(s.Object), once: true}, nil
	case *ir.SetAddStmt:
		v, err := c.operand(s.Value)
		if err != nil {
			return nil, err
		}
		return &sSetAdd{value: v, set: c.local(s.Set)}, nil
	case *ir.WithStmt:
		v, err := c.operand(s.Value)
		if err != nil {
			return nil, err
		}
		body, err := c.block(s.Block)
		if err != nil {
			return nil, err
		}
		st := &sWith{local: c.local(s.Local), value: v, body: body}
		for _, i := range s.Path {
			if i < 0 || i >= len(c.p.strings) {
				return nil, fmt.Errorf("%w: with path string %d out of range", errPlanUnsupported, i)
			}
			st.path = append(st.path, c.p.strings[i])
		}
		return st, nil
	}
	// CallDynamicStmt (data[x] calls) and ObjectMergeStmt (base and
	// virtual documents sharing a path) stay on topdown.
	return nil, fmt.Errorf("%w: statement %T", errPlanUnsupported, s)
}

func (c *planConverter) typeCheck(src ir.Operand, kind typeCheck) (irStmt, error) {
	o, err := c.operand(src)
	if err != nil {
		return nil, err
	}
	return &sIsType{src: o, kind: kind}, nil
}

func (c *planConverter) pair(a, b ir.Operand) (irOperand, irOperand, error) {
	x, err := c.operand(a)
	if err != nil {
		return irOperand{}, irOperand{}, err
	}
	y, err := c.operand(b)
	return x, y, err
}
