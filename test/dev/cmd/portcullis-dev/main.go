// Command portcullis-dev is what `make run` runs once a cluster is up: it
// installs Portcullis's CRDs, runs the manager with its webhook registered by
// URL, loads the pod-security library and prints commands to try. Ctrl-C
// stops the manager and removes the webhook registration.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/portcullis-dev/portcullis/test/controlplane"
	"github.com/portcullis-dev/portcullis/test/dev"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "portcullis-dev: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("portcullis-dev", flag.ContinueOnError)
	stateDir := fs.String("state-dir", ".dev", "directory for certificates and the manager's log")
	portcullis := fs.String("portcullis", "bin/portcullis", "the portcullis binary")
	library := fs.String("library", filepath.Join("library", "pod-security-policy"), "template folder to install, with its sample constraints")
	if err := fs.Parse(args); err != nil {
		return err
	}
	kubeconfig := os.Getenv("KUBECONFIG")
	if kubeconfig == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return err
		}
		kubeconfig = filepath.Join(home, ".kube", "config")
	}
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	repo, err := controlplane.FindRepoRoot(wd)
	if err != nil {
		return err
	}
	binDir, err := controlplane.DefaultBinDir(os.Getenv)
	if err != nil {
		return err
	}
	if err := controlplane.CheckPresent(binDir); err != nil {
		return fmt.Errorf("%w: run `make controlplane` first", err)
	}
	return dev.Run(ctx, dev.Options{
		Kubeconfig:  kubeconfig,
		Kubectl:     filepath.Join(binDir, "kubectl"),
		Portcullis:  *portcullis,
		RepoDir:     repo,
		StateDir:    *stateDir,
		Library:     *library,
		ManagerArgs: fs.Args(),
		Stdout:      os.Stdout,
	})
}
