package engine

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	admissionv1 "k8s.io/api/admission/v1"

	"github.com/portcullis-dev/portcullis/engine/match"
)

func TestParseConstraint(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		want    *Constraint // Object is not compared
		wantErr string
	}{
		{
			name: "full constraint",
			doc: `
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sDemo
metadata: {name: demo}
spec:
  enforcementAction: warn
  match:
    kinds: [{apiGroups: [""], kinds: [Pod]}]
    namespaces: [prod-*]
    labelSelector: {matchLabels: {app: web}}
  parameters: {labels: [owner], max: 3}
`,
			want: &Constraint{Kind: "K8sDemo", Name: "demo", EnforcementAction: Warn,
				Match: match.Match{
					Kinds:         []match.Kinds{{APIGroups: []string{""}, Kinds: []string{"Pod"}}},
					Namespaces:    []string{"prod-*"},
					LabelSelector: labelSelector("app", "web"),
				},
				Parameters: map[string]any{"labels": []any{"owner"}, "max": float64(3)}}, // sigs.k8s.io/yaml decodes numbers as float64
		},
		{
			name: "scoped",
			doc: `
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sDemo
metadata: {name: demo}
spec:
  enforcementAction: scoped
  scopedEnforcementActions:
  - action: warn
    enforcementPoints: [{name: validation.gatekeeper.sh}]
`,
			want: &Constraint{Kind: "K8sDemo", Name: "demo", EnforcementAction: Scoped,
				ScopedEnforcementActions: []ScopedEnforcementAction{{Action: Warn,
					EnforcementPoints: []EnforcementPoint{{Name: WebhookEnforcementPoint}}}}},
		},
		{
			name: "minimal",
			doc:  "apiVersion: constraints.gatekeeper.sh/v1alpha1\nkind: K8sDemo\nmetadata: {name: demo}",
			want: &Constraint{Kind: "K8sDemo", Name: "demo"},
		},
		{name: "unknown action", wantErr: `enforcementAction "block"`,
			doc: "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sDemo\nmetadata: {name: demo}\nspec: {enforcementAction: block}"},
		{name: "scoped without entries", wantErr: "scopedEnforcementActions is empty",
			doc: "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sDemo\nmetadata: {name: demo}\nspec: {enforcementAction: scoped}"},
		{name: "scoped with unknown point", wantErr: `unknown enforcement point "mutation.gatekeeper.sh"`,
			doc: "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sDemo\nmetadata: {name: demo}\nspec: {enforcementAction: scoped, scopedEnforcementActions: [{action: deny, enforcementPoints: [{name: mutation.gatekeeper.sh}]}]}"},
		{name: "scoped action scoped", wantErr: `action "scoped"`,
			doc: "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sDemo\nmetadata: {name: demo}\nspec: {enforcementAction: scoped, scopedEnforcementActions: [{action: scoped, enforcementPoints: [{name: '*'}]}]}"},
		{name: "wrong group", wantErr: "not in group constraints.gatekeeper.sh",
			doc: "apiVersion: v1\nkind: K8sDemo\nmetadata: {name: demo}"},
		{name: "no name", wantErr: "metadata.name is required",
			doc: "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sDemo\nmetadata: {}"},
		{name: "parameters not an object", wantErr: "spec.parameters must be an object",
			doc: "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sDemo\nmetadata: {name: demo}\nspec: {parameters: [1]}"},
		{name: "match of the wrong shape", wantErr: "spec.match",
			doc: "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sDemo\nmetadata: {name: demo}\nspec: {match: {kinds: Pod}}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseConstraint(decodeYAML(t, tc.doc))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Object == nil {
				t.Error("Object not kept")
			}
			got.Object = nil
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("constraint (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEnforcementActionsPerPoint(t *testing.T) {
	scoped := func(entries ...ScopedEnforcementAction) *Constraint {
		return &Constraint{Kind: "K", Name: "n", EnforcementAction: Scoped, ScopedEnforcementActions: entries}
	}
	entry := func(a EnforcementAction, points ...string) ScopedEnforcementAction {
		s := ScopedEnforcementAction{Action: a}
		for _, p := range points {
			s.EnforcementPoints = append(s.EnforcementPoints, EnforcementPoint{Name: p})
		}
		return s
	}
	tests := []struct {
		name string
		c    *Constraint
		// want maps each enforcement point to its action; absent points
		// do not evaluate the constraint.
		want pointActions
	}{
		{name: "empty means deny everywhere", c: &Constraint{Kind: "K", Name: "n"},
			want: pointActions{WebhookEnforcementPoint: Deny, AuditEnforcementPoint: Deny, CLIEnforcementPoint: Deny}},
		{name: "dryrun everywhere", c: &Constraint{Kind: "K", Name: "n", EnforcementAction: Dryrun},
			want: pointActions{WebhookEnforcementPoint: Dryrun, AuditEnforcementPoint: Dryrun, CLIEnforcementPoint: Dryrun}},
		{name: "scoped to the webhook only", c: scoped(entry(Warn, WebhookEnforcementPoint)),
			want: pointActions{WebhookEnforcementPoint: Warn}},
		{name: "scoped wildcard", c: scoped(entry(Dryrun, "*")),
			want: pointActions{WebhookEnforcementPoint: Dryrun, AuditEnforcementPoint: Dryrun, CLIEnforcementPoint: Dryrun}},
		{name: "strictest wins on overlap", c: scoped(entry(Warn, "*"), entry(Deny, WebhookEnforcementPoint), entry(Dryrun, AuditEnforcementPoint)),
			want: pointActions{WebhookEnforcementPoint: Deny, AuditEnforcementPoint: Warn, CLIEnforcementPoint: Warn}},
		{name: "scoped entries ignored unless scoped", c: &Constraint{Kind: "K", Name: "n", EnforcementAction: Warn,
			ScopedEnforcementActions: []ScopedEnforcementAction{entry(Deny, AuditEnforcementPoint)}},
			want: pointActions{WebhookEnforcementPoint: Warn, AuditEnforcementPoint: Warn, CLIEnforcementPoint: Warn}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := enforcementActions(tc.c)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("actions (-want +got):\n%s", diff)
			}
		})
	}
}

