// Package envtest gives tests a real etcd + kube-apiserver with this
// repository's CRDs installed, either one per test (Start) or one per package
// (RunMain from TestMain).
//
// The binaries come from `make controlplane`. When they are missing a test is
// skipped, except under CI=true, where it fails.
package envtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"github.com/portcullis-dev/portcullis/test/controlplane"
)

// MakeTarget is the make target that builds the control-plane binaries.
const MakeTarget = "make controlplane"

// Env is a running control plane for tests.
type Env struct {
	// Config is an admin client config (group system:masters).
	Config *rest.Config

	plane *controlplane.Plane
	// unavailable is why no control plane runs (binaries missing); set only
	// on the Env RunMain hands out when it could not start one.
	unavailable error
}

// Start starts a fresh control plane for t, with the repository's CRDs
// installed, and stops it when t ends.
func Start(t testing.TB) *Env {
	t.Helper()
	env, err := start()
	if errors.Is(err, controlplane.ErrBinariesMissing) {
		skipOrFail(t, err)
	}
	if err != nil {
		t.Fatalf("start control plane: %v", err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stop control plane: %v", err)
		}
	})
	return env
}

// RunMain starts one control plane for a package's tests, runs them and stops
// it. Use it from TestMain and read the Env through Require:
//
//	var env *envtest.Env
//	func TestMain(m *testing.M) { os.Exit(envtest.RunMain(m, &env)) }
//	func TestX(t *testing.T) { cfg := env.Require(t).Config; ... }
//
// With the binaries missing, tests still run and Require skips them (fails
// them under CI=true).
func RunMain(m *testing.M, env **Env) int {
	started, err := start()
	switch {
	case errors.Is(err, controlplane.ErrBinariesMissing):
		*env = &Env{unavailable: err}
		return m.Run()
	case err != nil:
		fmt.Fprintf(os.Stderr, "envtest: start control plane: %v\n", err)
		return 1
	}
	*env = started
	code := m.Run()
	if err := started.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "envtest: stop control plane: %v\n", err)
		return max(code, 1)
	}
	return code
}

// Require returns e if its control plane runs, and otherwise skips t (fails
// it under CI=true).
func (e *Env) Require(t testing.TB) *Env {
	t.Helper()
	switch {
	case e == nil:
		t.Fatal("envtest: Env is nil; call envtest.RunMain from TestMain")
	case e.unavailable != nil:
		skipOrFail(t, e.unavailable)
	}
	return e
}

// KubeconfigPath is an admin kubeconfig file for this control plane.
func (e *Env) KubeconfigPath() string { return e.plane.KubeconfigPath }

// KubectlPath is the kubectl binary matching the API server.
func (e *Env) KubectlPath() string { return e.plane.KubectlPath }

// Kubectl runs kubectl against this control plane and returns its combined output.
func (e *Env) Kubectl(ctx context.Context, args ...string) ([]byte, error) {
	full := append([]string{"--kubeconfig", e.KubeconfigPath()}, args...)
	out, err := exec.CommandContext(ctx, e.KubectlPath(), full...).CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("kubectl %v: %w: %s", args, err, out)
	}
	return out, nil
}

// Stop stops the control plane. Start registers it with t.Cleanup already.
func (e *Env) Stop() error {
	if e.plane == nil {
		return nil
	}
	return e.plane.Stop()
}

// start locates binaries and CRDs and starts a control plane.
func start() (*Env, error) {
	binDir, err := controlplane.DefaultBinDir(os.Getenv)
	if err != nil {
		return nil, err
	}
	if err := controlplane.CheckPresent(binDir); err != nil {
		return nil, err
	}
	// Clean up after test processes that were killed (e.g. by -timeout)
	// before they could stop their control planes. Best effort.
	if err := controlplane.ReapOrphans(binDir); err != nil {
		fmt.Fprintf(os.Stderr, "envtest: %v\n", err)
	}
	crds, err := crdDirs()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	plane, err := controlplane.Start(ctx, controlplane.Options{BinDir: binDir, CRDPaths: crds, Log: processLog()})
	if err != nil {
		return nil, err
	}
	return &Env{Config: plane.Config, plane: plane}, nil
}

// processLog sends control-plane output to stderr when
// PORTCULLIS_CONTROLPLANE_LOG=1, else discards it.
func processLog() io.Writer {
	if os.Getenv("PORTCULLIS_CONTROLPLANE_LOG") == "1" {
		return os.Stderr
	}
	return nil
}

// crdDirs lists config/crd and every directory below it, so CRDs are found
// whatever layout the generator uses. A missing config/crd yields none.
func crdDirs() ([]string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	repo, err := controlplane.FindRepoRoot(wd)
	if err != nil {
		return nil, err
	}
	var dirs []string
	err = filepath.WalkDir(filepath.Join(repo, "config", "crd"), func(path string, d os.DirEntry, err error) error {
		if errors.Is(err, os.ErrNotExist) {
			return filepath.SkipDir
		}
		if err != nil {
			return err
		}
		if d.IsDir() {
			dirs = append(dirs, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("find CRDs: %w", err)
	}
	return dirs, nil
}

// skipOrFail skips t because the control plane is unavailable, or fails it
// when CI=true, so CI never passes by skipping.
func skipOrFail(t testing.TB, err error) {
	t.Helper()
	msg := fmt.Sprintf("control plane unavailable (%v); run `%s` first", err, MakeTarget)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " [CI=true: not skipping]")
		return
	}
	t.Skip(msg)
}
