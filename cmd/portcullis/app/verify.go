package app

import (
	"github.com/spf13/cobra"

	"github.com/portcullis-dev/portcullis/cmd/portcullis/manager"
	"github.com/portcullis-dev/portcullis/engine"
	"github.com/portcullis-dev/portcullis/engine/suite"
)

func newVerifyCommand() *cobra.Command {
	var (
		verbose   bool
		run       string
		evaluator manager.Evaluator
	)
	cmd := &cobra.Command{
		Use:   "verify PATH...",
		Short: "Run gator-format test suites (kind: Suite)",
		Long: `Run every test suite (apiVersion test.gatekeeper.sh/v1alpha1, kind Suite) found
at the given paths. A path is a suite file, a directory (its suite files only)
or DIR/... (every suite file below DIR). Output follows 'go test'; the exit
status is 1 when any case fails.`,
		Example: `  portcullis verify library/...
  portcullis verify -v --run 'required-labels//missing' library/general/requiredlabels`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := suite.Options{Run: run, NewEngine: func() *engine.Engine {
				return engine.New(engine.Options{Evaluator: string(evaluator)})
			}}
			return verify(cmd, args, opts, verbose)
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "print every test and case, not only failures")
	cmd.Flags().StringVar(&run, "run", "", "run only tests and cases matching REGEX, or TEST_REGEX//CASE_REGEX")
	cmd.Flags().Var(&evaluator, "rego-evaluator", manager.EvaluatorUsage)
	return cmd
}

// verify runs suites one at a time, printing each as soon as it is done, as
// `go test` prints packages.
func verify(cmd *cobra.Command, paths []string, opts suite.Options, verbose bool) error {
	suites, err := suite.Find(paths)
	if err != nil {
		return err
	}
	if _, err := suite.NewFilter(opts.Run); err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	failed := false
	for _, s := range suites {
		report, err := suite.RunSuites(cmd.Context(), []*suite.Suite{s}, opts)
		if err != nil {
			return err
		}
		if err := suite.WriteSuite(out, &report.Suites[0], verbose); err != nil {
			return err
		}
		failed = failed || report.Failed()
	}
	if err := suite.WriteVerdict(out, failed); err != nil {
		return err
	}
	if failed {
		return ErrFailed
	}
	return nil
}
