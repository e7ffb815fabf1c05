package controlplane

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// tempStatePrefix names the temporary state dirs of planes started without
// a StateDir (tests).
const tempStatePrefix = "portcullis-controlplane-"

// ReapOrphans stops control-plane processes that a killed test process left
// behind (for example after `go test -timeout` fired) and removes their
// temporary state. A process is only touched when all of these hold: its
// parent is pid 1 (its starter is gone), it runs etcd or kube-apiserver from
// binDir, and its data or cert dir is a temporary state dir of this package.
// Processes of running tests and of `make run` never match.
func ReapOrphans(binDir string) error {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil // not Linux: nothing to inspect
	}
	var errs []error
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		path, stateDir, ok := orphanOf(pid, binDir)
		if !ok {
			continue
		}
		if err := terminate(pid, path); err != nil {
			errs = append(errs, err)
			continue
		}
		_ = os.RemoveAll(stateDir)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("reap orphaned control-plane processes: %w", err)
	}
	return nil
}

// orphanOf reports whether pid is an orphaned control-plane process from
// binDir, returning its binary and temporary state dir.
func orphanOf(pid int, binDir string) (string, string, bool) {
	if _, ppid, err := statOf(pid); err != nil || ppid != 1 {
		return "", "", false
	}
	var path string
	for _, name := range []string{Etcd, KubeAPIServer} {
		candidate := filepath.Join(binDir, name)
		if resolved, err := filepath.EvalSymlinks(candidate); err == nil {
			candidate = resolved
		}
		if runsBinary(pid, candidate) {
			path = candidate
		}
	}
	if path == "" {
		return "", "", false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return "", "", false
	}
	stateDir, ok := tempStateDir(cmdline, os.TempDir())
	return path, stateDir, ok
}

// tempStateDir finds --data-dir= or --cert-dir= in a NUL-separated command
// line and returns its parent when that is a temporary state dir under tmp.
func tempStateDir(cmdline []byte, tmp string) (string, bool) {
	for _, arg := range bytes.Split(cmdline, []byte{0}) {
		for _, flag := range []string{"--data-dir=", "--cert-dir="} {
			value, ok := strings.CutPrefix(string(arg), flag)
			if !ok {
				continue
			}
			parent := filepath.Dir(filepath.Clean(value))
			if filepath.Dir(parent) == filepath.Clean(tmp) && strings.HasPrefix(filepath.Base(parent), tempStatePrefix) {
				return parent, true
			}
		}
	}
	return "", false
}
