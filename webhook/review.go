package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// maxBodyBytes bounds an AdmissionReview body. The API server sends at most
// two objects of its own 3 MiB request limit plus framing.
const maxBodyBytes = 16 << 20

const (
	admissionV1      = "admission.k8s.io/v1"
	admissionV1beta1 = "admission.k8s.io/v1beta1"
)

// errBadRequest marks errors that are the caller's fault (HTTP 400).
var errBadRequest = errors.New("bad request")

// readReview decodes an AdmissionReview of admission.k8s.io/v1 or v1beta1.
// The two versions share the request's JSON shape, so both decode into the
// v1 type; the returned apiVersion is echoed in the response.
func readReview(w http.ResponseWriter, r *http.Request) (*admissionv1.AdmissionReview, error) {
	if r.Method != http.MethodPost {
		return nil, fmt.Errorf("%w: method %s not allowed, use POST", errBadRequest, r.Method)
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return nil, fmt.Errorf("%w: content type %q not supported, use application/json", errBadRequest, ct)
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		return nil, fmt.Errorf("%w: reading body: %w", errBadRequest, err)
	}
	if len(body) == 0 {
		return nil, fmt.Errorf("%w: empty body, expected an AdmissionReview", errBadRequest)
	}
	review := &admissionv1.AdmissionReview{}
	if err := json.Unmarshal(body, review); err != nil {
		return nil, fmt.Errorf("%w: malformed AdmissionReview: %w", errBadRequest, err)
	}
	if err := checkReview(review); err != nil {
		return nil, fmt.Errorf("%w: %w", errBadRequest, err)
	}
	return review, nil
}

func checkReview(review *admissionv1.AdmissionReview) error {
	switch review.APIVersion {
	case admissionV1, admissionV1beta1:
	case "":
		return errors.New("AdmissionReview has no apiVersion")
	default:
		return fmt.Errorf("AdmissionReview apiVersion %q not supported, use %s or %s", review.APIVersion, admissionV1, admissionV1beta1)
	}
	if review.Kind != "AdmissionReview" {
		return fmt.Errorf("kind %q is not AdmissionReview", review.Kind)
	}
	req := review.Request
	switch {
	case req == nil:
		return errors.New("AdmissionReview has no request")
	case req.UID == "":
		return errors.New("AdmissionReview request has no uid")
	case req.Kind.Kind == "":
		return errors.New("AdmissionReview request has no kind")
	case req.Operation == "":
		return errors.New("AdmissionReview request has no operation")
	}
	return nil
}

// writeReview answers review with resp, in the API version it was asked in.
func writeReview(w http.ResponseWriter, review *admissionv1.AdmissionReview, resp *admissionv1.AdmissionResponse) {
	resp.UID = review.Request.UID
	out := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: review.APIVersion, Kind: "AdmissionReview"},
		Response: resp,
	}
	body, err := json.Marshal(out)
	if err != nil {
		http.Error(w, fmt.Sprintf("encoding AdmissionReview: %v", err), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

func allow() *admissionv1.AdmissionResponse {
	return &admissionv1.AdmissionResponse{Allowed: true}
}

func refuse(code int32, message string) *admissionv1.AdmissionResponse {
	return &admissionv1.AdmissionResponse{
		Allowed: false,
		Result: &metav1.Status{
			Status:  metav1.StatusFailure,
			Code:    code,
			Reason:  metav1.StatusReason(http.StatusText(int(code))),
			Message: message,
		},
	}
}
