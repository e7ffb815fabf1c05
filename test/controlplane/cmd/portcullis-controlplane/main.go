// Command portcullis-controlplane builds the local control-plane binaries and
// runs a local control plane for development (`make controlplane`, `make run`).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: portcullis-controlplane <command> [flags]

commands:
  build    build etcd, kube-apiserver and kubectl into the cache dir (reuses cached ones)
  bin-dir  print the directory that holds (or will hold) the binaries
  run      start a local control plane (or use a reachable cluster) until Ctrl-C;
           anything after -- is run as a command with KUBECONFIG set
  stop     stop processes a killed "run" left behind in its state dir

Run "portcullis-controlplane <command> -h" for the command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run executes one command and returns the process exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "build":
		err = buildCmd(ctx, args[1:], getenv, stdout, stderr)
	case "bin-dir":
		err = binDirCmd(getenv, stdout)
	case "run":
		err = runCmd(ctx, args[1:], getenv, stdout, stderr)
	case "stop":
		err = stopCmd(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "portcullis-controlplane %s: %v\n", args[0], err)
		return 1
	}
	return 0
}
