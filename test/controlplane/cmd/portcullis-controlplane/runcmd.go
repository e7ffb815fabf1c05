package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/portcullis-dev/portcullis/test/controlplane"
)

// runOptions are the flags of the run command.
type runOptions struct {
	stateDir string
	port     int
	local    bool
	command  []string
}

func parseRunFlags(args []string, stderr io.Writer) (runOptions, error) {
	var o runOptions
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.stateDir, "state-dir", ".dev", "directory for etcd data, certificates, logs and kubeconfig")
	fs.IntVar(&o.port, "port", 0, "API server port on 127.0.0.1 (0 picks a free port)")
	fs.BoolVar(&o.local, "local", false, "always start a local control plane, even if a cluster is reachable")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.command = fs.Args()
	return o, nil
}

// runCmd uses a reachable cluster if there is one, else starts a local
// control plane; then runs the optional command, or waits for Ctrl-C.
func runCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := parseRunFlags(args, stderr)
	if err != nil {
		return err
	}
	if !o.local {
		if existing, err := controlplane.FindExisting(ctx, 3*time.Second); err == nil {
			fmt.Fprintf(stdout, "using reachable cluster %s (context %q, %s); pass -local to start a local one instead\n",
				existing.Config.Host, existing.Context, existing.Version)
			if len(o.command) == 0 {
				fmt.Fprintln(stdout, "nothing to start; give a command after -- to run it against this cluster")
				return nil
			}
			return runOrWait(ctx, o.command, "", stdout, stderr)
		}
	}
	return runLocal(ctx, o, getenv, stdout, stderr)
}

// runLocal starts the local control plane under o.stateDir.
func runLocal(ctx context.Context, o runOptions, getenv func(string) string, stdout, stderr io.Writer) error {
	binDir, err := ensureBinaries(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	stateDir, err := filepath.Abs(o.stateDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		return fmt.Errorf("create state dir: %w", err)
	}
	logFile, err := os.Create(filepath.Join(stateDir, "controlplane.log"))
	if err != nil {
		return fmt.Errorf("create log file: %w", err)
	}
	defer logFile.Close()

	start := time.Now()
	plane, err := controlplane.Start(ctx, controlplane.Options{
		BinDir: binDir, StateDir: stateDir, APIServerPort: o.port, Log: logFile,
	})
	if errors.Is(err, controlplane.ErrPortInUse) {
		return fmt.Errorf("%w; choose another with -port (RUN_FLAGS=\"-port N\" under make)", err)
	}
	if err != nil {
		return fmt.Errorf("%w (process output: %s)", err, logFile.Name())
	}
	defer func() {
		fmt.Fprintln(stdout, "stopping control plane")
		if err := plane.Stop(); err != nil {
			fmt.Fprintf(stderr, "stop: %v\n", err)
		}
	}()
	kubeconfig := relative(plane.KubeconfigPath)
	fmt.Fprintf(stdout, "control plane ready at %s in %s (logs: %s)\n", plane.Config.Host,
		time.Since(start).Round(time.Millisecond), relative(logFile.Name()))
	fmt.Fprintf(stdout, "  %s --kubeconfig %s get ns\n", plane.KubectlPath, kubeconfig)
	return runOrWait(ctx, o.command, plane.KubeconfigPath, stdout, stderr)
}

// runOrWait runs command with KUBECONFIG set (when kubeconfig is not empty),
// or with no command waits until ctx ends (Ctrl-C).
func runOrWait(ctx context.Context, command []string, kubeconfig string, stdout, stderr io.Writer) error {
	if len(command) == 0 {
		fmt.Fprintln(stdout, "press Ctrl-C to stop")
		<-ctx.Done()
		return nil
	}
	cmd := exec.CommandContext(ctx, command[0], command[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
	cmd.Env = os.Environ()
	if kubeconfig != "" {
		cmd.Env = append(cmd.Env, "KUBECONFIG="+kubeconfig)
	}
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 20 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("run %s: %w", command[0], err)
	}
	return nil
}

// relative shortens path to be relative to the working directory when it is inside it.
func relative(path string) string {
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	if rel, err := filepath.Rel(wd, path); err == nil && !filepath.IsAbs(rel) && rel[:min(2, len(rel))] != ".." {
		return rel
	}
	return path
}

// stopCmd stops leftovers of a killed run in the state dir.
func stopCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("stop", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stateDir := fs.String("state-dir", ".dev", "state directory of the run to clean up")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := controlplane.StopStale(*stateDir); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "no control-plane processes left from %s\n", *stateDir)
	return nil
}
