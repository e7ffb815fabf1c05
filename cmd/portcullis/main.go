// Command portcullis is Portcullis's command-line tool: it runs gator-format
// policy suites, tests manifests against policies and benchmarks the engine.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/portcullis-dev/portcullis/cmd/portcullis/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Execute(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
