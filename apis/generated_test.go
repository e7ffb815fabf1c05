package apis

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// controllerGen is the generator; v0.21 pairs with Kubernetes 1.36. Keep it
// in step with the Makefile's generate and manifests recipes.
const controllerGen = "sigs.k8s.io/controller-tools/cmd/controller-gen@v0.21.0"

// TestGeneratedFilesCurrent regenerates deepcopy code, CRDs and RBAC into a
// temporary directory and fails if the committed copies differ. Fix with
// `make generate manifests`.
func TestGeneratedFilesCurrent(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	genCRD := filepath.Join(tmp, "crd")
	genRBAC := filepath.Join(tmp, "rbac")
	runGen(t, root, "crd:crdVersions=v1", "paths=./apis/...", "output:crd:dir="+genCRD)
	runGen(t, root, "rbac:roleName=portcullis-manager-role", "paths=./controllers/...", "output:rbac:dir="+genRBAC)
	compareDir(t, filepath.Join(root, "config", "crd", "bases"), genCRD)
	compareDir(t, filepath.Join(root, "config", "rbac"), genRBAC)

	deepcopy := runGen(t, root, "object", "paths=./apis/...", "output:object:stdout")
	var committed bytes.Buffer
	files, err := filepath.Glob(filepath.Join(root, "apis", "*", "*", "zz_generated.deepcopy.go"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		committed.Write(b)
	}
	if diff := cmp.Diff(committed.String(), string(deepcopy)); diff != "" {
		t.Errorf("deepcopy code is stale; run `make generate` (-committed +generated):\n%s", diff)
	}
}

func runGen(t *testing.T, dir string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("go", append([]string{"run", controllerGen}, args...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("controller-gen %v: %v\n%s", args, err, stderr.String())
	}
	return out
}

// compareDir fails if any generated file is missing from, or differs in,
// the committed directory. Extra committed files (kustomizations) are fine.
func compareDir(t *testing.T, committed, generated string) {
	t.Helper()
	entries, err := os.ReadDir(generated)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		want, err := os.ReadFile(filepath.Join(generated, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(committed, e.Name()))
		if err != nil {
			t.Errorf("%s: %v; run `make manifests`", e.Name(), err)
			continue
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("%s is stale; run `make manifests` (-generated +committed):\n%s", e.Name(), diff)
		}
	}
}
