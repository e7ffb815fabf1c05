// Package engine is Portcullis's constraint framework: it compiles
// ConstraintTemplates into prepared Rego queries, holds constraints indexed by
// the kinds they match, keeps the synced inventory, and reviews objects.
//
// The package is pure Go with no Kubernetes client. The controllers, the
// webhook, the audit and the CLI all drive it through the same API.
package engine
