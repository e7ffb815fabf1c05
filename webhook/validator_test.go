package webhook

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/portcullis-dev/portcullis/engine"
)

// fakeReviewer answers every review with fixed results and counts calls.
type fakeReviewer struct {
	results []engine.Result
	err     error
	calls   int
}

func (f *fakeReviewer) Review(ctx context.Context, _ *engine.Review, ep string) (*engine.Response, error) {
	f.calls++
	if ep != engine.WebhookEnforcementPoint {
		return nil, context.Canceled
	}
	if f.err != nil {
		return nil, f.err
	}
	return &engine.Response{Results: f.results}, nil
}

type namespaces map[string]*corev1.Namespace

func (n namespaces) Namespace(_ context.Context, name string) (*corev1.Namespace, error) {
	return n[name], nil
}

func result(name string, action engine.EnforcementAction, msg string) engine.Result {
	return engine.Result{
		Constraint:        &engine.Constraint{Kind: "K8sPSPPrivilegedContainer", Name: name},
		Message:           msg,
		EnforcementAction: action,
	}
}

func serve(t *testing.T, h http.Handler, body string) (*httptest.ResponseRecorder, *admissionv1.AdmissionResponse) {
	t.Helper()
	return serveContext(t, context.Background(), h, body)
}

// serveContext is serve for a request whose context is ctx, as the server's
// base context gives it.
func serveContext(t *testing.T, ctx context.Context, h http.Handler, body string) (*httptest.ResponseRecorder, *admissionv1.AdmissionResponse) {
	t.Helper()
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/v1/admit?timeout=3s", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return rec, nil
	}
	var out admissionv1.AdmissionReview
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("decoding response %q: %v", rec.Body.String(), err)
	}
	return rec, out.Response
}

func TestValidatorDecisions(t *testing.T) {
	ignored := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "apps", Labels: map[string]string{IgnoreLabel: "yes"}}}
	tests := []struct {
		name         string
		results      []engine.Result
		reviewErr    error
		username     string
		exempt       []string
		namespaces   namespaces
		wantAllowed  bool
		wantCode     int32
		wantMessage  string
		wantWarnings []string
		wantCalls    int // reviews the engine was asked for
	}{
		{
			name:        "no violations",
			wantAllowed: true, wantCalls: 1,
		},
		{
			name: "deny lines sorted by constraint",
			results: []engine.Result{
				result("zeta", engine.Deny, "second"),
				result("alpha", engine.Deny, "first"),
			},
			wantCode: 403, wantMessage: "[alpha] first\n[zeta] second", wantCalls: 1,
		},
		{
			name:        "warn allows with warnings",
			results:     []engine.Result{result("psp", engine.Warn, "privileged")},
			wantAllowed: true, wantWarnings: []string{"[psp] privileged"}, wantCalls: 1,
		},
		{
			name:        "dryrun allows silently",
			results:     []engine.Result{result("psp", engine.Dryrun, "privileged")},
			wantAllowed: true, wantCalls: 1,
		},
		{
			name: "deny and warn together",
			results: []engine.Result{
				result("a", engine.Warn, "careful"),
				result("b", engine.Deny, "no"),
			},
			wantCode: 403, wantMessage: "[b] no", wantWarnings: []string{"[a] careful"}, wantCalls: 1,
		},
		{
			name:     "evaluation error of a deny constraint refuses",
			results:  []engine.Result{{Constraint: &engine.Constraint{Name: "broken"}, Err: context.Canceled, EnforcementAction: engine.Deny}},
			wantCode: 403, wantMessage: "[broken] policy evaluation failed: context canceled", wantCalls: 1,
		},
		{
			name:      "engine timeout refuses with 504",
			reviewErr: context.DeadlineExceeded,
			wantCode:  504, wantMessage: "review did not finish in time", wantCalls: 1,
		},
		{
			name:        "manager's own service account is allowed unreviewed",
			results:     []engine.Result{result("psp", engine.Deny, "privileged")},
			username:    "system:serviceaccount:gatekeeper-system:gatekeeper-admin",
			wantAllowed: true,
		},
		{
			name:        "exempt namespace is allowed unreviewed",
			results:     []engine.Result{result("psp", engine.Deny, "privileged")},
			exempt:      []string{"apps"},
			wantAllowed: true,
		},
		{
			name:        "namespace with the ignore label is allowed unreviewed",
			results:     []engine.Result{result("psp", engine.Deny, "privileged")},
			namespaces:  namespaces{"apps": ignored},
			wantAllowed: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rev := &fakeReviewer{results: tc.results, err: tc.reviewErr}
			v := &Validator{
				Engine:         rev,
				Namespaces:     tc.namespaces,
				Ready:          func() bool { return true },
				Exempt:         func(ns string) bool { return contains(tc.exempt, ns) },
				ServiceAccount: "system:serviceaccount:gatekeeper-system:gatekeeper-admin",
				Log:            logr.Discard(),
			}
			body := podCreate
			if tc.username != "" {
				body = strings.Replace(body, `"username":"alice"`, `"username":"`+tc.username+`"`, 1)
			}
			rec, resp := serve(t, v, body)
			if resp == nil {
				t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
			}
			if resp.Allowed != tc.wantAllowed {
				t.Errorf("allowed = %v, want %v (%+v)", resp.Allowed, tc.wantAllowed, resp.Result)
			}
			if !tc.wantAllowed {
				if resp.Result == nil || resp.Result.Code != tc.wantCode || !strings.Contains(resp.Result.Message, tc.wantMessage) {
					t.Errorf("result = %+v, want code %d message containing %q", resp.Result, tc.wantCode, tc.wantMessage)
				}
			}
			if !reflect.DeepEqual(resp.Warnings, tc.wantWarnings) {
				t.Errorf("warnings = %q, want %q", resp.Warnings, tc.wantWarnings)
			}
			if rev.calls != tc.wantCalls {
				t.Errorf("engine reviews = %d, want %d", rev.calls, tc.wantCalls)
			}
		})
	}
}

