package engine

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	admissionv1 "k8s.io/api/admission/v1"
)

// planPod has two containers, an init container, labels and annotations,
// so templates have lists, maps and missing fields to walk.
const planPod = `
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
  labels: {app: web, tier: front}
  annotations: {note: "x"}
spec:
  hostNetwork: true
  initContainers:
  - name: init
    image: busybox:1.36
  containers:
  - name: app
    image: nginx:latest
    securityContext: {privileged: true, runAsUser: 0}
    ports: [{containerPort: 80}, {containerPort: 8080, hostPort: 8080}]
    resources: {limits: {cpu: "2", memory: 1Gi}}
  - name: side
    image: registry.example.com/side:1.0
    volumeMounts: [{name: data, mountPath: /data}]
  volumes:
  - name: data
    hostPath: {path: /var/lib/data}
`

// TestPlanEvaluatorMatchesTopdown runs Rego covering the language's
// constructs on the plan evaluator with cross-checking, so every result is
// compared with topdown's, and checks the messages themselves.
func TestPlanEvaluatorMatchesTopdown(t *testing.T) {
	tests := []struct {
		name   string
		rego   string
		libs   []string
		params string
		v1     bool
		// topdownOnly marks Rego the plan evaluator leaves to topdown;
		// fallback marks Rego whose evaluation it hands to topdown.
		topdownOnly, fallback bool
		want                  []string
	}{
		{name: "iteration and sprintf", want: []string{"app: privileged", "image app nginx:latest"}, rego: `package k8sx
import future.keywords.in
violation[{"msg": msg, "details": {"c": c.name}}] {
  c := input.review.object.spec.containers[_]
  c.securityContext.privileged
  msg := sprintf("%s: privileged", [c.name])
}
violation[{"msg": msg}] {
  some c in input.review.object.spec.containers
  endswith(c.image, ":latest")
  msg := concat(" ", ["image", c.name, c.image])
}`},
		{name: "functions, else and defaults", want: []string{"0 high", "1 low"}, rego: `package k8sx
import rego.v1
level(c) := "high" if { c.securityContext.privileged } else := "low"
default missing := "none"
violation contains {"msg": sprintf("%d %s", [i, level(c)])} if {
  some i, c in input.review.object.spec.containers
  missing == "none"
}`},
		{name: "negation and every", want: []string{"side has no resources", "all images tagged"}, rego: `package k8sx
import rego.v1
violation contains {"msg": sprintf("%s has no resources", [c.name])} if {
  some c in input.review.object.spec.containers
  not c.resources
}
violation contains {"msg": "all images tagged"} if {
  every c in input.review.object.spec.containers { contains(c.image, ":") }
}
violation contains {"msg": "never"} if {
  every c in input.review.object.spec.containers { c.name == "app" }
}`},
		{name: "comprehensions", want: []string{`["app", "init", "side"] {"app", "side"} {"app": "nginx:latest", "side": "registry.example.com/side:1.0"}`}, rego: `package k8sx
import rego.v1
names := sort([c.name | some f in ["containers", "initContainers"]; some c in input.review.object.spec[f]])
set := {c.name | some c in input.review.object.spec.containers}
images := {c.name: c.image | some c in input.review.object.spec.containers}
violation contains {"msg": sprintf("%v %v %v", [names, set, images])} if true`},
		{name: "partial object and set rules", want: []string{"app 8080", "ports 2"}, rego: `package k8sx
import rego.v1
host_ports[c.name] := p.hostPort if {
  some c in input.review.object.spec.containers
  some p in c.ports
  p.hostPort
}
ports contains p.containerPort if {
  some c in input.review.object.spec.containers
  some p in c.ports
}
violation contains {"msg": sprintf("%s %d", [k, v])} if some k, v in host_ports
violation contains {"msg": sprintf("ports %d", [count(ports)])} if true`},
		{name: "parameters and object.get", params: `{exempt: ["busybox:1.36"], allowed: {app: true}}`, want: []string{"side not allowed"}, rego: `package k8sx
import rego.v1
violation contains {"msg": sprintf("%s not allowed", [c.name])} if {
  some f in ["containers", "initContainers"]
  some c in input.review.object.spec[f]
  not c.image in input.parameters.exempt
  not object.get(input.parameters, ["allowed", c.name], false)
}`},
		{name: "numbers and arithmetic", want: []string{"cpu 2 total 3 big 1000000000000000000000"}, rego: `package k8sx
import rego.v1
violation contains {"msg": sprintf("cpu %v total %v big %v", [to_number(lim.cpu), to_number(lim.cpu) + 1, 1000000000000000000000])} if {
  lim := input.review.object.spec.containers[0].resources.limits
  to_number(lim.cpu) > 1.5
  1 == 1.0
}`},
		{name: "with replaces input", want: []string{"x/y"}, rego: `package k8sx
import rego.v1
ref := sprintf("%s/%s", [input.review.object.metadata.namespace, input.review.object.metadata.name])
violation contains {"msg": m} if {
  m := ref with input.review.object.metadata as {"namespace": "x", "name": "y"}
  ref == "shop/web"
}`},
		{name: "libs", libs: []string{`package lib.k8s
import rego.v1
containers(obj) := array.concat(obj.spec.containers, object.get(obj.spec, "initContainers", []))`}, want: []string{"3 containers"}, rego: `package k8sx
import data.lib.k8s
violation[{"msg": sprintf("%d containers", [count(k8s.containers(input.review.object))])}] { true }`},
		{name: "rego v1 syntax", v1: true, want: []string{"hostNetwork"}, rego: `package k8sx
violation contains {"msg": "hostNetwork"} if input.review.object.spec.hostNetwork`},
		{name: "strings, regex and labels", want: []string{"app=web", "tier=front"}, rego: `package k8sx
import rego.v1
violation contains {"msg": sprintf("%s=%s", [k, v])} if {
  some k, v in input.review.object.metadata.labels
  regex.match("^[a-z]+$", v)
  not startswith(k, "kubernetes.io/")
}`},
		{name: "array and object unification", want: []string{"a b", "ok"}, rego: `package k8sx
import rego.v1
violation contains {"msg": sprintf("%s %s", [x, y])} if [x, y] := ["a", "b"]
violation contains {"msg": "ok"} if {
  {"name": n, "image": _} := input.review.object.spec.initContainers[0]
  n == "init"
}`},
		{name: "undefined everywhere", want: nil, rego: `package k8sx
violation[{"msg": "x"}] { input.review.object.spec.nothing.deeper }
violation[{"msg": "y"}] { input.review.object.spec.containers[7] }
violation[{"msg": "z"}] { input.review.object.metadata.name[0] }`},
		{name: "conflict falls back to topdown's error", fallback: true, want: []string{"ERR conflict"}, rego: `package k8sx
x := 1 { true }
x := 2 { true }
violation[{"msg": sprintf("%v", [x])}] { true }`},
		{name: "builtin error falls back and is undefined", fallback: true, want: nil, rego: `package k8sx
violation[{"msg": m}] { m := sprintf("%v", [to_number("abc")]) }`},
		{name: "with replaces data.inventory", want: []string{"2 pods"}, rego: `package k8sx
import rego.v1
pods := count(data.inventory.namespace.shop.v1.Pod)
violation contains {"msg": sprintf("%d pods", [n])} if {
  n := pods with data.inventory as {"namespace": {"shop": {"v1": {"Pod": {"a": {}, "b": {}}}}}}
}`},
		{name: "object and set builtins", want: []string{`{"a": 1, "b": 3, "c": 4} ["x", "y"] true`}, rego: `package k8sx
import rego.v1
violation contains {"msg": sprintf("%v %v %v", [object.union({"a": 1, "b": 2}, {"b": 3, "c": 4}), sort({"y", "x"} | {"x"}), glob.match("*.example.com", [], "registry.example.com")])} if true`},
		{name: "walk stays on topdown", topdownOnly: true, want: []string{"privileged at containers 0"}, rego: `package k8sx
import rego.v1
violation contains {"msg": sprintf("privileged at %s %v", [path[0], path[1]])} if {
  walk(input.review.object.spec, [path, value])
  path[count(path)-1] == "privileged"
  value == true
}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := New(Options{Evaluator: EvaluatorCrossCheck})
			obj := regoTemplate("K8sX", tc.rego, tc.libs...)
			if tc.v1 {
				target := obj["spec"].(map[string]any)["targets"].([]any)[0].(map[string]any)
				delete(target, "rego")
				target["code"] = []any{map[string]any{"engine": "Rego", "source": map[string]any{"rego": tc.rego, "version": "v1"}}}
			}
			mustAddTemplate(t, e, obj)
			if has := e.templates["k8sx"].program != nil; has == tc.topdownOnly {
				t.Fatalf("template has a plan: %v, want %v", has, !tc.topdownOnly)
			}
			params := ""
			if tc.params != "" {
				params = ", parameters: " + tc.params
			}
			mustAddConstraint(t, e, "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sX\nmetadata: {name: x}\nspec: {enforcementAction: deny"+params+"}")
			results := review(t, e, podRequest(t, admissionv1.Create, planPod, ""))
			stats := e.EvaluatorStats()
			if (stats.Fallbacks > 0) != tc.fallback {
				t.Errorf("%d evaluations fell back to topdown, want fallback %v", stats.Fallbacks, tc.fallback)
			}
			wantStats := EvaluatorStats{PlanTemplates: 1, Fallbacks: stats.Fallbacks}
			if tc.topdownOnly {
				wantStats.PlanTemplates, wantStats.TopdownTemplates = 0, 1
			}
			if stats != wantStats {
				t.Errorf("EvaluatorStats() = %+v, want %+v", stats, wantStats)
			}
			var got []string
			for _, r := range results {
				if r.Err != nil {
					if strings.Contains(r.Message, "disagree") {
						t.Fatalf("evaluators disagree: %s", r.Message)
					}
					got = append(got, "ERR "+r.Message)
					continue
				}
				got = append(got, r.Message)
			}
			for i, w := range tc.want {
				if msg, isErr := strings.CutPrefix(w, "ERR "); isErr && i < len(got) && strings.HasPrefix(got[i], "ERR ") && strings.Contains(got[i], msg) {
					got[i] = w
				}
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tc.want))
			if !slices.Equal(got, want) {
				t.Errorf("messages = %q, want %q", got, want)
			}
		})
	}
}

// TestCrossCheckReportsDisagreement changes a planned template's message
// constant behind the engine's back: cross-checking must report it.
func TestCrossCheckReportsDisagreement(t *testing.T) {
	e := New(Options{Evaluator: EvaluatorCrossCheck})
	mustAddTemplate(t, e, regoTemplate("K8sX", `package k8sx
violation[{"msg": "from rego"}] { true }`))
	mustAddConstraint(t, e, "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sX\nmetadata: {name: x}")
	p := e.templates["k8sx"].program
	if p == nil {
		t.Fatal("template has no plan")
	}
	changed := false
	for _, s := range p.strings {
		if s.Value.Compare(ast.String("from rego")) == 0 {
			// The statements share these terms.
			s.Value = ast.String("tampered")
			changed = true
		}
	}
	if !changed {
		t.Fatal("message constant not found in the plan")
	}
	results := review(t, e, podRequest(t, admissionv1.Create, planPod, ""))
	if len(results) != 1 {
		t.Fatalf("results = %v, want one", messages(results))
	}
	if results[0].Err == nil || !strings.Contains(results[0].Message, "disagree") {
		t.Errorf("result = %q (err %v), want a disagreement error", results[0].Message, results[0].Err)
	}
}

// TestPlanEvaluatorReadsInventory checks that a template reading
// data.inventory runs on the plan evaluator and sees what was added and
// removed.
func TestPlanEvaluatorReadsInventory(t *testing.T) {
	e := New(Options{Evaluator: EvaluatorCrossCheck})
	mustAddTemplate(t, e, regoTemplate("K8sX", `package k8sx
import rego.v1
violation contains {"msg": sprintf("%s also runs %s", [other, c.image])} if {
  some c in input.review.object.spec.containers
  some other, pod in data.inventory.namespace[input.review.object.metadata.namespace].v1.Pod
  other != input.review.object.metadata.name
  some oc in pod.spec.containers
  oc.image == c.image
}`))
	mustAddConstraint(t, e, "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sX\nmetadata: {name: x}")
	if !e.templates["k8sx"].program.usesInventory {
		t.Fatal("the plan does not know the template reads data.inventory")
	}
	other := decodeYAML(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: twin, namespace: shop}\nspec: {containers: [{name: c, image: 'nginx:latest'}]}")
	if err := e.AddInventory(other); err != nil {
		t.Fatal(err)
	}
	got := messages(review(t, e, podRequest(t, admissionv1.Create, planPod, "")))
	if want := []string{"K8sX/x: twin also runs nginx:latest"}; !slices.Equal(got, want) {
		t.Errorf("messages = %q, want %q", got, want)
	}
	if err := e.RemoveInventory(other); err != nil {
		t.Fatal(err)
	}
	if got := review(t, e, podRequest(t, admissionv1.Create, planPod, "")); len(got) != 0 {
		t.Errorf("after removal: messages = %q, want none", messages(got))
	}
	if n := e.EvaluatorStats().Fallbacks; n != 0 {
		t.Errorf("%d evaluations fell back to topdown, want none", n)
	}
}

// TestPlanEvaluatorRecoversFromBadPlans runs plans the converter would
// never produce: the evaluation must end in a fallback error, not a panic.
func TestPlanEvaluatorRecoversFromBadPlans(t *testing.T) {
	for name, p := range map[string]*irProgram{
		"call of a missing function": {planLocals: 3, plan: [][]irStmt{{&sCall{fn: 5, result: 2}}}},
		"local out of range":         {planLocals: 2, plan: [][]irStmt{{&sConst{term: ast.InternedTerm(1), target: 9}}}},
		"insert into undefined":      {planLocals: 3, plan: [][]irStmt{{&sObjectInsert{key: irOperand{term: ast.InternedTerm(1)}, value: irOperand{term: ast.InternedTerm(1)}, object: 2}}}},
	} {
		t.Run(name, func(t *testing.T) {
			v, err := evalPlan(t.Context(), nil, p, ast.NewTerm(ast.NewObject()), nil)
			if !errors.Is(err, errPlanFallback) || v != nil {
				t.Errorf("evalPlan = %v, %v; want nil and a fallback error", v, err)
			}
		})
	}
}
