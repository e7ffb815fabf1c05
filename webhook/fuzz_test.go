package webhook

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-logr/logr"

	"github.com/portcullis-dev/portcullis/engine"
)

// FuzzValidator feeds arbitrary bodies to the validation handler: whatever
// arrives, it answers 200 with a review or 400 with a message, and never
// panics.
func FuzzValidator(f *testing.F) {
	f.Add(podCreate)
	f.Add(strings.Replace(podCreate, "CREATE", "DELETE", 1))
	f.Add(podCreate[:100])
	f.Add(`{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"u","kind":{"kind":"Namespace"},"operation":"UPDATE","name":"x","object":{"metadata":{"labels":7}}}}`)
	f.Add(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"group":"templates.gatekeeper.sh","kind":"ConstraintTemplate"},"operation":"CREATE","object":{"spec":null}}}`)
	v := &Validator{
		Engine:   engine.New(engine.Options{}),
		Policies: &PolicyValidator{Compiler: engine.New(engine.Options{})},
		Ready:    func() bool { return true },
		Log:      logr.Discard(),
	}
	guard := &LabelGuard{}
	f.Fuzz(func(t *testing.T, body string) {
		for _, h := range []http.Handler{v, guard} {
			req := httptest.NewRequest(http.MethodPost, "/v1/admit", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d for body %q: %s", rec.Code, body, rec.Body.String())
			}
		}
	})
}
