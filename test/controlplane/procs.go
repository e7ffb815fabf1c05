package controlplane

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// pidFileName is the file in a state dir listing the processes a run started,
// one "PID BINARY-PATH" per line.
const pidFileName = "pids"

// ErrStaleProcess means a process from an earlier run could not be stopped.
var ErrStaleProcess = errors.New("leftover control-plane process")

// process is a started control-plane process.
type process struct {
	pid  int
	path string
}

func writePIDFile(path string, procs []process) error {
	var b strings.Builder
	for _, p := range procs {
		fmt.Fprintf(&b, "%d %s\n", p.pid, p.path)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("write pid file: %w", explainFSError(err))
	}
	return nil
}

func readPIDFile(file string) ([]process, error) {
	f, err := os.Open(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read pid file: %w", err)
	}
	defer f.Close()
	var procs []process
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		pidText, path, ok := strings.Cut(strings.TrimSpace(scanner.Text()), " ")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil || pid <= 0 {
			return nil, fmt.Errorf("pid file %s: bad line %q", file, scanner.Text())
		}
		procs = append(procs, process{pid: pid, path: path})
	}
	return procs, scanner.Err()
}

// StopStale stops the processes recorded in stateDir's pid file by an earlier
// run that did not shut down (for example a killed `make run`). A recorded
// process is only signalled while /proc says it still runs the recorded
// binary with this state dir, so a recycled pid is never touched.
func StopStale(stateDir string) error {
	stateDir, err := filepath.Abs(stateDir)
	if err != nil {
		return fmt.Errorf("resolve state dir: %w", err)
	}
	file := filepath.Join(stateDir, pidFileName)
	procs, err := readPIDFile(file)
	if err != nil {
		return fmt.Errorf("%w (remove %s by hand if it is garbage)", err, file)
	}
	var errs []error
	for _, p := range procs {
		if !belongsTo(p.pid, p.path, stateDir) {
			continue
		}
		if err := terminate(p.pid, p.path); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w; stop them by hand, then remove %s", ErrStaleProcess, err, stateDir)
	}
	if err := os.Remove(file); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove pid file: %w", err)
	}
	return nil
}

// terminate sends SIGTERM, waits up to 10s, then SIGKILL and waits up to 5s
// more, so the process is gone when it returns nil.
func terminate(pid int, path string) error {
	err := syscall.Kill(pid, syscall.SIGTERM)
	if errors.Is(err, syscall.ESRCH) {
		return nil // already gone
	}
	if err != nil {
		return fmt.Errorf("signal pid %d (%s): %w", pid, path, err)
	}
	if waitGone(pid, path, 10*time.Second) {
		return nil
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill pid %d (%s): %w", pid, path, err)
	}
	if !waitGone(pid, path, 5*time.Second) {
		return fmt.Errorf("pid %d (%s) survived SIGKILL", pid, path)
	}
	return nil
}

// waitGone polls until pid no longer runs path or timeout passes.
func waitGone(pid int, path string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for runsBinary(pid, path) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
	return true
}

// runsBinary reports whether pid is alive (not a zombie) and executing path.
func runsBinary(pid int, path string) bool {
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		return false
	}
	if strings.TrimSuffix(exe, " (deleted)") != path {
		return false
	}
	state, _, err := statOf(pid)
	return err == nil && state != "Z"
}

// belongsTo reports whether pid runs path with a command-line argument
// inside stateDir (its --data-dir or --cert-dir).
func belongsTo(pid int, path, stateDir string) bool {
	if !runsBinary(pid, path) {
		return false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return err == nil && bytes.Contains(cmdline, []byte("="+stateDir+string(filepath.Separator)))
}

// childProcesses lists this process's children that run one of binaries
// for the plane whose state is in stateDir. Several planes may run in one
// process, so the state dir tells them apart.
func childProcesses(binaries []string, stateDir string) []process {
	for i, bin := range binaries {
		if resolved, err := filepath.EvalSymlinks(bin); err == nil {
			binaries[i] = resolved
		}
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := os.Getpid()
	var procs []process
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if _, ppid, err := statOf(pid); err != nil || ppid != self {
			continue
		}
		for _, bin := range binaries {
			if belongsTo(pid, bin, stateDir) {
				procs = append(procs, process{pid: pid, path: bin})
			}
		}
	}
	return procs
}

// statOf reads the state letter and parent pid from /proc/PID/stat.
func statOf(pid int) (string, int, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", 0, err
	}
	// The command name is in parentheses and may hold spaces; fields follow the last ')'.
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return "", 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	fields := strings.Fields(string(data[i+1:]))
	if len(fields) < 2 {
		return "", 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	ppid, err := strconv.Atoi(fields[1])
	return fields[0], ppid, err
}
