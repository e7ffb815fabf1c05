package controlplane

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
)

func TestClassifyBuildError(t *testing.T) {
	base := errors.New("exit status 1")
	tests := []struct {
		name   string
		output string
		want   error
		// wantText must appear in the message, to point the user at the fix.
		wantText string
	}{
		{
			name:     "proxy lookup fails",
			output:   `go: k8s.io/api@v0.36.4: Get "https://proxy.golang.org/k8s.io/api/@v/v0.36.4.mod": dial tcp: lookup proxy.golang.org: no such host`,
			want:     ErrModuleProxyUnreachable,
			wantText: "GOPROXY=https://proxy.example",
		},
		{
			name:     "proxy times out",
			output:   "go: downloading x v1\nread tcp 1.2.3.4:443: i/o timeout",
			want:     ErrModuleProxyUnreachable,
			wantText: "GOPROXY=",
		},
		{
			name:     "disk full",
			output:   "/root/.cache/go-build/ab: write: no space left on device",
			want:     ErrDiskFull,
			wantText: "go env GOCACHE",
		},
		{name: "compile error stays as is", output: "./main.go:3:1: syntax error", want: base},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := classifyBuildError(base, tt.output, "https://proxy.example")
			if !errors.Is(err, tt.want) {
				t.Errorf("classifyBuildError() = %v, want it to wrap %v", err, tt.want)
			}
			if !errors.Is(err, base) {
				t.Errorf("classifyBuildError() = %v lost the original error", err)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("classifyBuildError() = %q, want it to mention %q", err, tt.wantText)
			}
		})
	}
}

func TestExplainFSErrorMarksENOSPC(t *testing.T) {
	err := explainFSError(fmt.Errorf("write x: %w", syscall.ENOSPC))
	if !errors.Is(err, ErrDiskFull) || !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("explainFSError() = %v, want ErrDiskFull wrapping ENOSPC", err)
	}
	if err := explainFSError(syscall.EACCES); errors.Is(err, ErrDiskFull) {
		t.Errorf("explainFSError(EACCES) = %v, want no ErrDiskFull", err)
	}
}

func TestIsPackageLine(t *testing.T) {
	tests := map[string]bool{
		"k8s.io/api/core/v1":             true,
		"go: downloading k8s.io/api v1":  false,
		"./x.go:1:2: undefined: y":       false,
		"":                               false,
		"github.com/foo/bar/internal/qq": true,
	}
	for line, want := range tests {
		if got := isPackageLine(line); got != want {
			t.Errorf("isPackageLine(%q) = %v, want %v", line, got, want)
		}
	}
}

func TestTailBufferKeepsTheEnd(t *testing.T) {
	tail := &tailBuffer{max: 10}
	for _, line := range []string{"aaaa", "bbbb", "cccc", "dddd"} {
		tail.add(line)
	}
	if got, want := tail.String(), "cccc\ndddd"; got != want {
		t.Errorf("tail = %q, want %q", got, want)
	}
}
