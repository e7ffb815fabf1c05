package library_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/open-policy-agent/opa/v1/ast"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

	"github.com/portcullis-dev/portcullis/engine"
	"github.com/portcullis-dev/portcullis/engine/load"
	"github.com/portcullis-dev/portcullis/engine/suite"
	"github.com/portcullis-dev/portcullis/library/internal/catalog"
)

var update = flag.Bool("update", false, "rewrite README.md from the templates' annotations")

const (
	// root is the library directory; go test runs in it.
	root         = "."
	suiteFile    = "suite.yaml"
	readmeFile   = "README.md"
	kustomize    = "kustomization.yaml"
	templateAPI  = "templates.gatekeeper.sh/v1"
	constraintGr = "constraints.gatekeeper.sh/"
)

// policy is one policy directory: its template as read and as parsed.
type policy struct {
	dir  string // directory relative to root
	path string // template file
	doc  map[string]any
	tmpl *engine.Template
}

// loadPolicies parses every template below root; a template that does not
// parse fails the test.
func loadPolicies(t testing.TB) []policy {
	t.Helper()
	paths, err := catalog.FindTemplates(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no templates found below the library root")
	}
	policies := make([]policy, 0, len(paths))
	for _, p := range paths {
		doc := readSingle(t, p)
		tmpl, err := engine.ParseTemplate(doc)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		policies = append(policies, policy{dir: filepath.Dir(p), path: p, doc: doc, tmpl: tmpl})
	}
	return policies
}

func readSingle(t testing.TB, path string) map[string]any {
	t.Helper()
	docs, err := load.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 {
		t.Fatalf("%s: want one document, found %d", path, len(docs))
	}
	return docs[0].Object
}

// TestTemplatesCompile checks that every template parses and compiles with
// the engine and follows library/STYLE.md.
func TestTemplatesCompile(t *testing.T) {
	for _, p := range loadPolicies(t) {
		t.Run(p.dir, func(t *testing.T) {
			if err := engine.New(engine.Options{}).AddTemplate(p.tmpl); err != nil {
				t.Errorf("compiling: %v", err)
			}
			for _, problem := range styleProblems(p) {
				t.Error(problem)
			}
		})
	}
}

// futureKeywords replaces `import rego.v1` for upstream Gatekeeper, which
// refuses that import (v3.23.1 allows only data.lib and future.keywords).
const futureKeywords = "import future.keywords.contains\nimport future.keywords.every\n" +
	"import future.keywords.if\nimport future.keywords.in"

var semver = regexp.MustCompile(`^\d+\.\d+\.\d+$`)

// styleProblems lists what a template breaks of library/STYLE.md.
func styleProblems(p policy) []string {
	var out []string
	if got := p.doc["apiVersion"]; got != templateAPI {
		out = append(out, "apiVersion is "+str(got)+", want "+templateAPI)
	}
	if !strings.Contains(p.tmpl.Rego, "import rego.v1") {
		out = append(out, "rego lacks `import rego.v1`")
	}
	// Written for both syntaxes, so the template runs unchanged on engines
	// that default to either; and with `import rego.v1` swapped for the
	// future.keywords imports, as upstream Gatekeeper needs, it still parses.
	for i, src := range append([]string{p.tmpl.Rego}, p.tmpl.Libs...) {
		for _, v := range []ast.RegoVersion{ast.RegoV0, ast.RegoV1} {
			if _, err := ast.ParseModuleWithOpts(p.path, src, ast.ParserOptions{RegoVersion: v}); err != nil {
				out = append(out, fmt.Sprintf("module %d does not parse as Rego %s: %v", i, v, err))
			}
		}
		upstream := strings.ReplaceAll(src, "import rego.v1", futureKeywords)
		if _, err := ast.ParseModuleWithOpts(p.path, upstream, ast.ParserOptions{RegoVersion: ast.RegoV0}); err != nil {
			out = append(out, fmt.Sprintf("module %d does not parse with future.keywords instead of rego.v1: %v", i, err))
		}
	}
	a := p.tmpl.Annotations
	for _, key := range []string{catalog.TitleAnnotation, catalog.DescriptionAnnotation} {
		if strings.TrimSpace(a[key]) == "" {
			out = append(out, "missing annotation "+key)
		}
	}
	if !semver.MatchString(a[catalog.VersionAnnotation]) {
		out = append(out, "annotation "+catalog.VersionAnnotation+" is not MAJOR.MINOR.PATCH: "+a[catalog.VersionAnnotation])
	}
	isPSP := strings.HasPrefix(filepath.ToSlash(p.dir), catalog.PSPGroup+"/")
	if isPSP && strings.TrimSpace(a[catalog.PSPFieldAnnotation]) == "" {
		out = append(out, "PSP template misses annotation "+catalog.PSPFieldAnnotation)
	}
	if s := p.tmpl.ParametersSchema; s != nil {
		for name, prop := range s.Properties {
			out = append(out, schemaProblems("parameters."+name, prop)...)
		}
	}
	return out
}

