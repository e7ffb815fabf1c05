package controlplane

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Errors that explain the usual reasons a control-plane build fails.
var (
	// ErrModuleProxyUnreachable means go could not download modules.
	ErrModuleProxyUnreachable = errors.New("go module proxy unreachable")
	// ErrDiskFull means a write failed for lack of space.
	ErrDiskFull = errors.New("disk full")
)

// goRun runs one `go build -v` and reports progress while it runs.
type goRun struct {
	goCmd, dir string
	args       []string
	label      string
	progress   func(format string, args ...any)
	every      time.Duration
}

// do runs the command. On failure the error carries the tail of go's output
// and, where recognised, wraps ErrModuleProxyUnreachable or ErrDiskFull.
func (r goRun) do(ctx context.Context) error {
	cmd := exec.CommandContext(ctx, r.goCmd, r.args...)
	cmd.Dir = r.dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return fmt.Errorf("pipe go output: %w", err)
	}
	cmd.Stdout = cmd.Stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", r.goCmd, err)
	}
	tail := &tailBuffer{max: 64 << 10}
	compiled := r.watch(stderr, tail)
	// Read go's output to the end before Wait: Wait closes the pipe, and
	// output still unread then (often the error itself) would be lost.
	n := compiled()
	err = cmd.Wait()
	if err != nil {
		return classifyBuildError(fmt.Errorf("go %s in %s: %w\n%s", strings.Join(r.args, " "), r.dir, err, tail), tail.String(), goProxy(r.goCmd))
	}
	r.progress("%s: compiled %d packages", r.label, n)
	return nil
}

// watch consumes go's output, counting the package lines `go build -v`
// prints and reporting the count every r.every. The returned func waits for
// the output to end and returns the final count.
func (r goRun) watch(out io.Reader, tail *tailBuffer) func() int {
	var mu sync.Mutex
	count := 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		scanner := bufio.NewScanner(out)
		scanner.Buffer(make([]byte, 64<<10), 1<<20)
		for scanner.Scan() {
			line := scanner.Text()
			tail.add(line)
			if isPackageLine(line) {
				mu.Lock()
				count++
				mu.Unlock()
			}
		}
	}()
	go func() {
		start := time.Now()
		ticker := time.NewTicker(r.every)
		defer ticker.Stop()
		for {
			select {
			case <-done:
				return
			case <-ticker.C:
				mu.Lock()
				n := count
				mu.Unlock()
				r.progress("%s: still building, %d packages compiled so far (%s elapsed; a cold build takes ~10-15 min on 2 cores)",
					r.label, n, time.Since(start).Round(time.Second))
			}
		}
	}()
	return func() int {
		<-done
		mu.Lock()
		defer mu.Unlock()
		return count
	}
}

// isPackageLine reports whether a line of `go build -v` output names a
// package rather than being an error or download message.
func isPackageLine(line string) bool {
	return line != "" && !strings.ContainsAny(line, " \t:")
}

// classifyBuildError wraps err with a sentinel and a hint when go's output
// shows a known cause.
func classifyBuildError(err error, output, proxy string) error {
	lower := strings.ToLower(output)
	switch {
	case strings.Contains(lower, "no space left on device"):
		return fmt.Errorf("%w: free space in the cache dir, $TMPDIR and the Go build cache (`go env GOCACHE`): %w", ErrDiskFull, err)
	case isNetworkFailure(lower):
		return fmt.Errorf("%w: go could not download modules through GOPROXY=%s; check network access to it, or point GOPROXY at a reachable mirror: %w", ErrModuleProxyUnreachable, proxy, err)
	}
	return err
}

func isNetworkFailure(lower string) bool {
	for _, marker := range []string{
		"dial tcp", "no such host", "connection refused", "i/o timeout",
		"tls handshake timeout", "network is unreachable", "proxyconnect", "server misbehaving",
	} {
		if strings.Contains(lower, marker) {
			return true
		}
	}
	return false
}

// goProxy returns the GOPROXY in effect, for error messages.
func goProxy(goCmd string) string {
	if p := os.Getenv("GOPROXY"); p != "" {
		return p
	}
	out, err := exec.Command(goCmd, "env", "GOPROXY").Output()
	if err != nil {
		return "(unknown)"
	}
	return strings.TrimSpace(string(out))
}

// explainFSError marks out-of-space errors with ErrDiskFull.
func explainFSError(err error) error {
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("%w: %w", ErrDiskFull, err)
	}
	return err
}

// tailBuffer keeps roughly the last max bytes of lines added to it.
type tailBuffer struct {
	mu    sync.Mutex
	max   int
	size  int
	lines []string
}

func (t *tailBuffer) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, line)
	t.size += len(line) + 1
	for t.size > t.max && len(t.lines) > 1 {
		t.size -= len(t.lines[0]) + 1
		t.lines = t.lines[1:]
	}
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.lines, "\n")
}
