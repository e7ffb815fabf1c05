package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/open-policy-agent/opa/v1/ast"
	admissionv1 "k8s.io/api/admission/v1"

	"github.com/portcullis-dev/portcullis/engine/match"
)

const podYAML = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}"

// podReview reviews a plain Pod in namespace default at the webhook.
func podReview(t *testing.T, e *Engine, opts ...func(*admissionv1.AdmissionRequest)) []Result {
	t.Helper()
	req := podRequest(t, admissionv1.Create, podYAML, "")
	for _, o := range opts {
		o(req)
	}
	return review(t, e, req)
}

func TestRuntimeErrors(t *testing.T) {
	tests := []struct {
		name string
		rego string
		opts Options
		// want is the expected result as "ERR <substring>" or a message;
		// empty means no result.
		want string
	}{
		{name: "conflicting values", want: "ERR conflict", rego: `package k8sbad
x := 1 { true }
x := 2 { true }
violation[{"msg": sprintf("%v", [x])}] { true }`},
		{name: "builtin error is undefined by default", want: "", rego: `package k8sbad
violation[{"msg": m}] { m := sprintf("%v", [to_number("abc")]) }`},
		{name: "builtin error under strict mode", opts: Options{StrictBuiltinErrors: true}, want: "ERR to_number", rego: `package k8sbad
violation[{"msg": m}] { m := sprintf("%v", [to_number("abc")]) }`},
		{name: "violation without msg", want: "ERR no string msg", rego: `package k8sbad
violation[{"message": "x"}] { true }`},
		{name: "msg not a string", want: "ERR no string msg", rego: `package k8sbad
violation[{"msg": 3}] { true }`},
		{name: "good violation", want: "fine", rego: `package k8sbad
violation[{"msg": "fine"}] { true }`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := New(tc.opts)
			mustAddTemplate(t, e, regoTemplate("K8sBad", tc.rego))
			mustAddConstraint(t, e, "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sBad\nmetadata: {name: bad}\nspec: {enforcementAction: warn}")
			results := podReview(t, e)
			if tc.want == "" {
				if len(results) != 0 {
					t.Fatalf("results = %v, want none", messages(results))
				}
				return
			}
			if len(results) != 1 {
				t.Fatalf("results = %v, want one", messages(results))
			}
			r := results[0]
			if r.EnforcementAction != Warn || r.Constraint.Name != "bad" {
				t.Errorf("result = %+v, want constraint bad with action warn", r)
			}
			want, isErr := strings.CutPrefix(tc.want, "ERR ")
			if isErr != (r.Err != nil) || !strings.Contains(r.Message, want) {
				t.Errorf("result message %q err %v, want %q", r.Message, r.Err, tc.want)
			}
		})
	}
}

// slowRego loops over nine million pairs, long enough for any deadline.
const slowRego = `package k8sslow
violation[{"msg": "slow"}] {
  xs := numbers.range(1, 3000)
  some i, j
  xs[i] + xs[j] == -1
}`

func TestContextCancellation(t *testing.T) {
	for _, p := range []int{0, 2} {
		t.Run(fmt.Sprintf("parallelism %d", p), func(t *testing.T) { testContextCancellation(t, p) })
	}
}

