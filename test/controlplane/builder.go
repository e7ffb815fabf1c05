package controlplane

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Builder compiles the control-plane binaries into a versioned cache dir and
// reuses what is already there.
type Builder struct {
	// RepoRoot is the Portcullis checkout holding test/controlplane/{kube,etcd}.
	RepoRoot string
	// CacheRoot is the Portcullis cache root (see CacheRoot).
	CacheRoot string
	// Versions to build; the zero value means DefaultVersions.
	Versions Versions
	// GoCmd is the go command; empty means "go" from PATH.
	GoCmd string
	// Progress receives human-readable progress lines; nil discards them.
	Progress io.Writer
	// ProgressEvery is the interval between "still building" lines; zero means 20s.
	ProgressEvery time.Duration
	// Now is the clock used for the build date; nil means time.Now.
	Now func() time.Time
}

// Ensure makes sure all three binaries exist, run and report the expected
// versions, building the ones that do not. It returns the binary directory.
// Concurrent callers (several `go test` processes) serialise on a file lock,
// so a binary is never built twice.
func (b *Builder) Ensure(ctx context.Context) (string, error) {
	b.defaults()
	dir := BinDir(b.CacheRoot, b.Versions)
	if todo := b.stale(ctx, dir); len(todo) == 0 {
		return dir, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create binary dir: %w", explainFSError(err))
	}
	unlock, err := b.lock(ctx, dir)
	if err != nil {
		return "", err
	}
	defer unlock()

	// Another process may have finished the build while we waited.
	todo := b.stale(ctx, dir)
	for i, bin := range todo {
		b.printf("building %s (%d of %d) into %s", bin.name, i+1, len(todo), dir)
		if err := b.build(ctx, dir, bin); err != nil {
			return "", err
		}
	}
	return dir, nil
}

func (b *Builder) defaults() {
	if b.Versions == (Versions{}) {
		b.Versions = DefaultVersions
	}
	if b.GoCmd == "" {
		b.GoCmd = "go"
	}
	if b.Progress == nil {
		b.Progress = io.Discard
	}
	if b.ProgressEvery == 0 {
		b.ProgressEvery = 20 * time.Second
	}
	if b.Now == nil {
		b.Now = time.Now
	}
}

// stale returns the binaries in dir that are missing or fail verification.
func (b *Builder) stale(ctx context.Context, dir string) []binary {
	var todo []binary
	for _, bin := range binaries(b.Versions) {
		path := filepath.Join(dir, bin.name)
		if _, err := os.Stat(path); err != nil {
			todo = append(todo, bin)
			continue
		}
		if err := bin.verify(ctx, path); err != nil {
			b.printf("cached %s unusable, rebuilding: %v", bin.name, err)
			todo = append(todo, bin)
		}
	}
	return todo
}

// lock takes the build lock for dir, saying so when it has to wait.
func (b *Builder) lock(ctx context.Context, dir string) (func(), error) {
	path := filepath.Join(dir, ".build.lock")
	unlock, err := tryLock(path)
	if errors.Is(err, errLocked) {
		b.printf("another process is building the control plane; waiting for lock %s", path)
		unlock, err = waitLock(ctx, path)
	}
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, explainFSError(err))
	}
	return unlock, nil
}

// build compiles one binary to a temporary name, verifies it and renames it
// into place, so readers never see a half-written file.
func (b *Builder) build(ctx context.Context, dir string, bin binary) error {
	final := filepath.Join(dir, bin.name)
	tmp := filepath.Join(dir, fmt.Sprintf(".%s.tmp-%d", bin.name, os.Getpid()))
	defer os.Remove(tmp)

	args := []string{"build", "-v", "-o", tmp}
	if bin.kubeVersion {
		flags, err := kubeLDFlags(b.Versions, b.Now())
		if err != nil {
			return err
		}
		args = append(args, "-ldflags", flags)
	}
	args = append(args, bin.pkg)

	start := b.Now()
	run := goRun{
		goCmd: b.GoCmd, dir: filepath.Join(b.RepoRoot, bin.moduleDir), args: args,
		progress: b.printf, every: b.ProgressEvery, label: bin.name,
	}
	if err := run.do(ctx); err != nil {
		return fmt.Errorf("build %s: %w", bin.name, err)
	}
	if err := bin.verify(ctx, tmp); err != nil {
		return fmt.Errorf("verify freshly built %s: %w", bin.name, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("install %s: %w", bin.name, explainFSError(err))
	}
	b.printf("built %s in %s", bin.name, b.Now().Sub(start).Round(time.Second))
	return nil
}

func (b *Builder) printf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintln(b.Progress, "controlplane: "+strings.TrimSpace(msg))
}
