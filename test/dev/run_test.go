package dev

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portcullis-dev/portcullis/test/controlplane"
	"github.com/portcullis-dev/portcullis/test/envtest"
)

// syncBuffer is a bytes.Buffer safe to read while Run writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestRunOnLocalControlPlane is `make run` after the cluster is up: the
// manager comes up with its webhook, the library loads, a privileged pod is
// refused, and stopping removes the webhook registration.
func TestRunOnLocalControlPlane(t *testing.T) {
	env := envtest.Start(t)
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	repo, err := controlplane.FindRepoRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "portcullis")
	build := exec.Command("go", "build", "-o", bin, "./cmd/portcullis")
	build.Dir = repo
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build portcullis: %v\n%s", err, out)
	}

	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{
			Kubeconfig: env.KubeconfigPath(),
			Kubectl:    env.KubectlPath(),
			Portcullis: bin,
			RepoDir:    repo,
			StateDir:   t.TempDir(),
			Library:    filepath.Join("library", "pod-security-policy"),
			Stdout:     out,
		})
	}()
	deadline := time.After(4 * time.Minute)
	for !strings.Contains(out.String(), "Portcullis is running") {
		select {
		case err := <-done:
			t.Fatalf("Run ended early: %v\n%s", err, out)
		case <-deadline:
			cancel()
			t.Fatalf("Run never got ready:\n%s", out)
		case <-time.After(200 * time.Millisecond):
		}
	}
	for _, want := range []string{"run web --image=nginx --privileged", "get constraints", "verify library/..."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output does not suggest %q:\n%s", want, out)
		}
	}

	got, err := env.Kubectl(ctx, "run", "web", "--image=nginx", "--privileged")
	if err == nil || !strings.Contains(string(got), `denied the request: `) || !strings.Contains(string(got), "[psp-privileged-container]") {
		t.Fatalf("privileged pod: err=%v output:\n%s", err, got)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	left, err := env.Kubectl(context.Background(), "get", "validatingwebhookconfigurations", "-o", "name")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(left), "gatekeeper-validating-webhook-configuration") {
		t.Fatalf("webhook registration left behind after stop: %s", left)
	}
}

func TestIsLoopback(t *testing.T) {
	tests := map[string]bool{
		"https://127.0.0.1:6443":  true,
		"https://localhost:6443":  true,
		"https://[::1]:6443":      true,
		"https://10.0.0.1:6443":   false,
		"https://api.example.com": false,
		"://not a url":            false,
	}
	for server, want := range tests {
		if got := isLoopback(server); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", server, got, want)
		}
	}
}