func testContextCancellation(t *testing.T, parallelism int) {
	e := New(Options{Parallelism: parallelism})
	mustAddTemplate(t, e, regoTemplate("K8sSlow", slowRego))
	mustAddConstraint(t, e, "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sSlow\nmetadata: {name: slow}")
	mustAddConstraint(t, e, "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sSlow\nmetadata: {name: slow2}")
	r, err := NewAdmissionReview(podRequest(t, admissionv1.Create, podYAML, ""), nil)
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	deadline, cancel2 := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel2()
	tests := []struct {
		name string
		ctx  context.Context
		want error
	}{
		{name: "already cancelled", ctx: cancelled, want: context.Canceled},
		{name: "deadline during evaluation", ctx: deadline, want: context.DeadlineExceeded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := e.Review(tc.ctx, r, WebhookEnforcementPoint)
			if err == nil {
				t.Fatalf("Review returned %+v and no error, want an error", resp)
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("error = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestResultOrderAndIndex(t *testing.T) {
	e := New(Options{})
	mustAddTemplate(t, e, regoTemplate("K8sMulti", `package k8smulti
violation[{"msg": m}] { m := input.parameters.msgs[_] }`))
	mustAddTemplate(t, e, regoTemplate("K8sAnother", `package k8sanother
violation[{"msg": "another"}] { true }`))
	add := func(kind, name, match, msgs string) {
		mustAddConstraint(t, e, fmt.Sprintf("apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: %s\nmetadata: {name: %s}\nspec: {match: %s, parameters: {msgs: %s}}", kind, name, match, msgs))
	}
	add("K8sMulti", "z-pods", `{kinds: [{apiGroups: [""], kinds: [Pod]}]}`, "[c, a, b]")
	add("K8sMulti", "a-any", `{}`, "[only]")
	add("K8sMulti", "m-star", `{kinds: [{apiGroups: ["*"], kinds: ["*"]}]}`, "[star]")
	add("K8sMulti", "deployments", `{kinds: [{apiGroups: [apps], kinds: [Deployment]}]}`, "[never]")
	add("K8sMulti", "other-group-pods", `{kinds: [{apiGroups: [example.com], kinds: [Pod]}]}`, "[never]")
	add("K8sMulti", "other-ns", `{namespaces: [kube-system]}`, "[never]")
	add("K8sAnother", "b", `{kinds: [{kinds: [Pod]}]}`, "[]")
	want := []string{
		"K8sAnother/b: another",
		"K8sMulti/a-any: only",
		"K8sMulti/m-star: star",
		"K8sMulti/z-pods: a", "K8sMulti/z-pods: b", "K8sMulti/z-pods: c",
	}
	for i := range 10 {
		if diff := cmp.Diff(want, messages(podReview(t, e))); diff != "" {
			t.Fatalf("run %d: results (-want +got):\n%s", i, diff)
		}
	}
	e.RemoveConstraint("K8sMulti", "z-pods")
	e.RemoveConstraint("K8sMulti", "absent")
	e.RemoveTemplate("k8sanother")
	if diff := cmp.Diff(want[1:3], messages(podReview(t, e))); diff != "" {
		t.Errorf("after removals (-want +got):\n%s", diff)
	}
	if n := len(e.Constraints()); n != 5 {
		t.Errorf("%d constraints left, want 5", n)
	}
}

func TestNamespaceUnknownIsReported(t *testing.T) {
	e := New(Options{})
	mustAddTemplate(t, e, regoTemplate("K8sAlways", "package k8salways\nviolation[{\"msg\": \"always\"}] { true }"))
	mustAddConstraint(t, e, "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sAlways\nmetadata: {name: by-ns}\nspec: {match: {namespaceSelector: {matchLabels: {env: prod}}}}")
	results := podReview(t, e) // no Namespace object passed
	if len(results) != 1 || !errors.Is(results[0].Err, match.ErrNamespaceUnknown) {
		t.Fatalf("results = %+v, want one error wrapping ErrNamespaceUnknown", results)
	}
	if results[0].EnforcementAction != Deny {
		t.Errorf("action = %q, want deny", results[0].EnforcementAction)
	}
}

func TestTemplateIsolation(t *testing.T) {
	e := New(Options{})
	// Both templates ship a lib with the same package and different rules.
	mustAddTemplate(t, e, regoTemplate("K8sOne", "package k8sone\nimport data.lib.util\nviolation[{\"msg\": util.name}] { true }",
		"package lib.util\nname := \"one\""))
	mustAddTemplate(t, e, regoTemplate("K8sTwo", "package k8stwo\nimport data.lib.util\nviolation[{\"msg\": util.name}] { true }",
		"package lib.util\nname := \"two\""))
	mustAddConstraint(t, e, "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sOne\nmetadata: {name: c}")
	mustAddConstraint(t, e, "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sTwo\nmetadata: {name: c}")
	want := []string{"K8sOne/c: one", "K8sTwo/c: two"}
	if diff := cmp.Diff(want, messages(podReview(t, e))); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
}

func TestTemplateConflictsAndReplacement(t *testing.T) {
	e := New(Options{})
	mustAddTemplate(t, e, regoTemplate("K8sOne", "package shared\nviolation[{\"msg\": \"v1\"}] { true }"))
	mustAddConstraint(t, e, "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sOne\nmetadata: {name: c}")

	// Another template with the same entry package is refused.
	err := e.AddTemplate(&Template{Name: "k8stwo", Kind: "K8sTwo", Rego: "package shared\nviolation[{\"msg\": \"x\"}] { true }"})
	checkTemplateError(t, err, "k8stwo", wantErr{code: TemplateErrCode, msg: "already used by template \"k8sone\""})
	if err := e.CompileTemplate(&Template{Name: "k8stwo", Kind: "K8sTwo", Rego: "package shared\nviolation[{\"msg\": \"x\"}] { true }"}); err == nil {
		t.Error("CompileTemplate accepted a duplicate package")
	}

	// A broken new version leaves the old one in service.
	err = e.AddTemplate(&Template{Name: "k8sone", Kind: "K8sOne", Rego: "package shared\nviolation[{\"msg\": \"v2\"}] {"})
	checkTemplateError(t, err, "k8sone", wantErr{code: ast.ParseErr})
	if diff := cmp.Diff([]string{"K8sOne/c: v1"}, messages(podReview(t, e))); diff != "" {
		t.Errorf("after failed update (-want +got):\n%s", diff)
	}

	// A good new version replaces it and keeps the constraints.
	mustAddTemplate(t, e, regoTemplate("K8sOne", "package shared\nviolation[{\"msg\": \"v2\"}] { true }"))
	if diff := cmp.Diff([]string{"K8sOne/c: v2"}, messages(podReview(t, e))); diff != "" {
		t.Errorf("after update (-want +got):\n%s", diff)
	}

	// A new version with a differently cased kind drops the old kind's
	// constraints, which no longer have a template.
	mustAddTemplate(t, e, regoTemplate("K8SONE", "package shared\nviolation[{\"msg\": \"v3\"}] { true }"))
	if got := messages(podReview(t, e)); len(got) != 0 {
		t.Errorf("after kind change: results %v, want none", got)
	}
	if diff := cmp.Diff([]string{"k8sone"}, e.Templates()); diff != "" {
		t.Errorf("templates (-want +got):\n%s", diff)
	}
}

// TestConcurrentUse reviews from many goroutines while templates,
// constraints and inventory change; run with -race.
func TestConcurrentUse(t *testing.T) {
	e := New(Options{})
	mustAddTemplate(t, e, regoTemplate("K8sCount", `package k8scount
violation[{"msg": sprintf("%d", [count(data.inventory.namespace)])}] { true }`))
	mustAddConstraint(t, e, "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sCount\nmetadata: {name: stable}")
	r, err := NewAdmissionReview(podRequest(t, admissionv1.Create, podYAML, ""), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := e.Review(ctx, r, WebhookEnforcementPoint)
				if err != nil {
					t.Error(err)
					return
				}
				if !hasResult(resp, "stable") {
					t.Error("the stable constraint was not evaluated")
					return
				}
			}
		})
	}
	for i := range 200 {
		name := fmt.Sprintf("c%d", i%5)
		if err := e.AddConstraint(&Constraint{Kind: "K8sCount", Name: name}); err != nil {
			t.Fatal(err)
		}
		if err := e.AddInventory(obj("v1", "ConfigMap", fmt.Sprintf("ns%d", i%7), "cm")); err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			e.RemoveConstraint("K8sCount", name)
			mustAddTemplate(t, e, regoTemplate("K8sOther", "package k8sother\nviolation[{\"msg\": \"o\"}] { true }"))
			e.RemoveTemplate("k8sother")
		}
	}
	close(stop)
	wg.Wait()
}

func hasResult(resp *Response, name string) bool {
	for _, r := range resp.Results {
		if r.Constraint.Name == name && r.Err == nil {
			return true
		}
	}
	return false
}
