package manager

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/pflag"
)

// Operations a manager process can run; --operation picks them, so one
// binary runs each role of the install.
const (
	// OperationWebhook serves the admission webhooks.
	OperationWebhook = "webhook"
	// OperationAudit audits existing objects (leader only).
	OperationAudit = "audit"
	// OperationStatus writes constraint and template status for this pod.
	OperationStatus = "status"
)

var allOperations = []string{OperationWebhook, OperationAudit, OperationStatus}

// OperationOptions choose what this process does.
type OperationOptions struct {
	// Operations lists the roles; empty runs all of them.
	Operations []string
}

// AddFlags binds --operation to fs.
func (o *OperationOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringArrayVar(&o.Operations, "operation", nil,
		fmt.Sprintf("role to run, repeatable: %s; none given runs all", strings.Join(allOperations, ", ")))
}

// Validate refuses unknown operations.
func (o *OperationOptions) Validate() error {
	for _, op := range o.Operations {
		if !slices.Contains(allOperations, op) {
			return fmt.Errorf("--operation %q: want one of %s", op, strings.Join(allOperations, ", "))
		}
	}
	return nil
}

// Runs reports whether this process runs op.
func (o *OperationOptions) Runs(op string) bool {
	return len(o.Operations) == 0 || slices.Contains(o.Operations, op)
}
