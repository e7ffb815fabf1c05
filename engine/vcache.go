package engine

import (
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// flatCache is the virtual-document cache of one evaluation: the values of
// rules and function calls already worked out, so each is evaluated once.
// OPA's default keeps a tree of hash maps, which costs more to set up and
// fill than a template evaluation with a handful of cached refs gains; a
// short list per frame, searched from the newest entry, is cheaper at that
// size.
type flatCache struct {
	// frames[i] are the entries of frame i; the last frame is active.
	frames [][]cacheEntry
}

type cacheEntry struct {
	ref       ast.Ref
	value     *ast.Term
	undefined bool
}

var _ topdown.VirtualCache = (*flatCache)(nil)

func newFlatCache() *flatCache {
	return &flatCache{frames: make([][]cacheEntry, 1, 2)}
}

// Push starts a new, empty frame (evaluation under `with`).
func (c *flatCache) Push() { c.frames = append(c.frames, nil) }

// Pop drops the active frame and its entries.
func (c *flatCache) Pop() { c.frames = c.frames[:len(c.frames)-1] }

// Get returns the cached value of ref: (value, false) when cached as
// defined, (nil, true) when cached as undefined, (nil, false) when not
// cached.
func (c *flatCache) Get(ref ast.Ref) (*ast.Term, bool) {
	entries := c.frames[len(c.frames)-1]
	for i := len(entries) - 1; i >= 0; i-- {
		if entries[i].ref.Equal(ref) {
			if entries[i].undefined {
				return nil, true
			}
			return entries[i].value, false
		}
	}
	return nil, false
}

// Put records the value of ref; a nil value records it as undefined. The
// evaluator reuses the slice behind ref, so the entry keeps a copy.
func (c *flatCache) Put(ref ast.Ref, value *ast.Term) {
	ref = slices.Clone(ref)
	top := len(c.frames) - 1
	entries := c.frames[top]
	for i := range entries {
		if entries[i].ref.Equal(ref) {
			// As OPA's own cache: a value replaces the value, nil marks
			// the ref undefined, and undefined stays undefined.
			if value != nil {
				entries[i].value = value
			} else {
				entries[i].undefined = true
			}
			return
		}
	}
	c.frames[top] = append(entries, cacheEntry{ref: ref, value: value, undefined: value == nil})
}

// Keys lists the refs with a defined value in the active frame.
func (c *flatCache) Keys() []ast.Ref {
	var keys []ast.Ref
	for _, e := range c.frames[len(c.frames)-1] {
		if !e.undefined {
			keys = append(keys, e.ref)
		}
	}
	return keys
}
