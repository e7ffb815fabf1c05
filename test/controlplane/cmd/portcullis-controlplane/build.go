package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/portcullis-dev/portcullis/test/controlplane"
)

// buildCmd ensures the binaries exist and prints their directory.
func buildCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	start := time.Now()
	dir, err := ensureBinaries(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "controlplane: binaries ready in %s (%s)\n", dir, time.Since(start).Round(time.Millisecond))
	fmt.Fprintln(stdout, dir)
	return nil
}

// binDirCmd prints where the binaries live, without building.
func binDirCmd(getenv func(string) string, stdout io.Writer) error {
	dir, err := controlplane.DefaultBinDir(getenv)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, dir)
	return nil
}

// ensureBinaries builds or reuses the binaries for the default versions.
func ensureBinaries(ctx context.Context, getenv func(string) string, progress io.Writer) (string, error) {
	cacheRoot, err := controlplane.CacheRoot(getenv)
	if err != nil {
		return "", err
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	repo, err := controlplane.FindRepoRoot(wd)
	if err != nil {
		return "", err
	}
	b := &controlplane.Builder{RepoRoot: repo, CacheRoot: cacheRoot, Progress: progress}
	return b.Ensure(ctx)
}
