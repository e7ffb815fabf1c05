package v1

// ConditionReady is the condition type that is True when the template
// compiled and its constraint CRD is established.
const ConditionReady = "Ready"

// Reasons for the Ready condition.
const (
	// ReasonCompiled: the Rego compiled and the constraint CRD is established.
	ReasonCompiled = "Compiled"
	// ReasonCRDPending: the Rego compiled; the constraint CRD is not yet established.
	ReasonCRDPending = "CRDPending"
	// ReasonInvalid: the template itself is wrong (target, name/kind, schema);
	// fixing the template is the only remedy.
	ReasonInvalid = "InvalidTemplate"
	// ReasonCompileFailed: the Rego did not compile; the previous good
	// version, if any, stays in service.
	ReasonCompileFailed = "CompileFailed"
	// ReasonCRDFailed: the constraint CRD could not be created or updated.
	ReasonCRDFailed = "CRDFailed"
)
