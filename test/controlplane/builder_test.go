package controlplane

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// fakeGo writes a stand-in for the go command. "go build -o OUT PKG" appends
// PKG to the returned log file and writes OUT as a script printing the version
// the real binary would print. With failWith set it prints that and fails.
func fakeGo(t *testing.T, failWith string) (goCmd, logFile string) {
	t.Helper()
	dir := t.TempDir()
	logFile = filepath.Join(dir, "builds.log")
	script := fmt.Sprintf(`#!/bin/sh
out=""; pkg=""
while [ $# -gt 0 ]; do
  case "$1" in
    -o|-ldflags) [ "$1" = -o ] && out="$2"; shift 2 ;;
    build|-v) shift ;;
    *) pkg="$1"; shift ;;
  esac
done
if [ -n %[2]q ]; then echo %[2]q >&2; exit 1; fi
echo "$pkg" >> %[1]q
case "$pkg" in
  .) v="etcd Version: 3.6.16" ;;
  k8s.io/kubernetes/cmd/kube-apiserver) v="Kubernetes v1.36.4" ;;
  ./cmd/kubectl) v="Client Version: v1.36.4" ;;
esac
sleep 0.2
printf '#!/bin/sh\necho "%%s"\n' "$v" > "$out"
chmod +x "$out"
`, logFile, failWith)
	goCmd = filepath.Join(dir, "go")
	if err := os.WriteFile(goCmd, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return goCmd, logFile
}

// builtPackages reads the fake go's log.
func builtPackages(t *testing.T, logFile string) []string {
	t.Helper()
	data, err := os.ReadFile(logFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(data))
}

// fakeRepo makes a directory with the two build-module directories.
func fakeRepo(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for _, sub := range []string{"kube", "etcd"} {
		if err := os.MkdirAll(filepath.Join(root, "test", "controlplane", sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// writeBinary puts a script into dir that prints version.
func writeBinary(t *testing.T, dir, name, version string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf("#!/bin/sh\necho %q\n", version)
	if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestBuilderEnsure(t *testing.T) {
	good := map[string]string{
		Etcd:          "etcd Version: 3.6.16",
		KubeAPIServer: "Kubernetes v1.36.4",
		Kubectl:       "Client Version: v1.36.4",
	}
	tests := []struct {
		name string
		// cached maps binary name to the version the cached file prints.
		cached    map[string]string
		wantBuilt []string
	}{
		{name: "empty cache builds all three", cached: nil,
			wantBuilt: []string{".", "k8s.io/kubernetes/cmd/kube-apiserver", "./cmd/kubectl"}},
		{name: "complete cache is reused", cached: good, wantBuilt: nil},
		{name: "missing binary is built alone",
			cached:    map[string]string{Etcd: good[Etcd], KubeAPIServer: good[KubeAPIServer]},
			wantBuilt: []string{"./cmd/kubectl"}},
		{name: "binary reporting another version is rebuilt",
			cached:    map[string]string{Etcd: good[Etcd], KubeAPIServer: "Kubernetes v0.0.0-master+$Format:%H$", Kubectl: good[Kubectl]},
			wantBuilt: []string{"k8s.io/kubernetes/cmd/kube-apiserver"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			goCmd, log := fakeGo(t, "")
			b := &Builder{RepoRoot: fakeRepo(t), CacheRoot: t.TempDir(), GoCmd: goCmd}
			dir := BinDir(b.CacheRoot, DefaultVersions)
			for name, version := range tt.cached {
				writeBinary(t, dir, name, version)
			}
			got, err := b.Ensure(context.Background())
			if err != nil {
				t.Fatalf("Ensure() error = %v", err)
			}
			if got != dir {
				t.Errorf("Ensure() = %s, want %s", got, dir)
			}
			if built := builtPackages(t, log); !slices.Equal(built, tt.wantBuilt) {
				t.Errorf("built %q, want %q", built, tt.wantBuilt)
			}
			if err := CheckPresent(dir); err != nil {
				t.Errorf("after Ensure: %v", err)
			}
			assertNoTempFiles(t, dir)
		})
	}
}

func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*"))
	if len(matches) > 0 {
		t.Errorf("temporary build files left behind: %v", matches)
	}
}

// TestBuilderConcurrentEnsureBuildsOnce models two `go test` processes
// needing the binaries at once: the file lock makes the second reuse the
// first one's build.
func TestBuilderConcurrentEnsureBuildsOnce(t *testing.T) {
	goCmd, log := fakeGo(t, "")
	repo, cache := fakeRepo(t), t.TempDir()
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() {
			b := &Builder{RepoRoot: repo, CacheRoot: cache, GoCmd: goCmd}
			_, errs[i] = b.Ensure(context.Background())
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if built := builtPackages(t, log); len(built) != 3 {
		t.Errorf("built %q, want each of the three binaries exactly once", built)
	}
}

func TestBuilderExplainsUnreachableProxy(t *testing.T) {
	goCmd, _ := fakeGo(t, `go: k8s.io/api@v0.36.4: Get "https://proxy.golang.org/k8s.io/api/@v/v0.36.4.mod": dial tcp: lookup proxy.golang.org: no such host`)
	t.Setenv("GOPROXY", "https://proxy.golang.org,direct")
	b := &Builder{RepoRoot: fakeRepo(t), CacheRoot: t.TempDir(), GoCmd: goCmd}
	_, err := b.Ensure(context.Background())
	if !errors.Is(err, ErrModuleProxyUnreachable) {
		t.Fatalf("Ensure() error = %v, want ErrModuleProxyUnreachable", err)
	}
	if !strings.Contains(err.Error(), "GOPROXY=https://proxy.golang.org,direct") {
		t.Errorf("error %q does not name GOPROXY", err)
	}
	assertNoTempFiles(t, BinDir(b.CacheRoot, DefaultVersions))
}

func TestBuilderReportsProgress(t *testing.T) {
	goCmd, _ := fakeGo(t, "")
	var out strings.Builder
	b := &Builder{RepoRoot: fakeRepo(t), CacheRoot: t.TempDir(), GoCmd: goCmd, Progress: &out}
	if _, err := b.Ensure(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"building etcd (1 of 3)", "built kube-apiserver in", "building kubectl (3 of 3)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("progress output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestCheckPresent(t *testing.T) {
	dir := t.TempDir()
	writeBinary(t, dir, Etcd, "x")
	err := CheckPresent(dir)
	if !errors.Is(err, ErrBinariesMissing) {
		t.Fatalf("CheckPresent() = %v, want ErrBinariesMissing", err)
	}
	if !strings.Contains(err.Error(), "kube-apiserver, kubectl") {
		t.Errorf("CheckPresent() = %q, want it to name the missing binaries", err)
	}
	writeBinary(t, dir, KubeAPIServer, "x")
	writeBinary(t, dir, Kubectl, "x")
	if err := CheckPresent(dir); err != nil {
		t.Errorf("CheckPresent() with all three = %v", err)
	}
}
