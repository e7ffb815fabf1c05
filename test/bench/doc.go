// Package bench compares Portcullis with the pinned upstream OPA Gatekeeper
// release on the same templates, constraints and objects.
package bench
