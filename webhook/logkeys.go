package webhook

// Log keys, defined once.
const (
	logKeyUID            = "uid"
	logKeyKind           = "kind"
	logKeyNamespace      = "namespace"
	logKeyName           = "name"
	logKeyOperation      = "operation"
	logKeyConstraint     = "constraint"
	logKeyConstraintKind = "constraintKind"
	logKeyMessage        = "message"
)
