package suite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/portcullis-dev/portcullis/engine"
	"github.com/portcullis-dev/portcullis/engine/load"
)

// Options configure Run.
type Options struct {
	// Run selects tests and cases; see Filter. Empty runs everything.
	Run string
	// NewEngine returns the empty engine each test starts from; nil means
	// engine.New(engine.Options{}).
	NewEngine func() *engine.Engine
	// Now is the clock durations are measured with; nil means time.Now.
	Now func() time.Time
}

// Report is the outcome of running suites.
type Report struct {
	Suites []SuiteResult
}

// Failed reports whether any suite failed.
func (r *Report) Failed() bool {
	for i := range r.Suites {
		if r.Suites[i].Failed() {
			return true
		}
	}
	return false
}

// SuiteResult is the outcome of one suite.
type SuiteResult struct {
	Path     string
	Skipped  bool
	Duration time.Duration
	Tests    []TestResult
}

// Failed reports whether any test of the suite failed.
func (r *SuiteResult) Failed() bool {
	for i := range r.Tests {
		if r.Tests[i].Failed() {
			return true
		}
	}
	return false
}

// TestResult is the outcome of one test. Err is set when its template or
// constraint could not be loaded (or, for an invalid test, was accepted).
type TestResult struct {
	Name     string
	Skipped  bool
	Duration time.Duration
	Err      error
	Cases    []CaseResult
}

// Failed reports whether the test or any of its cases failed.
func (r *TestResult) Failed() bool {
	if r.Err != nil {
		return true
	}
	for i := range r.Cases {
		if r.Cases[i].Err != nil {
			return true
		}
	}
	return false
}

// CaseResult is the outcome of one case; Err says why it failed.
type CaseResult struct {
	Name     string
	Skipped  bool
	Duration time.Duration
	Err      error
}

// Run finds the suites at paths (see Find) and runs them. The error is
// about finding or reading suites or about opts; test failures are in the
// report.
func Run(ctx context.Context, paths []string, opts Options) (*Report, error) {
	suites, err := Find(paths)
	if err != nil {
		return nil, err
	}
	return RunSuites(ctx, suites, opts)
}

// RunSuites runs suites already found.
func RunSuites(ctx context.Context, suites []*Suite, opts Options) (*Report, error) {
	filter, err := NewFilter(opts.Run)
	if err != nil {
		return nil, err
	}
	r := &runner{filter: filter, newEngine: opts.NewEngine, now: opts.Now}
	if r.newEngine == nil {
		r.newEngine = func() *engine.Engine { return engine.New(engine.Options{}) }
	}
	if r.now == nil {
		r.now = time.Now
	}
	report := &Report{Suites: make([]SuiteResult, 0, len(suites))}
	for _, s := range suites {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("running suites: %w", err)
		}
		report.Suites = append(report.Suites, r.runSuite(ctx, s))
	}
	return report, nil
}

type runner struct {
	filter    *Filter
	newEngine func() *engine.Engine
	now       func() time.Time
}

func (r *runner) runSuite(ctx context.Context, s *Suite) SuiteResult {
	res := SuiteResult{Path: s.Path, Skipped: s.Skip}
	if s.Skip {
		return res
	}
	start := r.now()
	dir := filepath.Dir(s.Path)
	for i := range s.Tests {
		t := &s.Tests[i]
		if t.Skip || !r.filter.MatchesTest(t) {
			res.Tests = append(res.Tests, TestResult{Name: t.Name, Skipped: true})
			continue
		}
		res.Tests = append(res.Tests, r.runTest(ctx, dir, t))
	}
	res.Duration = r.now().Sub(start)
	return res
}

// ErrValidConstraint means a test marked invalid had its constraint
// accepted.
var ErrValidConstraint = errors.New("constraint was accepted but the test expects it to be invalid")

func (r *runner) runTest(ctx context.Context, dir string, t *Test) TestResult {
	start := r.now()
	res := TestResult{Name: t.Name}
	eng, err := r.setupTemplate(dir, t)
	if err == nil {
		err = addConstraint(eng, dir, t)
		if t.Invalid {
			err = invalidOutcome(err)
		} else if err == nil {
			res.Cases = r.runCases(ctx, eng, dir, t)
		}
	}
	res.Err = err
	res.Duration = r.now().Sub(start)
	return res
}

// invalidOutcome turns the result of adding a constraint that must be
// rejected into the test's error.
func invalidOutcome(err error) error {
	if err == nil {
		return ErrValidConstraint
	}
	return nil
}

func (r *runner) setupTemplate(dir string, t *Test) (*engine.Engine, error) {
	if t.Template == "" {
		return nil, errors.New("test has no template")
	}
	doc, err := readOne(resolve(dir, t.Template))
	if err != nil {
		return nil, err
	}
	tmpl, err := load.Template(doc)
	if err != nil {
		return nil, err
	}
	eng := r.newEngine()
	if err := eng.AddTemplate(tmpl); err != nil {
		return nil, load.TemplateErr(doc, err)
	}
	return eng, nil
}

func addConstraint(eng *engine.Engine, dir string, t *Test) error {
	if t.Constraint == "" {
		return errors.New("test has no constraint")
	}
	doc, err := readOne(resolve(dir, t.Constraint))
	if err != nil {
		return err
	}
	c, err := load.Constraint(doc)
	if err != nil {
		return err
	}
	return doc.Wrap(eng.AddConstraint(c))
}

func (r *runner) runCases(ctx context.Context, eng *engine.Engine, dir string, t *Test) []CaseResult {
	out := make([]CaseResult, 0, len(t.Cases))
	for i := range t.Cases {
		c := &t.Cases[i]
		if c.Skip || !r.filter.MatchesCase(t.Name, c.Name) {
			out = append(out, CaseResult{Name: c.Name, Skipped: true})
			continue
		}
		start := r.now()
		err := runCase(ctx, eng, dir, c)
		out = append(out, CaseResult{Name: c.Name, Err: err, Duration: r.now().Sub(start)})
	}
	return out
}

// resolve makes a suite-relative path usable.
func resolve(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// readOne reads a file that must hold exactly one document.
func readOne(path string) (*load.Document, error) {
	docs, err := load.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(docs) != 1 {
		return nil, fmt.Errorf("%s: want exactly one document, found %d", path, len(docs))
	}
	return &docs[0], nil
}
