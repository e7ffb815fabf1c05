package dev

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portcullis-dev/portcullis/test/envtest"
)

// TestRunOnLocalControlPlane is `make run` after the cluster is up: the
// manager comes up with its webhook, the library loads, a privileged pod is
// refused, and stopping removes the webhook registration.
func TestRunOnLocalControlPlane(t *testing.T) {
	env := envtest.Start(t)
	run := StartForTest(t, env, filepath.Join("library", "pod-security-policy"))
	for _, want := range []string{"run web --image=nginx --privileged", "get constraints", "verify library/..."} {
		if !strings.Contains(run.Output(), want) {
			t.Errorf("output does not suggest %q:\n%s", want, run.Output())
		}
	}

	ctx := context.Background()
	got, err := env.Kubectl(ctx, "run", "web", "--image=nginx", "--privileged")
	if err == nil || !strings.Contains(string(got), `denied the request: `) || !strings.Contains(string(got), "[psp-privileged-container]") {
		t.Fatalf("privileged pod: err=%v output:\n%s", err, got)
	}

	if err := run.Stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	left, err := env.Kubectl(ctx, "get", "validatingwebhookconfigurations", "-o", "name")
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
