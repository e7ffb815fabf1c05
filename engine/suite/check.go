package suite

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/portcullis-dev/portcullis/engine/load"
)

// fieldPath is a path into a Suite document, as map keys and list indexes.
type fieldPath []string

func (p fieldPath) with(elems ...any) fieldPath {
	out := append(fieldPath{}, p...)
	for _, e := range elems {
		out = append(out, fmt.Sprint(e))
	}
	return out
}

// String renders the path as tests[0].cases[1].object.
func (p fieldPath) String() string {
	var b strings.Builder
	for _, e := range p {
		if _, err := strconv.Atoi(e); err == nil {
			fmt.Fprintf(&b, "[%s]", e)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(e)
	}
	return b.String()
}

// checker finds the first malformed field of a Suite document, so that the
// error can name its line rather than the document's.
type checker struct {
	doc *load.Document
	err error
}

func (c *checker) fail(p fieldPath, format string, args ...any) {
	if c.err != nil {
		return
	}
	line := c.doc.LineOf(p...)
	if line == 0 {
		line = c.doc.Line
	}
	c.err = &load.Error{File: c.doc.File, Index: c.doc.Index, Line: line,
		Err: fmt.Errorf("%s: %s", p, fmt.Sprintf(format, args...))}
}

// list returns the list at p, failing when present but not a list.
func (c *checker) list(v any, p fieldPath) []any {
	if v == nil {
		return nil
	}
	l, ok := v.([]any)
	if !ok {
		c.fail(p, "must be a list")
	}
	return l
}

func (c *checker) object(v any, p fieldPath) map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		c.fail(p, "must be an object")
	}
	return m
}

func (c *checker) strings(m map[string]any, p fieldPath, keys ...string) {
	for _, k := range keys {
		if v, ok := m[k]; ok && v != nil {
			if _, ok := v.(string); !ok {
				c.fail(p.with(k), "must be a string")
			}
		}
	}
}

func (c *checker) bools(m map[string]any, p fieldPath, keys ...string) {
	for _, k := range keys {
		if v, ok := m[k]; ok && v != nil {
			if _, ok := v.(bool); !ok {
				c.fail(p.with(k), "must be true or false")
			}
		}
	}
}

// checkSuite checks the shape of a Suite document field by field.
func checkSuite(doc *load.Document) error {
	c := &checker{doc: doc}
	root := fieldPath{}
	c.bools(doc.Object, root, "skip")
	for i, t := range c.list(doc.Object["tests"], root.with("tests")) {
		tp := root.with("tests", i)
		tm := c.object(t, tp)
		c.strings(tm, tp, "name", "template", "constraint")
		c.bools(tm, tp, "skip", "invalid")
		for j, k := range c.list(tm["cases"], tp.with("cases")) {
			c.checkCase(k, tp.with("cases", j))
		}
	}
	return c.err
}

func (c *checker) checkCase(k any, p fieldPath) {
	m := c.object(k, p)
	c.strings(m, p, "name", "object")
	c.bools(m, p, "skip")
	for i, inv := range c.list(m["inventory"], p.with("inventory")) {
		if _, ok := inv.(string); !ok {
			c.fail(p.with("inventory", i), "must be a path")
		}
	}
	for i, a := range c.list(m["assertions"], p.with("assertions")) {
		ap := p.with("assertions", i)
		am := c.object(a, ap)
		c.strings(am, ap, "message")
		if msg, ok := am["message"].(string); ok {
			if _, err := regexp.Compile(msg); err != nil {
				c.fail(ap.with("message"), "invalid regular expression: %v", err)
			}
		}
		if v, ok := am["violations"]; ok {
			raw, _ := json.Marshal(v)
			if err := new(Violations).UnmarshalJSON(raw); err != nil {
				c.fail(ap.with("violations"), "%v", err)
			}
		}
	}
}
