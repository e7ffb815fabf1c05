package app

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at build time:
//
//	go build -ldflags "-X github.com/portcullis-dev/portcullis/cmd/portcullis/app.version=v0.1.0" ./cmd/portcullis
var version = "dev"

const opaModule = "github.com/open-policy-agent/opa"

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the portcullis version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "portcullis %s (OPA %s, %s, %s/%s)\n",
				version, opaVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}

// opaVersion is the OPA module version linked in, or "unknown".
func opaVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, dep := range info.Deps {
		if dep.Path == opaModule {
			return dep.Version
		}
	}
	return "unknown"
}
