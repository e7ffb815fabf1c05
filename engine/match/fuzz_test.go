package match

import (
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// splitLabels reads "k=v,k2=v2" into a map; "" gives nil.
func splitLabels(s string) map[string]string {
	if s == "" {
		return nil
	}
	out := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(kv, "=")
		out[k] = v
	}
	return out
}

// FuzzMatch feeds random spec.match JSON and targets through Compile and
// Decide: nothing panics, invalid input is a *CompileError, and the
// answers keep the package's invariants.
func FuzzMatch(f *testing.F) {
	f.Add(`{"kinds":[{"apiGroups":[""],"kinds":["Pod"]}],"namespaces":["kube-*"]}`,
		"", "Pod", "kube-system", "p", "", "CREATE", "app=web", "", "env=prod", true, false)
	f.Add(`{"labelSelector":{"matchExpressions":[{"key":"a","operator":"In","values":["b"]}]},"scope":"Namespaced"}`,
		"apps", "Deployment", "prod", "d", "", "UPDATE", "a=c", "a=b", "", false, false)
	f.Add(`{"namespaceSelector":{"matchLabels":{"env":"prod"}},"name":"*-x*","source":"Original"}`,
		"", "Namespace", "", "n", "gen-", "DELETE", "", "env=prod", "", false, true)
	f.Add(`{"excludedNamespaces":["*"],"kinds":[{}],"scope":"what"}`,
		"x", "Y", "", "", "", "", "k=v,k2=", "", "", true, false)
	f.Add(`{"labelSelector":{"matchExpressions":[{"key":"a","operator":"Bad"}]}}`,
		"", "Pod", "ns", "n", "", "", "", "", "", true, false)
	f.Fuzz(func(t *testing.T, matchJSON, group, kind, ns, name, generateName, op,
		objLabels, oldLabels, nsLabels string, haveNS, generated bool) {
		var spec Match
		if err := json.Unmarshal([]byte(matchJSON), &spec); err != nil {
			return
		}
		m, err := Compile(spec)
		if err != nil {
			var ce *CompileError
			if m != nil || !errors.As(err, &ce) || len(ce.Errs) == 0 {
				t.Fatalf("Compile error %v with matcher %v", err, m)
			}
			return
		}
		target := &Target{
			Group: group, Kind: kind, Namespace: ns, Name: name, GenerateName: generateName,
			Operation: op, Labels: splitLabels(objLabels), OldLabels: splitLabels(oldLabels),
			NamespaceLabels: splitLabels(nsLabels), HaveNamespace: haveNS, Generated: generated,
		}
		ok, err := m.Decide(target)
		if err != nil && (ok || !errors.Is(err, ErrNamespaceUnknown)) {
			t.Fatalf("Decide() = %v, %v", ok, err)
		}
		if err != nil && (haveNS || ns == "" || isNamespace(target)) {
			t.Fatalf("Decide() blamed the namespace of a target that does not need one: %v", err)
		}
		if again, err2 := m.Decide(target); again != ok || (err2 == nil) != (err == nil) {
			t.Fatalf("Decide() is not deterministic")
		}
		if m.Matches(target) != (ok && err == nil) {
			t.Fatalf("Matches() disagrees with Decide()")
		}
		if ok && !indexed(m, group, kind) {
			t.Fatalf("matched %q/%q but IndexKeys %v would not find it", group, kind, m.IndexKeys())
		}
	})
}

func indexed(m *Matcher, group, kind string) bool {
	keys := m.IndexKeys()
	probe := LookupKeys(group, kind)
	return slices.ContainsFunc(probe[:], func(k GroupKind) bool { return slices.Contains(keys, k) })
}

// globSyntax is the pattern Gatekeeper's CRDs declare for globs.
var globSyntax = regexp.MustCompile(`^\*?[-:a-z0-9]*\*?$`)

// FuzzGlob checks ParseGlob against Gatekeeper's declared syntax and
// Matches against a regular expression built from the pattern.
func FuzzGlob(f *testing.F) {
	for _, seed := range [][2]string{
		{"kube-*", "kube-system"}, {"*-system", "a-system"}, {"*sys*", "kube-system"},
		{"*", ""}, {"**", "x"}, {"", ""}, {"a*b", "ab"}, {"K", "K"}, {"a.b", "a.b"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, pattern, name string) {
		g, err := ParseGlob(pattern)
		if valid := globSyntax.MatchString(pattern); valid != (err == nil) {
			t.Fatalf("ParseGlob(%q) error = %v, but Gatekeeper's syntax says valid=%v", pattern, err, valid)
		}
		if err != nil {
			return
		}
		core := strings.TrimSuffix(strings.TrimPrefix(pattern, "*"), "*")
		expr := regexp.QuoteMeta(core)
		if strings.HasPrefix(pattern, "*") {
			expr = ".*" + expr
		}
		if len(pattern) > 1 && strings.HasSuffix(pattern, "*") {
			expr += ".*"
		}
		oracle := regexp.MustCompile("^(?s:" + expr + ")$")
		if got, want := g.Matches(name), oracle.MatchString(name); got != want {
			t.Fatalf("ParseGlob(%q).Matches(%q) = %v, want %v", pattern, name, got, want)
		}
	})
}
