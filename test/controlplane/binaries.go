package controlplane

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Names of the control-plane binaries inside a BinDir.
const (
	KubeAPIServer = "kube-apiserver"
	Kubectl       = "kubectl"
	Etcd          = "etcd"
)

// ErrBinariesMissing means a BinDir lacks one or more control-plane binaries.
var ErrBinariesMissing = errors.New("control-plane binaries missing")

// binary describes how to build one control-plane binary and how to tell that
// a built file is the right one.
type binary struct {
	name string
	// moduleDir is the build module, relative to the repository root.
	moduleDir string
	// pkg is the package to build, as given to `go build` inside moduleDir.
	pkg string
	// kubeVersion says whether the Kubernetes version ldflags apply.
	kubeVersion bool
	// versionArgs print the version; wantVersion must appear in the output.
	versionArgs []string
	wantVersion string
}

// binaries lists the three control-plane binaries for versions v.
func binaries(v Versions) []binary {
	kube := filepath.Join("test", "controlplane", "kube")
	return []binary{
		{
			name: Etcd, moduleDir: filepath.Join("test", "controlplane", "etcd"), pkg: ".",
			versionArgs: []string{"--version"}, wantVersion: "etcd Version: " + strings.TrimPrefix(v.Etcd, "v"),
		},
		{
			name: KubeAPIServer, moduleDir: kube, pkg: "k8s.io/kubernetes/cmd/kube-apiserver", kubeVersion: true,
			versionArgs: []string{"--version"}, wantVersion: "Kubernetes " + v.Kubernetes,
		},
		{
			name: Kubectl, moduleDir: kube, pkg: "./cmd/kubectl", kubeVersion: true,
			versionArgs: []string{"version", "--client"}, wantVersion: "Client Version: " + v.Kubernetes,
		},
	}
}

// CheckPresent reports, without running anything, whether all three binaries
// exist as executable files in dir. It is cheap enough for every test.
func CheckPresent(dir string) error {
	var missing []string
	for _, b := range binaries(DefaultVersions) {
		info, err := os.Stat(filepath.Join(dir, b.name))
		if err != nil || !info.Mode().IsRegular() || info.Mode().Perm()&0o111 == 0 {
			missing = append(missing, b.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w in %s: %s", ErrBinariesMissing, dir, strings.Join(missing, ", "))
	}
	return nil
}

// verify runs the binary's version command and checks the reported version.
func (b binary) verify(ctx context.Context, path string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, b.versionArgs...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("run %s %s: %w", path, strings.Join(b.versionArgs, " "), err)
	}
	if !strings.Contains(string(out), b.wantVersion) {
		return fmt.Errorf("%s reports %q, want %q", path, firstLine(out), b.wantVersion)
	}
	return nil
}

func firstLine(out []byte) string {
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}