// TestReviewEnforcementPoints checks that Review reports the action of the
// asking point and skips constraints not scoped to it.
func TestReviewEnforcementPoints(t *testing.T) {
	e := New(Options{})
	mustAddTemplate(t, e, regoTemplate("K8sAlways", "package k8salways\nviolation[{\"msg\": \"always\"}] { true }"))
	mustAddConstraint(t, e, "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sAlways\nmetadata: {name: a-deny}")
	mustAddConstraint(t, e, `
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sAlways
metadata: {name: b-audit-only}
spec:
  enforcementAction: scoped
  scopedEnforcementActions: [{action: warn, enforcementPoints: [{name: audit.gatekeeper.sh}]}]
`)
	mustAddConstraint(t, e, "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sAlways\nmetadata: {name: c-dryrun}\nspec: {enforcementAction: dryrun}")
	r, err := NewAdmissionReview(podRequest(t, admissionv1.Create, "kind: Pod\nmetadata: {name: p, namespace: default}", ""), nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		point string
		want  []string
	}{
		{WebhookEnforcementPoint, []string{"a-deny=deny", "c-dryrun=dryrun"}},
		{AuditEnforcementPoint, []string{"a-deny=deny", "b-audit-only=warn", "c-dryrun=dryrun"}},
		{CLIEnforcementPoint, []string{"a-deny=deny", "c-dryrun=dryrun"}},
	}
	for _, tc := range tests {
		t.Run(tc.point, func(t *testing.T) {
			resp, err := e.Review(context.Background(), r, tc.point)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, res := range resp.Results {
				got = append(got, res.Constraint.Name+"="+string(res.EnforcementAction))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("results (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := e.Review(context.Background(), r, "*"); err == nil {
		t.Error("Review at point * succeeded, want an error")
	}
	if _, err := e.Review(context.Background(), r, ""); err == nil {
		t.Error("Review at an empty point succeeded, want an error")
	}
}

func TestAddConstraintErrors(t *testing.T) {
	e := New(Options{})
	mustAddTemplate(t, e, regoTemplate("K8sDemo", simpleRego))
	tests := []struct {
		name string
		c    *Constraint
		is   error  // errors.Is target, if any
		msg  string // substring of the error
	}{
		{name: "no template", c: &Constraint{Kind: "K8sOther", Name: "x"}, is: ErrNoTemplate},
		{name: "bad action", c: &Constraint{Kind: "K8sDemo", Name: "x", EnforcementAction: "Deny"}, msg: `"Deny" is not one of`},
		{name: "bad selector", c: &Constraint{Kind: "K8sDemo", Name: "x", Match: match.Match{LabelSelector: badSelector()}}, msg: "spec.match"},
		{name: "no name", c: &Constraint{Kind: "K8sDemo"}, msg: "metadata.name is required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := e.ValidateConstraint(tc.c); err == nil {
				t.Error("ValidateConstraint succeeded, want an error")
			}
			err := e.AddConstraint(tc.c)
			if err == nil {
				t.Fatal("AddConstraint succeeded, want an error")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error = %v, want errors.Is %v", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error = %v, want it to contain %q", err, tc.msg)
			}
		})
	}
	if n := len(e.Constraints()); n != 0 {
		t.Errorf("%d constraints stored after failures, want 0", n)
	}
	good := &Constraint{Kind: "K8sDemo", Name: "ok"}
	if err := e.ValidateConstraint(good); err != nil {
		t.Errorf("ValidateConstraint(good) = %v", err)
	}
	if n := len(e.Constraints()); n != 0 {
		t.Errorf("ValidateConstraint stored the constraint")
	}
}
