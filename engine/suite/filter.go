package suite

import (
	"fmt"
	"regexp"
	"strings"
)

// Filter selects tests and cases by name, with gator's --run semantics:
//
//   - "" selects everything;
//   - "RE" selects a case when RE matches its name or its test's name (and so
//     selects every test that has such a case);
//   - "TEST_RE//CASE_RE" selects the cases matching CASE_RE in the tests
//     matching TEST_RE. Either side may be empty, which matches everything.
//
// Regular expressions are unanchored, as in `go test -run`.
type Filter struct {
	test, kase *regexp.Regexp
	// either says one expression matches the test name or the case name.
	either bool
}

// NewFilter parses a --run expression.
func NewFilter(run string) (*Filter, error) {
	if run == "" {
		return &Filter{}, nil
	}
	parts := strings.Split(run, "//")
	if len(parts) > 2 {
		return nil, fmt.Errorf("invalid --run %q: at most one \"//\" is allowed", run)
	}
	res := make([]*regexp.Regexp, len(parts))
	for i, p := range parts {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("invalid --run %q: %w", run, err)
		}
		res[i] = re
	}
	if len(res) == 1 {
		return &Filter{test: res[0], kase: res[0], either: true}, nil
	}
	return &Filter{test: res[0], kase: res[1]}, nil
}

// MatchesTest reports whether any part of t is selected.
func (f *Filter) MatchesTest(t *Test) bool {
	if f.test == nil || f.test.MatchString(t.Name) {
		return true
	}
	if !f.either {
		return false
	}
	for i := range t.Cases {
		if f.kase.MatchString(t.Cases[i].Name) {
			return true
		}
	}
	return false
}

// MatchesCase reports whether case caseName of test testName is selected.
func (f *Filter) MatchesCase(testName, caseName string) bool {
	if f.test == nil {
		return true
	}
	if f.either {
		return f.test.MatchString(testName) || f.kase.MatchString(caseName)
	}
	return f.test.MatchString(testName) && f.kase.MatchString(caseName)
}