func TestValidatorNotReadyAnswersWithError(t *testing.T) {
	rev := &fakeReviewer{}
	v := &Validator{Engine: rev, Ready: func() bool { return false }, Log: logr.Discard()}
	rec, _ := serve(t, v, podCreate)
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status = %d, want 503", rec.Code)
	}
	if rev.calls != 0 {
		t.Errorf("engine was asked %d times before readiness", rev.calls)
	}
}

func TestValidatorLimiterWaitsUntilDeadline(t *testing.T) {
	limiter := make(chan struct{}, 1)
	limiter <- struct{}{} // every slot taken
	v := &Validator{Engine: &fakeReviewer{}, Limiter: limiter, Log: logr.Discard()}
	req := httptest.NewRequest(http.MethodPost, "/v1/admit?timeout=20ms", strings.NewReader(podCreate))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	v.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "too many concurrent reviews") {
		t.Fatalf("status = %d body %q, want 503 too many concurrent reviews", rec.Code, rec.Body.String())
	}
}

// ctxReviewer fails the way the engine does when its context is done, and
// records the deadline it was given.
type ctxReviewer struct {
	fakeReviewer
	deadline time.Time
}

func (c *ctxReviewer) Review(ctx context.Context, r *engine.Review, ep string) (*engine.Response, error) {
	c.deadline, _ = ctx.Deadline()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return c.fakeReviewer.Review(ctx, r, ep)
}

// TestValidatorFinishesReviewsWhenServerShutsDown models a request in flight
// at SIGTERM: the server's base context (the manager's) is cancelled while
// the server drains, and the review must still answer by policy, bounded
// only by the API server's timeout.
func TestValidatorFinishesReviewsWhenServerShutsDown(t *testing.T) {
	rev := &ctxReviewer{fakeReviewer: fakeReviewer{results: []engine.Result{result("no-privileged", engine.Deny, "privileged container")}}}
	v := &Validator{Engine: rev, Log: logr.Discard()}
	base, cancel := context.WithCancel(context.Background())
	cancel()
	before := time.Now()
	rec, resp := serveContext(t, base, v, podCreate)
	if resp == nil {
		t.Fatalf("status %d, body %q", rec.Code, rec.Body.String())
	}
	if resp.Allowed || resp.Result == nil || !strings.Contains(resp.Result.Message, "[no-privileged] privileged container") {
		t.Errorf("response = %+v, want the policy's denial", resp)
	}
	if d := rev.deadline.Sub(before); d <= 0 || d > 3*time.Second+time.Second {
		t.Errorf("review deadline %s after the request, want about the API server's 3s timeout", d)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
