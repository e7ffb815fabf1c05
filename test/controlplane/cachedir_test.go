package controlplane

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCacheRoot(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
		// wantErr: no variable is set, so there is nowhere to cache.
		wantErr bool
	}{
		{
			name: "explicit dir wins over everything",
			env:  map[string]string{EnvCacheDir: "/c", envXDGCache: "/x", envHome: "/h"},
			want: "/c",
		},
		{
			name: "xdg cache home gets a portcullis subdir",
			env:  map[string]string{envXDGCache: "/x", envHome: "/h"},
			want: "/x/portcullis",
		},
		{
			name: "home fallback",
			env:  map[string]string{envHome: "/h"},
			want: "/h/.cache/portcullis",
		},
		{name: "nothing set", env: map[string]string{}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CacheRoot(func(k string) string { return tt.env[k] })
			if (err != nil) != tt.wantErr {
				t.Fatalf("CacheRoot() error = %v, wantErr %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("CacheRoot() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCacheRootMakesRelativeDirAbsolute(t *testing.T) {
	got, err := CacheRoot(func(k string) string { return map[string]string{EnvCacheDir: "rel"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	if want := filepath.Join(wd, "rel"); got != want {
		t.Errorf("CacheRoot() = %q, want %q", got, want)
	}
}

func TestBinDirIsVersioned(t *testing.T) {
	got := BinDir("/cache", Versions{Kubernetes: "v1.2.3", Etcd: "v3.4.5"})
	if want := "/cache/controlplane/k8s-v1.2.3-etcd-v3.4.5"; got != want {
		t.Errorf("BinDir() = %q, want %q", got, want)
	}
}

// TestDefaultVersionsMatchGoMod keeps DefaultVersions in step with the
// modules the binaries are actually built from.
func TestDefaultVersionsMatchGoMod(t *testing.T) {
	tests := []struct {
		goMod, module, want string
	}{
		{"kube/go.mod", "k8s.io/kubernetes", DefaultVersions.Kubernetes},
		{"etcd/go.mod", "go.etcd.io/etcd/server/v3", DefaultVersions.Etcd},
	}
	for _, tt := range tests {
		t.Run(tt.module, func(t *testing.T) {
			if got := requiredVersion(t, tt.goMod, tt.module); got != tt.want {
				t.Errorf("%s requires %s %s, DefaultVersions says %s", tt.goMod, tt.module, got, tt.want)
			}
		})
	}
}

// requiredVersion finds "module version" in a go.mod require block.
func requiredVersion(t *testing.T, goMod, module string) string {
	t.Helper()
	f, err := os.Open(goMod)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		fields := strings.Fields(strings.TrimPrefix(strings.TrimSpace(scanner.Text()), "require "))
		if len(fields) >= 2 && fields[0] == module {
			return fields[1]
		}
	}
	t.Fatalf("%s does not require %s", goMod, module)
	return ""
}

func TestFindRepoRoot(t *testing.T) {
	root, err := FindRepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "test", "controlplane", "kube", "go.mod")); err != nil {
		t.Errorf("FindRepoRoot() = %s, which lacks the kube build module: %v", root, err)
	}
	if _, err := FindRepoRoot(t.TempDir()); err == nil {
		t.Error("FindRepoRoot(temp dir) succeeded, want ErrNoRepoRoot")
	}
}
