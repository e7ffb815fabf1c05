package controllers

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
)

// ReadyTracker reports ready once every template, constraint and synced kind
// that existed at start-up has been loaded into the engine. Once ready it
// stays ready: later changes are ordinary updates, not a reason to stop
// serving.
type ReadyTracker struct {
	mu        sync.Mutex
	populated bool
	ready     bool
	expected  map[string]struct{}
	observed  map[string]struct{}
	// cancelled holds prefixes whose expectations are dropped, including
	// ones expected after the cancel.
	cancelled []string
}

// NewReadyTracker returns a tracker that is not ready until Populated is
// called and every expectation is met.
func NewReadyTracker() *ReadyTracker {
	return &ReadyTracker{expected: map[string]struct{}{}, observed: map[string]struct{}{}}
}

// TemplateKey names a ConstraintTemplate in the tracker.
func TemplateKey(name string) string { return "template/" + name }

// ConstraintKey names a constraint in the tracker.
func ConstraintKey(kind, name string) string { return "constraint/" + kind + "/" + name }

// SyncKey names a synced kind in the tracker.
func SyncKey(gvk schema.GroupVersionKind) string {
	return "sync/" + gvk.Group + "/" + gvk.Version + "/" + gvk.Kind
}

// ConfigKey names the Config object in the tracker.
const ConfigKey = "config"

// Expect records that key must be observed before the tracker is ready.
func (t *ReadyTracker) Expect(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, seen := t.observed[key]; seen || t.ready {
		return
	}
	for _, p := range t.cancelled {
		if strings.HasPrefix(key, p) {
			return
		}
	}
	t.expected[key] = struct{}{}
}

// Observe records that key has been loaded (or has failed for good and
// should not hold readiness back).
func (t *ReadyTracker) Observe(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ready {
		return
	}
	t.observed[key] = struct{}{}
	delete(t.expected, key)
	t.update()
}

// CancelPrefix drops every expectation whose key starts with prefix, e.g.
// the constraints of a template that will never load.
func (t *ReadyTracker) CancelPrefix(prefix string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ready {
		return
	}
	t.cancelled = append(t.cancelled, prefix)
	for k := range t.expected {
		if strings.HasPrefix(k, prefix) {
			delete(t.expected, k)
		}
	}
	t.update()
}

// Populated marks the end of start-up listing: no more expectations follow.
func (t *ReadyTracker) Populated() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.populated = true
	t.update()
}

func (t *ReadyTracker) update() {
	if t.populated && len(t.expected) == 0 {
		t.ready = true
		t.observed, t.cancelled = nil, nil
	}
}

// Ready reports whether everything present at start-up is loaded.
func (t *ReadyTracker) Ready() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.ready
}

// Pending returns the expectations not yet met, sorted.
func (t *ReadyTracker) Pending() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]string, 0, len(t.expected))
	for k := range t.expected {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Check is a healthz.Checker for /readyz.
func (t *ReadyTracker) Check(_ *http.Request) error {
	if t.Ready() {
		return nil
	}
	t.mu.Lock()
	populated, n := t.populated, len(t.expected)
	t.mu.Unlock()
	if !populated {
		return fmt.Errorf("still listing objects present at start-up")
	}
	return fmt.Errorf("%d objects not yet loaded into the engine", n)
}

var _ healthz.Checker = (*ReadyTracker)(nil).Check
