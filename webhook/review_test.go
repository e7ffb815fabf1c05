package webhook

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const podCreate = `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{
 "uid":"0d3c6f7e-1111-2222-3333-444455556666",
 "kind":{"group":"","version":"v1","kind":"Pod"},
 "resource":{"group":"","version":"v1","resource":"pods"},
 "namespace":"apps","name":"web","operation":"CREATE",
 "userInfo":{"username":"alice"},
 "object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"apps"},
  "spec":{"containers":[{"name":"web","image":"nginx","securityContext":{"privileged":true}}]}}}}`

func TestReadReviewRefusesBadBodies(t *testing.T) {
	tests := []struct {
		name        string
		method      string
		contentType string
		body        string
		wantErr     string // substring of the 400 message
	}{
		{name: "get", method: http.MethodGet, body: podCreate, wantErr: "method GET not allowed"},
		{name: "wrong content type", contentType: "text/plain", body: podCreate, wantErr: "content type"},
		{name: "empty", body: "", wantErr: "empty body"},
		{name: "truncated", body: podCreate[:len(podCreate)/2], wantErr: "malformed AdmissionReview"},
		{name: "not json", body: "apiVersion: v1", wantErr: "malformed AdmissionReview"},
		{name: "array", body: "[]", wantErr: "malformed AdmissionReview"},
		{name: "no apiVersion", body: `{"kind":"AdmissionReview","request":{}}`, wantErr: "no apiVersion"},
		{name: "wrong apiVersion", body: `{"apiVersion":"v1","kind":"AdmissionReview"}`, wantErr: `apiVersion "v1" not supported`},
		{name: "wrong kind", body: `{"apiVersion":"admission.k8s.io/v1","kind":"Pod"}`, wantErr: `kind "Pod" is not AdmissionReview`},
		{name: "no request", body: `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`, wantErr: "has no request"},
		{name: "no uid", body: `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"kind":{"kind":"Pod"},"operation":"CREATE"}}`, wantErr: "no uid"},
		{name: "no kind", body: `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1","operation":"CREATE"}}`, wantErr: "no kind"},
		{name: "no operation", body: `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1","kind":{"kind":"Pod"}}}`, wantErr: "no operation"},
		{name: "object not an object", body: strings.Replace(podCreate, `"object":{`, `"object":[{`, 1), wantErr: "malformed AdmissionReview"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = http.MethodPost
			}
			ct := tc.contentType
			if ct == "" {
				ct = "application/json"
			}
			req := httptest.NewRequest(method, "/v1/admit", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", ct)
			rec := httptest.NewRecorder()
			(&LabelGuard{}).ServeHTTP(rec, req)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400; body %q", rec.Code, rec.Body.String())
			}
			if !strings.Contains(rec.Body.String(), tc.wantErr) {
				t.Errorf("body = %q, want it to contain %q", rec.Body.String(), tc.wantErr)
			}
		})
	}
}

func TestReadReviewAcceptsBothVersions(t *testing.T) {
	for _, version := range []string{admissionV1, admissionV1beta1} {
		t.Run(version, func(t *testing.T) {
			body := strings.Replace(podCreate, admissionV1, version, 1)
			req := httptest.NewRequest(http.MethodPost, "/v1/admit", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			(&LabelGuard{}).ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d, body %q", rec.Code, rec.Body.String())
			}
			out, _ := io.ReadAll(rec.Body)
			if !strings.Contains(string(out), `"apiVersion":"`+version+`"`) {
				t.Errorf("response %s does not echo apiVersion %s", out, version)
			}
			if !strings.Contains(string(out), `"uid":"0d3c6f7e-1111-2222-3333-444455556666"`) {
				t.Errorf("response %s does not echo the request uid", out)
			}
		})
	}
}
