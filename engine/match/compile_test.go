package match

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// compileErrorCases are invalid matches, with what the error must say; their
// whole messages are kept in testdata/compile_errors.golden.
var compileErrorCases = []struct {
	name  string
	match string
	// want are substrings of the error: field path and reason.
	want []string
	// count is the number of field errors when more than one.
	count int
}{
	{name: "unknown operator", match: `labelSelector: {matchExpressions: [{key: app, operator: Exist}]}`,
		want: []string{`spec.match.labelSelector.matchExpressions[0].operator: Unsupported value: "Exist"`, `"DoesNotExist"`}},
	{name: "lower-case operator", match: `namespaceSelector: {matchExpressions: [{key: env, operator: in, values: [a]}]}`,
		want: []string{`spec.match.namespaceSelector.matchExpressions[0].operator: Unsupported value: "in"`}},
	{name: "In without values", match: `labelSelector: {matchExpressions: [{key: app, operator: In}]}`,
		want: []string{`spec.match.labelSelector.matchExpressions[0].values: Required value`}},
	{name: "Exists with values", match: `labelSelector: {matchExpressions: [{key: app, operator: Exists, values: [a]}]}`,
		want: []string{`spec.match.labelSelector.matchExpressions[0].values: Forbidden`}},
	{name: "invalid label key", match: `labelSelector: {matchExpressions: [{key: "bad key", operator: Exists}]}`,
		want: []string{`spec.match.labelSelector.matchExpressions[0].key: Invalid value: "bad key"`}},
	{name: "invalid label value", match: `namespaceSelector: {matchLabels: {env: "not ok"}}`,
		want: []string{`spec.match.namespaceSelector.matchLabels: Invalid value: "not ok"`}},
	{name: "invalid matchLabels key", match: `labelSelector: {matchLabels: {"-x": a}}`,
		want: []string{`spec.match.labelSelector.matchLabels: Invalid value: "-x"`}},
	{name: "star inside a namespace", match: `namespaces: [prod, "kube*system"]`,
		want: []string{`spec.match.namespaces[1]: Invalid value: "kube*system": '*' is allowed only as the first or last character`}},
	{name: "upper-case excluded namespace", match: `excludedNamespaces: [Kube-*]`,
		want: []string{`spec.match.excludedNamespaces[0]: Invalid value: "Kube-*": upper-case 'K'`}},
	{name: "pattern holding a colon and space", match: `namespaces: ["a: b"]`,
		want: []string{`spec.match.namespaces[0]: Invalid value: "a: b": character ' ' is not allowed`}},
	{name: "dot in name", match: `name: web.example`,
		want: []string{`spec.match.name: Invalid value: "web.example": character '.' is not allowed`}},
	{name: "unknown source", match: `source: generated`,
		want: []string{`spec.match.source: Unsupported value: "generated"`, `"Generated"`}},
	{name: "every problem is reported",
		match: "namespaces: [A]\nexcludedNamespaces: [b_c]\nname: \"x*y\"\nlabelSelector: {matchExpressions: [{key: a, operator: Has}]}",
		want:  []string{"spec.match.namespaces[0]", "spec.match.excludedNamespaces[0]", "spec.match.name", "spec.match.labelSelector"},
		count: 4},
}

func TestCompileErrors(t *testing.T) {
	var golden strings.Builder
	for _, tc := range compileErrorCases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Compile(parseMatch(t, tc.match))
			if err == nil {
				t.Fatalf("Compile(%q) succeeded", tc.match)
			}
			if m != nil {
				t.Errorf("Compile returned a Matcher with its error")
			}
			var ce *CompileError
			if !errors.As(err, &ce) {
				t.Fatalf("error %T is not a *CompileError", err)
			}
			if want := max(tc.count, 1); len(ce.Errs) != want {
				t.Errorf("got %d field errors, want %d: %v", len(ce.Errs), want, err)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error\n  %v\ndoes not contain\n  %s", err, want)
				}
			}
			fmt.Fprintf(&golden, "# %s\n%s\n%v\n\n", tc.name, strings.TrimSpace(tc.match), err)
		})
	}
	checkGolden(t, filepath.Join("testdata", "compile_errors.golden"), golden.String())
}

func TestCompileAcceptsWhatGatekeeperAccepts(t *testing.T) {
	for _, text := range []string{
		`{}`,
		`kinds: [{apiGroups: ["*"], kinds: ["*"]}]`,
		`scope: cluster`,
		`namespaces: ["*", "**", "", "a:b", "kube-*", "*-system", "*sys*"]`,
		`labelSelector: {}`,
		`namespaceSelector: {matchExpressions: [{key: "example.com/team", operator: NotIn, values: [a, ""]}]}`,
		`source: All`,
	} {
		if _, err := Compile(parseMatch(t, text)); err != nil {
			t.Errorf("Compile(%q): %v", text, err)
		}
	}
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (run with -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
