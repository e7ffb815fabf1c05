// Package webhook serves Portcullis's validating admission webhooks: policy
// decisions at validation.gatekeeper.sh, and the guard that keeps the
// admission.gatekeeper.sh/ignore label on exempt namespaces only.
//
// Handlers are plain http.Handlers; cmd/ registers them on the
// controller-runtime webhook server and supplies every dependency.
package webhook
