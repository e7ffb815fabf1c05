package engine

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// TemplateGroup is the API group of ConstraintTemplates.
const TemplateGroup = "templates.gatekeeper.sh"

// Code engines a template's spec.targets[0].code may name.
const (
	RegoEngine = "Rego"
	CELEngine  = "K8sNativeValidation"
)

// templateVersions are the accepted versions of TemplateGroup; the value is
// the default of spec.crd.spec.validation.legacySchema in that version.
var templateVersions = map[string]bool{
	"v1":       false,
	"v1beta1":  true,
	"v1alpha1": true,
}

// ErrEngineNotSupported is returned for a template whose only code is in an
// engine Portcullis cannot run yet (CEL).
var ErrEngineNotSupported = errors.New("engine not supported yet")

// ParseTemplate reads a ConstraintTemplate of templates.gatekeeper.sh v1,
// v1beta1 or v1alpha1 from its unstructured form (as decoded from YAML or
// JSON). It checks the target, the name/kind rule and the code engines, but
// does not compile Rego.
func ParseTemplate(obj map[string]any) (*Template, error) {
	name, err := nestedString(obj, "metadata", "name")
	if err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	t, err := parseTemplate(obj)
	if err != nil {
		if name == "" {
			return nil, fmt.Errorf("parse template: %w", err)
		}
		return nil, fmt.Errorf("parse template %q: %w", name, err)
	}
	return t, nil
}

func parseTemplate(obj map[string]any) (*Template, error) {
	legacyDefault, err := templateVersion(obj)
	if err != nil {
		return nil, err
	}
	t := &Template{}
	if t.Name, err = nestedString(obj, "metadata", "name"); err != nil {
		return nil, err
	}
	if t.Kind, err = nestedString(obj, "spec", "crd", "spec", "names", "kind"); err != nil {
		return nil, err
	}
	if err := checkNameKind(t.Name, t.Kind); err != nil {
		return nil, err
	}
	if t.ShortNames, err = nestedStrings(obj, "spec", "crd", "spec", "names", "shortNames"); err != nil {
		return nil, err
	}
	if t.Annotations, err = annotations(obj); err != nil {
		return nil, err
	}
	if err := parseSchema(obj, t, legacyDefault); err != nil {
		return nil, err
	}
	target, err := onlyTarget(obj)
	if err != nil {
		return nil, err
	}
	src, err := regoSource(target)
	if err != nil {
		return nil, err
	}
	t.Rego, t.Libs, t.RegoVersion = src.rego, src.libs, src.version
	return t, nil
}

// templateVersion checks apiVersion and kind and returns the version's
// legacySchema default.
func templateVersion(obj map[string]any) (bool, error) {
	apiVersion, err := nestedString(obj, "apiVersion")
	if err != nil {
		return false, err
	}
	kind, err := nestedString(obj, "kind")
	if err != nil {
		return false, err
	}
	group, version, _ := strings.Cut(apiVersion, "/")
	legacy, known := templateVersions[version]
	if group != TemplateGroup || !known {
		return false, fmt.Errorf("apiVersion %q is not a ConstraintTemplate version (want %s/v1, v1beta1 or v1alpha1)", apiVersion, TemplateGroup)
	}
	if kind != "ConstraintTemplate" {
		return false, fmt.Errorf("kind %q is not ConstraintTemplate", kind)
	}
	return legacy, nil
}

// checkNameKind enforces that metadata.name is the lower-cased kind.
func checkNameKind(name, kind string) error {
	switch {
	case name == "":
		return errors.New("metadata.name is required")
	case kind == "":
		return errors.New("spec.crd.spec.names.kind is required")
	case name != strings.ToLower(kind):
		return fmt.Errorf("metadata.name %q must equal the lower-cased spec.crd.spec.names.kind %q (%q)", name, kind, strings.ToLower(kind))
	}
	return nil
}

func annotations(obj map[string]any) (map[string]string, error) {
	m, err := nestedMap(obj, "metadata", "annotations")
	if err != nil || len(m) == 0 {
		return nil, err
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("metadata.annotations[%q] must be a string, got %T", k, v)
		}
		out[k] = s
	}
	return out, nil
}

// parseSchema fills ParametersSchema and LegacySchema.
func parseSchema(obj map[string]any, t *Template, legacyDefault bool) error {
	validation, err := nestedMap(obj, "spec", "crd", "spec", "validation")
	if err != nil {
		return err
	}
	t.LegacySchema = legacyDefault
	if v, ok := validation["legacySchema"]; ok && v != nil {
		b, ok := v.(bool)
		if !ok {
			return fmt.Errorf("spec.crd.spec.validation.legacySchema must be a boolean, got %T", v)
		}
		t.LegacySchema = b
	}
	schema, ok := validation["openAPIV3Schema"]
	if !ok || schema == nil {
		return nil
	}
	t.ParametersSchema = &apiextensionsv1.JSONSchemaProps{}
	if err := convert(schema, t.ParametersSchema); err != nil {
		return fmt.Errorf("spec.crd.spec.validation.openAPIV3Schema: %w", err)
	}
	return nil
}

