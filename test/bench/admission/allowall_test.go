package admission

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestAllowAllEchoesUID(t *testing.T) {
	body := `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-1","operation":"CREATE"}}`
	rec := httptest.NewRecorder()
	allowAll(rec, httptest.NewRequest(http.MethodPost, "/v1/admit", strings.NewReader(body)))
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
	allowAll(rec, httptest.NewRequest(http.MethodPost, "/v1/admit", strings.NewReader("{")))
	if rec.Code != http.StatusBadRequest {
		t.Errorf("truncated review: status %d, want 400", rec.Code)
	}
}

func TestWriteMarkdownSubtractsReferences(t *testing.T) {
	rows := []Row{
		{System: Baseline, Concurrency: 16, P50: 10 * time.Millisecond, P99: 20 * time.Millisecond},
		{System: AllowAll, Concurrency: 16, P50: 12 * time.Millisecond, P99: 25 * time.Millisecond},
		{System: "portcullis", Concurrency: 16, P50: 13 * time.Millisecond, P99: 27 * time.Millisecond},
		{System: "portcullis", Concurrency: 1, P50: 3 * time.Millisecond, P99: 4 * time.Millisecond},
	}
	var buf strings.Builder
	WriteMarkdown(&buf, rows)
	lines := strings.Split(buf.String(), "\n")
	for i, want := range []string{
		"| none | 16 | 0 | 0 | 10.0 ms | 20.0 ms |  |  |  |  | 0 |",
		"| allow-all | 16 | 0 | 0 | 12.0 ms | 25.0 ms | 2.0 ms | 5.0 ms |  |  | 0 |",
		"| portcullis | 16 | 0 | 0 | 13.0 ms | 27.0 ms | 3.0 ms | 7.0 ms | 1.0 ms | 2.0 ms | 0 |",
		"| portcullis | 1 | 0 | 0 | 3.0 ms | 4.0 ms |  |  |  |  | 0 |",
	} {
		if got := lines[2+i]; got != want {
			t.Errorf("row %d:\n got %s\nwant %s", i, got, want)
		}
	}
}
