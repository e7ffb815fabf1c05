package match

import (
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// CompileError lists everything wrong with a Match, each with its field path
// under spec.match, in the form kubectl users know.
type CompileError struct {
	Errs field.ErrorList
}

func (e *CompileError) Error() string {
	msgs := make([]string, len(e.Errs))
	for i, err := range e.Errs {
		msgs[i] = err.Error()
	}
	return "invalid match: " + strings.Join(msgs, "; ")
}

// root is the path under which Compile reports errors.
var root = field.NewPath("spec", "match")

// Compile validates m and prepares it for repeated matching. The error is a
// *CompileError naming every invalid glob, selector and source.
func Compile(m Match) (*Matcher, error) {
	var errs field.ErrorList
	out := &Matcher{scope: m.Scope, source: m.Source}
	out.allKinds, out.kinds = compileKinds(m.Kinds)
	out.indexKeys = indexKeys(out.allKinds, out.kinds)
	out.warnings = warnScope(m.Scope)

	var err field.ErrorList
	out.namespaces, err = compileGlobs(m.Namespaces, root.Child("namespaces"))
	errs = append(errs, err...)
	out.excluded, err = compileGlobs(m.ExcludedNamespaces, root.Child("excludedNamespaces"))
	errs = append(errs, err...)
	out.labelSelector, err = compileSelector(m.LabelSelector, root.Child("labelSelector"))
	errs = append(errs, err...)
	out.nsSelector, err = compileSelector(m.NamespaceSelector, root.Child("namespaceSelector"))
	errs = append(errs, err...)
	out.nsSelectorAll = out.nsSelector != nil && out.nsSelector.Empty()
	if m.Name != "" {
		out.hasName = true
		out.name, err = compileGlob(m.Name, root.Child("name"))
		errs = append(errs, err...)
	}
	errs = append(errs, checkSource(m.Source)...)
	if len(errs) > 0 {
		return nil, &CompileError{Errs: errs}
	}
	return out, nil
}

// compileKinds turns spec.match.kinds into rules; all is true when some
// rule, or the absence of rules, selects every group and kind.
func compileKinds(kinds []Kinds) (all bool, rules []kindRule) {
	if len(kinds) == 0 {
		return true, nil
	}
	rules = make([]kindRule, 0, len(kinds))
	for _, k := range kinds {
		r := kindRule{
			anyGroup: len(k.APIGroups) == 0 || contains(k.APIGroups, Wildcard),
			anyKind:  len(k.Kinds) == 0 || contains(k.Kinds, Wildcard),
		}
		if r.anyGroup && r.anyKind {
			return true, nil
		}
		if !r.anyGroup {
			r.groups = append([]string(nil), k.APIGroups...)
		}
		if !r.anyKind {
			r.kinds = append([]string(nil), k.Kinds...)
		}
		rules = append(rules, r)
	}
	return false, rules
}

// warnScope accepts any scope, as Gatekeeper does, but says when it is not
// one of the documented values and so matches every scope.
func warnScope(scope string) []string {
	switch scope {
	case "", ScopeAll, ScopeCluster, ScopeNamespaced:
		return nil
	}
	return []string{fmt.Sprintf("%s: %q is not one of %q, %q or %q; it matches objects of every scope",
		root.Child("scope"), scope, ScopeAll, ScopeCluster, ScopeNamespaced)}
}

// compileGlobs returns nil for an absent or empty list, which selects every
// namespace.
func compileGlobs(patterns []string, path *field.Path) (Globs, field.ErrorList) {
	if len(patterns) == 0 {
		return nil, nil
	}
	var errs field.ErrorList
	globs := make(Globs, 0, len(patterns))
	for i, p := range patterns {
		g, err := compileGlob(p, path.Index(i))
		errs = append(errs, err...)
		globs = append(globs, g)
	}
	return globs, errs
}

func compileGlob(pattern string, path *field.Path) (Glob, field.ErrorList) {
	g, err := parseGlob(pattern)
	if err != nil {
		return Glob{}, field.ErrorList{field.Invalid(path, pattern, err.Error()+globSyntaxHint)}
	}
	return g, nil
}

// globSyntaxHint follows every glob error in Compile's messages.
const globSyntaxHint = " (a glob is a name with an optional '*' at its start and/or end, e.g. \"kube-*\", \"*-system\", \"*system*\")"

// compileSelector validates a label selector as the API server does and
// builds it; nil stays nil (no criterion), {} selects everything.
func compileSelector(s *metav1.LabelSelector, path *field.Path) (labels.Selector, field.ErrorList) {
	if s == nil {
		return nil, nil
	}
	errs := checkOperators(s, path)
	opts := metav1validation.LabelSelectorValidationOptions{AllowUnknownOperatorInRequirement: true}
	errs = append(errs, metav1validation.ValidateLabelSelector(s, opts, path)...)
	if len(errs) > 0 {
		return nil, errs
	}
	sel, err := metav1.LabelSelectorAsSelector(s)
	if err != nil {
		return nil, field.ErrorList{field.Invalid(path, s.String(), err.Error())}
	}
	return sel, nil
}

// checkOperators names the supported operators when one is not, which the
// API server's own message does not.
func checkOperators(s *metav1.LabelSelector, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, req := range s.MatchExpressions {
		switch req.Operator {
		case metav1.LabelSelectorOpIn, metav1.LabelSelectorOpNotIn,
			metav1.LabelSelectorOpExists, metav1.LabelSelectorOpDoesNotExist:
			continue
		}
		errs = append(errs, field.NotSupported(path.Child("matchExpressions").Index(i).Child("operator"),
			req.Operator, []metav1.LabelSelectorOperator{metav1.LabelSelectorOpIn, metav1.LabelSelectorOpNotIn,
				metav1.LabelSelectorOpExists, metav1.LabelSelectorOpDoesNotExist}))
	}
	return errs
}

func checkSource(source string) field.ErrorList {
	switch source {
	case "", SourceAll, SourceOriginal, SourceGenerated:
		return nil
	}
	return field.ErrorList{field.NotSupported(root.Child("source"), source,
		[]string{SourceAll, SourceOriginal, SourceGenerated})}
}
