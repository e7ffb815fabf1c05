package load

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	yaml "go.yaml.in/yaml/v3"

	"github.com/portcullis-dev/portcullis/engine"
)

// RegoError is a *engine.TemplateError whose Rego locations have been
// translated to lines of the template's file.
type RegoError struct {
	File  string
	Index int
	// Lines are the errors, each "FILE:LINE:COL: CODE: MESSAGE" when the
	// module could be found in the document, else as OPA printed them.
	Lines []string
	Err   *engine.TemplateError
}

func (e *RegoError) Error() string {
	return fmt.Sprintf("%s: document %d: template %q:\n  %s", e.File, e.Index, e.Err.Template, strings.Join(e.Lines, "\n  "))
}

func (e *RegoError) Unwrap() error { return e.Err }

// TemplateErr locates an error of compiling the template read from d. A
// *engine.TemplateError becomes a *RegoError pointing into the file; other
// errors are wrapped with the document's location.
func TemplateErr(d *Document, err error) error {
	var te *engine.TemplateError
	if !errors.As(err, &te) {
		return d.Wrap(err)
	}
	re := &RegoError{File: d.File, Index: d.Index, Err: te}
	for _, e := range te.Errors {
		re.Lines = append(re.Lines, d.regoLine(te.Template, e.Code, e.Message, e.Location))
	}
	return re
}

func (d *Document) regoLine(template, code, msg string, loc *ast.Location) string {
	if loc == nil {
		return fmt.Sprintf("%s: %s", code, msg)
	}
	if start := d.moduleStart(template, loc.File); start > 0 {
		return fmt.Sprintf("%s:%d:%d: %s: %s", d.File, start+loc.Row-1, loc.Col, code, msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s: %s", loc.File, loc.Row, loc.Col, code, msg)
}

// moduleStart returns the file line of the first line of a module's text,
// or 0 when not found. Module names are "<template>/rego" for the entry
// module and "<template>/libs[i]" for libraries, as the engine names them.
func (d *Document) moduleStart(template, module string) int {
	rest, ok := strings.CutPrefix(module, template+"/")
	if !ok {
		return 0
	}
	lib := -1
	if idx, ok := strings.CutPrefix(rest, "libs["); ok {
		n, err := strconv.Atoi(strings.TrimSuffix(idx, "]"))
		if err != nil {
			return 0
		}
		lib = n
	} else if rest != "rego" {
		return 0
	}
	for _, base := range d.regoSources() {
		path := append(append([]string{}, base...), "rego")
		if lib >= 0 {
			path = append(append([]string{}, base...), "libs", strconv.Itoa(lib))
		}
		if line := d.textStart(path...); line > 0 {
			return line
		}
	}
	return 0
}

// regoSources lists where a template may keep its Rego: the code entries
// with engine Rego, then the target itself.
func (d *Document) regoSources() [][]string {
	var out [][]string
	code := childPath(d.root, "spec", "targets", "0", "code")
	if code != nil && code.Kind == yaml.SequenceNode {
		for i, entry := range code.Content {
			if e := child(entry, "engine"); e != nil && e.Value == "Rego" {
				out = append(out, []string{"spec", "targets", "0", "code", strconv.Itoa(i), "source"})
			}
		}
	}
	return append(out, []string{"spec", "targets", "0"})
}

func childPath(n *yaml.Node, path ...string) *yaml.Node {
	for _, p := range path {
		if n == nil {
			return nil
		}
		n = child(n, p)
	}
	return n
}

// textStart returns the line on which the text of the scalar at path
// begins: the line after the indicator for block scalars (| and >).
func (d *Document) textStart(path ...string) int {
	n := childPath(d.root, path...)
	if n == nil || n.Kind != yaml.ScalarNode {
		return 0
	}
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return n.Line + 1
	}
	return n.Line
}
