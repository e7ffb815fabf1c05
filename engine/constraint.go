package engine

import (
	"errors"
	"fmt"
	"strings"
)

// ConstraintGroup is the API group of constraints.
const ConstraintGroup = "constraints.gatekeeper.sh"

// WildcardEnforcementPoint in scopedEnforcementActions means every
// enforcement point.
const WildcardEnforcementPoint = "*"

// ParseConstraint reads a constraint from its unstructured form.
func ParseConstraint(obj map[string]any) (*Constraint, error) {
	c, err := parseConstraint(obj)
	if err != nil {
		kind, _ := nestedString(obj, "kind")
		name, _ := nestedString(obj, "metadata", "name")
		return nil, fmt.Errorf("parse constraint %s/%s: %w", kind, name, err)
	}
	return c, nil
}

func parseConstraint(obj map[string]any) (*Constraint, error) {
	apiVersion, err := nestedString(obj, "apiVersion")
	if err != nil {
		return nil, err
	}
	if group, _, _ := strings.Cut(apiVersion, "/"); group != ConstraintGroup {
		return nil, fmt.Errorf("apiVersion %q is not in group %s", apiVersion, ConstraintGroup)
	}
	c := &Constraint{Object: obj}
	if c.Kind, err = nestedString(obj, "kind"); err != nil {
		return nil, err
	}
	if c.Name, err = nestedString(obj, "metadata", "name"); err != nil {
		return nil, err
	}
	if m, ok := nested(obj, "spec", "match"); ok && m != nil {
		if err := convert(m, &c.Match); err != nil {
			return nil, fmt.Errorf("spec.match: %w", err)
		}
	}
	if c.Parameters, err = nestedMap(obj, "spec", "parameters"); err != nil {
		return nil, err
	}
	action, err := nestedString(obj, "spec", "enforcementAction")
	if err != nil {
		return nil, err
	}
	c.EnforcementAction = EnforcementAction(action)
	if scoped, ok := nested(obj, "spec", "scopedEnforcementActions"); ok && scoped != nil {
		if err := convert(scoped, &c.ScopedEnforcementActions); err != nil {
			return nil, fmt.Errorf("spec.scopedEnforcementActions: %w", err)
		}
	}
	if err := checkConstraint(c); err != nil {
		return nil, err
	}
	return c, nil
}

// checkConstraint validates the fields the engine relies on.
func checkConstraint(c *Constraint) error {
	if c.Kind == "" {
		return errors.New("kind is required")
	}
	if c.Name == "" {
		return errors.New("metadata.name is required")
	}
	_, err := enforcementActions(c)
	return err
}

// pointActions maps each enforcement point to the action that applies
// there; a point absent from the map does not evaluate the constraint.
type pointActions map[string]EnforcementAction

var enforcementPoints = []string{WebhookEnforcementPoint, AuditEnforcementPoint, CLIEnforcementPoint}

// enforcementActions resolves a constraint's action per enforcement point.
// When several scoped entries name the same point, the strictest wins
// (deny over warn over dryrun).
func enforcementActions(c *Constraint) (pointActions, error) {
	switch c.EnforcementAction {
	case "", Deny, Warn, Dryrun:
		action := c.EnforcementAction
		if action == "" {
			action = Deny
		}
		out := make(pointActions, len(enforcementPoints))
		for _, p := range enforcementPoints {
			out[p] = action
		}
		return out, nil
	case Scoped:
		return scopedActions(c.ScopedEnforcementActions)
	}
	return nil, fmt.Errorf("spec.enforcementAction %q is not one of deny, dryrun, warn, scoped", c.EnforcementAction)
}

func scopedActions(scoped []ScopedEnforcementAction) (pointActions, error) {
	if len(scoped) == 0 {
		return nil, errors.New("spec.enforcementAction is scoped but spec.scopedEnforcementActions is empty")
	}
	out := pointActions{}
	for i, s := range scoped {
		if s.Action != Deny && s.Action != Warn && s.Action != Dryrun {
			return nil, fmt.Errorf("spec.scopedEnforcementActions[%d].action %q is not one of deny, dryrun, warn", i, s.Action)
		}
		if len(s.EnforcementPoints) == 0 {
			return nil, fmt.Errorf("spec.scopedEnforcementActions[%d].enforcementPoints is empty", i)
		}
		for j, p := range s.EnforcementPoints {
			points, err := expandPoint(p.Name)
			if err != nil {
				return nil, fmt.Errorf("spec.scopedEnforcementActions[%d].enforcementPoints[%d]: %w", i, j, err)
			}
			for _, point := range points {
				if prev, ok := out[point]; !ok || severity(s.Action) > severity(prev) {
					out[point] = s.Action
				}
			}
		}
	}
	return out, nil
}

func expandPoint(name string) ([]string, error) {
	switch name {
	case WildcardEnforcementPoint:
		return enforcementPoints, nil
	case WebhookEnforcementPoint, AuditEnforcementPoint, CLIEnforcementPoint:
		return []string{name}, nil
	}
	return nil, fmt.Errorf("unknown enforcement point %q (want %s, %s, %s or %q)", name,
		WebhookEnforcementPoint, AuditEnforcementPoint, CLIEnforcementPoint, WildcardEnforcementPoint)
}

func severity(a EnforcementAction) int {
	switch a {
	case Deny:
		return 3
	case Warn:
		return 2
	case Dryrun:
		return 1
	}
	return 0
}
