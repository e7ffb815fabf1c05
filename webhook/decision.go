package webhook

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/portcullis-dev/portcullis/engine"
)

// Decision is what the webhook makes of one review's results.
type Decision struct {
	// Denials are the "[name] message" lines of deny results.
	Denials []string
	// Warnings are the "[name] message" lines of warn results.
	Warnings []string
	// DryRuns are the results that are only recorded.
	DryRuns []engine.Result
}

// Allowed reports whether the request may go ahead.
func (d *Decision) Allowed() bool { return len(d.Denials) == 0 }

// Status names the decision for metrics and logs: "deny", "warn" or "allow".
func (d *Decision) Status() string {
	switch {
	case len(d.Denials) > 0:
		return "deny"
	case len(d.Warnings) > 0:
		return "warn"
	default:
		return "allow"
	}
}

// Decide sorts results by the enforcement action that applies at the
// webhook. A result whose evaluation failed counts like a violation of its
// constraint, so a broken policy never turns into a silent allow.
func Decide(results []engine.Result) *Decision {
	d := &Decision{}
	for _, r := range results {
		line := resultLine(r)
		switch r.EnforcementAction {
		case engine.Warn:
			d.Warnings = append(d.Warnings, line)
		case engine.Dryrun:
			d.DryRuns = append(d.DryRuns, r)
		default:
			d.Denials = append(d.Denials, line)
		}
	}
	sort.Strings(d.Denials)
	sort.Strings(d.Warnings)
	return d
}

// resultLine formats a result as Gatekeeper does: "[constraint-name] message".
func resultLine(r engine.Result) string {
	name := ""
	if r.Constraint != nil {
		name = r.Constraint.Name
	}
	msg := r.Message
	if r.Err != nil && msg == "" {
		msg = fmt.Sprintf("policy evaluation failed: %v", r.Err)
	}
	return fmt.Sprintf("[%s] %s", name, msg)
}

// Response turns the decision into an admission response: deny results
// refuse with 403 and one line each; warnings ride along either way.
func (d *Decision) Response() *admissionv1.AdmissionResponse {
	var resp *admissionv1.AdmissionResponse
	if d.Allowed() {
		resp = allow()
	} else {
		resp = refuse(http.StatusForbidden, strings.Join(d.Denials, "\n"))
	}
	if len(d.Warnings) > 0 {
		resp.Warnings = append([]string(nil), d.Warnings...)
	}
	return resp
}
