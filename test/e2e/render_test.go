package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portcullis-dev/portcullis/test/controlplane"
)

// repoRoot is the repository's top directory.
func repoRoot(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root, err := controlplane.FindRepoRoot(wd)
	if err != nil {
		t.Fatalf("find repository root: %v", err)
	}
	return root
}

// deployPath is the shipped install manifest.
func deployPath(t testing.TB) string {
	return filepath.Join(repoRoot(t), "deploy", "gatekeeper.yaml")
}

// renderDeploy is what `make deploy-yaml` writes: config/default/header.txt
// (kustomize drops the sources' comments, so it says where they are), then
// kubectl kustomize of config/default.
func renderDeploy(t testing.TB, kubectl string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, kubectl, "kustomize", "--load-restrictor=LoadRestrictionsNone", "config/default")
	cmd.Dir = repoRoot(t)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kubectl kustomize config/default: %v: %s", err, stderr.String())
	}
	header, err := os.ReadFile(filepath.Join(repoRoot(t), "config", "default", "header.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return append(header, out...)
}

// TestDeployYAMLUpToDate fails when deploy/gatekeeper.yaml differs from what
// config/default renders; -update rewrites it.
func TestDeployYAMLUpToDate(t *testing.T) {
	got := renderDeploy(t, env.Require(t).KubectlPath())
	path := deployPath(t)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read shipped manifest: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("deploy/gatekeeper.yaml is stale: regenerate with `make deploy-yaml` or "+
			"`go test ./test/e2e -run TestDeployYAMLUpToDate -update`; first difference at line %d",
			firstDiffLine(string(got), string(want)))
	}
}

// firstDiffLine is the 1-based line where a and b first differ.
func firstDiffLine(a, b string) int {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return i + 1
		}
	}
	return min(len(al), len(bl)) + 1
}
