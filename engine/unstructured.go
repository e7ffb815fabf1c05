package engine

import (
	"encoding/json"
	"fmt"
)

// nested returns the value at path in obj, and whether every step existed.
func nested(obj map[string]any, path ...string) (any, bool) {
	var cur any = obj
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		cur, ok = m[p]
		if !ok {
			return nil, false
		}
	}
	return cur, true
}

// nestedString returns the string at path; absent or null is "". Any other
// type is an error naming the field.
func nestedString(obj map[string]any, path ...string) (string, error) {
	v, ok := nested(obj, path...)
	if !ok || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s must be a string, got %T", dotted(path), v)
	}
	return s, nil
}

// nestedMap returns the object at path; absent or null is nil.
func nestedMap(obj map[string]any, path ...string) (map[string]any, error) {
	v, ok := nested(obj, path...)
	if !ok || v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s must be an object, got %T", dotted(path), v)
	}
	return m, nil
}

// nestedSlice returns the list at path; absent or null is nil.
func nestedSlice(obj map[string]any, path ...string) ([]any, error) {
	v, ok := nested(obj, path...)
	if !ok || v == nil {
		return nil, nil
	}
	s, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s must be a list, got %T", dotted(path), v)
	}
	return s, nil
}

// nestedStrings returns the list of strings at path.
func nestedStrings(obj map[string]any, path ...string) ([]string, error) {
	items, err := nestedSlice(obj, path...)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, nil
	}
	out := make([]string, 0, len(items))
	for i, item := range items {
		s, ok := item.(string)
		if !ok {
			return nil, fmt.Errorf("%s[%d] must be a string, got %T", dotted(path), i, item)
		}
		out = append(out, s)
	}
	return out, nil
}

// convert decodes an unstructured value into a typed one via JSON.
func convert(in any, out any) error {
	raw, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return nil
}

func dotted(path []string) string {
	s := ""
	for i, p := range path {
		if i > 0 {
			s += "."
		}
		s += p
	}
	return s
}
