package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/portcullis-dev/portcullis/engine"
	"github.com/portcullis-dev/portcullis/engine/match"
)

const (
	templatesGroup   = "templates.gatekeeper.sh"
	constraintsGroup = "constraints.gatekeeper.sh"
)

// TemplateCompiler compiles a template without keeping it; *engine.Engine
// is one.
type TemplateCompiler interface {
	CompileTemplate(t *engine.Template) error
}

// PolicyValidator refuses ConstraintTemplates that do not compile and
// constraints that cannot be enforced, at the moment they are applied.
type PolicyValidator struct {
	Compiler TemplateCompiler
}

// Validate checks req when it creates or updates a template or constraint.
// handled is false for every other request.
func (p *PolicyValidator) Validate(req *admissionv1.AdmissionRequest) (resp *admissionv1.AdmissionResponse, handled bool) {
	if req.Operation != admissionv1.Create && req.Operation != admissionv1.Update {
		return nil, false
	}
	var check func(map[string]any) error
	switch {
	case req.Kind.Group == templatesGroup && req.Kind.Kind == "ConstraintTemplate":
		check = p.checkTemplate
	case req.Kind.Group == constraintsGroup:
		check = checkConstraint
	default:
		return nil, false
	}
	obj := map[string]any{}
	if err := json.Unmarshal(req.Object.Raw, &obj); err != nil {
		return refuse(http.StatusBadRequest, fmt.Sprintf("decoding %s: %v", req.Kind.Kind, err)), true
	}
	if err := check(obj); err != nil {
		return refuse(http.StatusUnprocessableEntity, err.Error()), true
	}
	return allow(), true
}

func (p *PolicyValidator) checkTemplate(obj map[string]any) error {
	t, err := engine.ParseTemplate(obj)
	if err != nil {
		return describe(err)
	}
	if err := p.Compiler.CompileTemplate(t); err != nil {
		return describe(err)
	}
	return nil
}

func checkConstraint(obj map[string]any) error {
	c, err := engine.ParseConstraint(obj)
	if err != nil {
		return err
	}
	if _, err := match.Compile(c.Match); err != nil {
		return fmt.Errorf("constraint %q: spec.match: %w", c.Name, err)
	}
	return nil
}

// describe spells out template errors with file, line and column, one per
// line, so kubectl shows exactly where the Rego is wrong.
func describe(err error) error {
	var terr *engine.TemplateError
	if !errors.As(err, &terr) {
		return err
	}
	lines := make([]string, 0, len(terr.Errors))
	for _, e := range terr.Errors {
		if e.Location != nil {
			lines = append(lines, fmt.Sprintf("%s:%d:%d: %s: %s", e.Location.File, e.Location.Row, e.Location.Col, e.Code, e.Message))
		} else {
			lines = append(lines, fmt.Sprintf("%s: %s", e.Code, e.Message))
		}
	}
	return fmt.Errorf("template %q does not compile:\n%s", terr.Template, strings.Join(lines, "\n"))
}