// schemaProblems requires type and description on a parameter and on
// everything nested in it.
func schemaProblems(path string, s apiextensionsv1.JSONSchemaProps) []string {
	var out []string
	if s.Type == "" && !s.XIntOrString && (s.XPreserveUnknownFields == nil || !*s.XPreserveUnknownFields) {
		out = append(out, path+" has no type")
	}
	if strings.TrimSpace(s.Description) == "" {
		out = append(out, path+" has no description")
	}
	if s.Items != nil && s.Items.Schema != nil {
		for name, prop := range s.Items.Schema.Properties {
			out = append(out, schemaProblems(path+"[]."+name, prop)...)
		}
	}
	for name, prop := range s.Properties {
		out = append(out, schemaProblems(path+"."+name, prop)...)
	}
	return out
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// TestSuitesComplete checks that every template has a suite beside it that
// tests that template, with cases that all assert something, including at
// least one allowed and one disallowed object.
func TestSuitesComplete(t *testing.T) {
	for _, p := range loadPolicies(t) {
		t.Run(p.dir, func(t *testing.T) {
			suitePath := filepath.Join(p.dir, suiteFile)
			suites, err := suite.Find([]string{suitePath})
			if err != nil {
				t.Fatalf("%s needs a %s beside it: %v", p.path, suiteFile, err)
			}
			for _, problem := range suiteProblems(suites[0], p) {
				t.Error(problem)
			}
		})
	}
}

func suiteProblems(s *suite.Suite, p policy) []string {
	var out []string
	if len(s.Tests) == 0 {
		out = append(out, s.Path+": no tests")
	}
	for _, test := range s.Tests {
		if filepath.Clean(filepath.Join(p.dir, test.Template)) != filepath.Clean(p.path) {
			out = append(out, "test "+test.Name+" uses template "+test.Template+", want "+catalog.TemplateFile)
		}
		if len(test.Cases) == 0 && !test.Invalid {
			out = append(out, "test "+test.Name+" has no cases")
		}
	}
	var allowed, disallowed bool
	for _, c := range suite.Cases([]*suite.Suite{s}) {
		if c.Skipped {
			out = append(out, "case "+c.Test+"/"+c.Case+" is skipped")
		}
		if len(c.Assertions) == 0 {
			out = append(out, "case "+c.Test+"/"+c.Case+" has no assertions")
		}
		if expectsViolations(c.Assertions) && !pinsMessage(c.Assertions) {
			out = append(out, "case "+c.Test+"/"+c.Case+" expects violations but no assertion pins a message")
		}
		for _, a := range c.Assertions {
			if expectsNone(a) {
				allowed = true
			}
		}
		disallowed = disallowed || expectsViolations(c.Assertions)
	}
	if !allowed || !disallowed {
		out = append(out, s.Path+": want at least one allowed and one disallowed case")
	}
	if strings.Contains(p.tmpl.Rego, updateFilter) && !hasUpdateCase(s, p.dir) {
		out = append(out, s.Path+": the template filters UPDATEs ("+updateFilter+"...) but no case reviews an UPDATE AdmissionReview")
	}
	return out
}

// updateFilter marks a template that reports only new findings on UPDATE
// (see library/STYLE.md); such a template needs an UPDATE case.
const updateFilter = "preexisting("

// hasUpdateCase reports whether a case of s reviews an AdmissionReview with
// operation UPDATE.
func hasUpdateCase(s *suite.Suite, dir string) bool {
	for _, c := range suite.Cases([]*suite.Suite{s}) {
		docs, err := load.ReadFile(filepath.Join(dir, c.Object))
		if err != nil || len(docs) != 1 || !load.IsAdmissionReview(docs[0].Object) {
			continue
		}
		req, _ := docs[0].Object["request"].(map[string]any)
		if req["operation"] == "UPDATE" {
			return true
		}
	}
	return false
}

// expectsViolations reports whether any assertion wants at least one
// violation.
func expectsViolations(as []suite.Assertion) bool {
	for _, a := range as {
		if v := a.Violations; v == nil || v.Word == "yes" || (v.Word == "" && v.Count > 0) {
			return true
		}
	}
	return false
}

// pinsMessage reports whether an assertion wants a violation with a given
// message, so that the case fails when the policy denies for another reason.
func pinsMessage(as []suite.Assertion) bool {
	for _, a := range as {
		if a.Message != nil && !expectsNone(suite.Assertion{Violations: a.Violations}) {
			return true
		}
	}
	return false
}

// expectsNone reports whether an assertion says the object is allowed.
func expectsNone(a suite.Assertion) bool {
	v := a.Violations
	return a.Message == nil && v != nil && (v.Word == "no" || (v.Word == "" && v.Count == 0))
}

// TestSuitesPass runs every suite in the library through the same runner
// as `portcullis verify`.
func TestSuitesPass(t *testing.T) {
	// Cross-checking runs every case on the plan evaluator, which users
	// get by default, and on OPA's topdown evaluator, and fails a case
	// whose results differ in any message or detail.
	report, err := suite.Run(context.Background(), []string{root + "/..."}, suite.Options{
		NewEngine: func() *engine.Engine { return engine.New(engine.Options{Evaluator: engine.EvaluatorCrossCheck}) },
	})
	if err != nil {
		t.Fatal(err)
	}
	templates, err := catalog.FindTemplates(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Suites) < len(templates) {
		t.Errorf("ran %d suites for %d templates", len(report.Suites), len(templates))
	}
	for i := range report.Suites {
		s := &report.Suites[i]
		t.Run(filepath.Dir(s.Path), func(t *testing.T) {
			if s.Skipped {
				t.Errorf("%s is skipped", s.Path)
			}
			for _, test := range s.Tests {
				if test.Err != nil {
					t.Errorf("%s: %v", test.Name, test.Err)
				}
				for _, c := range test.Cases {
					if c.Err != nil {
						t.Errorf("%s/%s: %v", test.Name, c.Name, c.Err)
					}
				}
			}
		})
	}
}

// TestSampleConstraints checks that every sample constraint is of its
// template's kind and is accepted by the engine, and that every policy has
// allowed and disallowed examples.
func TestSampleConstraints(t *testing.T) {
	for _, p := range loadPolicies(t) {
		t.Run(p.dir, func(t *testing.T) {
			constraints, _ := filepath.Glob(filepath.Join(p.dir, "samples", "*", "constraint.yaml"))
			if len(constraints) == 0 {
				t.Fatal("no samples/*/constraint.yaml")
			}
			eng := engine.New(engine.Options{})
			if err := eng.AddTemplate(p.tmpl); err != nil {
				t.Fatalf("compiling: %v", err)
			}
			for _, path := range constraints {
				checkConstraint(t, eng, p, path)
			}
			for _, pattern := range []string{"example_allowed*.yaml", "example_disallowed*.yaml"} {
				if m, _ := filepath.Glob(filepath.Join(p.dir, "samples", "*", pattern)); len(m) == 0 {
					t.Errorf("no samples/*/%s", pattern)
				}
			}
		})
	}
}

func checkConstraint(t *testing.T, eng *engine.Engine, p policy, path string) {
	t.Helper()
	obj := readSingle(t, path)
	if got := str(obj["kind"]); got != p.tmpl.Kind {
		t.Errorf("%s: kind %q, want the template's kind %q", path, got, p.tmpl.Kind)
	}
	if !strings.HasPrefix(str(obj["apiVersion"]), constraintGr) {
		t.Errorf("%s: apiVersion %q is not in %s", path, obj["apiVersion"], constraintGr)
	}
	c, err := engine.ParseConstraint(obj)
	if err != nil {
		t.Errorf("%s: %v", path, err)
		return
	}
	if err := eng.AddConstraint(c); err != nil {
		t.Errorf("%s: %v", path, err)
	}
}

// TestKustomizations checks that each group's kustomization.yaml lists
// exactly the templates of that group.
func TestKustomizations(t *testing.T) {
	byGroup := map[string][]string{}
	for _, p := range loadPolicies(t) {
		group, rest, _ := strings.Cut(filepath.ToSlash(p.path), "/")
		byGroup[group] = append(byGroup[group], rest)
	}
	for group, want := range byGroup {
		t.Run(group, func(t *testing.T) {
			var k struct {
				Resources []string `json:"resources"`
			}
			b, err := os.ReadFile(filepath.Join(group, kustomize))
			if err != nil {
				t.Fatal(err)
			}
			if err := yaml.Unmarshal(b, &k); err != nil {
				t.Fatal(err)
			}
			got := append([]string(nil), k.Resources...)
			sort.Strings(got)
			sort.Strings(want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s/%s resources (-templates present +listed):\n%s", group, kustomize, diff)
			}
		})
	}
}

// TestCatalog checks that README.md is the catalog generated from the
// templates; run `go test ./library -update` to regenerate it.
func TestCatalog(t *testing.T) {
	var entries []catalog.Entry
	for _, p := range loadPolicies(t) {
		e, err := catalog.NewEntry(root, p.path, p.tmpl)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, e)
	}
	want := catalog.Markdown(entries)
	if *update {
		if err := os.WriteFile(readmeFile, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(readmeFile)
	if err != nil {
		t.Fatalf("%v (run go test ./library -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale; run go test ./library -update\n%s", readmeFile, cmp.Diff(string(want), string(got)))
	}
}

// BenchmarkReviewPodSecurityPolicy reviews one Pod against every PSP
// template's sample constraints in a single engine, as the webhook would.
func BenchmarkReviewPodSecurityPolicy(b *testing.B) {
	eng := engine.New(engine.Options{})
	constraints := 0
	for _, p := range loadPolicies(b) {
		if !strings.HasPrefix(filepath.ToSlash(p.dir), catalog.PSPGroup+"/") {
			continue
		}
		if err := eng.AddTemplate(p.tmpl); err != nil {
			b.Fatalf("%s: %v", p.path, err)
		}
		paths, _ := filepath.Glob(filepath.Join(p.dir, "samples", "*", "constraint.yaml"))
		for _, path := range paths {
			c, err := engine.ParseConstraint(readSingle(b, path))
			if err != nil {
				b.Fatalf("%s: %v", path, err)
			}
			if err := eng.AddConstraint(c); err != nil {
				b.Fatalf("%s: %v", path, err)
			}
			constraints++
		}
	}
	objects := map[string]string{
		"allowed-pod":    "pod-security-policy/host-filesystem/samples/psp-host-filesystem/example_allowed.yaml",
		"disallowed-pod": "pod-security-policy/privileged-containers/samples/psp-privileged-container/example_disallowed.yaml",
	}
	for name, path := range objects {
		b.Run(name, func(b *testing.B) {
			docs, err := load.ReadFile(path)
			if err != nil {
				b.Fatal(err)
			}
			review, err := load.Review(&docs[0], load.Namespaces{})
			if err != nil {
				b.Fatal(err)
			}
			start := processCPU()
			for b.Loop() {
				if _, err := eng.Review(context.Background(), review, engine.WebhookEnforcementPoint); err != nil {
					b.Fatal(err)
				}
			}
			// CPU time is steadier than wall time on a shared machine.
			b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(constraints), "constraints")
		})
	}
}

// processCPU is the user plus system CPU time this process has used, in
// nanoseconds.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
