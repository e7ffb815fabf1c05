package engine

import (
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

func TestFlatCache(t *testing.T) {
	c := newFlatCache()
	a := ast.MustParseRef("data.t.a")
	fn := ast.MustParseRef(`data.t.f["x"]`)
	one := ast.IntNumberTerm(1)

	if v, undefined := c.Get(a); v != nil || undefined {
		t.Fatalf("empty cache Get = %v, %v", v, undefined)
	}
	c.Put(a, one)
	key := fn.Copy()
	c.Put(key, nil)
	key[len(key)-1] = ast.StringTerm("y") // the evaluator reuses its key slice
	if v, undefined := c.Get(a); v != one || undefined {
		t.Errorf("Get(a) = %v, %v; want 1, false", v, undefined)
	}
	if v, undefined := c.Get(fn); v != nil || !undefined {
		t.Errorf(`Get(f["x"]) = %v, %v; want undefined`, v, undefined)
	}
	if v, undefined := c.Get(key); v != nil || undefined {
		t.Errorf(`Get(f["y"]) = %v, %v; want not cached`, v, undefined)
	}
	if keys := c.Keys(); len(keys) != 1 || !keys[0].Equal(a) {
		t.Errorf("Keys() = %v, want [data.t.a]", keys)
	}

	c.Push()
	if v, _ := c.Get(a); v != nil {
		t.Errorf("new frame sees %v", v)
	}
	c.Put(a, ast.IntNumberTerm(2))
	c.Pop()
	if v, _ := c.Get(a); v != one {
		t.Errorf("after Pop Get(a) = %v, want 1", v)
	}

	c.Put(fn, one)
	if v, undefined := c.Get(fn); v != nil || !undefined {
		t.Errorf("a ref cached as undefined became %v, %v", v, undefined)
	}
}
