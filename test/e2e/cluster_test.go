package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Bounds for one kubectl call and for waiting on the manager.
const (
	kubectlTimeout = time.Minute
	waitTimeout    = 90 * time.Second
)

// kube runs the project's kubectl against the test control plane.
type kube struct {
	kubectl    string
	kubeconfig string
}

// run runs kubectl with stdin and returns its combined output; a failing
// kubectl is an error carrying that output.
func (k kube) run(stdin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), kubectlTimeout)
	defer cancel()
	full := append([]string{"--kubeconfig", k.kubeconfig}, args...)
	cmd := exec.CommandContext(ctx, k.kubectl, full...)
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, out.String())
	}
	return out.String(), nil
}

// must runs kubectl and fails t if it fails.
func (k kube) must(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, err := k.run(stdin, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// eventually polls check until it reports done, failing t with the last
// output after waitTimeout.
func eventually(t *testing.T, what string, check func() (done bool, last string)) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		done, last := check()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting until %s; last output:\n%s", waitTimeout, what, last)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// refused runs kubectl expecting the webhook to refuse, and returns the
// output once it does (policies load asynchronously, so it retries).
func (k kube) refused(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	var out string
	eventually(t, "kubectl "+strings.Join(args, " ")+" is refused by the webhook", func() (bool, string) {
		var err error
		out, err = k.run(stdin, args...)
		return err != nil && strings.Contains(out, `admission webhook "validation.gatekeeper.sh" denied the request`), out
	})
	return out
}

// wantAll fails t unless out contains every one of want.
func wantAll(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("kubectl output lacks %q:\n%s", w, out)
		}
	}
}
