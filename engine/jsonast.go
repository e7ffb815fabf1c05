package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/open-policy-agent/opa/v1/ast"
)

// maxJSONDepth bounds nesting, as encoding/json does, so hostile input
// cannot exhaust the stack.
const maxJSONDepth = 10000

// parseJSONTerm parses one JSON document straight into a Rego term, without
// building Go maps first. It accepts exactly what encoding/json accepts.
func parseJSONTerm(data []byte) (*ast.Term, error) {
	p := jsonParser{data: data}
	p.space()
	t, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos != len(p.data) {
		return nil, p.errorf("unexpected data after the value")
	}
	return t, nil
}

type jsonParser struct {
	data []byte
	pos  int
}

func (p *jsonParser) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at offset %d: %s", p.pos, fmt.Sprintf(format, args...))
}

func (p *jsonParser) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (*ast.Term, error) {
	if depth > maxJSONDepth {
		return nil, p.errorf("nested too deeply")
	}
	if p.pos >= len(p.data) {
		return nil, p.errorf("unexpected end of input")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		return p.stringTerm()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	for _, lit := range []struct {
		text string
		term *ast.Term
	}{{"true", ast.BooleanTerm(true)}, {"false", ast.BooleanTerm(false)}, {"null", ast.NullTerm()}} {
		if len(p.data)-p.pos >= len(lit.text) && string(p.data[p.pos:p.pos+len(lit.text)]) == lit.text {
			p.pos += len(lit.text)
			return lit.term, nil
		}
	}
	return nil, p.errorf("unexpected character %q", p.data[p.pos])
}

func (p *jsonParser) object(depth int) (*ast.Term, error) {
	p.pos++ // {
	var items [][2]*ast.Term
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return ast.ObjectTerm(), nil
	}
	for {
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, p.errorf("expected a string key")
		}
		key, err := p.stringTerm()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, p.errorf("expected ':'")
		}
		p.pos++
		p.space()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		items = append(items, [2]*ast.Term{key, v})
		if done, err := p.next('}'); done || err != nil {
			if err != nil {
				return nil, err
			}
			break
		}
	}
	if !hasDuplicateKey(items) {
		return ast.ObjectTerm(items...), nil // one block for all entries
	}
	obj := ast.NewObjectWithCapacity(len(items))
	for _, kv := range items {
		obj.Insert(kv[0], kv[1]) // a repeated key keeps the last value
	}
	return ast.NewTerm(obj), nil
}

// hasDuplicateKey reports whether a key repeats; ast.NewObject assumes
// distinct keys. Keys are always strings here.
func hasDuplicateKey(items [][2]*ast.Term) bool {
	key := func(i int) ast.String { return items[i][0].Value.(ast.String) }
	if len(items) <= 16 {
		for i := 1; i < len(items); i++ {
			for j := range i {
				if key(i) == key(j) {
					return true
				}
			}
		}
		return false
	}
	seen := make(map[ast.String]struct{}, len(items))
	for i := range items {
		k := key(i)
		if _, ok := seen[k]; ok {
			return true
		}
		seen[k] = struct{}{}
	}
	return false
}

func (p *jsonParser) array(depth int) (*ast.Term, error) {
	p.pos++ // [
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return ast.ArrayTerm(), nil
	}
	var elems []*ast.Term
	for {
		p.space()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		elems = append(elems, v)
		if done, err := p.next(']'); done || err != nil {
			if err != nil {
				return nil, err
			}
			break
		}
	}
	return ast.ArrayTerm(elems...), nil
}

// next consumes a ',' (returning false) or the closing byte (returning
// true).
func (p *jsonParser) next(closing byte) (bool, error) {
	p.space()
	if p.pos >= len(p.data) {
		return false, p.errorf("unexpected end of input")
	}
	switch p.data[p.pos] {
	case ',':
		p.pos++
		return false, nil
	case closing:
		p.pos++
		return true, nil
	}
	return false, p.errorf("expected ',' or %q", closing)
}

// stringTerm reads a JSON string as a term. Plain strings that are common
// in Kubernetes objects (field names, frequent values) come from a shared
// table of immutable terms: a Pod has a hundred or so keys, and each saves
// three allocations.
func (p *jsonParser) stringTerm() (*ast.Term, error) {
	for i := p.pos + 1; i < len(p.data); i++ {
		c := p.data[i]
		if c == '"' {
			if t, ok := commonStrings[string(p.data[p.pos+1:i])]; ok {
				p.pos = i + 1
				return t, nil
			}
			break
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
	}
	s, err := p.str()
	if err != nil {
		return nil, err
	}
	return ast.StringTerm(s), nil
}

// str reads a JSON string. Plain strings are sliced directly; strings with
// escapes or invalid UTF-8 are decoded by encoding/json, which also
// replaces invalid UTF-8 the standard way.
func (p *jsonParser) str() (string, error) {
	start := p.pos
	p.pos++ // "
	plain := true
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			if plain {
				return string(p.data[start+1 : p.pos-1]), nil
			}
			var s string
			if err := json.Unmarshal(p.data[start:p.pos], &s); err != nil {
				return "", fmt.Errorf("invalid JSON string at offset %d: %w", start, err)
			}
			return s, nil
		case c == '\\':
			plain = false
			p.pos += 2
		case c < 0x20:
			return "", p.errorf("control character in string")
		case c >= utf8.RuneSelf:
			plain = false
			p.pos++
		default:
			p.pos++
		}
	}
	return "", errors.New("invalid JSON: unterminated string")
}

// number reads a JSON number and keeps its text, as json.Number would.
func (p *jsonParser) number() (*ast.Term, error) {
	start := p.pos
	if p.data[p.pos] == '-' {
		p.pos++
	}
	switch {
	case p.pos < len(p.data) && p.data[p.pos] == '0':
		p.pos++
	case p.digits() == 0:
		return nil, p.errorf("invalid number")
	}
	if p.pos < len(p.data) && p.data[p.pos] == '.' {
		p.pos++
		if p.digits() == 0 {
			return nil, p.errorf("invalid number")
		}
	}
	if p.pos < len(p.data) && (p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.data) && (p.data[p.pos] == '+' || p.data[p.pos] == '-') {
			p.pos++
		}
		if p.digits() == 0 {
			return nil, p.errorf("invalid number")
		}
	}
	v, err := ast.InterfaceToValue(json.Number(p.data[start:p.pos]))
	if err != nil {
		return nil, fmt.Errorf("invalid JSON number at offset %d: %w", start, err)
	}
	return ast.NewTerm(v), nil
}

func (p *jsonParser) digits() int {
	n := 0
	for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
		p.pos++
		n++
	}
	return n
}
