package dev

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portcullis-dev/portcullis/test/controlplane"
	"github.com/portcullis-dev/portcullis/test/envtest"
)

// Running is a Run started by StartForTest.
type Running struct {
	cancel context.CancelFunc
	done   chan error
	out    *syncBuffer
	once   sync.Once
	err    error
}

// StartForTest builds the portcullis binary, runs what `make run` runs
// against env's control plane (installing library, as Options.Library), and
// waits until it reports it is running. It is stopped when t ends, if the
// test has not stopped it already.
func StartForTest(t testing.TB, env *envtest.Env, library string) *Running {
	t.Helper()
	repo, err := controlplane.FindRepoRoot(".")
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
	r := &Running{cancel: cancel, done: make(chan error, 1), out: &syncBuffer{}}
	go func() {
		r.done <- Run(ctx, Options{Kubeconfig: env.KubeconfigPath(), Kubectl: env.KubectlPath(),
			Portcullis: bin, RepoDir: repo, StateDir: t.TempDir(), Library: library, Stdout: r.out})
	}()
	t.Cleanup(func() {
		if err := r.Stop(); err != nil {
			t.Errorf("portcullis-dev: %v", err)
		}
	})
	deadline := time.After(4 * time.Minute)
	for !strings.Contains(r.out.String(), "Portcullis is running") {
		select {
		case err := <-r.done:
			r.done <- err
			t.Fatalf("portcullis-dev ended early: %v\n%s", err, r.out)
		case <-deadline:
			t.Fatalf("portcullis-dev never got ready:\n%s", r.out)
		case <-time.After(200 * time.Millisecond):
		}
	}
	return r
}

// Output is what Run printed so far.
func (r *Running) Output() string { return r.out.String() }

// Stop ends the run (manager stopped, webhook registration removed) and
// returns Run's error. Calling it again returns the same error.
func (r *Running) Stop() error {
	r.once.Do(func() {
		r.cancel()
		r.err = <-r.done
	})
	return r.err
}

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
