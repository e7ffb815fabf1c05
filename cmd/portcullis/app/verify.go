package app

import (
	"github.com/spf13/cobra"

	"github.com/portcullis-dev/portcullis/engine/suite"
)

func newVerifyCommand() *cobra.Command {
	var (
		verbose bool
		run     string
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
			report, err := suite.Run(cmd.Context(), args, suite.Options{Run: run})
			if err != nil {
				return err
			}
			if err := suite.WriteGo(cmd.OutOrStdout(), report, verbose); err != nil {
				return err
			}
			if report.Failed() {
				return ErrFailed
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "print every test and case, not only failures")
	cmd.Flags().StringVar(&run, "run", "", "run only tests and cases matching REGEX, or TEST_REGEX//CASE_REGEX")
	return cmd
}
