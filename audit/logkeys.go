package audit

// Log keys, defined once so every message uses the same names.
const (
	logKeyDuration       = "duration"
	logKeyReviewed       = "objectsReviewed"
	logKeyViolations     = "violations"
	logKeyConstraints    = "constraints"
	logKeyResources      = "resourceTypes"
	logKeyResourceErrors = "resourceErrors"
	logKeyEvalErrors     = "evaluationErrors"
	logKeyStatusWrites   = "statusWrites"
	logKeyStatusErrors   = "statusErrors"
	logKeyResource       = "resource"
	logKeyConstraint     = "constraint"
	logKeyConstraintKind = "constraintKind"
	logKeyAction         = "enforcementAction"
	logKeyObjectGroup    = "group"
	logKeyObjectVersion  = "version"
	logKeyObjectKind     = "kind"
	logKeyNamespace      = "namespace"
	logKeyName           = "name"
	logKeyMessage        = "message"
	logKeyInterval       = "interval"
)
