package load

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

type yamlNode = yaml.Node

// Read decodes every document of r. name is used in errors and recorded as
// each Document's File. Empty documents are skipped but still counted, so
// that Index matches what a reader counts in the file.
func Read(r io.Reader, name string) ([]Document, error) {
	dec := yaml.NewDecoder(r)
	var docs []Document
	for index := 1; ; index++ {
		var root yaml.Node
		err := dec.Decode(&root)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, &Error{File: name, Index: index, Err: err}
		}
		doc, ok, err := toDocument(&root, name, index)
		if err != nil {
			return nil, err
		}
		if ok {
			docs = append(docs, expandList(doc)...)
		}
	}
}

// toDocument converts one decoded document; ok is false for an empty one.
func toDocument(root *yaml.Node, name string, index int) (Document, bool, error) {
	body := root
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return Document{}, false, nil
		}
		body = root.Content[0]
	}
	if body.Kind == yaml.ScalarNode && body.ShortTag() == "!!null" {
		return Document{}, false, nil
	}
	doc := Document{File: name, Index: index, Line: body.Line, root: body}
	if body.Kind != yaml.MappingNode {
		return doc, false, doc.Wrap(ErrNotAnObject)
	}
	v, err := toValue(body)
	if err != nil {
		return doc, false, doc.Wrap(err)
	}
	doc.Object = v.(map[string]any)
	return doc, true, nil
}

// toValue converts a node to the form encoding/json would decode.
func toValue(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return toValue(n.Content[0])
	case yaml.AliasNode:
		return toValue(n.Alias)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := toValue(c)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		if err := fillMap(out, n); err != nil {
			return nil, err
		}
		return out, nil
	default:
		return toScalar(n)
	}
}

// fillMap adds the pairs of mapping n to out, expanding merge keys ("<<").
func fillMap(out map[string]any, n *yaml.Node) error {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			if err := merge(out, v); err != nil {
				return err
			}
			continue
		}
		if k.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: mapping key is not a scalar", k.Line)
		}
		val, err := toValue(v)
		if err != nil {
			return err
		}
		out[k.Value] = val
	}
	return nil
}

// merge applies a merge key's value: a mapping, an alias of one, or a
// sequence of them. Keys already present win, as YAML specifies.
func merge(out map[string]any, v *yaml.Node) error {
	if v.Kind == yaml.AliasNode {
		v = v.Alias
	}
	sources := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		sources = v.Content
	}
	for _, s := range sources {
		if s.Kind == yaml.AliasNode {
			s = s.Alias
		}
		if s.Kind != yaml.MappingNode {
			return fmt.Errorf("line %d: merge value is not a mapping", s.Line)
		}
		m := map[string]any{}
		if err := fillMap(m, s); err != nil {
			return err
		}
		for k, val := range m {
			if _, ok := out[k]; !ok {
				out[k] = val
			}
		}
	}
	return nil
}

// toScalar resolves a scalar by its tag. Timestamps and unknown tags stay
// strings, as they would after a round trip through JSON.
func toScalar(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return b, nil
	case "!!int":
		var i int64
		if err := n.Decode(&i); err == nil {
			return i, nil
		}
		return toFloat(n)
	case "!!float":
		return toFloat(n)
	default:
		return n.Value, nil
	}
}

func toFloat(n *yaml.Node) (any, error) {
	var f float64
	if err := n.Decode(&f); err != nil {
		if f2, err2 := strconv.ParseFloat(n.Value, 64); err2 == nil {
			return f2, nil
		}
		return nil, fmt.Errorf("line %d: %w", n.Line, err)
	}
	return f, nil
}

// LineOf returns the line of the value at the given path of mapping keys
// and decimal sequence indexes, or 0 when there is no such value. For a block
// scalar (`key: |`) the line is that of the indicator, so its text starts on
// the next line.
func (d *Document) LineOf(path ...string) int {
	n := d.root
	for _, p := range path {
		if n == nil {
			return 0
		}
		n = child(n, p)
	}
	if n == nil {
		return 0
	}
	return n.Line
}

func child(n *yaml.Node, key string) *yaml.Node {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i+1]
			}
		}
	case yaml.SequenceNode:
		i, err := strconv.Atoi(key)
		if err == nil && i >= 0 && i < len(n.Content) {
			return n.Content[i]
		}
	}
	return nil
}

// expandList replaces a List document (kind List, or a kind ending in List
// such as PodList, whose items are all objects with a kind), as printed by
// `kubectl get -o yaml`, by its items.
func expandList(d Document) []Document {
	kind, _ := d.Object["kind"].(string)
	items, ok := d.Object["items"].([]any)
	if !strings.HasSuffix(kind, "List") || !ok {
		return []Document{d}
	}
	nodes := child(d.root, "items")
	out := make([]Document, 0, len(items))
	for i, it := range items {
		obj, ok := it.(map[string]any)
		if !ok {
			return []Document{d}
		}
		if _, ok := obj["kind"].(string); !ok {
			return []Document{d}
		}
		n := nodes.Content[i]
		if n.Kind == yaml.AliasNode {
			n = n.Alias
		}
		out = append(out, Document{File: d.File, Index: d.Index, Item: i + 1, Line: n.Line, Object: obj, root: n})
	}
	return out
}
