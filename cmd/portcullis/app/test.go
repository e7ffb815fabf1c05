package app

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/portcullis-dev/portcullis/cmd/portcullis/manager"
	"github.com/portcullis-dev/portcullis/engine"
	"github.com/portcullis-dev/portcullis/engine/load"
)

func newTestCommand() *cobra.Command {
	var (
		files     []string
		library   string
		output    string
		evaluator manager.Evaluator
	)
	cmd := &cobra.Command{
		Use:   "test -f FILE|DIR|- ...",
		Short: "Evaluate manifests against the templates and constraints given with them",
		Long: `Read YAML and JSON documents (directories recursively, "-" for stdin), sort them
into ConstraintTemplates, constraints and other objects, and review every other
object against the constraints. Every object is also put in data.inventory, and
Namespace objects serve namespaceSelector. The exit status is 1 when a
violation with enforcement action deny is found or an evaluation fails.`,
		Example: `  portcullis test -f manifests/ -f policies/
  kubectl get pods -A -o yaml | portcullis test -f - --library library/ -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := parseFormat(output)
			if err != nil {
				return err
			}
			in, err := readInputs(files, library, cmd.InOrStdin())
			if err != nil {
				return err
			}
			found, err := evaluate(cmd.Context(), in, engine.Options{Evaluator: string(evaluator)})
			if err != nil {
				return err
			}
			if err := writeViolations(cmd.OutOrStdout(), found.violations, format); err != nil {
				return err
			}
			for _, e := range found.errors {
				fmt.Fprintf(cmd.ErrOrStderr(), "error: %v\n", e)
			}
			if found.denied() || len(found.errors) > 0 {
				return ErrFailed
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVarP(&files, "filename", "f", nil, "file or directory to read, or - for stdin (repeatable)")
	cmd.Flags().StringVar(&library, "library", "", "directory whose templates and constraints are added to the inputs")
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table, json or yaml")
	cmd.Flags().Var(&evaluator, "rego-evaluator", manager.EvaluatorUsage)
	return cmd
}

// findings are the outcome of evaluating inputs.
type findings struct {
	violations []violation
	// errors are constraints whose evaluation failed, located at the object.
	errors []error
}

func (f *findings) denied() bool {
	for _, v := range f.violations {
		if v.EnforcementAction == string(engine.Deny) {
			return true
		}
	}
	return false
}

// evaluate compiles the policies of in and reviews each object at the CLI
// enforcement point.
func evaluate(ctx context.Context, in *inputs, opts engine.Options) (*findings, error) {
	eng := engine.New(opts)
	if err := addTemplates(eng, in.templates); err != nil {
		return nil, err
	}
	if err := addConstraints(eng, in.constraints); err != nil {
		return nil, err
	}
	nss, err := addInventory(eng, in.objects)
	if err != nil {
		return nil, err
	}
	found := &findings{}
	for i := range in.objects {
		doc := &in.objects[i]
		review, err := load.Review(doc, nss)
		if err != nil {
			return nil, err
		}
		resp, err := eng.Review(ctx, review, engine.CLIEnforcementPoint)
		if err != nil {
			return nil, doc.Wrap(fmt.Errorf("reviewing: %w", err))
		}
		for _, r := range resp.Results {
			if r.Err != nil {
				found.errors = append(found.errors, doc.Wrap(fmt.Errorf("evaluating %s: %w", constraintRefOf(r.Constraint), r.Err)))
				continue
			}
			found.violations = append(found.violations, newViolation(doc, r))
		}
	}
	return found, nil
}
