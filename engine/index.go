package engine

import (
	"cmp"
	"errors"
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/portcullis-dev/portcullis/engine/match"
)

// Errors of AddConstraint and ValidateConstraint.
var (
	// ErrNoTemplate: no template defines the constraint's kind.
	ErrNoTemplate = errors.New("no template defines this constraint kind")
	// ErrInvalidParameters: spec.parameters breaks the template's schema.
	ErrInvalidParameters = errors.New("spec.parameters does not match the template's schema")
)

// constraintEntry is a constraint prepared for reviews. It is immutable.
type constraintEntry struct {
	c *Constraint
	// keys are the kind-index keys spec.match selects.
	keys    []match.GroupKind
	matcher *match.Matcher
	actions pointActions
	// params is spec.parameters as a Rego value, {} when absent.
	params *ast.Term
}

type constraintKey struct{ kind, name string }

func (e *constraintEntry) key() constraintKey { return constraintKey{e.c.Kind, e.c.Name} }

func compareEntries(a, b *constraintEntry) int {
	return cmp.Or(cmp.Compare(a.c.Kind, b.c.Kind), cmp.Compare(a.c.Name, b.c.Name))
}

// constraintIndex files constraints under the group/kind keys their match
// selects (wildcards in their own buckets), so that a review only looks at
// constraints that can match it. Buckets are sorted by constraint kind and
// name and replaced, never changed in place.
type constraintIndex struct {
	all     map[constraintKey]*constraintEntry
	buckets map[match.GroupKind][]*constraintEntry
}

func newConstraintIndex() *constraintIndex {
	return &constraintIndex{
		all:     map[constraintKey]*constraintEntry{},
		buckets: map[match.GroupKind][]*constraintEntry{},
	}
}

func (x *constraintIndex) add(e *constraintEntry) {
	x.remove(e.c.Kind, e.c.Name)
	x.all[e.key()] = e
	for _, k := range e.keys {
		x.buckets[k] = insertSorted(x.buckets[k], e)
	}
}

func (x *constraintIndex) remove(kind, name string) {
	key := constraintKey{kind, name}
	e, ok := x.all[key]
	if !ok {
		return
	}
	delete(x.all, key)
	for _, k := range e.keys {
		b := without(x.buckets[k], e)
		if len(b) == 0 {
			delete(x.buckets, k)
			continue
		}
		x.buckets[k] = b
	}
}

// removeKind drops every constraint of a constraint kind.
func (x *constraintIndex) removeKind(kind string) {
	for key := range x.all {
		if key.kind == kind {
			x.remove(key.kind, key.name)
		}
	}
}

// candidates returns, in constraint order and without duplicates, every
// constraint that may select objects of the group and kind.
func (x *constraintIndex) candidates(group, kind string) []*constraintEntry {
	var out []*constraintEntry
	n := 0
	for _, key := range match.LookupKeys(group, kind) {
		if b := x.buckets[key]; len(b) > 0 {
			out = append(out, b...)
			n++
		}
	}
	if n > 1 {
		slices.SortFunc(out, compareEntries)
		out = slices.Compact(out)
	}
	return out
}

// list returns every constraint, in constraint order.
func (x *constraintIndex) list() []*Constraint {
	out := make([]*Constraint, 0, len(x.all))
	for _, e := range x.all {
		out = append(out, e.c)
	}
	slices.SortFunc(out, func(a, b *Constraint) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Name, b.Name))
	})
	return out
}

func insertSorted(s []*constraintEntry, e *constraintEntry) []*constraintEntry {
	i, _ := slices.BinarySearchFunc(s, e, compareEntries)
	out := make([]*constraintEntry, 0, len(s)+1)
	out = append(out, s[:i]...)
	out = append(out, e)
	return append(out, s[i:]...)
}

func without(s []*constraintEntry, e *constraintEntry) []*constraintEntry {
	out := make([]*constraintEntry, 0, len(s))
	for _, x := range s {
		if x != e {
			out = append(out, x)
		}
	}
	return out
}
