package engine

import (
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	authnv1 "k8s.io/api/authentication/v1"
)

func authnUser(name string) authnv1.UserInfo { return authnv1.UserInfo{Username: name} }

func TestSmoke(t *testing.T) {
	e := New(Options{})
	mustAddTemplate(t, e, regoTemplate("K8sRequiredLabels", `package k8srequiredlabels
violation[{"msg": msg, "details": {"missing": missing}}] {
	provided := {l | input.review.object.metadata.labels[l]}
	required := {l | l := input.parameters.labels[_]}
	missing := required - provided
	count(missing) > 0
	msg := sprintf("missing labels: %v", [missing])
}`))
	mustAddConstraint(t, e, `
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sRequiredLabels
metadata: {name: need-owner}
spec:
  match: {kinds: [{apiGroups: [""], kinds: [Pod]}]}
  parameters: {labels: [owner]}
`)
	got := messages(review(t, e, podRequest(t, admissionv1.Create, `
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: default}
`, "")))
	t.Logf("%v", got)
	if len(got) != 1 {
		t.Fatalf("got %v", got)
	}
}
