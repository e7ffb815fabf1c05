package allowall

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandlerEchoesUIDAndAllows(t *testing.T) {
	body := `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-1","operation":"CREATE"}}`
	rec := httptest.NewRecorder()
	Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/admit", strings.NewReader(body)))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var got struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Response   struct {
			UID     string `json:"uid"`
			Allowed bool   `json:"allowed"`
		} `json:"response"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.APIVersion != "admission.k8s.io/v1" || got.Kind != "AdmissionReview" || got.Response.UID != "u-1" || !got.Response.Allowed {
		t.Errorf("response %+v", got)
	}

	rec = httptest.NewRecorder()
	Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/admit", strings.NewReader("{")))
	if rec.Code != http.StatusBadRequest {
		t.Errorf("truncated review: status %d, want 400", rec.Code)
	}
}
