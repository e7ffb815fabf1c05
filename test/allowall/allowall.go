// Package allowall is the least an admission webhook can do: decode the
// AdmissionReview far enough to echo its uid, as the API server requires,
// and allow it. Benchmarks serve it next to the real webhook to show what
// the load generator, HTTP and TLS cost with no policy at all.
package allowall

import (
	"encoding/json"
	"net/http"
)

// Handler allows every AdmissionReview posted to it; a body that is not
// JSON gets 400.
var Handler http.Handler = http.HandlerFunc(allow)

func allow(w http.ResponseWriter, r *http.Request) {
	var review struct {
		APIVersion string `json:"apiVersion"`
		Request    struct {
			UID string `json:"uid"`
		} `json:"request"`
	}
	if err := json.NewDecoder(r.Body).Decode(&review); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"apiVersion": review.APIVersion, "kind": "AdmissionReview",
		"response": map[string]any{"uid": review.Request.UID, "allowed": true},
	})
}
