package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/portcullis-dev/portcullis/test/controlplane"
)

// GatekeeperVersion is the upstream release the comparisons run against;
// test/bench/upstream/go.mod pins the same one.
const GatekeeperVersion = "v3.23.1"

// Binary is a program the comparisons build once and cache outside the
// repository, under the Portcullis cache root (see controlplane.CacheRoot).
type Binary struct {
	Name string
	// ModuleDir is the module to build in, relative to the bench module.
	ModuleDir string
	// Package is the package to build, as given to go build in ModuleDir.
	Package string
	// Version keys the cache directory.
	Version string
}

// Binaries the comparisons use.
var (
	Gator = Binary{Name: "gator", ModuleDir: "upstream", Version: "gatekeeper-" + GatekeeperVersion,
		Package: "github.com/open-policy-agent/gatekeeper/v3/cmd/gator"}
	GatekeeperManager = Binary{Name: "manager", ModuleDir: "upstream", Version: "gatekeeper-" + GatekeeperVersion,
		Package: "github.com/open-policy-agent/gatekeeper/v3"}
	// PortcullisCLI is rebuilt on every run (the product changes), which go
	// build's own cache keeps cheap.
	PortcullisCLI = Binary{Name: "portcullis", ModuleDir: filepath.Join("..", ".."), Version: "dev",
		Package: "./cmd/portcullis"}
)

// Ensure returns the path of b's binary under the cache root, building it
// when it is missing (always, for the "dev" version). benchDir is the bench
// module's directory.
func (b Binary) Ensure(ctx context.Context, benchDir string) (string, error) {
	root, err := controlplane.CacheRoot(os.Getenv)
	if err != nil {
		return "", fmt.Errorf("ensure %s: %w", b.Name, err)
	}
	path := filepath.Join(root, "bench", b.Version, b.Name)
	if _, err := os.Stat(path); err == nil && b.Version != "dev" {
		return path, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("ensure %s: %w", b.Name, err)
	}
	tmp := fmt.Sprintf("%s.tmp-%d", path, os.Getpid())
	defer os.Remove(tmp)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", tmp, b.Package)
	cmd.Dir = filepath.Join(benchDir, b.ModuleDir)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build %s: %w: %s", b.Name, err, out)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("install %s: %w", b.Name, err)
	}
	return path, nil
}