// onlyTarget returns spec.targets[0] after checking there is exactly one
// target and that it is the admission target.
func onlyTarget(obj map[string]any) (map[string]any, error) {
	targets, err := nestedSlice(obj, "spec", "targets")
	if err != nil {
		return nil, err
	}
	if len(targets) != 1 {
		return nil, fmt.Errorf("spec.targets must have exactly one target, found %d", len(targets))
	}
	target, ok := targets[0].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("spec.targets[0] must be an object, got %T", targets[0])
	}
	name, err := nestedString(target, "target")
	if err != nil {
		return nil, fmt.Errorf("spec.targets[0]: %w", err)
	}
	if name != TargetName {
		return nil, fmt.Errorf("spec.targets[0].target is %q; the only supported target is %q", name, TargetName)
	}
	return target, nil
}

type source struct {
	rego    string
	libs    []string
	version RegoVersion
}

// regoSource picks the Rego of a target: spec.targets[0].rego/libs or a
// code entry with engine Rego. CEL-only templates are refused.
func regoSource(target map[string]any) (source, error) {
	legacy, err := legacySource(target)
	if err != nil {
		return source{}, err
	}
	code, hasCEL, err := codeSource(target)
	if err != nil {
		return source{}, err
	}
	switch {
	case legacy != nil && code != nil:
		if legacy.rego != code.rego || !slices.Equal(legacy.libs, code.libs) {
			return source{}, errors.New("spec.targets[0] has Rego both in rego/libs and in code[engine=Rego], and they differ; keep one")
		}
		return *code, nil
	case code != nil:
		return *code, nil
	case legacy != nil:
		return *legacy, nil
	case hasCEL:
		return source{}, fmt.Errorf("spec.targets[0].code has only engine %s: %w (add Rego to run this template)", CELEngine, ErrEngineNotSupported)
	}
	return source{}, errors.New("spec.targets[0] has no Rego: set rego or a code entry with engine Rego")
}

func legacySource(target map[string]any) (*source, error) {
	rego, err := nestedString(target, "rego")
	if err != nil {
		return nil, fmt.Errorf("spec.targets[0]: %w", err)
	}
	libs, err := nestedStrings(target, "libs")
	if err != nil {
		return nil, fmt.Errorf("spec.targets[0]: %w", err)
	}
	if rego == "" {
		if len(libs) > 0 {
			return nil, errors.New("spec.targets[0].libs is set but spec.targets[0].rego is empty")
		}
		return nil, nil
	}
	return &source{rego: rego, libs: libs, version: RegoV0}, nil
}

// codeSource reads spec.targets[0].code. It returns the Rego entry, if any,
// and whether a CEL entry is present.
func codeSource(target map[string]any) (*source, bool, error) {
	code, err := nestedSlice(target, "code")
	if err != nil {
		return nil, false, fmt.Errorf("spec.targets[0]: %w", err)
	}
	var found *source
	hasCEL := false
	for i, entry := range code {
		m, ok := entry.(map[string]any)
		if !ok {
			return nil, false, fmt.Errorf("spec.targets[0].code[%d] must be an object, got %T", i, entry)
		}
		engine, err := nestedString(m, "engine")
		if err != nil {
			return nil, false, fmt.Errorf("spec.targets[0].code[%d]: %w", i, err)
		}
		switch engine {
		case CELEngine:
			hasCEL = true
		case RegoEngine:
			if found != nil {
				return nil, false, fmt.Errorf("spec.targets[0].code[%d]: more than one entry with engine %s", i, RegoEngine)
			}
			if found, err = codeRego(m); err != nil {
				return nil, false, fmt.Errorf("spec.targets[0].code[%d]: %w", i, err)
			}
		default:
			return nil, false, fmt.Errorf("spec.targets[0].code[%d].engine %q: %w (known: %s, %s)", i, engine, ErrEngineNotSupported, RegoEngine, CELEngine)
		}
	}
	return found, hasCEL, nil
}

func codeRego(entry map[string]any) (*source, error) {
	rego, err := nestedString(entry, "source", "rego")
	if err != nil {
		return nil, err
	}
	if rego == "" {
		return nil, errors.New("source.rego is required for engine Rego")
	}
	libs, err := nestedStrings(entry, "source", "libs")
	if err != nil {
		return nil, err
	}
	version, err := nestedString(entry, "source", "version")
	if err != nil {
		return nil, err
	}
	v, err := parseRegoVersion(version)
	if err != nil {
		return nil, fmt.Errorf("source.version: %w", err)
	}
	return &source{rego: rego, libs: libs, version: v}, nil
}

func parseRegoVersion(s string) (RegoVersion, error) {
	switch RegoVersion(s) {
	case "", RegoV0:
		return RegoV0, nil
	case RegoV1:
		return RegoV1, nil
	}
	return "", fmt.Errorf("unknown Rego version %q (want %q or %q)", s, RegoV0, RegoV1)
}
