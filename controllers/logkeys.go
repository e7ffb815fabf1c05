package controllers

// Log keys, defined once so every message uses the same names.
const (
	logKeyTemplate   = "template"
	logKeyKind       = "kind"
	logKeyConstraint = "constraint"
	logKeyGVK        = "gvk"
	logKeyObject     = "object"
	logKeyPending    = "pending"
)
