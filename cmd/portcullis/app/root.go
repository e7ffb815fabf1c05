// Package app builds the portcullis command tree. Every command is built from
// explicit writers so that tests run it in-process.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/portcullis-dev/portcullis/cmd/portcullis/manager"
)

// ErrFailed means a command ran and reported a failure (a failing suite, a
// deny violation) on its output; Execute exits 1 without printing more.
var ErrFailed = errors.New("failed")

// NewRootCommand returns the portcullis command with every subcommand.
// To add a subcommand, write a newXCommand function in its own file and add
// it here.
func NewRootCommand(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "portcullis",
		Short: "Kubernetes admission policy on OPA, compatible with Gatekeeper",
		Long: "portcullis runs Gatekeeper ConstraintTemplates and constraints: it verifies " +
			"gator-format test suites, tests manifests against policies, benchmarks the engine " +
			"and, as `portcullis manager`, runs the in-cluster controllers, webhook and audit.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(
		newVerifyCommand(),
		newTestCommand(),
		newBenchCommand(),
		newVersionCommand(),
		manager.NewCommand(),
	)
	return root
}

// Execute runs the command line args and returns the process exit code:
// 0 on success, 1 on failure. Errors other than ErrFailed are printed to
// stderr.
func Execute(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := NewRootCommand(stdout, stderr)
	root.SetArgs(args)
	root.SetIn(stdin)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	if !errors.Is(err, ErrFailed) {
		fmt.Fprintf(stderr, "Error: %v\n", err)
	}
	return 1
}
