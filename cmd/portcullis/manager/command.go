// Package manager is the `portcullis manager` command: one controller
// manager that keeps the policy engine in step with the cluster and serves
// health and readiness. Each concern is wired in its own file.
package manager

import (
	"os"

	"github.com/spf13/cobra"
	ctrl "sigs.k8s.io/controller-runtime"
)

// NewCommand returns the `manager` command.
func NewCommand() *cobra.Command {
	opts := NewOptions(os.Getenv)
	cmd := &cobra.Command{
		Use:          "manager",
		Short:        "Run the admission-policy controller manager",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.OperationOptions.Validate(); err != nil {
				return err
			}
			log, err := newLogger(opts)
			if err != nil {
				return err
			}
			ctrl.SetLogger(log)
			cfg, err := ctrl.GetConfig()
			if err != nil {
				return err
			}
			return Run(ctrl.LoggerInto(cmd.Context(), log), cfg, opts)
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}
