package audit

import (
	"cmp"
	"slices"
	"sync"
)

// Violation is one entry of a constraint's status.violations, with
// Gatekeeper's field names.
type Violation struct {
	EnforcementAction string `json:"enforcementAction"`
	Group             string `json:"group"`
	Version           string `json:"version"`
	Kind              string `json:"kind"`
	Namespace         string `json:"namespace,omitempty"`
	Name              string `json:"name"`
	Message           string `json:"message"`
}

// compareViolations orders violations by object, then message, then action,
// so that the kept subset does not depend on listing or worker order.
func compareViolations(a, b Violation) int {
	return cmp.Or(
		cmp.Compare(a.Group, b.Group),
		cmp.Compare(a.Kind, b.Kind),
		cmp.Compare(a.Namespace, b.Namespace),
		cmp.Compare(a.Name, b.Name),
		cmp.Compare(a.Version, b.Version),
		cmp.Compare(a.Message, b.Message),
		cmp.Compare(a.EnforcementAction, b.EnforcementAction),
	)
}

// keeper counts a constraint's violations and keeps the first limit of them
// in compareViolations order. Its memory is bounded by limit, not by the
// number of violations.
type keeper struct {
	limit int
	total int64
	kept  []Violation
}

func newKeeper(limit int) *keeper { return &keeper{limit: max(limit, 0)} }

// add counts v and keeps it if it is among the first limit seen so far.
func (k *keeper) add(v Violation) {
	k.total++
	if k.limit == 0 {
		return
	}
	k.kept = append(k.kept, v)
	// Trim in batches so that adding stays amortised O(log limit).
	if len(k.kept) >= 2*k.limit {
		k.trim()
	}
}

func (k *keeper) trim() {
	slices.SortFunc(k.kept, compareViolations)
	if len(k.kept) > k.limit {
		k.kept = k.kept[:k.limit:k.limit]
	}
}

// result returns the total and the kept violations, sorted.
func (k *keeper) result() (int64, []Violation) {
	k.trim()
	return k.total, slices.Clone(k.kept)
}

// constraintRef names a constraint.
type constraintRef struct{ Kind, Name string }

// tally collects the violations of one run, per constraint. It is safe for
// concurrent use.
type tally struct {
	limit int

	mu         sync.Mutex
	byRef      map[constraintRef]*keeper
	byAction   map[string]int64
	reviewed   int64
	evalErrors int64
}

func newTally(limit int, constraints []constraintRef) *tally {
	t := &tally{limit: limit, byRef: map[constraintRef]*keeper{}, byAction: map[string]int64{}}
	for _, c := range constraints {
		t.byRef[c] = newKeeper(limit)
	}
	return t
}

// add records one violation of constraint c.
func (t *tally) add(c constraintRef, v Violation) {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := t.byRef[c]
	if k == nil {
		// A constraint added during the run; it is reported too.
		k = newKeeper(t.limit)
		t.byRef[c] = k
	}
	k.add(v)
	t.byAction[v.EnforcementAction]++
}

// reviewedOne counts an object reviewed, and evaluation errors met.
func (t *tally) reviewedOne(evalErrors int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.reviewed++
	t.evalErrors += int64(evalErrors)
}

// constraintResult is what a run found for one constraint.
type constraintResult struct {
	Ref        constraintRef
	Total      int64
	Violations []Violation
}

// results returns every constraint's result, sorted by kind and name.
func (t *tally) results() []constraintResult {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]constraintResult, 0, len(t.byRef))
	for ref, k := range t.byRef {
		total, kept := k.result()
		out = append(out, constraintResult{Ref: ref, Total: total, Violations: kept})
	}
	slices.SortFunc(out, func(a, b constraintResult) int {
		return cmp.Or(cmp.Compare(a.Ref.Kind, b.Ref.Kind), cmp.Compare(a.Ref.Name, b.Ref.Name))
	})
	return out
}
